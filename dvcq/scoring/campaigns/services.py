"""Campaigns (kỳ đánh giá): creating one, its participants and stage deadlines, extensions, and the status machine
draft → self_assessment → appraisal → explanation → final_review → published. Each change: permission check → change
→ audit record, in one transaction.

Participation is recorded as one Assessment row per unit from the moment the campaign is created (the schema has no
other place for it); units see nothing of a campaign still in draft. Opening the campaign snapshots each unit's
group and creates one ItemScore per leaf of the pinned criteria version, in one bulk insert.

Campaigns are authority-owned rows. Every lookup here names the actor's authority explicitly as well, so a campaign
of another authority is missing whatever the scope (a request, a job, or the system scope of the CLI and demo).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import func, insert, literal, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform import audit
from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import MESSAGES, Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, vn_date, vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring.models import (
    CAMPAIGN_ORDER,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    VersionStatus,
)
from dvcq.scoring.selfassessment.rules import self_deadline, utcnow
from dvcq.tenants.models import Role, Unit, UnitGroup, User

NOT_FOUND = MESSAGES[404][1]  # the same words as a missing page, so a foreign campaign answers byte for byte alike
READ_ROLES = (Role.SECRETARIAT, Role.LEADERSHIP, Role.APPRAISER, Role.ADMIN)
CAMPAIGN_CONFLICT = (
    "Kỳ đánh giá vừa được người khác thay đổi nên thao tác của bạn chưa được thực hiện. Vui lòng xem lại."
)
CONFIRM_UNSUBMITTED = "chuyển dù còn đơn vị chưa nộp"

# The deadline that closes each stage, by the stage it closes.
DEADLINE_FIELDS = {
    CampaignStatus.SELF_ASSESSMENT: "self_assessment_deadline",
    CampaignStatus.APPRAISAL: "appraisal_deadline",
    CampaignStatus.EXPLANATION: "explanation_deadline",
    CampaignStatus.FINAL_REVIEW: "final_review_deadline",
}
DEADLINE_LABELS = {
    CampaignStatus.SELF_ASSESSMENT: "Hạn tự đánh giá",
    CampaignStatus.APPRAISAL: "Hạn thẩm định",
    CampaignStatus.EXPLANATION: "Hạn giải trình",
    CampaignStatus.FINAL_REVIEW: "Hạn rà soát cuối",
}


# ---- small helpers ----------------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """A deadline day means the end of that day in Vietnam; stored as naive UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def vn_day(instant: datetime | None) -> date | None:
    """The Vietnamese calendar day of a stored (naive UTC) instant."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(VN).date()


def path_for(endpoint: str, **values) -> str:
    """A site-relative link for a notification; works in a request, a job or the CLI alike."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def authority_of(actor) -> int:
    return actor.unit.authority_id


def _commit(conflict_message: str) -> None:
    try:
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise Conflict(conflict_message) from err


def _check_version(obj, version: int | None, message: str) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(message)


def unit_users(unit_ids, roles=(Role.OFFICER, Role.LEADER)) -> list[User]:
    if not unit_ids:
        return []
    stmt = select(User).where(User.unit_id.in_(list(unit_ids)), User.role.in_(list(roles)), User.active.is_(True))
    return list(db.session.execute(stmt).scalars())


# ---- reading ----------------------------------------------------------------------------------------------------


def campaign_for(actor, campaign_id: int) -> Campaign:
    """A campaign of the actor's authority; another authority's campaign is as missing as one that never was."""
    stmt = select(Campaign).where(Campaign.id == campaign_id, Campaign.authority_id == authority_of(actor))
    campaign = db.session.execute(stmt).scalar_one_or_none()
    if campaign is None:
        raise NotFound(NOT_FOUND)
    return campaign


