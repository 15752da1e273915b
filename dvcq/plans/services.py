"""The plan's life: drafted from the published result, edited by the unit, submitted by its leader, acknowledged or
returned by the authority; progress reports per period; the authority's follow-up; targets against what was achieved.

Every change: permission check → change → one audit record → commit. A version the user did not see → 409."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from dvcq.plans.models import (
    ImprovementPlan,
    Period,
    PlanStatus,
    PlanTask,
    ProgressReport,
    ReportStatus,
    TaskKind,
    TaskStatus,
)
from dvcq.platform import audit
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, parse_vn_date, points, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import UNIT_STAFF, require
from dvcq.scoring.engine import format_rank
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, ClassificationLevel, UnitResult
from dvcq.tenants.models import Unit

STALE = "Kế hoạch đã được người khác thay đổi sau khi bạn mở trang. Vui lòng tải lại trang rồi nhập lại."
OPENS_BEFORE_DUE = timedelta(days=30)
ESCALATE_AFTER = timedelta(days=7)
REMIND_BEFORE = timedelta(days=7)
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)
DEFAULT_GOALS = (
    "Khắc phục những hạn chế, tồn tại được chỉ ra qua kết quả đánh giá Chỉ số Dân vận chính quyền năm {source}; "
    "nâng cao chất lượng công tác dân vận chính quyền, phấn đấu năm {year} đạt các chỉ tiêu dưới đây."
)
DEFAULT_ORGANIZATION = (
    "Công chức được giao nhiệm vụ chủ động triển khai thực hiện; Văn phòng - Thống kê theo dõi, tổng hợp, báo cáo "
    "kết quả thực hiện định kỳ (Quý I, 6 tháng, 9 tháng, cả năm) về Thường trực Ban Chỉ đạo."
)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today in Việt Nam: report windows and lateness are decided by the server's clock, never the browser's."""
    return datetime.now(UTC).astimezone(VN).date()


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise Conflict(STALE) from err


def _check_version(row, version) -> None:
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = None
    if seen != row.version:
        raise Conflict(STALE)


# ---- reading ------------------------------------------------------------------------------------------------------


def get_plan(plan_id: int) -> ImprovementPlan:
    """Through the tenancy guard: another unit's plan is as missing as one that never was."""
    plan = db.session.execute(select(ImprovementPlan).where(ImprovementPlan.id == plan_id)).scalar_one_or_none()
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


def plan_of(unit_id: int, year: int) -> ImprovementPlan | None:
    return db.session.execute(
        select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id, ImprovementPlan.year == year)
    ).scalar_one_or_none()


def plans_of_unit(unit_id: int) -> list[ImprovementPlan]:
    return list(
        db.session.execute(
            select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id).order_by(ImprovementPlan.year.desc())
        ).scalars()
    )


def baseline(plan: ImprovementPlan) -> dict:
    return json.loads(plan.baseline or "{}")


def area_targets(plan: ImprovementPlan) -> dict[str, Decimal]:
    return {code: Decimal(value) for code, value in json.loads(plan.area_targets or "{}").items()}


def latest_published(authority_id: int) -> Campaign | None:
    return db.session.execute(
        select(Campaign)
        .where(Campaign.authority_id == authority_id, Campaign.status == CampaignStatus.PUBLISHED)
        .order_by(Campaign.year.desc())
        .limit(1)
    ).scalar_one_or_none()


def _result(authority_id: int, year: int, unit_id: int, published_only: bool = True) -> UnitResult | None:
    stmt = select(UnitResult).where(
        UnitResult.authority_id == authority_id, UnitResult.year == year, UnitResult.unit_id == unit_id
    )
    if published_only:
        stmt = stmt.where(UnitResult.published.is_(True))
    return db.session.execute(stmt).scalar_one_or_none()


def _levels(version_id: int) -> list[ClassificationLevel]:
    return list(
        db.session.execute(
            select(ClassificationLevel)
            .where(ClassificationLevel.version_id == version_id)
            .order_by(ClassificationLevel.order)
        ).scalars()
    )


def levels_of(plan: ImprovementPlan) -> list[ClassificationLevel]:
    """The classification levels of the criteria version the plan's baseline campaign used, best first."""
    return _levels(_campaign(plan).criteria_version_id)


