"""The demo district's 2026 campaign, in the self-assessment stage: every commune and agency takes part — the communes
on the communes' sample set, the agencies on the agencies' — and about half the communes have started scoring (some
complete and submitted, one with its own extension). Appraisal rolls: of the three communes that submitted, one is
appraised and one half-way while the others still draft. Everything goes through the services, so the audit log and
notifications look like real use. Deterministic (random.Random(2026)) and idempotent: nothing is added when the
campaign exists."""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from dvcq.platform import clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring.models import (
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    Method,
    NodeKind,
)
from dvcq.tenants.demo import AGENCIES, COMMUNES, DISTRICT, GROUP_AGENCIES
from dvcq.tenants.models import Unit, UnitGroup

YEAR = 2026
FEATURED = "BATO-BDO"
NOTES = {
    "full": "Đã thực hiện đầy đủ theo hướng dẫn; tài liệu kiểm chứng kèm theo.",
    "part": "Thực hiện chưa đầy đủ so với yêu cầu nên tự trừ điểm; đã nêu rõ trong báo cáo.",
    "none": "Trong năm chưa thực hiện nội dung này.",
}
DOCUMENTS = [
    ("Kế hoạch thực hiện công tác dân vận chính quyền năm 2026.pdf", "Kế hoạch", "UBND xã"),
    ("Báo cáo kết quả thực hiện Quy chế dân chủ ở cơ sở.pdf", "Báo cáo", "UBND xã"),
    ("Quyết định kiện toàn Ban Chỉ đạo.pdf", "Quyết định", "UBND xã"),
    ("Biên bản hội nghị đối thoại với Nhân dân.pdf", "Biên bản", "UBND xã"),
]


def _pdf(title: str) -> bytes:
    """A small valid one-page PDF (ASCII text) so that demo downloads open in any viewer."""
    text = title.encode("ascii", "replace").decode()
    stream = f"BT /F1 14 Tf 60 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def _score(node: CriteriaNode, strength: float, rng: random.Random) -> Decimal:
    """A value a commune of this strength would claim, valid for the leaf's method and step."""
    top, step = node.max_points, node.step or Decimal("0.25")
    chance = {NodeKind.PENALTY: 0.15, NodeKind.BONUS: 0.4}.get(node.kind, strength)
    if node.method == Method.YES_NO:
        return top if rng.random() < chance else Decimal("0.00")
    if node.kind != NodeKind.NORMAL:
        return min(top, step * rng.randint(1, 3)) if rng.random() < chance else Decimal("0.00")
    steps = int(top / step)
    lost = sum(1 for _ in range(steps) if rng.random() > strength)
    if node.method == Method.DEDUCTION:
        return top - step * min(lost, steps)
    return step * max(steps - lost, 0) if steps - lost < steps else top


def _sample_version(district: Unit) -> CriteriaVersion | None:
    version = db.session.execute(
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == district.id, CriteriaVersion.is_sample.is_(True))
        .order_by(CriteriaVersion.id)
        .limit(1)
    ).scalar_one_or_none()
    if version is not None:
        return version
    try:
        from dvcq.scoring.criteria.services import load_sample
    except ImportError:  # the criteria room is not there: no campaign to seed
        return None
    return load_sample(district.id, actor=None)


def _criteria(district: Unit, communes: CriteriaVersion) -> dict[int, int]:
    """{group id: version id}: the agencies on the agencies' sample set, every other group on the communes'."""
    from dvcq.scoring.criteria.services import AGENCY_SAMPLE, load_sample, sample_version

    agencies = sample_version(district.id, AGENCY_SAMPLE) or load_sample(district.id, actor=None, kind=AGENCY_SAMPLE)
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == district.id)).scalars()
    return {g.id: (agencies if g.name == GROUP_AGENCIES else communes).id for g in groups}


def _users(unit_ids) -> dict[tuple[int, Role], User]:
    rows = db.session.execute(select(User).where(User.unit_id.in_(list(unit_ids)), User.active.is_(True))).scalars()
    return {(u.unit_id, u.role): u for u in rows}


def seed_campaign_2026() -> None:
    # Hundreds of small commits follow (one per saved item, as in real use); keeping loaded rows fresh in memory
    # instead of re-reading them after each commit keeps the demo quick. Single-threaded, so nothing goes stale.
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        _seed_campaign_2026()
    finally:
        session.expire_on_commit = keep