def campaigns_of(actor) -> list[Campaign]:
    stmt = select(Campaign).where(Campaign.authority_id == authority_of(actor)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def current_campaign(authority_id: int, include_draft: bool = True) -> Campaign | None:
    """The campaign the authority is working on: the newest not yet published, else the newest."""
    stmt = select(Campaign).where(Campaign.authority_id == authority_id)
    if not include_draft:
        stmt = stmt.where(Campaign.status != CampaignStatus.DRAFT)
    campaigns = list(db.session.execute(stmt.order_by(Campaign.year.desc())).scalars())
    running = [c for c in campaigns if c.status != CampaignStatus.PUBLISHED]
    return (running or campaigns or [None])[0]


def versions_of(actor) -> list[CriteriaVersion]:
    stmt = (
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == authority_of(actor))
        .order_by(CriteriaVersion.created_at.desc(), CriteriaVersion.id.desc())
    )
    return list(db.session.execute(stmt).scalars())


@dataclass
class GroupOfUnits:
    group: UnitGroup
    units: list[Unit]


def eligible_units(authority_id: int, today: date | None = None) -> list[GroupOfUnits]:
    """The member units that may take part, by group in the group order: every unit of the authority that has a
    group and is in force today."""
    today = today or vn_day(utcnow())
    groups = db.session.execute(
        select(UnitGroup).where(UnitGroup.authority_id == authority_id).order_by(UnitGroup.position, UnitGroup.name)
    ).scalars()
    units = db.session.execute(
        select(Unit)
        .where(Unit.authority_id == authority_id, Unit.id != authority_id, Unit.group_id.is_not(None))
        .order_by(Unit.code)
    ).scalars()
    by_group: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.active_on(today) and not unit.is_authority:
            by_group[unit.group_id].append(unit)
    return [GroupOfUnits(g, by_group[g.id]) for g in groups if by_group.get(g.id)]


@dataclass
class ParticipantRow:
    assessment: Assessment
    unit: Unit
    scored: int
    scorable: int
    deadline: datetime | None
    extended: bool

    @property
    def status_label(self) -> str:
        return self.assessment.status.label


@dataclass
class Extension:
    at: datetime
    who: str
    what: str
    reason: str


@dataclass
class Overview:
    campaign: Campaign
    groups: list[tuple[str, list[ParticipantRow]]]
    extensions: list[Extension]
    scorable: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> list[ParticipantRow]:
        return [row for _, rows in self.groups for row in rows]

    @property
    def unsubmitted(self) -> list[ParticipantRow]:
        return [r for r in self.rows if r.assessment.status == AssessmentStatus.DRAFT]


def scorable_leaf_count(version_id: int) -> int:
    """Leaves the unit scores itself (the ones reserved for the authority are not)."""
    stmt = select(func.count(CriteriaNode.id)).where(
        CriteriaNode.version_id == version_id, CriteriaNode.is_leaf.is_(True), CriteriaNode.authority_only.is_(False)
    )
    return db.session.execute(stmt).scalar_one()


def scored_counts(campaign_id: int) -> dict[int, int]:
    """Per assessment: how many self-scorable leaves have a self-score."""
    stmt = (
        select(ItemScore.assessment_id, func.count(ItemScore.self_score))
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id, CriteriaNode.authority_only.is_(False))
        .group_by(ItemScore.assessment_id)
    )
    return dict(db.session.execute(stmt).all())


def participants(campaign: Campaign) -> list[Assessment]:
    stmt = (
        select(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.campaign_id == campaign.id)
        .order_by(Unit.code)
        .options(selectinload(Assessment.unit))
    )
    return list(db.session.execute(stmt).scalars())


