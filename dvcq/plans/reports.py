"""Progress reports per period of an acknowledged plan: when each period opens and is due, saving and submitting
the report, the secretariat acknowledging it or returning it with a reason (as for the plan), and each period's state
(acknowledged, submitted, late, returned, missing, open, not yet open)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, PlanTask, ProgressReport, ReportStatus, TaskStatus
from dvcq.plans.services import STALE, Invalid, _check_version, _commit, _own_unit, _secretariat, get_plan, users_of
from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import MESSAGES, Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import UNIT_STAFF, require

OPENS_BEFORE_DUE = timedelta(days=30)
ESCALATE_AFTER = timedelta(days=7)
REMIND_BEFORE = timedelta(days=7)
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)  # the unit may change and submit it
# The report's sections after I. Kết quả thực hiện (the narrative), as the form and the document name them.
SECTIONS = (
    ("shortcomings", "Tồn tại, hạn chế và nguyên nhân"),
    ("next_tasks", "Nhiệm vụ, giải pháp kỳ tới"),
    ("proposals", "Kiến nghị, đề xuất"),
)


def opens_on(period: Period, year: int) -> date:
    return period.due_on(year) - OPENS_BEFORE_DUE


def report_of(plan: ImprovementPlan, period: Period) -> ProgressReport | None:
    for report in plan.reports:
        if report.period == period:
            return report
    return None


def progress_of(report: ProgressReport | None) -> dict[int, dict]:
    if report is None:
        return {}
    return {int(k): v for k, v in json.loads(report.progress or "{}").items()}


def _parse_progress(plan: ImprovementPlan, form: dict, problems: dict[str, str]) -> dict[str, dict]:
    progress = {}
    for task in plan.tasks:
        status_text = (form.get(f"status:{task.id}") or task.status.value).strip()
        try:
            status = TaskStatus(status_text)
        except ValueError:
            problems[f"status:{task.id}"] = f"Tình trạng của nhiệm vụ «{task.text[:40]}» không hợp lệ."
            continue
        percent_text = (form.get(f"percent:{task.id}") or str(task.percent)).strip().removesuffix("%").strip()
        if not percent_text.isdigit() or int(percent_text) > 100:
            problems[f"percent:{task.id}"] = (
                f"Tỷ lệ hoàn thành «{form.get(f'percent:{task.id}', '')}» phải là số nguyên từ 0 đến 100."
            )
            continue
        percent = 100 if status is TaskStatus.DONE else int(percent_text)
        progress[str(task.id)] = {"status": status.value, "percent": percent}
    return progress


def _parse_evidence(plan: ImprovementPlan, form_ids, problems: dict[str, str]) -> str:
    from dvcq.scoring.models import Evidence

    ids = sorted({int(i) for i in form_ids if str(i).isdigit()})
    if not ids:
        return ""
    found = set(
        db.session.execute(select(Evidence.id).where(Evidence.id.in_(ids), Evidence.unit_id == plan.unit_id)).scalars()
    )
    if found != set(ids):
        problems["evidence"] = "Tài liệu kiểm chứng phải chọn từ thư viện của đơn vị."
    return ",".join(str(i) for i in ids)


def save_report(actor, plan_id: int, period: Period, version, form: dict, evidence_ids=(), *, on: date | None = None):
    """Create or update the period's report (a draft). Refused before the period opens (30 days before its due date),
    before the plan is acknowledged, and once the report is submitted."""
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    report = _write(actor, plan, period, version, form, evidence_ids, on or clock.today_in_vietnam())
    _commit()
    return report


def _write(actor, plan: ImprovementPlan, period: Period, version, form: dict, evidence_ids, on: date) -> ProgressReport:
    """The report's fields from the form, checked all at once (`Invalid`); audited, not committed."""
    if plan.status != PlanStatus.ACKNOWLEDGED:
        raise Conflict("Kế hoạch chưa được Thường trực Ban Chỉ đạo tiếp nhận nên chưa báo cáo được.")
    if on < opens_on(period, plan.year):
        raise ServiceError(
            f"Kỳ báo cáo {period.span(plan.year)} chưa mở: mở từ {vn_date(opens_on(period, plan.year))}, "
            f"hạn nộp {vn_date(period.due_on(plan.year))}."
        )
    report = report_of(plan, period)
    if report is None:
        if str(version or "") not in ("", "0"):
            raise Conflict(STALE)
        report = ProgressReport(plan_id=plan.id, unit_id=plan.unit_id, period=period, created_at=clock.now())
        plan.reports.append(report)
    else:
        _check_version(report, version)
        if report.status not in EDITABLE:
            raise Conflict(f"Báo cáo đang ở trạng thái «{report.status.label}», không sửa được.")
    problems: dict[str, str] = {}
    progress = _parse_progress(plan, form, problems)
    evidence = _parse_evidence(plan, evidence_ids, problems)
    if problems:
        raise Invalid("Chưa lưu được báo cáo: hãy sửa các ô được đánh dấu.", problems)
    report.narrative = (form.get("narrative") or "").strip()
    for section, _ in SECTIONS:  # left empty, the document writes them from the tasks
        if section in form:
            setattr(report, section, (form.get(section) or "").strip())
    report.progress = json.dumps(progress, sort_keys=True)
    report.evidence_ids = evidence
    db.session.flush()
    audit.record(
        "plan.report.save", actor=actor, unit_id=plan.unit_id, target=report, after={"period": period, **progress}
    )
    return report


