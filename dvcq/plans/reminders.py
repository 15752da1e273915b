"""Scheduled reminders for progress reports: before the due date to the unit, after it to the unit's leader, and
seven days after it to the secretariat; a returned report is owed again like one never sent, an acknowledged one is
done, and a report waiting seven days for the secretariat reminds it. Each notification has a dedupe key, so a repeated
tick sends nothing twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from dvcq.plans import reports, services
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus
from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, vn_date
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import UNIT_STAFF


def services_day(now: datetime) -> date:
    """`now` is naive UTC (as `schedule.tick` passes it); due dates are days in Việt Nam."""
    return now.replace(tzinfo=UTC).astimezone(VN).date()


def report_reminders(now: datetime) -> int:
    """Runs in the system scope (see `schedule.tick`). Returns the number of notifications added."""
    on = services_day(now)
    sent = 0
    plans = db.session.execute(
        select(ImprovementPlan).where(
            ImprovementPlan.status == PlanStatus.ACKNOWLEDGED, ImprovementPlan.year == on.year
        )
    ).scalars()
    for plan in plans:
        for period in Period:
            state = reports.report_state(plan, period, on)
            due = period.due_on(plan.year)
            key = f"plan:{plan.id}:{period.value}"
            link = reports.report_link(plan, period)
            what = f"báo cáo {period.span(plan.year)} (hạn {vn_date(due)})"
            if state == "returned":
                state = "missing" if on > due else "open"
            if state in reports.WAITING:
                sent += _waiting(plan, period, now, key, link)
            if state == "open" and (due - on) <= reports.REMIND_BEFORE:
                sent += len(
                    notify(
                        services.users_of(plan.unit_id, *UNIT_STAFF),
                        "plan.report.due",
                        f"Sắp đến hạn nộp {what}.",
                        link,
                        dedupe_key=f"{key}:remind",
                    )
                )
            elif state == "missing":
                sent += len(
                    notify(
                        services.users_of(plan.unit_id, Role.LEADER),
                        "plan.report.late",
                        f"Đơn vị đã quá hạn nộp {what}.",
                        link,
                        dedupe_key=f"{key}:late",
                    )
                )
                if on - due >= reports.ESCALATE_AFTER:
                    sent += len(
                        notify(
                            services.users_of(plan.unit.authority_id, Role.SECRETARIAT),
                            "plan.report.escalated",
                            f"{plan.unit.name} quá hạn nộp {what} đã {(on - due).days} ngày.",
                            link,
                            dedupe_key=f"{key}:escalate",
                        )
                    )
    return sent


def _waiting(plan: ImprovementPlan, period: Period, now: datetime, key: str, link: str) -> int:
    """A report submitted a week ago and neither acknowledged nor returned: the secretariat is reminded once per
    submission."""
    report = reports.report_of(plan, period)
    if now - report.submitted_at < reports.ESCALATE_AFTER:
        return 0
    return len(
        notify(
            services.users_of(plan.unit.authority_id, Role.SECRETARIAT),
            "plan.report.waiting",
            f"Báo cáo {period.span(plan.year)} của {plan.unit.name} đã gửi từ "
            f"{vn_date(services_day(report.submitted_at))}, đang chờ tiếp nhận hoặc trả lại.",
            link,
            dedupe_key=f"{key}:waiting:{report.submitted_at.isoformat()}",
        )
    )