def overview(actor, campaign_id: int) -> Overview:
    """The campaign page: every participant's status and progress by group, and the history of extensions."""
    require(actor, *READ_ROLES)
    campaign = campaign_for(actor, campaign_id)
    scorable = scorable_leaf_count(campaign.criteria_version_id)
    scored = scored_counts(campaign.id)
    groups = {g.id: g for g in db.session.execute(select(UnitGroup)).scalars()}
    by_group: dict[int | None, list[ParticipantRow]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for assessment in participants(campaign):
        unit = assessment.unit
        group_id = assessment.group_id if assessment.group_id is not None else unit.group_id
        by_group[group_id].append(
            ParticipantRow(
                assessment=assessment,
                unit=unit,
                scored=scored.get(assessment.id, 0),
                scorable=scorable,
                deadline=self_deadline(assessment),
                extended=assessment.self_deadline is not None,
            )
        )
        counts[assessment.status.value] += 1
    ordered = sorted(by_group, key=lambda gid: (groups[gid].position, groups[gid].name) if gid in groups else (99, ""))
    return Overview(
        campaign=campaign,
        groups=[(groups[gid].name if gid in groups else "Chưa xếp khối", by_group[gid]) for gid in ordered],
        extensions=extension_history(campaign),
        scorable=scorable,
        counts=dict(counts),
    )


def extension_history(campaign: Campaign) -> list[Extension]:
    """Every extension of this campaign, newest first, read back from the audit log (the one record of them)."""
    assessment_ids = [str(a.id) for a in participants(campaign)]
    stmt = (
        select(AuditRecord)
        .where(
            or_(
                (AuditRecord.action == "campaign.extend_deadline")
                & (AuditRecord.target_type == "Campaign")
                & (AuditRecord.target_id == str(campaign.id)),
                (AuditRecord.action == "assessment.extend_deadline")
                & (AuditRecord.target_type == "Assessment")
                & (AuditRecord.target_id.in_(assessment_ids)),
            )
        )
        .order_by(AuditRecord.seq.desc())
    )
    out = []
    for rec in db.session.execute(stmt).scalars():
        after = json.loads(rec.after or "null") or {}
        out.append(Extension(at=rec.at, who=rec.actor_login, what=after.get("summary", ""), reason=rec.reason))
    return out


# ---- creating and editing a draft -------------------------------------------------------------------------------


def _lock_version(actor, version: CriteriaVersion) -> None:
    """Pin the criteria version: once a campaign uses it, it cannot change (audited by the criteria service)."""
    from dvcq.scoring.criteria.services import lock_version

    lock_version(actor, version.id)


def _deadline_problems(deadlines: dict[CampaignStatus, date | None]) -> list[str]:
    problems = []
    previous: tuple[CampaignStatus, date] | None = None
    for stage in DEADLINE_FIELDS:
        day = deadlines.get(stage)
        if day is None:
            continue
        if previous and day <= previous[1]:
            problems.append(
                f"{DEADLINE_LABELS[stage]} ({vn_date(day)}) phải sau {DEADLINE_LABELS[previous[0]].lower()} "
                f"({vn_date(previous[1])})."
            )
        previous = (stage, day)
    return problems


def _participant_problems(authority_id: int, unit_ids: list[int]) -> tuple[list[Unit], list[str]]:
    eligible = {u.id: u for g in eligible_units(authority_id) for u in g.units}
    problems = [
        f"Đơn vị mã số {uid} không thuộc danh sách đơn vị được đánh giá." for uid in unit_ids if uid not in eligible
    ]
    return [eligible[uid] for uid in dict.fromkeys(unit_ids) if uid in eligible], problems


def _name_problems(name: str) -> list[str]:
    if not name:
        return ["Tên kỳ đánh giá không được để trống."]
    if len(name) > 300:
        return ["Tên kỳ đánh giá dài quá 300 ký tự."]
    return []


def _deadline_values(campaign: Campaign) -> dict[str, str]:
    return {stage.value: vn_datetime(getattr(campaign, f)) for stage, f in DEADLINE_FIELDS.items()}


def create_campaign(
    actor,
    *,
    year: int,
    name: str,
    criteria_version_id: int,
    unit_ids: list[int],
    deadlines: dict[CampaignStatus, date | None],
) -> Campaign:
    """Create a campaign in draft, pin (lock) its criteria version and record the participating units. Every
    problem is listed at once; nothing is written unless all is well."""
    require(actor, Role.SECRETARIAT)
    authority_id = authority_of(actor)
    name = (name or "").strip()
    problems = _name_problems(name)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(f"Năm đánh giá «{year}» không hợp lệ.")
    elif db.session.execute(
        select(Campaign.id).where(Campaign.authority_id == authority_id, Campaign.year == year)
    ).first():
        problems.append(f"Đã có kỳ đánh giá năm {year}; mỗi năm chỉ có một kỳ đánh giá.")
    version = db.session.execute(
        select(CriteriaVersion).where(
            CriteriaVersion.id == criteria_version_id, CriteriaVersion.authority_id == authority_id
        )
    ).scalar_one_or_none()
    if version is None:
        problems.append("Vui lòng chọn bộ tiêu chí áp dụng cho kỳ đánh giá.")
    units, unit_problems = _participant_problems(authority_id, unit_ids)
    problems += unit_problems + _deadline_problems(deadlines)
    if problems:
        raise ServiceError("Chưa tạo được kỳ đánh giá. Vui lòng sửa các lỗi sau:", problems)

    campaign = Campaign(
        authority_id=authority_id,
        year=year,
        name=name,
        criteria_version_id=version.id,
        status=CampaignStatus.DRAFT,
        created_at=utcnow(),
        **{f: end_of_day(deadlines[s]) if deadlines.get(s) else None for s, f in DEADLINE_FIELDS.items()},
    )
    db.session.add(campaign)
    db.session.flush()
    _lock_version(actor, version)
    for unit in units:
        db.session.add(Assessment(unit_id=unit.id, campaign_id=campaign.id, group_id=unit.group_id))
    audit.record(
        "campaign.create",
        actor=actor,
        unit_id=authority_id,
        target=campaign,
        after={
            "year": year,
            "name": name,
            "criteria_version_id": version.id,
            "units": sorted(u.code for u in units),
            "deadlines": _deadline_values(campaign),
        },
    )
    db.session.commit()
    return campaign


def update_draft(
    actor,
    campaign_id: int,
    version: int | None,
    *,
    name: str,
    unit_ids: list[int],
    deadlines: dict[CampaignStatus, date | None],
) -> Campaign:
    """Change a draft campaign's name, deadlines and participants (untick a unit to leave it out)."""
    require(actor, Role.SECRETARIAT)
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict(
            "Kỳ đánh giá đã mở nên không sửa danh sách đơn vị và các mốc thời hạn được nữa; hãy dùng gia hạn."
        )
    name = (name or "").strip()
    units, unit_problems = _participant_problems(campaign.authority_id, unit_ids)
    problems = _name_problems(name) + unit_problems + _deadline_problems(deadlines)
    if problems:
        raise ServiceError("Chưa lưu được kỳ đánh giá. Vui lòng sửa các lỗi sau:", problems)
    current = {a.unit_id: a for a in participants(campaign)}
    before = {"name": campaign.name, "units": sorted(a.unit.code for a in current.values())}
    before["deadlines"] = _deadline_values(campaign)
    wanted = {u.id: u for u in units}
    for unit_id, assessment in current.items():
        if unit_id not in wanted:
            db.session.delete(assessment)
    for unit_id, unit in wanted.items():
        if unit_id not in current:
            db.session.add(Assessment(unit_id=unit_id, campaign_id=campaign.id, group_id=unit.group_id))
    campaign.name = name
    for stage, f in DEADLINE_FIELDS.items():
        setattr(campaign, f, end_of_day(deadlines[stage]) if deadlines.get(stage) else None)
    after = {"name": name, "units": sorted(u.code for u in units), "deadlines": _deadline_values(campaign)}
    audit.record(
        "campaign.update", actor=actor, unit_id=campaign.authority_id, target=campaign, before=before, after=after
    )
    _commit(CAMPAIGN_CONFLICT)
    return campaign


# ---- the status machine -----------------------------------------------------------------------------------------


def next_status(status: CampaignStatus) -> CampaignStatus | None:
    index = CAMPAIGN_ORDER.index(status)
    return CAMPAIGN_ORDER[index + 1] if index + 1 < len(CAMPAIGN_ORDER) else None


def _names(rows: list[Assessment], limit: int = 30) -> str:
    names = [a.unit.name for a in rows]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" và {more} đơn vị khác" if more > 0 else "")


