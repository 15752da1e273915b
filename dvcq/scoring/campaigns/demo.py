"""The province's running 2026 campaign: Tỉnh Quảng Ngãi assesses the 8 new communes (on the communes' sample set) and
its 5 agencies (on the agencies'), and is in the appraisal stage with a unit at every stage a newcomer should see
(`STAGES`): a commune still self-assessing on an individual extension that runs into appraisal (floods), dossiers
waiting for appraisal, half
appraised, appraised, released with points deducted, an explanation drafted, one sent with a file, one answered, and
units whose round is over. The appraisers split the communes' areas between them and take the agencies one each.

The story is played through the real services over the eight weeks before today, each step at its own moment: the
one clock is set to it, as the tests set it, and ticks a second at each reading. So the audit log, the notifications
and every "… lúc" on the pages read like real use, and every rule holds as it would have on that day. Deterministic
(random.Random(2026) and each unit's own evidence) and idempotent: nothing is added when the campaign exists."""

from __future__ import annotations

import contextlib
import enum
import io
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from dvcq.platform import clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, vn_date
from dvcq.scoring.campaigns import demo_evidence
from dvcq.scoring.models import (
    Assessment,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    Evidence,
    ItemScore,
    Method,
    NodeKind,
)
from dvcq.tenants.demo import (
    GROUP_AGENCIES,
    PROVINCE,
    PROVINCE_AGENCIES,
    PROVINCE_AGENCY_SLUG,
    PROVINCE_COMMUNES,
    PROVINCE_SLUG,
)
from dvcq.tenants.models import Unit, UnitGroup

YEAR = 2026


class Stage(enum.IntEnum):
    """How far a unit has come; each stage includes the ones before it."""

    DRAFTING = 0  # scored part of its dossier, was given more time (still running): self-assesses into appraisal
    SUBMITTED = 1  # waiting for appraisal
    APPRAISING = 2  # one appraiser's share done
    APPRAISED = 3  # every item appraised, two with points deducted; not yet released
    RELEASED = 4  # the unit sees its preliminary result and may explain
    DRAFTED = 5  # the officer drafted an explanation; the leader has not sent it
    EXPLAINING = 6  # the leader sent it with a file; the appraiser has not answered
    ANSWERED = 7  # the appraiser answered; the round is still open
    FINAL = 8  # the leader ended the unit's round: its scores are settled


