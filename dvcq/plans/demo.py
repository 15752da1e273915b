"""Demo plans for 2026, drafted from the published 2025 results. Today in the demo world is late November 2026: the
Quý I, 6-month and 9-month reports are due. Most communes filed them on time, a few late, one (Ba Xa) has not filed
its 9-month report; the district has acknowledged the Quý I and 6-month reports, returned one (Ba Nam's 6-month
report) and has the 9-month ones still to read; a few plans are still a draft, waiting, or returned. Re-runnable: a
unit with a plan is kept."""

from __future__ import annotations

import json
from datetime import date, datetime, time

from sqlalchemy import select

from dvcq.plans.drafting import build_draft
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, ProgressReport, ReportStatus, TaskStatus
from dvcq.plans.services import latest_published
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.scoring.decisions.demo import seed_published_2025
from dvcq.scoring.models import Assessment
from dvcq.tenants.demo import COMMUNES, DISTRICT
from dvcq.tenants.models import Unit

DRAFT = {"BATO-BVI", "BATO-BTO"}
WAITING = {"BATO-BVN"}
RETURNED = {"BATO-BTR": "Chỉ tiêu xếp hạng chưa sát thực tế; bổ sung người phụ trách từng nhiệm vụ."}
LATE_M9 = {"BATO-BLE", "BATO-BNA", "BATO-BTH"}
MISSING_M9 = {"BATO-BXA"}
RETURNED_H1 = {"BATO-BNA": "Chưa nêu số hội nghị đối thoại đã tổ chức và số ý kiến của Nhân dân đã được giải quyết."}
NARRATIVE = {
    Period.Q1: "Đã quán triệt kế hoạch đến toàn thể cán bộ, công chức; tổ chức 01 hội nghị đối thoại với Nhân dân.",
    Period.H1: "Hoàn thành rà soát thủ tục hành chính; niêm yết công khai tại bộ phận một cửa; tiếp tục đối thoại.",
    Period.M9: "Các nhiệm vụ trọng tâm cơ bản hoàn thành; tài liệu kiểm chứng được lưu tại thư viện của xã.",
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(2, 0))  # 09:00 in Việt Nam, stored as naive UTC


def _user(unit_id: int, role: Role) -> User | None:
    return db.session.execute(select(User).where(User.unit_id == unit_id, User.role == role)).scalars().first()


def _report(
    plan: ImprovementPlan,
    period: Period,
    on: date,
    leader: User | None,
    share: int,
    read_on: date | None = None,
    returned: str = "",
    reader: User | None = None,
) -> None:
    """A submitted report; acknowledged by `reader` on `read_on`, or returned with the reason `returned`."""
    progress = {}
    for i, task in enumerate(plan.tasks):
        percent = min(100, share + 10 * (i % 3))
        status = TaskStatus.DONE if percent >= 100 else TaskStatus.DOING if percent else TaskStatus.TODO
        progress[str(task.id)] = {"status": status.value, "percent": percent}
        task.status, task.percent = status, percent
    status = ReportStatus.RETURNED if returned else ReportStatus.ACKNOWLEDGED if read_on else ReportStatus.SUBMITTED
    plan.reports.append(
        ProgressReport(
            unit_id=plan.unit_id,
            period=period,
            status=status,
            narrative=NARRATIVE[period],
            progress=json.dumps(progress, sort_keys=True),
            submitted_at=_at(on),
            submitted_by_id=leader.id if leader else None,
            return_reason=returned,
            acknowledged_at=_at(read_on) if read_on and not returned else None,
            acknowledged_by_id=reader.id if reader and read_on and not returned else None,
            created_at=_at(on),
        )
    )


def seed_plans_2026() -> None:
    district = db.session.execute(select(Unit).where(Unit.code == DISTRICT[0])).scalar_one_or_none()
    if district is None:
        return
    seed_published_2025()  # idempotent: the plans start from it whatever order the seeders were registered in
    db.session.commit()
    campaign = latest_published(district.id)
    if campaign is None or campaign.year != 2025:
        return
    secretariat = _user(district.id, Role.SECRETARIAT)
    codes = [code for code, _, _ in COMMUNES]
    units = {u.code: u for u in db.session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    for code in codes:
        unit = units.get(code)
        if (
            unit is None
            or db.session.execute(
                select(ImprovementPlan.id).where(ImprovementPlan.unit_id == unit.id, ImprovementPlan.year == 2026)
            ).first()
        ):
            continue
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
        ).scalar_one_or_none()
        if assessment is None:
            continue
        plan = build_draft(campaign, assessment)
        plan.number = f"{10 + codes.index(code):02d}/KH-UBND"
        officer, leader = _user(unit.id, Role.OFFICER), _user(unit.id, Role.LEADER)
        for task in plan.tasks[:2]:
            task.responsible_user_id = officer.id if officer else None
        db.session.add(plan)
        db.session.flush()
        if code in DRAFT:
            db.session.commit()
            continue
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_at = _at(date(2026, 2, 10))
        plan.submitted_by_id = leader.id if leader else None
        if code in RETURNED:
            plan.status, plan.return_reason = PlanStatus.RETURNED, RETURNED[code]
        elif code not in WAITING:
            plan.status = PlanStatus.ACKNOWLEDGED
            plan.acknowledged_at = _at(date(2026, 2, 20))
            _report(plan, Period.Q1, date(2026, 4, 10), leader, 30, date(2026, 4, 20), reader=secretariat)
            returned = RETURNED_H1.get(code, "")
            _report(plan, Period.H1, date(2026, 7, 12), leader, 60, date(2026, 7, 20), returned, secretariat)
            if code in LATE_M9:
                _report(plan, Period.M9, date(2026, 10, 24), leader, 80)
            elif code not in MISSING_M9:
                _report(plan, Period.M9, date(2026, 10, 13), leader, 90)
        db.session.commit()
