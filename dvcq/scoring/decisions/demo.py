"""The demo district's 2025 campaign, appraised and PUBLISHED by its issued decision (Quyết định số 05/QĐ-UBND ngày
30/6/2025) with the generated .docx — so a newcomer sees a whole cycle finished. A district signs nothing after
30/6/2025 (the district level ended on 01/7/2025), so until the demo's 2025 cycle moves to the province (issue 18) the
decision is dated on the district's last day. Its numbers — the decision, the province's regulation, the Tờ trình —
are made up, as the scores are: plausible and deterministic; Xã Ba Động is again self-scored 97,00, appraised
85,50, rank 02/19. The communes are scored on the communes' sample set (100 points), the agencies on the agencies'
(90 points), so the decision's annex has a table on each. The data is built straight from the models up to final
review; the decision then goes through the real draft → update → issue path.
Re-runnable: a published 2025 campaign is left as it is (its files are generated again only if missing).
"""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    Decision,
    DecisionStatus,
    ItemScore,
    Method,
    NodeKind,
    VersionStatus,
)
from dvcq.tenants.demo import AGENCIES, COMMUNES, DISTRICT, GROUP_AGENCIES
from dvcq.tenants.models import Unit, UnitGroup

YEAR = 2025
NUMBER = "05/QĐ-UBND"
SIGNED_ON = date(2025, 6, 30)
# What the decision cites besides the law in force that day (invented numbers, like the rest of the demo).
CITED = {
    "regulation": (
        "Quyết định số 25/2023/QĐ-UBND ngày 15/5/2023 của Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Quy định đánh "
        "giá, phân loại công tác dân vận chính quyền các cơ quan nhà nước, đơn vị sự nghiệp và UBND các xã, phường, "
        "thị trấn trên địa bàn tỉnh"
    ),
    "proposal_number": "45/TTr-PNV",
    "proposal_date": date(2025, 6, 25),
}
ZERO = Decimal("0.00")
# (self, appraised) of the fixed points of the story; every other commune is appraised below Ba Động.
FIXED = {"BATO-BDO": (Decimal("97.00"), Decimal("85.50")), "BATO-TT": (Decimal("94.00"), Decimal("88.75"))}
BELOW_BA_DONG = Decimal("85.25")
AGENCY_SCALE = Decimal("0.9")  # the agencies' set has 90 points: their draws (the same as before it) scaled to it
NOTE = "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả thực hiện; trừ điểm theo hướng dẫn chấm."


def _allowed(node: CriteriaNode) -> list[Decimal]:
    """The values a leaf accepts, highest first (the step rules of the engine's check_step)."""
    top = node.max_points
    if node.method == Method.YES_NO:
        return [top, ZERO]
    step = node.step or engine.DEFAULT_STEP
    values = set()
    k = 0
    while k * step <= top:
        values.add(top - k * step if node.method == Method.DEDUCTION else k * step)
        k += 1
    values |= {top, ZERO}
    return sorted(values, reverse=True)


def _signed(node: CriteriaNode, value: Decimal) -> Decimal:
    """A leaf's contribution to the total: penalties count against it."""
    return -value if node.kind == NodeKind.PENALTY else value


def _lower(scores: dict[int, Decimal], nodes: dict[int, CriteriaNode], target: Decimal, rng, eligible) -> None:
    """Lower leaves one allowed value at a time, at random, until the total is exactly `target`."""
    total = sum((_signed(nodes[i], v) for i, v in scores.items()), ZERO)
    deficit = total - target
    candidates = [i for i in scores if eligible(nodes[i])]
    while deficit > 0:
        rng.shuffle(candidates)
        for node_id in candidates:
            allowed = _allowed(nodes[node_id])
            lower = [v for v in allowed if v < scores[node_id]]
            if lower and scores[node_id] - lower[0] <= deficit:
                deficit -= scores[node_id] - lower[0]
                scores[node_id] = lower[0]
                break
        else:
            raise RuntimeError(f"demo: cannot reach {target} (left {deficit})")