def all_plans() -> list[ImprovementPlan]:
    """Every plan the caller's scope may see (the authority's, for its staff)."""
    return list(db.session.execute(select(ImprovementPlan)).scalars())


def users_of(unit_id: int, *roles: Role) -> list[User]:
    return list(
        db.session.execute(
            select(User).where(User.unit_id == unit_id, User.role.in_(roles), User.active.is_(True)).order_by(User.id)
        ).scalars()
    )


# ---- drafting -----------------------------------------------------------------------------------------------------


def _own_unit(actor, unit_id: int) -> None:
    require(actor, *UNIT_STAFF)
    if actor.unit_id != unit_id:
        raise NotFound("Không tìm thấy kế hoạch.")


def draft_plan(actor, unit_id: int) -> ImprovementPlan:
    """Draft the unit's plan for the year after its last published campaign (see `plans.drafting`). A plan that
    already exists for that year is returned unchanged."""
    from dvcq.plans.drafting import build_draft

    _own_unit(actor, unit_id)
    unit = db.session.get(Unit, unit_id)
    campaign = latest_published(unit.authority_id)
    if campaign is None:
        raise ServiceError("Chưa có kết quả đánh giá nào được công bố nên chưa thể lập kế hoạch.")
    existing = plan_of(unit_id, campaign.year + 1)
    if existing is not None:
        return existing
    assessment = db.session.execute(
        select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit_id)
    ).scalar_one_or_none()
    if assessment is None:
        raise ServiceError(f"Đơn vị không tham gia đánh giá năm {campaign.year} nên không có kết quả để lập kế hoạch.")
    plan = build_draft(campaign, assessment)
    db.session.add(plan)
    db.session.flush()
    audit.record("plan.draft", actor=actor, unit_id=unit_id, target=plan, after={"year": plan.year})
    _commit()
    return plan


# ---- editing ------------------------------------------------------------------------------------------------------


def _editable(actor, plan: ImprovementPlan, version) -> None:
    _own_unit(actor, plan.unit_id)
    _check_version(plan, version)
    if plan.status not in EDITABLE:
        raise Conflict(f"Kế hoạch đang ở trạng thái «{plan.status.label}», không sửa được.")


def _parse_points(text: str, what: str, problems: list[str]) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        problems.append(f"{what}: «{text}» không phải là số.")
        return None
    if value < 0 or value > 1000:
        problems.append(f"{what}: «{text}» ngoài khoảng cho phép.")
        return None
    return value.quantize(Decimal("0.01"))


def update_plan(actor, plan_id: int, version, form: dict) -> ImprovementPlan:
    """Targets and the narrative sections. `form`: target_rank, target_level_order, target_total, goals,
    organization, number, area:<code> → points."""
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    problems: list[str] = []
    rank_text = (form.get("target_rank") or "").strip()
    rank = None
    if rank_text:
        if not rank_text.isdigit() or int(rank_text) < 1:
            problems.append(f"Chỉ tiêu xếp hạng «{rank_text}» phải là số nguyên từ 1 trở lên.")
        else:
            rank = int(rank_text)
    levels = {lv.order: lv for lv in _levels(_campaign(plan).criteria_version_id)}
    level_text = (form.get("target_level_order") or "").strip()
    level = None
    if level_text:
        if not level_text.isdigit() or int(level_text) not in levels:
            problems.append("Chỉ tiêu xếp loại không hợp lệ.")
        else:
            level = levels[int(level_text)]
    total = _parse_points(form.get("target_total", ""), "Chỉ tiêu tổng điểm", problems)
    areas = {}
    for key, value in form.items():
        if key.startswith("area:") and (value or "").strip():
            parsed = _parse_points(value, f"Chỉ tiêu lĩnh vực {key[5:]}", problems)
            if parsed is not None:
                areas[key[5:]] = f"{parsed:.2f}"
    if problems:
        raise ServiceError("Chưa lưu được kế hoạch.", problems)
    before = _plan_state(plan)
    plan.target_rank = rank
    plan.target_level_order = level.order if level else None
    plan.target_level_name = level.name if level else ""
    plan.target_total = total
    plan.area_targets = json.dumps(areas, sort_keys=True)
    plan.goals = (form.get("goals") or "").strip()
    plan.organization = (form.get("organization") or "").strip()
    plan.number = (form.get("number") or "").strip()[:60]
    audit.record("plan.update", actor=actor, unit_id=plan.unit_id, target=plan, before=before, after=_plan_state(plan))
    _commit()
    return plan


