"""Two finished cycles of the demo, each appraised and PUBLISHED by its issued decision with the generated .docx, on
both sides of the 2025 reform:

- 2024, Huyện Ba Tơ: its 19 communes and 5 agencies, published by Quyết định số 4018/QĐ-UBND ngày 27/12/2024 of UBND
  huyện Ba Tơ (the district signed nothing after 30/6/2025). Xã Ba Nam reaches its 2024 plan's targets: it keeps rank
  02/19 and is classified «Hoàn thành xuất sắc nhiệm vụ», losing no point in the areas its plan took up (2, 4, 6).
- 2025, Tỉnh Quảng Ngãi: the 8 communes formed on 01/7/2025 and 5 agencies of the province, published by Quyết định
  số 86/QĐ-UBND ngày 16/01/2026, signed by a vice-chairman for the chairman of UBND tỉnh Quảng Ngãi.

Every number other than the seed case's — the decisions, the province's regulation, the Tờ trình, the scores — is
made up, plausible and deterministic. The communes are scored on the communes' sample set (100 points), the agencies
on the agencies' (90 points), so each decision's annex has a table on each. The data is built straight from the
models up to final review; the decision then goes through the real draft → update → issue path.
Re-runnable: a published campaign is left as it is (its files are generated again only if missing).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.decisions.signing import SignerMode
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
from dvcq.tenants.demo import (
    DISTRICT,
    DISTRICT_AGENCIES,
    DISTRICT_COMMUNES,
    GROUP_AGENCIES,
    PROVINCE,
    PROVINCE_AGENCIES,
    PROVINCE_COMMUNES,
)
from dvcq.tenants.models import Unit, UnitGroup

ZERO = Decimal("0.00")
QUARTER = Decimal("0.25")
AGENCY_SCALE = Decimal("0.9")  # the agencies' set has 90 points: their draws scaled to it
NOTE = "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả thực hiện; trừ điểm theo hướng dẫn chấm."
# The province's regulations (invented numbers, like every number of the demo but the seed's): the one in force
# until the reform, then the one the merged province issued for its communes, wards and special zones.
REGULATION_2023 = (
    "Quyết định số 25/2023/QĐ-UBND ngày 15/5/2023 của Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Quy định đánh giá, "
    "phân loại công tác dân vận chính quyền các cơ quan nhà nước, đơn vị sự nghiệp và UBND các xã, phường, thị trấn "
    "trên địa bàn tỉnh"
)
REGULATION_2025 = (
    "Quyết định số 62/2025/QĐ-UBND ngày 25/9/2025 của Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Quy định đánh giá, "
    "phân loại công tác dân vận chính quyền các cơ quan nhà nước, đơn vị sự nghiệp và UBND các xã, phường, đặc khu "
    "trên địa bàn tỉnh"
)


@dataclass(frozen=True)
class Cycle:
    """One finished cycle: who ran it, on which units, the figures the story fixes and the decision closing it."""

    authority: str
    year: int
    communes: tuple[str, ...]
    agencies: tuple[str, ...]
    fixed: dict[str, tuple[Decimal, Decimal]]  # unit code → (self, appraised)
    below: Decimal  # every other commune is appraised at most this
    number: str
    signed_on: date
    signer_mode: SignerMode
    cited: dict[str, object]  # the decision's fields besides the law in force that day
    dates: dict[str, datetime]  # the campaign's deadlines, when it was created, submissions, appraisal, release
    seed: int
    spared: dict[str, tuple[str, ...]]  # unit code → areas where it loses no point (what its plan took up)


def _cycles() -> tuple[Cycle, Cycle]:
    district = Cycle(
        authority=DISTRICT[0],
        year=2024,
        communes=tuple(code for code, _, _ in DISTRICT_COMMUNES),
        agencies=tuple(code for code, _ in DISTRICT_AGENCIES),
        fixed={"BATO-BNA": (Decimal("95.50"), Decimal("91.25")), "BATO-TT": (Decimal("96.00"), Decimal("92.50"))},
        below=Decimal("91.00"),
        number="4018/QĐ-UBND",
        signed_on=date(2024, 12, 27),
        signer_mode=SignerMode.COMMITTEE,
        cited={"regulation": REGULATION_2023, "proposal_number": "312/TTr-PNV", "proposal_date": date(2024, 12, 23)},
        dates=_dates(2024),
        seed=20241227,
        spared={"BATO-BNA": ("2", "4", "6")},
    )
    province = Cycle(
        authority=PROVINCE[0],
        year=2025,
        communes=tuple(code for code, *_ in PROVINCE_COMMUNES),
        agencies=tuple(code for code, *_ in PROVINCE_AGENCIES),
        fixed={"QNG-BATO": (Decimal("94.75"), Decimal("90.75")), "QNG-BTO": (Decimal("95.00"), Decimal("89.50"))},
        below=Decimal("89.25"),
        number="86/QĐ-UBND",
        signed_on=date(2026, 1, 16),
        signer_mode=SignerMode.VICE_CHAIRMAN,
        cited={
            "regulation": REGULATION_2025,
            "proposal_number": "12/TTr-SNV",
            "proposal_date": date(2026, 1, 9),
        },
        dates=_dates(2025),
        seed=20260116,
        spared={},
    )
    return district, province


def _dates(year: int) -> dict[str, datetime]:
    """The cycle's calendar (naive UTC, 09:00 or 23:59 in Việt Nam): created in October, decided around New Year."""
    return {
        "created": datetime(year, 10, 1, 2, 0),
        "self": datetime(year, 11, 15, 16, 59),
        "submitted": datetime(year, 11, 10, 3, 0),
        "appraised": datetime(year, 12, 8, 3, 0),
        "appraisal": datetime(year, 12, 10, 16, 59),
        "released": datetime(year, 12, 12, 2, 0),
        "explanation": datetime(year, 12, 20, 16, 59),
        "final": datetime(year, 12, 26, 16, 59) if year == 2024 else datetime(year + 1, 1, 12, 16, 59),
    }


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


