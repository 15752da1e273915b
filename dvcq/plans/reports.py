"""Progress reports per period of an acknowledged plan: when each period opens and is due, saving and submitting
the report, and each period's state (submitted, late, missing, open, not yet open)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, PlanTask, ProgressReport, ReportStatus, TaskStatus
from dvcq.plans.services import STALE, _check_version, _commit, _own_unit, _secretariat, get_plan
from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require

OPENS_BEFORE_DUE = timedelta(days=30)
ESCALATE_AFTER = timedelta(days=7)
REMIND_BEFORE = timedelta(days=7)


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
    on = on or clock.today_in_vietnam()
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
        report = ProgressReport(plan_id=plan.id, unit_id=plan.unit_id, period=period, created_at=clock.now())
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
    report.submitted_at = at or clock.now()
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