def submit_report(
    actor,
    plan_id: int,
    period: Period,
    version,
    form: dict | None = None,
    evidence_ids=(),
    *,
    at: datetime | None = None,
) -> ProgressReport:
    """The leader submits the period's report; the tasks take the status and percent it reports. With `form`, what the
    leader typed is saved first, in the same transaction: a refusal keeps nothing, a success keeps both."""
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    require(actor, Role.LEADER)
    if form is not None:
        report = _write(actor, plan, period, version, form, evidence_ids, clock.today_in_vietnam())
    else:
        report = report_of(plan, period)
        if report is None:
            raise ServiceError("Chưa có báo cáo của kỳ này; lưu báo cáo trước khi gửi.")
        _check_version(report, version)
    if report.status not in EDITABLE:
        raise Conflict(f"Báo cáo đang ở trạng thái «{report.status.label}», không gửi lại được.")
    if not report.narrative:
        raise Invalid(
            "Chưa gửi được báo cáo.",
            {"narrative": "Hãy viết phần đánh giá kết quả thực hiện trước khi gửi báo cáo."},
        )
    progress = progress_of(report)
    for task in plan.tasks:
        if task.id in progress:
            task.status = TaskStatus(progress[task.id]["status"])
            task.percent = progress[task.id]["percent"]
    again = report.status == ReportStatus.RETURNED
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = at or clock.now()
    report.submitted_by_id = actor.id
    report.return_reason = ""
    audit.record("plan.report.submit", actor=actor, unit_id=plan.unit_id, target=report, after={"period": period})
    late = " (nộp muộn)" if is_late(report, plan.year) else ""
    notify(
        _secretariat(plan.unit.authority_id),
        "plan.report",
        f"{plan.unit.name} đã {'gửi lại' if again else 'gửi'} báo cáo {period.span(plan.year)}{late}.",
        link=report_link(plan, period),
    )
    _commit()
    return report


def report_link(plan: ImprovementPlan, period: Period) -> str:
    return f"/ke-hoach/{plan.id}/bao-cao/{period.slug}"


def _decide(actor, plan_id: int, period: Period, version) -> tuple[ImprovementPlan, ProgressReport]:
    """The secretariat's side of a submitted report. Another authority's or unit's plan is as missing as none."""
    require(actor, Role.SECRETARIAT)
    plan = get_plan(plan_id)
    report = report_of(plan, period)
    if report is None:  # answered exactly as a plan that is not there
        raise NotFound(MESSAGES[404][1])
    _check_version(report, version)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(f"Báo cáo đang ở trạng thái «{report.status.label}», chỉ tiếp nhận hoặc trả lại báo cáo đã gửi.")
    return plan, report