def _refuse_open(campaign: Campaign, now: datetime) -> list[str]:
    problems = []
    if campaign.criteria_version.status != VersionStatus.IN_USE:
        problems.append("Bộ tiêu chí của kỳ đánh giá chưa được khoá.")
    if not participants(campaign):
        problems.append("Kỳ đánh giá chưa có đơn vị tham gia nào.")
    deadline = campaign.self_assessment_deadline
    if deadline is None:
        problems.append("Chưa đặt hạn tự đánh giá.")
    elif deadline <= now:
        problems.append(f"Hạn tự đánh giá ({vn_datetime(deadline)}) đã qua; hãy đặt hạn mới.")
    return problems


def _refuse_appraisal(campaign: Campaign, now: datetime, confirm_unsubmitted: bool) -> list[str]:
    """Appraisal starts when every unit has submitted, or when every unit that has not is past its deadline and the
    secretariat confirms moving on without them."""
    unsubmitted = [a for a in participants(campaign) if a.status == AssessmentStatus.DRAFT]
    if not unsubmitted:
        return []
    running = [a for a in unsubmitted if not (self_deadline(a) and now > self_deadline(a))]
    if running:
        return [
            f"Còn {len(running)} đơn vị chưa nộp và chưa hết hạn tự đánh giá: {_names(running)}. "
            "Chỉ chuyển sang thẩm định khi mọi đơn vị đã nộp hoặc đã hết hạn."
        ]
    if not confirm_unsubmitted:
        return [
            f"Còn {len(unsubmitted)} đơn vị chưa nộp hồ sơ tự đánh giá: {_names(unsubmitted)}. "
            f"Đánh dấu ô «{CONFIRM_UNSUBMITTED}» để chuyển sang thẩm định."
        ]
    return []