STAGES = {
    "QNG-BXA": Stage.DRAFTING,
    "QNG-BVN": Stage.SUBMITTED,
    "QNG-SNV": Stage.SUBMITTED,
    "QNG-BDI": Stage.APPRAISING,
    "QNG-STP": Stage.APPRAISING,
    "QNG-BDO": Stage.APPRAISED,
    "QNG-BVI": Stage.RELEASED,
    "QNG-VP": Stage.RELEASED,
    "QNG-DTT": Stage.DRAFTED,
    "QNG-BTO": Stage.EXPLAINING,
    "QNG-SGD": Stage.ANSWERED,
    "QNG-BATO": Stage.FINAL,
    "QNG-STC": Stage.FINAL,
}
NOTHING_TO_CONTEST = {"QNG-STC"}  # accepted its result and ended the round without explaining
UPHELD = {"QNG-BATO"}  # the appraiser accepted its explanation (others keep the preliminary score)
# Agencies are appraised one each, by unit; the communes' areas are split between the two appraisers.
AGENCY_APPRAISER = {"QNG-VP": 0, "QNG-STP": 0, "QNG-STC": 0, "QNG-SNV": 1, "QNG-SGD": 1}
APPRAISERS = ("thamdinh1", "thamdinh2")
# The two deductions of an appraised unit, by criteria set: the first is for missing evidence (a dialogue's
# minutes: the unit sends them with its explanation), the second for work not done in full.
DEDUCTED = {True: ("7.3.a", "2.1.b"), False: ("2.3.b", "3.2.c")}
DEDUCTION_NOTES = (
    ("thieu_kiem_chung", "Kế hoạch đặt 02 cuộc đối thoại nhưng hồ sơ chỉ có biên bản 01 cuộc; đề nghị bổ sung."),
    ("chua_day_du", "Thực hiện chưa đầy đủ so với chỉ tiêu của kế hoạch năm."),
)
NOTES = {
    "full": "Đã thực hiện đầy đủ theo hướng dẫn; tài liệu kiểm chứng kèm theo.",
    "part": "Thực hiện chưa đầy đủ so với yêu cầu nên tự trừ điểm; đã nêu rõ trong báo cáo.",
    "none": "Trong năm chưa thực hiện nội dung này.",
}
EXTENSION_REASON = "Xã bị ảnh hưởng mưa lũ kéo dài, đề nghị gia hạn thêm 4 tuần để hoàn thiện hồ sơ."
EXPLANATION = (
    "Năm {year}, {head} đã tổ chức 02 cuộc đối thoại trực tiếp (ngày 18/8/{year} và ngày 22/9/{year}) theo đúng kế "
    "hoạch. Hồ sơ tự đánh giá mới dẫn biên bản cuộc thứ nhất; đơn vị xin gửi bổ sung biên bản cuộc thứ hai và đề "
    "nghị tổ thẩm định xem xét giữ nguyên điểm tự chấm."
)
ANSWERS = {
    True: "Đơn vị đã bổ sung biên bản cuộc đối thoại thứ hai, đủ căn cứ; chấm lại bằng điểm tự chấm.",
    False: "Biên bản bổ sung chưa thể hiện việc trả lời kiến nghị sau đối thoại; giữ nguyên điểm thẩm định sơ bộ.",
}
# The story's calendar, in days before today: the campaign opens eight weeks ago, self-assessment closes three
# weeks ago (one commune's extension runs four weeks more: a week after today), the appraisers are assigned just
# before, appraisal started 13 days ago; the stage deadlines ahead.
OPENED, SCORED_FROM, SUBMITTED_FROM, EXTENDED, ASSIGNED = 56, 50, 30, 24, 22
SELF_DEADLINE, EXTENDED_TO, APPRAISAL_FROM = 21, -7, 13
APPRAISED_FROM, RELEASED_ON, DRAFTED_ON, SENT_ON, ANSWERED_ON, CLOSED_ON = 12, 7, 5, 4, 3, 2
AHEAD = {CampaignStatus.APPRAISAL: 14, CampaignStatus.EXPLANATION: 28, CampaignStatus.FINAL_REVIEW: 42}


def seed_campaign_2026() -> list[tuple[str, str, str]]:
    """Seed the campaign (if missing) and return the logins that show each stage."""
    # Hundreds of small commits follow (one per saved item, as in real use); keeping loaded rows fresh in memory
    # instead of re-reading them after each commit keeps the demo quick. Single-threaded, so nothing goes stale.
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        _seed()
    finally:
        session.expire_on_commit = keep
    return logins()


def logins() -> list[tuple[str, str, str]]:
    """The account that shows each unit's stage: its officer, or its leader where the next step is the leader's (an
    explanation drafted, waiting to be sent)."""
    slugs = PROVINCE_SLUG | PROVINCE_AGENCY_SLUG
    names = {code: name for code, name, *_ in PROVINCE_COMMUNES + PROVINCE_AGENCIES}
    out = []
    for code, stage in STAGES.items():
        prefix, role = ("lanhdao", Role.LEADER) if stage == Stage.DRAFTED else ("canbo", Role.OFFICER)
        label = STAGE_LABELS[code].format(extended_to=vn_date(clock.today_in_vietnam() - timedelta(days=EXTENDED_TO)))
        out.append((f"{prefix}.{slugs[code]}", role.label, f"Kỳ {YEAR}: {names[code]} — {label}"))
    return out