def _plan_state(plan: ImprovementPlan) -> dict:
    return {
        "status": plan.status,
        "target_rank": plan.target_rank,
        "target_level_order": plan.target_level_order,
        "target_total": plan.target_total,
        "area_targets": plan.area_targets,
        "goals": plan.goals,
        "organization": plan.organization,
        "number": plan.number,
    }


def _campaign(plan: ImprovementPlan) -> Campaign:
    return db.session.get(Campaign, plan.source_campaign_id)


@dataclass
class TaskInput:
    kind: TaskKind
    text: str
    item_codes: str
    responsible_user_id: int | None
    responsible_post: str
    due_on: date | None


def parse_task(plan: ImprovementPlan, form: dict) -> TaskInput:
    """A task's fields from a form; every problem at once. The due date must fall within the plan year."""
    problems = []
    try:
        kind = TaskKind((form.get("kind") or "solution").strip())
    except ValueError:
        kind = TaskKind.SOLUTION
        problems.append("Loại nhiệm vụ không hợp lệ.")
    text = (form.get("text") or "").strip()
    if not text:
        problems.append("Chưa nhập nội dung nhiệm vụ.")
    codes = ",".join(c.strip() for c in (form.get("item_codes") or "").replace(";", ",").split(",") if c.strip())
    user_id = None
    user_text = (form.get("responsible_user_id") or "").strip()
    if user_text:
        user = db.session.get(User, int(user_text)) if user_text.isdigit() else None
        if user is None or user.unit_id != plan.unit_id:
            problems.append("Người phụ trách phải là cán bộ của đơn vị.")
        else:
            user_id = user.id
    post = (form.get("responsible_post") or "").strip()[:200]
    if user_id is None and not post:
        problems.append(
            "Chưa chọn người phụ trách hoặc nhập chức danh phụ trách (ví dụ: Công chức Văn phòng - Thống kê)."
        )
    due = None
    due_text = (form.get("due_on") or "").strip()
    if due_text:
        try:
            due = parse_vn_date(due_text)
        except ValueError as err:
            problems.append(str(err))
        else:
            if due.year != plan.year:
                problems.append(
                    f"Thời hạn {vn_date(due)} nằm ngoài năm kế hoạch {plan.year} "
                    f"(từ 01/01/{plan.year} đến 31/12/{plan.year})."
                )
    if problems:
        raise ServiceError("Chưa lưu được nhiệm vụ.", problems)
    return TaskInput(kind, text, codes[:300], user_id, post, due)


def add_task(actor, plan_id: int, version, form: dict) -> PlanTask:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    data = parse_task(plan, form)
    task = PlanTask(plan_id=plan.id, unit_id=plan.unit_id, position=len(plan.tasks) + 1, **data.__dict__)
    db.session.add(task)
    db.session.flush()
    audit.record("plan.task.add", actor=actor, unit_id=plan.unit_id, target=task, after=data.__dict__)
    _touch(plan)
    _commit()
    return task


def _touch(plan: ImprovementPlan) -> None:
    """Any change to a task is a change of the plan: its version moves, so a stale page of the plan conflicts."""
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(plan, "goals")


def _task(plan: ImprovementPlan, task_id: int) -> PlanTask:
    for task in plan.tasks:
        if task.id == task_id:
            return task
    raise NotFound("Không tìm thấy nhiệm vụ.")


def update_task(actor, plan_id: int, task_id: int, version, form: dict) -> PlanTask:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    task = _task(plan, task_id)
    data = parse_task(plan, form)
    before = {k: getattr(task, k) for k in data.__dict__}
    for key, value in data.__dict__.items():
        setattr(task, key, value)
    audit.record("plan.task.update", actor=actor, unit_id=plan.unit_id, target=task, before=before, after=data.__dict__)
    _touch(plan)
    _commit()
    return task


def delete_task(actor, plan_id: int, task_id: int, version) -> None:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    task = _task(plan, task_id)
    audit.record("plan.task.delete", actor=actor, unit_id=plan.unit_id, target=task, before={"text": task.text})
    plan.tasks.remove(task)
    _touch(plan)
    _commit()