def _scores(nodes: dict[int, CriteriaNode], self_target: Decimal, appraised_target: Decimal, rng):
    """(self scores, appraised scores) per leaf id: the unit never scores the authority's own leaves; bonus is
    claimed by the unit and cut by the appraisers; no penalty this year."""
    bonus = [i for i, n in nodes.items() if n.kind == NodeKind.BONUS]
    own = {i: (ZERO if n.kind != NodeKind.NORMAL else n.max_points) for i, n in nodes.items() if not n.authority_only}
    ceiling = sum((own[i] for i in own), ZERO)
    for node_id in bonus:  # claim the bonus needed to reach the self score, and a little more
        if ceiling >= self_target + Decimal("1.5"):
            break
        own[node_id] = nodes[node_id].max_points
        ceiling += own[node_id]
    self_target = min(self_target, ceiling)
    _lower(own, nodes, self_target, rng, lambda n: n.kind != NodeKind.PENALTY)
    appraised = {i: own.get(i, n.max_points if n.kind == NodeKind.NORMAL else ZERO) for i, n in nodes.items()}
    _lower(appraised, nodes, appraised_target, rng, lambda n: n.kind != NodeKind.PENALTY)
    return {i: own.get(i) for i in nodes}, appraised, self_target


def _targets(rng) -> dict[str, tuple[Decimal, Decimal]]:
    quarter = Decimal("0.25")

    def q(value: float) -> Decimal:
        return (Decimal(str(value)) / quarter).quantize(Decimal("1")) * quarter

    targets = {}
    for code, _, _ in COMMUNES:
        if code in FIXED:
            targets[code] = FIXED[code]
            continue
        appraised = min(q(rng.uniform(66, 86)), BELOW_BA_DONG)
        targets[code] = (min(appraised + q(rng.uniform(1, 9)), Decimal("96.00")), appraised)
    for code, _ in AGENCIES:
        appraised = q(float(AGENCY_SCALE * Decimal(str(rng.uniform(74, 93)))))
        targets[code] = (min(appraised + q(rng.uniform(0.5, 5)), Decimal("87.50")), appraised)
    return targets


def _sample_versions(district: Unit) -> tuple[CriteriaVersion, CriteriaVersion]:
    """The communes' and the agencies' sample sets, loaded if missing, and frozen (the campaign pins them)."""
    from dvcq.scoring.criteria.services import AGENCY_SAMPLE, load_sample, sample_version

    communes = db.session.execute(
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == district.id, CriteriaVersion.is_sample.is_(True))
        .order_by(CriteriaVersion.id)
        .limit(1)
    ).scalar_one_or_none()
    if communes is None:
        communes = load_sample(district.id, actor=None)
    agencies = sample_version(district.id, AGENCY_SAMPLE) or load_sample(district.id, actor=None, kind=AGENCY_SAMPLE)
    for version in (communes, agencies):
        if version.status != VersionStatus.IN_USE:
            version.status = VersionStatus.IN_USE
    return communes, agencies


def _leaves(version: CriteriaVersion) -> dict[int, CriteriaNode]:
    leaves = db.session.execute(
        select(CriteriaNode)
        .where(CriteriaNode.version_id == version.id, CriteriaNode.is_leaf.is_(True))
        .order_by(CriteriaNode.position)
    ).scalars()
    return {n.id: n for n in leaves}


