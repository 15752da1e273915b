"""The demo's 2026 plans, the report reminders and escalation, and the profile's plans."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from dvcq.insights.profiles import unit_plans
from dvcq.plans import editing, handovers, reminders, reports
from dvcq.plans.demo import seed_plans_2026
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus
from dvcq.platform import clock, demo
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from tests import factories
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


def test_demo_plans_under_way_one_missing_report_and_idempotent(app, monkeypatch):
    monkeypatch.setattr("dvcq.tenants.services.hash_password", lambda password: factories._HASH, raising=False)
    with scoped(SYSTEM):
        demo.seed()
        plans = {p.unit.code: p for p in db.session.execute(select(ImprovementPlan)).scalars()}
        assert len(plans) == 19 and all(p.year == 2026 for p in plans.values())
        ba_dong = plans["BATO-BDO"]
        assert ba_dong.status == PlanStatus.ACKNOWLEDGED
        assert ba_dong.tasks and ba_dong.tasks[0].points_lost >= ba_dong.tasks[-1].points_lost
        on = date(2026, 11, 26)
        assert reports.report_state(ba_dong, Period.Q1, on) == "acknowledged"
        assert reports.report_state(ba_dong, Period.M9, on) == "submitted"  # the district has still to read it
        assert reports.report_state(plans["BATO-BNA"], Period.H1, on) == "returned"
        assert reports.report_of(plans["BATO-BNA"], Period.H1).return_reason
        assert reports.report_state(plans["BATO-BXA"], Period.M9, on) == "missing"
        assert reports.report_state(plans["BATO-BLE"], Period.M9, on) == "late"
        assert plans["BATO-BTR"].status == PlanStatus.RETURNED and plans["BATO-BVI"].status == PlanStatus.DRAFT
        seed_plans_2026()
        db.session.commit()
        assert db.session.execute(select(func.count(ImprovementPlan.id))).scalar_one() == 19


def acknowledged(world) -> int:
    published_2025(world)
    with as_unit(world, world.a_id):
        plan = editing.draft_plan(user(world.officer_a), world.a_id)
        handovers.submit_plan(user(world.leader_a), plan.id, plan.version)
        plan_id, version = plan.id, plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    db.session.remove()
    return plan_id


def notes(user_id: int) -> list[str]:
    return list(db.session.execute(select(Notification.text).where(Notification.user_id == user_id)).scalars())


def tick(now: datetime) -> int:
    with scoped(SYSTEM):
        sent = reminders.report_reminders(now)
        db.session.commit()
    return sent


def test_reminder_before_due_then_leader_then_secretariat_seven_days_late_each_once(world):
    acknowledged(world)
    assert tick(datetime(2026, 4, 9, 3)) == 2  # officer and leader of A, 6 days before 15/04
    assert tick(datetime(2026, 4, 9, 9)) == 0  # the same tick again sends nothing
    assert any("Sắp đến hạn nộp báo cáo Quý I" in t for t in notes(world.ids["officer_a"]))
    assert tick(datetime(2026, 4, 17, 3)) == 1  # late: the leader only
    assert any("quá hạn nộp báo cáo Quý I" in t for t in notes(world.ids["leader_a"]))
    assert not notes(world.ids["secretariat"])[1:]  # only the submission note so far
    assert tick(datetime(2026, 4, 22, 3)) == 1  # 7 days late: the secretariat
    assert any("Xã An Bình quá hạn nộp báo cáo Quý I" in t for t in notes(world.ids["secretariat"]))
    assert tick(datetime(2026, 4, 23, 3)) == 0


def test_the_profile_lists_the_plan_with_targets_not_yet_known(world):
    plan_id = acknowledged(world)
    with as_authority(world):
        plans = unit_plans(world.a_id)
    assert [p.url for p in plans] == [f"/ke-hoach/{plan_id}"]
    assert plans[0].targets and all(met is None for _, met in plans[0].targets)


def test_the_demo_pages_render_for_ba_dong_and_the_district(app, monkeypatch, make_browser):
    monkeypatch.setattr("dvcq.tenants.services.hash_password", lambda password: factories._HASH, raising=False)
    monkeypatch.setattr(clock, "today_in_vietnam", lambda: date(2026, 11, 26))
    with scoped(SYSTEM):
        demo.seed()
        ba_dong = db.session.execute(
            select(ImprovementPlan).join(ImprovementPlan.unit).where(ImprovementPlan.year == 2026)
        ).scalars()
        plan_id = next(p.id for p in ba_dong if p.unit.code == "BATO-BDO")
    db.session.remove()
    commune, district = make_browser(), make_browser()
    commune.login("canbo.bdo", demo.DEMO_PASSWORD)
    district.login("thuongtruc", demo.DEMO_PASSWORD)
    page = commune.get(f"/ke-hoach/{plan_id}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page and "02/19" in page
    follow = district.get("/ke-hoach/theo-doi?nam=2026").get_data(as_text=True)
    assert follow.count('data-state="missing"') == 1 and follow.count('data-state="late"') == 3
    assert "Xã Ba Xa" in follow and "Bị trả lại" in follow
    assert commune.get("/ke-hoach/theo-doi").status_code == 403