def _refuse_explanation(campaign: Campaign, now: datetime) -> list[str]:
    """The explanation round starts when every leaf of every unit has an appraised score and its deadline is set."""
    stmt = (
        select(Assessment)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .where(Assessment.campaign_id == campaign.id, ItemScore.appraised_score.is_(None))
        .distinct()
    )
    pending = list(db.session.execute(stmt).scalars())
    problems = []
    if pending:
        problems.append(f"Còn {len(pending)} đơn vị chưa được thẩm định đủ mọi tiêu chí: {_names(pending)}.")
    if campaign.explanation_deadline is None:
        problems.append("Chưa đặt hạn giải trình.")
    elif campaign.explanation_deadline <= now:
        problems.append(f"Hạn giải trình ({vn_datetime(campaign.explanation_deadline)}) đã qua; hãy gia hạn trước.")
    return problems


CLOSE_FROM_REVIEW = (
    "Chuyển sang rà soát cuối bằng nút «Kết thúc thẩm định» tại trang «Rà soát thẩm định»: việc này chốt điểm "
    "cuối cùng của mọi đơn vị cùng lúc với việc chuyển giai đoạn."
)


def advance(
    actor, campaign_id: int, version: int | None, *, confirm_unsubmitted: bool = False, now: datetime | None = None
) -> Campaign:
    """Move the campaign one stage on, or refuse with every reason. Publishing is not a stage move: it happens when
    the decision approving the results is issued."""
    require(actor, Role.SECRETARIAT)
    now = now or utcnow()
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    current = campaign.status
    target = next_status(current)
    if current == CampaignStatus.FINAL_REVIEW:
        raise ServiceError(
            "Công bố kết quả bằng việc ban hành quyết định phê duyệt kết quả đánh giá, phân loại; "
            "không chuyển giai đoạn tại đây."
        )
    if target is None:
        raise Conflict("Kỳ đánh giá đã công bố kết quả; không chuyển giai đoạn được nữa.")
    if current == CampaignStatus.EXPLANATION:
        # One path to final review: closing the appraisal fixes every unit's final scores as it moves the campaign.
        raise ServiceError(CLOSE_FROM_REVIEW)
    problems = {
        CampaignStatus.DRAFT: lambda: _refuse_open(campaign, now),
        CampaignStatus.SELF_ASSESSMENT: lambda: _refuse_appraisal(campaign, now, confirm_unsubmitted),
        CampaignStatus.APPRAISAL: lambda: _refuse_explanation(campaign, now),
    }[current]()
    if problems:
        raise ServiceError(f"Chưa chuyển được sang giai đoạn «{target.label}»:", problems)

    after = {"status": target}
    if current == CampaignStatus.DRAFT:
        after["items_created"] = _open(campaign)
    if current == CampaignStatus.SELF_ASSESSMENT:
        unsubmitted = [a.unit.code for a in participants(campaign) if a.status == AssessmentStatus.DRAFT]
        if unsubmitted:
            after["unsubmitted"] = unsubmitted
    campaign.status = target
    audit.record(
        "campaign.advance",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={"status": current},
        after=after,
        reason=CONFIRM_UNSUBMITTED if after.get("unsubmitted") else "",
    )
    if current == CampaignStatus.DRAFT:
        _notify_opened(campaign)
    _commit(CAMPAIGN_CONFLICT)
    return campaign