def acknowledge_report(actor, plan_id: int, period: Period, version) -> ProgressReport:
    """The secretariat acknowledges a submitted report; the unit is told."""
    plan, report = _decide(actor, plan_id, period, version)
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_at = clock.now()
    report.acknowledged_by_id = actor.id
    audit.record("plan.report.acknowledge", actor=actor, unit_id=plan.unit_id, target=report, after={"period": period})
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.report.acknowledged",
        f"Thường trực Ban Chỉ đạo đã tiếp nhận báo cáo {period.span(plan.year)}.",
        link=report_link(plan, period),
    )
    _commit()
    return report


def return_report(actor, plan_id: int, period: Period, version, reason: str) -> ProgressReport:
    """The secretariat returns a submitted report with a reason; the unit corrects it and submits it again."""
    reason = (reason or "").strip()
    plan, report = _decide(actor, plan_id, period, version)
    if not reason:
        raise Invalid("Chưa trả lại báo cáo.", {"reason": "Hãy ghi lý do trả lại để đơn vị biết cần bổ sung gì."})
    report.status = ReportStatus.RETURNED
    report.return_reason = reason
    audit.record(
        "plan.report.return",
        actor=actor,
        unit_id=plan.unit_id,
        target=report,
        after={"period": period},
        reason=reason,
    )
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.report.returned",
        f"Báo cáo {period.span(plan.year)} bị trả lại: {reason}"[:500],
        link=report_link(plan, period),
    )
    _commit()
    return report


def is_late(report: ProgressReport, year: int) -> bool:
    if report.submitted_at is None:
        return False
    return report.submitted_at.replace(tzinfo=UTC).astimezone(VN).date() > report.period.due_on(year)


def report_state(plan: ImprovementPlan, period: Period, on: date) -> str:
    """acknowledged | acknowledged_late | submitted (waiting for the secretariat) | late (the same, submitted after
    the due date) | returned (to be corrected and submitted again) | missing (due date passed, not submitted) | open |
    not_open"""
    report = report_of(plan, period)
    if report is not None and report.status == ReportStatus.ACKNOWLEDGED:
        return "acknowledged_late" if is_late(report, plan.year) else "acknowledged"
    if report is not None and report.status == ReportStatus.SUBMITTED:
        return "late" if is_late(report, plan.year) else "submitted"
    if report is not None and report.status == ReportStatus.RETURNED:
        return "returned"
    if on > period.due_on(plan.year):
        return "missing"
    if on >= opens_on(period, plan.year):
        return "open"
    return "not_open"


STATE_LABELS = {
    "acknowledged": "Đã tiếp nhận",
    "acknowledged_late": "Đã tiếp nhận (nộp muộn)",
    "submitted": "Đã nộp, chờ tiếp nhận",
    "late": "Nộp muộn, chờ tiếp nhận",
    "returned": "Bị trả lại, chờ gửi lại",
    "missing": "Quá hạn, chưa nộp",
    "open": "Đang mở",
    "not_open": "Chưa đến kỳ",
    "no_plan": "Chưa có kế hoạch",
}
# How each state is marked (a tag's class): done, done late, to correct or overdue.
STATE_TONES = {"acknowledged": "ok", "acknowledged_late": "warn", "late": "warn", "returned": "err", "missing": "err"}
HANDED_IN = ("acknowledged", "acknowledged_late", "submitted", "late")  # the report reached the authority
WAITING = ("submitted", "late")  # the secretariat has still to acknowledge or return it
OWED = ("open", "returned", "missing")  # the unit has still to send it


def next_due(plan: ImprovementPlan, on: date) -> Period | None:
    for period in Period:
        if report_state(plan, period, on) in OWED:
            return period
    for period in Period:
        if report_state(plan, period, on) == "not_open":
            return period
    return None


def still_owed(plan: ImprovementPlan, on: date) -> Period | None:
    """A report of the plan the unit can still send before its due date, or one returned to it; None when none is."""
    if plan.status != PlanStatus.ACKNOWLEDGED:
        return None
    for period in Period:
        if report_state(plan, period, on) in ("open", "returned"):
            return period
    return None


def overdue_tasks(plan: ImprovementPlan, on: date) -> list[PlanTask]:
    return [t for t in plan.tasks if t.due_on and t.due_on < on and t.status != TaskStatus.DONE]