def _seed_campaign_2026() -> None:
    from dvcq.scoring.campaigns import deadlines, drafting, stages
    from dvcq.scoring.campaigns import services as campaigns
    from dvcq.scoring.evidence import citations, uploads
    from dvcq.scoring.selfassessment import services as selfassessment

    district = db.session.execute(select(Unit).where(Unit.code == DISTRICT[0])).scalar_one_or_none()
    if district is None:
        return
    exists = db.session.execute(
        select(Campaign.id).where(Campaign.authority_id == district.id, Campaign.year == YEAR)
    ).first()
    if exists is not None:
        return
    version = _sample_version(district)
    secretariat = db.session.execute(
        select(User).where(User.unit_id == district.id, User.role == Role.SECRETARIAT)
    ).scalar_one_or_none()
    if version is None or secretariat is None:
        return
    rng = random.Random(2026)
    codes = [code for code, _, _ in COMMUNES] + [code for code, _ in AGENCIES]
    units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    today = campaigns.vn_day(clock.now())
    campaign = drafting.create_campaign(
        secretariat,
        year=YEAR,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {YEAR}",
        criteria=_criteria(district, version),
        unit_ids=[units[c].id for c in codes if c in units],
        deadlines={
            CampaignStatus.SELF_ASSESSMENT: today + timedelta(days=21),
            CampaignStatus.APPRAISAL: today + timedelta(days=35),
            CampaignStatus.EXPLANATION: today + timedelta(days=49),
            CampaignStatus.FINAL_REVIEW: today + timedelta(days=60),
        },
    )
    stages.advance(secretariat, campaign.id, campaign.version)

    # Ba Động (the commune of the demo's printed logins) is always part-way through; nine others are drawn.
    featured = units.get(FEATURED)
    others = [units[code] for code, _, _ in COMMUNES if code in units and code != FEATURED]
    started = sorted(rng.sample(others, 9), key=lambda u: u.code)
    plans = ["submitted"] * 3 + ["complete"] * 2 + ["partial"] * 4
    rng.shuffle(plans)
    if featured is not None:
        started, plans = [featured, *started], ["partial", *plans]
    people = _users(u.id for u in started)
    leaves = {
        n.id: n
        for n in db.session.execute(
            select(CriteriaNode).where(CriteriaNode.version_id == version.id, CriteriaNode.is_leaf.is_(True))
        ).scalars()
    }
    extended = False
    for unit, plan in zip(started, plans, strict=True):
        officer, leader = people.get((unit.id, Role.OFFICER)), people.get((unit.id, Role.LEADER))
        if officer is None:
            continue
        assessment = next(a for a in campaigns.participants(campaign) if a.unit_id == unit.id)
        strength = rng.uniform(0.7, 0.97)
        library = []
        for name, kind, issuer in DOCUMENTS:
            upload = FileStorage(stream=io.BytesIO(_pdf(_ascii(f"{unit.name}: {name[:-4]}"))), filename=name)
            meta = {"doc_number": f"{rng.randint(10, 250)}/{kind[:2].upper()}-UBND", "issuer": f"{issuer} {unit.name}"}
            library.append(uploads.upload(officer, unit.id, upload, meta))
        items = db.session.execute(
            select(ItemScore).where(ItemScore.assessment_id == assessment.id).order_by(ItemScore.node_position)
        ).scalars()
        share = 1.0 if plan != "partial" else rng.uniform(0.3, 0.8)
        for item in list(items):
            node = leaves[item.node_id]
            if node.authority_only or rng.random() > share:
                continue
            value = _score(node, strength, rng)
            note = NOTES["full"] if value == node.max_points else NOTES["part"] if value else NOTES["none"]
            if node.kind != NodeKind.NORMAL:
                note = "Không phát sinh trong năm." if not value else "Có quyết định khen thưởng, công nhận kèm theo."
            saved, _ = selfassessment.save_item(
                officer, assessment.id, item.id, version=item.version, score=str(value), note=note
            )
            if node.evidence_required and value > 0 and (plan != "partial" or rng.random() < 0.6):
                citations.link(officer, saved.id, rng.choice(library).id, f"tr. {rng.randint(1, 12)}")
        if plan == "submitted" and leader is not None:
            selfassessment.submit(leader, assessment.id, confirmed=True)
        if plan == "partial" and unit.code != FEATURED and not extended:
            deadlines.extend_unit_deadline(
                secretariat,
                campaign.id,
                assessment.id,
                day=today + timedelta(days=28),
                reason="Xã bị ảnh hưởng mưa lũ kéo dài, đề nghị gia hạn thêm 7 ngày để hoàn thiện hồ sơ.",
            )
            extended = True
    _appraise_early(campaign, secretariat)


DEDUCTIONS = [
    ("thieu_kiem_chung", "Chưa có biên bản kèm theo; đề nghị bổ sung khi giải trình."),
    ("chua_day_du", "Thực hiện chưa đủ số cuộc theo kế hoạch."),
]


def _appraise_early(campaign: Campaign, secretariat: User) -> None:
    """Rolling appraisal in the demo: the areas are split between the two appraisers, and of the three communes that
    submitted, the first is appraised in full (two deductions), the second is half-way (one appraiser's areas), the
    third waits — while the other communes still draft. A separate random stream keeps the figures above unchanged."""
    from dvcq.scoring.appraisal import services as appraisal
    from dvcq.scoring.appraisal import teams
    from dvcq.scoring.campaigns import services as campaigns

    team = appraisal.appraisers_of(campaign)
    if len(team) < 2:
        return
    plan = {area.id: team[i % 2].id for _, areas in appraisal.areas_of(campaign) for i, area in enumerate(areas)}
    teams.split_by_area(secretariat, campaign.id, plan)
    rng = random.Random(2027)
    submitted = [a for a in campaigns.participants(campaign) if a.status == AssessmentStatus.SUBMITTED]
    for assessment, appraisers in zip(submitted, (team[:2], team[:1]), strict=False):
        items = list(
            db.session.execute(
                select(ItemScore).where(ItemScore.assessment_id == assessment.id).order_by(ItemScore.node_position)
            ).scalars()
        )
        for appraiser in appraisers:
            areas = appraisal.appraisable_areas(appraiser, assessment)
            mine = [i for i in items if areas is None or appraisal.area_code(i.node.code) in areas]
            agreed = appraisal.agree_with_self_scores(appraiser, assessment.id, {i.id: i.version for i in mine})
            left = [i for i, _ in agreed.skipped if i.self_score is None]  # the appraisers' own items
            for item in left:
                appraisal.save_appraisal(appraiser, item.id, item.version, str(item.node.max_points), [], "")
            lowered = [i for i in agreed.agreed if i.self_score and i.node.kind == NodeKind.NORMAL]
            for item, (reason, note) in zip(rng.sample(lowered, min(2, len(lowered))), DEDUCTIONS, strict=False):
                step = item.node.step or Decimal("0.25")
                lower = Decimal("0") if item.node.method == Method.YES_NO else max(item.self_score - step, Decimal("0"))
                appraisal.save_appraisal(appraiser, item.id, item.version, str(lower), [reason], note)