def _area(node: CriteriaNode) -> str:
    return node.code.split(".", 1)[0]


def _scores(nodes: dict[int, CriteriaNode], self_target: Decimal, appraised_target: Decimal, rng, spared=()):
    """(self scores, appraised scores) per leaf id: the unit never scores the authority's own leaves; bonus is
    claimed by the unit and cut by the appraisers; no penalty this year; nothing is lost in the `spared` areas."""
    bonus = [i for i, n in nodes.items() if n.kind == NodeKind.BONUS]
    own = {i: (ZERO if n.kind != NodeKind.NORMAL else n.max_points) for i, n in nodes.items() if not n.authority_only}
    ceiling = sum((own[i] for i in own), ZERO)
    for node_id in bonus:  # claim the bonus needed to reach the self score, and a little more
        if ceiling >= self_target + Decimal("1.5"):
            break
        own[node_id] = nodes[node_id].max_points
        ceiling += own[node_id]
    self_target = min(self_target, ceiling)

    def eligible(n: CriteriaNode) -> bool:
        return n.kind != NodeKind.PENALTY and _area(n) not in spared

    _lower(own, nodes, self_target, rng, eligible)
    appraised = {i: own.get(i, n.max_points if n.kind == NodeKind.NORMAL else ZERO) for i, n in nodes.items()}
    _lower(appraised, nodes, appraised_target, rng, eligible)
    return {i: own.get(i) for i in nodes}, appraised, self_target


def _q(value: float) -> Decimal:
    return (Decimal(str(value)) / QUARTER).quantize(Decimal("1")) * QUARTER


def _targets(cycle: Cycle, rng) -> dict[str, tuple[Decimal, Decimal]]:
    targets = {}
    for code in cycle.communes:
        if code in cycle.fixed:
            targets[code] = cycle.fixed[code]
            continue
        appraised = min(_q(rng.uniform(70, 90)), cycle.below)
        targets[code] = (min(appraised + _q(rng.uniform(1, 8)), Decimal("96.00")), appraised)
    for code in cycle.agencies:
        appraised = _q(float(AGENCY_SCALE * Decimal(str(rng.uniform(74, 93)))))
        targets[code] = (min(appraised + _q(rng.uniform(0.5, 5)), Decimal("87.50")), appraised)
    return targets


def _in_use(authority: Unit) -> tuple[CriteriaVersion, CriteriaVersion]:
    """The communes' and the agencies' sample sets, loaded if missing, and frozen (the campaign pins them)."""
    from dvcq.scoring.criteria.demo import sample_sets

    communes, agencies = sample_sets(authority)
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


def _staff(authority: Unit, role: Role) -> list[User]:
    return list(
        db.session.execute(
            select(User).where(User.unit_id == authority.id, User.role == role).order_by(User.login)
        ).scalars()
    )