def _open(campaign: Campaign) -> int:
    """Snapshot each participant's group and create its item scores: one row per leaf of the pinned version for every
    participant that has none yet, in one INSERT … SELECT (6 000 rows stay well under a second on either database)."""
    for assessment in participants(campaign):
        if assessment.unit.group_id is not None:
            assessment.group_id = assessment.unit.group_id
    db.session.flush()
    items = ItemScore.__table__
    already = select(items.c.id).where(items.c.assessment_id == Assessment.id).exists()
    source = (
        select(Assessment.id, Assessment.unit_id, CriteriaNode.id, CriteriaNode.position, literal(1))
        .join(CriteriaNode, CriteriaNode.version_id == campaign.criteria_version_id)
        .where(Assessment.campaign_id == campaign.id, CriteriaNode.is_leaf.is_(True), ~already)
    )
    columns = ["assessment_id", "unit_id", "node_id", "node_position", "version"]
    result = db.session.execute(insert(items).from_select(columns, source))
    return result.rowcount


def notify_units(assessments: list[Assessment], kind: str, text: str) -> None:
    """Tell the officers and leaders of these units, each with a link to their own assessment."""
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in unit_users([a.unit_id for a in assessments]):
        by_unit[user.unit_id].append(user)
    for assessment in assessments:
        link = path_for("selfassessment.page", assessment_id=assessment.id)
        notify(by_unit.get(assessment.unit_id, []), kind, text, link)


def _notify_opened(campaign: Campaign) -> None:
    deadline = vn_datetime(campaign.self_assessment_deadline)
    notify_units(
        participants(campaign),
        "campaign.opened",
        f"{campaign.name} đã mở. Đơn vị tự đánh giá, tự chấm điểm và nộp hồ sơ trước {deadline}.",
    )


# ---- extensions -------------------------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Vui lòng nêu lý do gia hạn.")
    if len(reason) > 1000:
        raise ServiceError("Lý do gia hạn dài quá 1000 ký tự.")
    return reason