STAGE_LABELS = {
    "QNG-BXA": "đang tự chấm (được gia hạn riêng đến {extended_to})",
    "QNG-BVN": "đã nộp, chờ thẩm định",
    "QNG-SNV": "đã nộp, chờ thẩm định",
    "QNG-BDI": "đang thẩm định (một nửa)",
    "QNG-STP": "đang thẩm định (một nửa)",
    "QNG-BDO": "đã thẩm định xong, chờ công bố",
    "QNG-BVI": "có kết quả sơ bộ, bị trừ điểm",
    "QNG-VP": "có kết quả sơ bộ, bị trừ điểm",
    "QNG-DTT": "đang giải trình (bản nháp chờ lãnh đạo gửi)",
    "QNG-BTO": "đang giải trình (đã gửi, kèm tài liệu)",
    "QNG-SGD": "giải trình đã được trả lời",
    "QNG-BATO": "đã kết thúc giải trình, điểm đã chốt",
    "QNG-STC": "không giải trình, đã kết thúc",
}


# ---- the clock of the story ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _on(day: date, minutes: int = 0) -> Iterator[None]:
    """Run what follows at 08:00 (Vietnam) of `day` plus `minutes`, the clock ticking a second at each reading."""
    start = datetime.combine(day, time(8, 0), tzinfo=VN).astimezone(UTC) + timedelta(minutes=minutes)
    ticks = itertools.count()
    real = clock.utc
    clock.utc = lambda: start + timedelta(seconds=next(ticks))
    try:
        yield
    finally:
        clock.utc = real


class _Story:
    """The campaign's people, units and files, and the calendar counted back from today."""

    def __init__(self, province: Unit, secretariat: User, today: date):
        self.province, self.secretariat, self.today = province, secretariat, today
        codes = list(STAGES)
        self.units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
        self.codes = [code for code in codes if code in self.units]
        people = db.session.execute(
            select(User).where(User.unit_id.in_([u.id for u in self.units.values()]), User.active.is_(True))
        ).scalars()
        self.people = {(u.unit_id, u.role): u for u in people}
        self.appraisers = [
            db.session.execute(select(User).where(User.login == login)).scalar_one_or_none() for login in APPRAISERS
        ]
        self.library: dict[str, list[tuple[Evidence, demo_evidence.SampleFile]]] = {}
        self.deducted: dict[str, list[ItemScore]] = {}

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def officer(self, code: str) -> User | None:
        return self.people.get((self.units[code].id, Role.OFFICER))

    def leader(self, code: str) -> User | None:
        return self.people.get((self.units[code].id, Role.LEADER))

    def commune(self, code: str) -> bool:
        return self.units[code].group.name != GROUP_AGENCIES

    def issuer(self, code: str) -> demo_evidence.Issuer:
        unit, officer, leader = self.units[code], self.officer(code), self.leader(code)
        return demo_evidence.issuer(unit.name, self.commune(code), leader.full_name, officer.full_name)


def _seed() -> None:
    province = db.session.execute(select(Unit).where(Unit.code == PROVINCE[0])).scalar_one_or_none()
    if province is None:
        return
    exists = db.session.execute(
        select(Campaign.id).where(Campaign.authority_id == province.id, Campaign.year == YEAR)
    ).first()
    if exists is not None:
        return
    secretariat = db.session.execute(
        select(User).where(User.unit_id == province.id, User.role == Role.SECRETARIAT, User.active.is_(True))
    ).scalar_one_or_none()
    if secretariat is None:
        return
    story = _Story(province, secretariat, clock.today_in_vietnam())
    if None in story.appraisers or any(story.officer(c) is None or story.leader(c) is None for c in story.codes):
        return
    campaign = _open(story)
    _self_assess(story, campaign)
    _assign(story, campaign)
    _appraise(story, campaign)
    _explain(story, campaign)


def _assessment(campaign: Campaign, unit: Unit) -> Assessment:
    return db.session.execute(
        select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
    ).scalar_one()