def _build_campaign(cycle: Cycle, authority: Unit) -> Campaign:
    """The cycle's campaign at final review: every unit submitted, appraised, explained and final."""
    rng = random.Random(cycle.seed)
    agency_rng = random.Random(cycle.seed + 1)  # the agencies' own draws: their set is not the communes'
    communes, agencies = _in_use(authority)
    groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == authority.id)).scalars()
    when = cycle.dates
    campaign = Campaign(
        authority_id=authority.id,
        year=cycle.year,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {cycle.year}",
        criteria=[
            CampaignCriteria(
                authority_id=authority.id,
                group_id=group.id,
                version_id=(agencies if group.name == GROUP_AGENCIES else communes).id,
            )
            for group in groups
        ],
        status=CampaignStatus.FINAL_REVIEW,
        self_assessment_deadline=when["self"],
        appraisal_deadline=when["appraisal"],
        explanation_deadline=when["explanation"],
        final_review_deadline=when["final"],
        created_at=when["created"],
    )
    db.session.add(campaign)
    db.session.flush()
    leaves = {communes.id: _leaves(communes), agencies.id: _leaves(agencies)}
    appraisers = _staff(authority, Role.APPRAISER) or [None]
    codes = [*cycle.communes, *cycle.agencies]
    units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    leader = {u.unit_id: u.id for u in db.session.execute(select(User).where(User.role == Role.LEADER)).scalars()}
    for index, (code, (self_target, appraised_target)) in enumerate(sorted(_targets(cycle, rng).items())):
        unit = units[code]
        nodes = leaves[campaign.version_id_for(unit.group_id)]
        draws = agency_rng if code in cycle.agencies else rng
        own, appraised, _ = _scores(nodes, self_target, appraised_target, draws, cycle.spared.get(code, ()))
        submitted = when["submitted"].replace(day=when["submitted"].day + index % 5)
        assessment = Assessment(
            campaign_id=campaign.id,
            unit_id=unit.id,
            group_id=unit.group_id,
            status=AssessmentStatus.FINAL,
            submitted_at=submitted,
            submitted_by_id=leader.get(unit.id),
            released_at=when["released"],
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
                    self_updated_at=submitted,
                    appraised_score=appraised[node_id],
                    deduction_reasons="thieu_kiem_chung" if lost else "",
                    appraisal_note=NOTE if lost else "",
                    appraised_by_id=appraiser.id if appraiser else None,
                    appraised_at=when["appraised"],
                )
            )
    db.session.flush()
    return campaign


def _inline_files(generate: Callable[[], object]) -> None:
    """Generate the decision's files in this process: the demo command exits right after seeding."""
    inline = current_app.config.get("JOBS_INLINE")
    current_app.config["JOBS_INLINE"] = True
    try:
        generate()
    finally:
        current_app.config["JOBS_INLINE"] = inline


def _issue(cycle: Cycle, campaign: Campaign) -> None:
    """Draft, complete and issue the decision through the services, as the authority's secretariat."""
    from dvcq.scoring.decisions import drafting, issuing

    secretariat = next(iter(_staff(db.session.get(Unit, campaign.authority_id), Role.SECRETARIAT)), None)
    if secretariat is None:
        return
    decision = drafting.draft(secretariat, campaign.id)
    wanted = {
        "number": cycle.number,
        "signed_on": cycle.signed_on,
        "signer_mode": cycle.signer_mode.value,
        **cycle.cited,
    }
    if any(getattr(decision, name) != value for name, value in wanted.items()):
        decision = drafting.update(secretariat, decision.id, decision.version, **wanted)
    _inline_files(lambda: issuing.issue(secretariat, decision.id, decision.version))


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
    _inline_files(lambda: generation.regenerate(secretariat, decision.id))


def _seed_cycle(cycle: Cycle) -> None:
    authority = db.session.execute(select(Unit).where(Unit.code == cycle.authority)).scalar_one_or_none()
    if authority is None:
        return
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == authority.id, Campaign.year == cycle.year)
    ).scalar_one_or_none()
    if campaign is None:
        campaign = _build_campaign(cycle, authority)
        db.session.commit()
    if campaign.status == CampaignStatus.FINAL_REVIEW:
        _issue(cycle, campaign)
    elif campaign.status == CampaignStatus.PUBLISHED:
        _files_if_missing(campaign)


def seed_published_2024() -> None:
    """Huyện Ba Tơ's 2024 cycle, decided by the district before the reform."""
    _seed_cycle(_cycles()[0])


def seed_published_2025() -> None:
    """Tỉnh Quảng Ngãi's 2025 cycle on the new communes, decided by the province in January 2026."""
    _seed_cycle(_cycles()[1])