# ---- hand-overs -----------------------------------------------------------------------------------------------------


def _secretariat(authority_id: int) -> list[User]:
    return users_of(authority_id, Role.SECRETARIAT)


def submit_plan(actor, plan_id: int, version) -> ImprovementPlan:
    """Only the unit's leader submits; the secretariat is told."""
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    require(actor, Role.LEADER)
    _editable(actor, plan, version)
    if not plan.tasks:
        raise ServiceError("Kế hoạch chưa có nhiệm vụ nào; thêm ít nhất một nhiệm vụ trước khi gửi.")
    before = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = now()
    plan.submitted_by_id = actor.id
    plan.return_reason = ""
    audit.record("plan.submit", actor=actor, unit_id=plan.unit_id, target=plan, before=before, after=plan.status)
    notify(
        _secretariat(plan.unit.authority_id),
        "plan.submitted",
        f"{plan.unit.name} đã gửi kế hoạch cải thiện năm {plan.year}.",
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan


def _decide(actor, plan_id: int, version) -> ImprovementPlan:
    require(actor, Role.SECRETARIAT)
    plan = get_plan(plan_id)
    _check_version(plan, version)
    if plan.status != PlanStatus.SUBMITTED:
        raise Conflict(f"Kế hoạch đang ở trạng thái «{plan.status.label}», không tiếp nhận hoặc trả lại được.")
    return plan


def acknowledge_plan(actor, plan_id: int, version) -> ImprovementPlan:
    plan = _decide(actor, plan_id, version)
    plan.status = PlanStatus.ACKNOWLEDGED
    plan.acknowledged_at = now()
    plan.acknowledged_by_id = actor.id
    audit.record("plan.acknowledge", actor=actor, unit_id=plan.unit_id, target=plan, after=plan.status)
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.acknowledged",
        f"Thường trực Ban Chỉ đạo đã tiếp nhận kế hoạch cải thiện năm {plan.year}.",
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan


def return_plan(actor, plan_id: int, version, reason: str) -> ImprovementPlan:
    reason = (reason or "").strip()
    plan = _decide(actor, plan_id, version)
    if not reason:
        raise ServiceError("Chưa nhập lý do trả lại kế hoạch.")
    plan.status = PlanStatus.RETURNED
    plan.return_reason = reason
    audit.record("plan.return", actor=actor, unit_id=plan.unit_id, target=plan, after=plan.status, reason=reason)
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.returned",
        f"Kế hoạch cải thiện năm {plan.year} bị trả lại: {reason}"[:500],
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan


# ---- progress reports -----------------------------------------------------------------------------------------------


def opens_on(period: Period, year: int) -> date:
    return period.due_on(year) - OPENS_BEFORE_DUE


def report_of(plan: ImprovementPlan, period: Period) -> ProgressReport | None:
    for report in plan.reports:
        if report.period == period:
            return report
    return None


def parse_period(text: str) -> Period:
    try:
        return Period(text)
    except ValueError as err:
        raise NotFound("Không tìm thấy kỳ báo cáo.") from err


def progress_of(report: ProgressReport | None) -> dict[int, dict]:
    if report is None:
        return {}
    return {int(k): v for k, v in json.loads(report.progress or "{}").items()}


def _parse_progress(plan: ImprovementPlan, form: dict, problems: list[str]) -> dict[str, dict]:
    progress = {}
    for task in plan.tasks:
        status_text = (form.get(f"status:{task.id}") or task.status.value).strip()
        try:
            status = TaskStatus(status_text)
        except ValueError:
            problems.append(f"Trạng thái của nhiệm vụ «{task.text[:40]}» không hợp lệ.")
            continue
        percent_text = (form.get(f"percent:{task.id}") or str(task.percent)).strip()
        if not percent_text.isdigit() or int(percent_text) > 100:
            problems.append(f"Tỷ lệ hoàn thành của nhiệm vụ «{task.text[:40]}» phải từ 0 đến 100.")
            continue
        percent = 100 if status is TaskStatus.DONE else int(percent_text)
        progress[str(task.id)] = {"status": status.value, "percent": percent}
    return progress


def _parse_evidence(plan: ImprovementPlan, form_ids, problems: list[str]) -> str:
    from dvcq.scoring.models import Evidence

    ids = sorted({int(i) for i in form_ids if str(i).isdigit()})
    if not ids:
        return ""
    found = set(
        db.session.execute(select(Evidence.id).where(Evidence.id.in_(ids), Evidence.unit_id == plan.unit_id)).scalars()
    )
    if found != set(ids):
        problems.append("Tài liệu kiểm chứng phải chọn từ thư viện của đơn vị.")
    return ",".join(str(i) for i in ids)


def save_report(actor, plan_id: int, period: Period, version, form: dict, evidence_ids=(), *, on: date | None = None):
    """Create or update the period's report (a draft). Refused before the period opens (30 days before its due date),
    before the plan is acknowledged, and once the report is submitted."""
    on = on or today()
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    if plan.status != PlanStatus.ACKNOWLEDGED:
        raise Conflict("Kế hoạch chưa được Thường trực Ban Chỉ đạo tiếp nhận nên chưa báo cáo được.")
    if on < opens_on(period, plan.year):
        raise ServiceError(
            f"Kỳ báo cáo {period.label} năm {plan.year} chưa mở: mở từ {vn_date(opens_on(period, plan.year))}, "
            f"hạn nộp {vn_date(period.due_on(plan.year))}."
        )
    report = report_of(plan, period)
    if report is None:
        if str(version or "") not in ("", "0"):
            raise Conflict(STALE)
        report = ProgressReport(plan_id=plan.id, unit_id=plan.unit_id, period=period, created_at=now())
        plan.reports.append(report)
    else:
        _check_version(report, version)
        if report.status == ReportStatus.SUBMITTED:
            raise Conflict("Báo cáo đã gửi, không sửa được.")
    problems: list[str] = []
    progress = _parse_progress(plan, form, problems)
    evidence = _parse_evidence(plan, evidence_ids, problems)
    if problems:
        raise ServiceError("Chưa lưu được báo cáo.", problems)
    report.narrative = (form.get("narrative") or "").strip()
    report.progress = json.dumps(progress, sort_keys=True)
    report.evidence_ids = evidence
    db.session.flush()
    audit.record(
        "plan.report.save", actor=actor, unit_id=plan.unit_id, target=report, after={"period": period, **progress}
    )
    _commit()
    return report


def submit_report(actor, plan_id: int, period: Period, version, *, at: datetime | None = None) -> ProgressReport:
    """The leader submits the period's report; the tasks take the status and percent it reports."""
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    require(actor, Role.LEADER)
    report = report_of(plan, period)
    if report is None:
        raise ServiceError("Chưa có báo cáo của kỳ này; lưu báo cáo trước khi gửi.")
    _check_version(report, version)
    if report.status == ReportStatus.SUBMITTED:
        raise Conflict("Báo cáo đã gửi.")
    if not report.narrative:
        raise ServiceError("Báo cáo chưa có phần đánh giá kết quả thực hiện.")
    progress = progress_of(report)
    for task in plan.tasks:
        if task.id in progress:
            task.status = TaskStatus(progress[task.id]["status"])
            task.percent = progress[task.id]["percent"]
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = at or now()
    report.submitted_by_id = actor.id
    audit.record("plan.report.submit", actor=actor, unit_id=plan.unit_id, target=report, after={"period": period})
    late = " (nộp muộn)" if is_late(report, plan.year) else ""
    notify(
        _secretariat(plan.unit.authority_id),
        "plan.report",
        f"{plan.unit.name} đã gửi báo cáo {period.label} năm {plan.year}{late}.",
        link=f"/ke-hoach/{plan.id}/bao-cao/{period.value}",
    )
    _commit()
    return report


def is_late(report: ProgressReport, year: int) -> bool:
    if report.submitted_at is None:
        return False
    return report.submitted_at.replace(tzinfo=UTC).astimezone(VN).date() > report.period.due_on(year)


def report_state(plan: ImprovementPlan, period: Period, on: date) -> str:
    """submitted | late (submitted after the due date) | missing (due date passed, not submitted) | open | not_open"""
    report = report_of(plan, period)
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return "late" if is_late(report, plan.year) else "submitted"
    if on > period.due_on(plan.year):
        return "missing"
    if on >= opens_on(period, plan.year):
        return "open"
    return "not_open"


STATE_LABELS = {
    "submitted": "Đã nộp",
    "late": "Nộp muộn",
    "missing": "Quá hạn, chưa nộp",
    "open": "Đang mở",
    "not_open": "Chưa đến kỳ",
    "no_plan": "Chưa có kế hoạch",
}


def next_due(plan: ImprovementPlan, on: date) -> Period | None:
    for period in Period:
        if report_state(plan, period, on) in ("open", "missing"):
            return period
    for period in Period:
        if report_state(plan, period, on) == "not_open":
            return period
    return None


def overdue_tasks(plan: ImprovementPlan, on: date) -> list[PlanTask]:
    return [t for t in plan.tasks if t.due_on and t.due_on < on and t.status != TaskStatus.DONE]


# ---- the authority's follow-up --------------------------------------------------------------------------------------


@dataclass
class FollowUpRow:
    unit: Unit
    plan: ImprovementPlan | None
    states: dict[Period, str] = field(default_factory=dict)
    overdue: int = 0


def follow_up(actor, year: int, on: date | None = None) -> list[FollowUpRow]:
    """Every unit that took part in the campaign the plans start from: its plan, report states per period and overdue
    tasks. Authority staff only."""
    from dvcq.platform.permissions import AUTHORITY_STAFF

    require(actor, *AUTHORITY_STAFF)
    on = on or today()
    authority_id = actor.unit_id
    units = list(
        db.session.execute(
            select(Unit)
            .join(UnitResult, UnitResult.unit_id == Unit.id)
            .where(UnitResult.authority_id == authority_id, UnitResult.year == year - 1)
            .order_by(Unit.group_id, Unit.name)
        ).scalars()
    )
    stmt = (
        select(ImprovementPlan)
        .where(ImprovementPlan.year == year)
        .options(selectinload(ImprovementPlan.tasks), selectinload(ImprovementPlan.reports))
    )
    plans = {p.unit_id: p for p in db.session.execute(stmt).scalars()}
    rows = []
    for unit in units:
        plan = plans.get(unit.id)
        row = FollowUpRow(unit, plan)
        if plan is not None and plan.status == PlanStatus.ACKNOWLEDGED:  # reports are owed once the plan is in force
            row.states = {p: report_state(plan, p, on) for p in Period}
            row.overdue = len(overdue_tasks(plan, on))
        rows.append(row)
    return rows


def plan_years(authority_id: int) -> list[int]:
    return sorted(
        set(db.session.execute(select(ImprovementPlan.year).distinct()).scalars()),
        reverse=True,
    )


# ---- closing the loop -------------------------------------------------------------------------------------------


@dataclass
class TargetOutcome:
    label: str
    target: str
    achieved: str | None
    met: bool | None  # None: the plan year's result is not published yet


def outcomes(plan: ImprovementPlan) -> list[TargetOutcome]:
    """Each target against the published result of the plan year (UnitResult of year N+1)."""
    authority_id = plan.unit.authority_id
    result = _result(authority_id, plan.year, plan.unit_id)
    lines = []
    if plan.target_rank:
        achieved = format_rank(result.rank, result.rank_of) if result and result.rank else None
        met = None if result is None else bool(result.rank and result.rank <= plan.target_rank)
        target = f"Xếp hạng {plan.target_rank:02d} trở lên"
        lines.append(TargetOutcome("Xếp hạng", target, achieved, met))
    if plan.target_level_order:
        achieved = result.level_name if result else None
        met = None if result is None else bool(result.level_order and result.level_order <= plan.target_level_order)
        lines.append(TargetOutcome("Xếp loại", plan.target_level_name, achieved, met))
    if plan.target_total is not None:
        total = result.appraised_total if result else None
        met = None if result is None else bool(total is not None and total >= plan.target_total)
        achieved = points(total) if total is not None else None
        lines.append(TargetOutcome("Tổng điểm", f"{points(plan.target_total)} điểm", achieved, met))
    if result is not None:
        by_area = json.loads(result.by_area or "{}")
    for code, value in area_targets(plan).items():
        got = Decimal(by_area[code]) if result is not None and code in by_area else None
        met = None if result is None else bool(got is not None and got >= value)
        lines.append(
            TargetOutcome(f"Lĩnh vực {code}", f"{points(value)} điểm", points(got) if got is not None else None, met)
        )
    return lines