def _items(assessment: Assessment) -> list[ItemScore]:
    return list(
        db.session.execute(
            select(ItemScore).where(ItemScore.assessment_id == assessment.id).order_by(ItemScore.node_position)
        ).scalars()
    )


# ---- opening ------------------------------------------------------------------------------------------------------


def _open(story: _Story) -> Campaign:
    from dvcq.scoring.campaigns import drafting, stages
    from dvcq.scoring.criteria.demo import sample_sets

    communes, agencies = sample_sets(story.province)
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == story.province.id)).scalars()
    criteria = {g.id: (agencies if g.name == GROUP_AGENCIES else communes).id for g in groups}
    deadlines = {CampaignStatus.SELF_ASSESSMENT: story.day(SELF_DEADLINE)}
    deadlines |= {stage: story.today + timedelta(days=days) for stage, days in AHEAD.items()}
    with _on(story.day(OPENED)):
        campaign = drafting.create_campaign(
            story.secretariat,
            year=YEAR,
            name=f"Đánh giá Chỉ số Dân vận chính quyền năm {YEAR}",
            criteria=criteria,
            unit_ids=[story.units[code].id for code in story.codes],
            deadlines=deadlines,
        )
    with _on(story.day(OPENED), 30):
        stages.advance(story.secretariat, campaign.id, campaign.version)
    return campaign


def _assign(story: _Story, campaign: Campaign) -> None:
    """The communes' areas alternate between the two appraisers; each agency goes to one of them whole."""
    from dvcq.scoring.appraisal import assignments, queries, teams

    communes_version = next(c.version_id for c in campaign.criteria if c.group.name != GROUP_AGENCIES)
    with _on(story.day(ASSIGNED)):
        plan = {
            area.id: story.appraisers[i % 2].id
            for version, areas in queries.areas_of(campaign)
            if version.id == communes_version
            for i, area in enumerate(areas)
        }
        teams.split_by_area(story.secretariat, campaign.id, plan)
        for code, index in AGENCY_APPRAISER.items():
            if code in story.units:
                assignments.assign(
                    story.secretariat, campaign.id, story.appraisers[index].id, story.units[code].id, None
                )


# ---- self-assessment ----------------------------------------------------------------------------------------------


def _score(node: CriteriaNode, strength: float, rng: random.Random) -> Decimal:
    """A value a unit of this strength would claim, valid for the leaf's method and step."""
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


def _note(node: CriteriaNode, value: Decimal) -> str:
    if node.kind != NodeKind.NORMAL:
        return "Không phát sinh trong năm." if not value else "Có quyết định khen thưởng, công nhận kèm theo."
    return NOTES["full"] if value == node.max_points else NOTES["part"] if value else NOTES["none"]


def _upload(story: _Story, code: str, sample: demo_evidence.SampleFile) -> Evidence:
    from dvcq.scoring.evidence import uploads

    upload = FileStorage(stream=io.BytesIO(sample.data), filename=sample.name, content_type="application/pdf")
    return uploads.upload(story.officer(code), story.units[code].id, upload, sample.meta)


def _cite(library: list[tuple[Evidence, demo_evidence.SampleFile]], node: CriteriaNode) -> Evidence:
    """The file that proves this item's area (the report when none is about it)."""
    area = node.code.split(".", 1)[0]
    return next((e for e, f in library if area in f.areas), library[2][0])