def extend_deadline(
    actor,
    campaign_id: int,
    version: int | None,
    *,
    stage: CampaignStatus,
    day: date,
    reason: str,
    now: datetime | None = None,
) -> Campaign:
    """Move one stage deadline of the whole campaign later, with a reason (recorded in the audit log)."""
    require(actor, Role.SECRETARIAT)
    now = now or utcnow()
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    reason = _reason(reason)
    if stage not in DEADLINE_FIELDS:
        raise ServiceError("Giai đoạn cần gia hạn không hợp lệ.")
    if campaign.status == CampaignStatus.PUBLISHED or CAMPAIGN_ORDER.index(campaign.status) > CAMPAIGN_ORDER.index(
        stage
    ):
        raise Conflict(f"Giai đoạn «{stage.label}» đã kết thúc; không gia hạn được nữa.")
    name = DEADLINE_FIELDS[stage]
    old, new = getattr(campaign, name), end_of_day(day)
    if new <= now:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải là một ngày chưa qua.")
    if old is not None and new <= old:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải sau hạn hiện tại ({vn_datetime(old)}).")
    following = [s for s in DEADLINE_FIELDS if CAMPAIGN_ORDER.index(s) > CAMPAIGN_ORDER.index(stage)]
    for later in following:
        later_value = getattr(campaign, DEADLINE_FIELDS[later])
        if later_value is not None and new >= later_value:
            raise ServiceError(
                f"Hạn mới ({vn_date(day)}) phải trước {DEADLINE_LABELS[later].lower()} ({vn_datetime(later_value)}); "
                "hãy gia hạn giai đoạn sau trước."
            )
    setattr(campaign, name, new)
    summary = f"{DEADLINE_LABELS[stage]} của cả kỳ: {vn_datetime(old) or 'chưa đặt'} → {vn_datetime(new)}"
    audit.record(
        "campaign.extend_deadline",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={name: old},
        after={name: new, "summary": summary},
        reason=reason,
    )
    unit_facing = stage in (CampaignStatus.SELF_ASSESSMENT, CampaignStatus.EXPLANATION)
    if unit_facing and campaign.status != CampaignStatus.DRAFT:
        notify_units(
            participants(campaign),
            "campaign.extended",
            f"{campaign.name}: {DEADLINE_LABELS[stage].lower()} được gia hạn đến {vn_datetime(new)}. Lý do: {reason}",
        )
    _commit(CAMPAIGN_CONFLICT)
    return campaign


def extend_unit_deadline(
    actor, campaign_id: int, assessment_id: int, *, day: date, reason: str, now: datetime | None = None
) -> Assessment:
    """Give one unit more time to self-assess (Assessment.self_deadline), with a reason."""
    require(actor, Role.SECRETARIAT)
    now = now or utcnow()
    campaign = campaign_for(actor, campaign_id)
    assessment = db.session.execute(
        select(Assessment).where(Assessment.id == assessment_id, Assessment.campaign_id == campaign.id)
    ).scalar_one_or_none()
    if assessment is None:
        raise NotFound(NOT_FOUND)
    reason = _reason(reason)
    if campaign.status != CampaignStatus.SELF_ASSESSMENT:
        raise Conflict(
            f"Chỉ gia hạn tự đánh giá cho từng đơn vị khi kỳ đánh giá đang ở giai đoạn tự đánh giá "
            f"(hiện tại: {campaign.status.label})."
        )
    old, new = self_deadline(assessment), end_of_day(day)
    if new <= now:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải là một ngày chưa qua.")
    if old is not None and new <= old:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải sau hạn hiện tại của đơn vị ({vn_datetime(old)}).")
    before = {"self_deadline": assessment.self_deadline, "reason": assessment.self_deadline_reason}
    assessment.self_deadline = new
    assessment.self_deadline_reason = reason
    summary = f"Hạn tự đánh giá của {assessment.unit.name}: {vn_datetime(old) or 'chưa đặt'} → {vn_datetime(new)}"
    audit.record(
        "assessment.extend_deadline",
        actor=actor,
        target=assessment,
        before=before,
        after={"self_deadline": new, "summary": summary},
        reason=reason,
    )
    notify_units(
        [assessment],
        "assessment.extended",
        f"{campaign.name}: đơn vị được gia hạn tự đánh giá đến {vn_datetime(new)}. Lý do: {reason}",
    )
    _commit("Hồ sơ của đơn vị vừa thay đổi nên chưa gia hạn được. Vui lòng thử lại.")
    return assessment