def _build_campaign(district: Unit) -> Campaign:
    """The 2025 campaign at final review: every unit submitted, appraised, explained and final."""
    rng = random.Random(20251231)
    agency_rng = random.Random(20251231 + 1)  # the agencies' own draws: their set is not the communes'
    communes, agencies = _sample_versions(district)
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == district.id)).scalars()
    campaign = Campaign(
        authority_id=district.id,
        year=YEAR,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {YEAR}",
        criteria=[
            CampaignCriteria(
                authority_id=district.id,
                group_id=group.id,
                version_id=(agencies if group.name == GROUP_AGENCIES else communes).id,
            )
            for group in groups
        ],
        status=CampaignStatus.FINAL_REVIEW,
        self_assessment_deadline=datetime(2025, 11, 15, 16, 59),
        appraisal_deadline=datetime(2025, 12, 10, 16, 59),
        explanation_deadline=datetime(2025, 12, 24, 16, 59),
        final_review_deadline=datetime(2026, 1, 12, 16, 59),
        created_at=datetime(2025, 10, 1, 2, 0),
    )
    db.session.add(campaign)
    db.session.flush()
    leaves = {communes.id: _leaves(communes), agencies.id: _leaves(agencies)}
    users = {u.login: u for u in db.session.execute(select(User).where(User.role == Role.APPRAISER)).scalars()}
    appraisers = [users[login] for login in sorted(users)] or [None]
    units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.authority_id == district.id)).scalars()}
    leader = {u.unit_id: u.id for u in db.session.execute(select(User).where(User.role == Role.LEADER)).scalars()}
    agency_codes = {code for code, _ in AGENCIES}
    for index, (code, (self_target, appraised_target)) in enumerate(sorted(_targets(rng).items())):
        unit = units[code]
        nodes = leaves[campaign.version_id_for(unit.group_id)]
        own, appraised, _ = _scores(nodes, self_target, appraised_target, agency_rng if code in agency_codes else rng)
        assessment = Assessment(
            campaign_id=campaign.id,
            unit_id=unit.id,
            group_id=unit.group_id,
            status=AssessmentStatus.FINAL,
            submitted_at=datetime(2025, 11, 10 + index % 5, 3, 0),
            submitted_by_id=leader.get(unit.id),
            released_at=datetime(2025, 12, 12, 2, 0),
        )
        db.session.add(assessment)
        db.session.flush()
        appraiser = appraisers[index % len(appraisers)]
        for node_id, node in nodes.items():
            lost = own[node_id] is not None and appraised[node_id] < own[node_id]
            db.session.add(
                ItemScore(
                    assessment_id=assessment.id,
                    unit_id=unit.id,
                    node_id=node_id,
                    node_position=node.position,
                    self_score=own[node_id],
                    self_updated_at=assessment.submitted_at,
                    appraised_score=appraised[node_id],
                    deduction_reasons="thieu_kiem_chung" if lost else "",
                    appraisal_note=NOTE if lost else "",
                    appraised_by_id=appraiser.id if appraiser else None,
                    appraised_at=datetime(2025, 12, 8, 3, 0),
                )
            )
    db.session.flush()
    return campaign


def _issue(campaign: Campaign) -> None:
    """Draft, complete and issue the decision through the services, generating its files in this process."""
    from dvcq.scoring.decisions import drafting, issuing

    secretariat = (
        db.session.execute(
            select(User).where(User.unit_id == campaign.authority_id, User.role == Role.SECRETARIAT).order_by(User.id)
        )
        .scalars()
        .first()
    )
    if secretariat is None:
        return
    decision = drafting.draft(secretariat, campaign.id)
    if decision.number != NUMBER or decision.signed_on != SIGNED_ON or not decision.regulation:
        decision = drafting.update(
            secretariat, decision.id, decision.version, number=NUMBER, signed_on=SIGNED_ON, **CITED
        )
    inline = current_app.config.get("JOBS_INLINE")
    current_app.config["JOBS_INLINE"] = True  # the demo command exits right after seeding: make the files now
    try:
        issuing.issue(secretariat, decision.id, decision.version)
    finally:
        current_app.config["JOBS_INLINE"] = inline


def _files_if_missing(campaign: Campaign) -> None:
    from dvcq.scoring.decisions import generation

    decision = db.session.execute(
        select(Decision).where(
            Decision.campaign_id == campaign.id,
            Decision.amends_id.is_(None),
            Decision.status == DecisionStatus.ISSUED,
        )
    ).scalar_one_or_none()
    if decision is None or decision.docx_key:
        return
    secretariat = db.session.get(User, decision.issued_by_id)
    inline = current_app.config.get("JOBS_INLINE")
    current_app.config["JOBS_INLINE"] = True
    try:
        generation.regenerate(secretariat, decision.id)
    finally:
        current_app.config["JOBS_INLINE"] = inline


def seed_published_2025() -> None:
    district = db.session.execute(select(Unit).where(Unit.code == DISTRICT[0])).scalar_one_or_none()
    if district is None:
        return
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == district.id, Campaign.year == YEAR)
    ).scalar_one_or_none()
    if campaign is None:
        campaign = _build_campaign(district)
        db.session.commit()
    if campaign.status == CampaignStatus.FINAL_REVIEW:
        _issue(campaign)
    elif campaign.status == CampaignStatus.PUBLISHED:
        _files_if_missing(campaign)