def _self_assess(story: _Story, campaign: Campaign) -> None:
    """Each unit uploads its year's files and scores, on its own day; all but the drafting commune submit before the
    deadline, and that one is given four weeks more (to a week after today)."""
    from dvcq.scoring.campaigns import deadlines
    from dvcq.scoring.evidence import citations
    from dvcq.scoring.selfassessment import services as selfassessment

    rng = random.Random(YEAR)
    assessments = {code: _assessment(campaign, story.units[code]) for code in story.codes}
    for index, code in enumerate(story.codes):
        officer, assessment = story.officer(code), assessments[code]
        strength = rng.uniform(0.75, 0.97)
        share = rng.uniform(0.45, 0.6) if STAGES[code] == Stage.DRAFTING else 1.0
        forced = DEDUCTED[story.commune(code)]
        with _on(story.day(SCORED_FROM - index)):
            files = demo_evidence.library(story.issuer(code), code)
            story.library[code] = [(_upload(story, code, f), f) for f in files]
            for item in _items(assessment):
                node = item.node
                if node.authority_only or rng.random() > share:
                    continue
                value = node.max_points if node.code in forced else _score(node, strength, rng)
                saved, _ = selfassessment.save_item(
                    officer, assessment.id, item.id, version=item.version, score=str(value), note=_note(node, value)
                )
                if node.evidence_required and value > 0:
                    citations.link(officer, saved.id, _cite(story.library[code], node).id, f"tr. {rng.randint(1, 2)}")
    submitting = [code for code in story.codes if STAGES[code] > Stage.DRAFTING]
    for index, code in enumerate(submitting):
        with _on(story.day(SUBMITTED_FROM - index // 2), 60 * (index % 2)):
            selfassessment.submit(story.leader(code), assessments[code].id, confirmed=True)
    for code in story.codes:
        if STAGES[code] == Stage.DRAFTING:
            with _on(story.day(EXTENDED), 60 * 7):
                deadlines.extend_unit_deadline(
                    story.secretariat,
                    campaign.id,
                    assessments[code].id,
                    day=story.day(EXTENDED_TO),
                    reason=EXTENSION_REASON,
                )


# ---- appraisal ----------------------------------------------------------------------------------------------------


def _appraise(story: _Story, campaign: Campaign) -> None:
    """Appraisal opens while the drafting commune is still inside its individual extension (it keeps self-assessing
    and is appraised once it submits); each dossier is appraised on its own day, two items lowered with reasons;
    then some results are released."""
    from dvcq.scoring.appraisal import release
    from dvcq.scoring.campaigns import stages

    with _on(story.day(APPRAISAL_FROM)):
        stages.advance(story.secretariat, campaign.id, campaign.version)
    appraised = [code for code in story.codes if STAGES[code] >= Stage.APPRAISING]
    for index, code in enumerate(appraised):
        assessment = _assessment(campaign, story.units[code])
        with _on(story.day(APPRAISED_FROM - index // 3), 60 * (index % 3)):
            _appraise_unit(story, assessment, half=STAGES[code] == Stage.APPRAISING)
            if STAGES[code] >= Stage.APPRAISED:
                story.deducted[code] = _deduct(story, assessment)
    for index, code in enumerate(c for c in appraised if STAGES[c] >= Stage.RELEASED):
        assessment = _assessment(campaign, story.units[code])
        with _on(story.day(RELEASED_ON), 10 * index):
            release.release(story.secretariat, assessment.id, assessment.version)


def _appraisers_of(story: _Story, code: str) -> list[User]:
    return story.appraisers if story.commune(code) else [story.appraisers[AGENCY_APPRAISER[code]]]


def _appraise_unit(story: _Story, assessment: Assessment, *, half: bool) -> None:
    """«Đồng ý điểm tự chấm» on each appraiser's items and the authority's own items scored (full marks, no penalty):
    both appraisers of a commune, the one of an agency; half-way, only the first appraiser's areas (an agency's
    appraiser: the first half of its areas)."""
    from dvcq.scoring.appraisal import assignments
    from dvcq.scoring.appraisal import services as appraisal

    items = _items(assessment)
    team = _appraisers_of(story, assessment.unit.code)
    for number, appraiser in enumerate(team):
        if half and number > 0:
            break
        areas = assignments.appraisable_areas(appraiser, assessment)
        mine = [i for i in items if areas is None or assignments.area_code(i.node.code) in areas]
        if half and len(team) == 1:
            codes = list(dict.fromkeys(assignments.area_code(i.node.code) for i in mine))
            mine = [i for i in mine if assignments.area_code(i.node.code) in codes[: len(codes) // 2]]
        agreed = appraisal.agree_with_self_scores(appraiser, assessment.id, {i.id: i.version for i in mine})
        for item, _ in agreed.skipped:
            full = item.node.max_points if item.node.kind == NodeKind.NORMAL else Decimal("0")
            appraisal.save_appraisal(appraiser, item.id, item.version, str(full), [], "")


def _deduct(story: _Story, assessment: Assessment) -> list[ItemScore]:
    """Lower the unit's two DEDUCTED items by a step each, by whichever appraiser covers them, with their reasons."""
    from dvcq.scoring.appraisal import services as appraisal

    by_code = {i.node.code: i for i in _items(assessment)}
    lowered = []
    for code, (reason, note) in zip(DEDUCTED[story.commune(assessment.unit.code)], DEDUCTION_NOTES, strict=True):
        item = by_code[code]
        appraiser = next(a for a in story.appraisers if _covers(a, item))
        step = item.node.step or Decimal("0.25")
        lower = Decimal("0") if item.node.method == Method.YES_NO else max(item.self_score - step, Decimal("0"))
        appraisal.save_appraisal(appraiser, item.id, item.version, str(lower), [reason], note)
        lowered.append(item)
    return lowered


# ---- the explanation round ----------------------------------------------------------------------------------------


def _explain(story: _Story, campaign: Campaign) -> None:
    """The released units' round: the officer drafts an explanation of the item lowered for missing evidence and
    attaches the missing minutes, the leader sends it, the appraiser answers, the officer reads the answer, the leader
    ends the round — each unit as far as its stage, each step on its day."""
    from dvcq.scoring.appraisal import explanations

    contesting = [c for c in story.codes if STAGES[c] >= Stage.DRAFTED and c not in NOTHING_TO_CONTEST]
    drafts = {}
    for index, code in enumerate(contesting):
        item = story.deducted[code][0]
        with _on(story.day(DRAFTED_ON), 30 * index):
            text = EXPLANATION.format(year=YEAR, head=story.issuer(code).head)
            drafts[code] = explanations.save_draft(story.officer(code), item.id, text, str(item.self_score))
            if STAGES[code] >= Stage.EXPLAINING:
                attached = _upload(story, code, demo_evidence.explanation_file(story.issuer(code), code))
                explanations.attach_evidence(story.officer(code), drafts[code].id, attached.id, "tr. 1-2")
    for index, code in enumerate(c for c in contesting if STAGES[c] >= Stage.EXPLAINING):
        with _on(story.day(SENT_ON), 30 * index):
            explanations.send(story.leader(code), drafts[code].id, drafts[code].version)
    answered = [c for c in contesting if STAGES[c] >= Stage.ANSWERED]
    for index, code in enumerate(answered):
        item, draft = story.deducted[code][0], drafts[code]
        appraiser = next(a for a in story.appraisers if _covers(a, item))
        final = item.self_score if code in UPHELD else item.appraised_score
        with _on(story.day(ANSWERED_ON), 30 * index):
            explanations.answer(appraiser, draft.id, draft.version, str(final), ANSWERS[code in UPHELD])
    for index, code in enumerate(answered):
        with _on(story.day(ANSWERED_ON), 60 * 4 + 30 * index):
            explanations.mark_read(story.officer(code), drafts[code])
    for index, code in enumerate(c for c in story.codes if STAGES[c] == Stage.FINAL):
        with _on(story.day(CLOSED_ON), 30 * index):
            explanations.finish(story.leader(code), _assessment(campaign, story.units[code]).id)


def _covers(appraiser: User, item: ItemScore) -> bool:
    from dvcq.scoring.appraisal import assignments

    return assignments.may_appraise(appraiser, item.assessment, item.node.code)
