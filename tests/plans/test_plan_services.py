"""Plans drafted from the published result, edited by the unit, submitted by its leader, acknowledged or returned;
progress reports per period; targets against the next year's result."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from dvcq.plans import editing, handovers, outcomes, reports, services
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, TaskKind, TaskStatus
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


@pytest.fixture
def drafted(world):
    published_2025(world)
    with as_unit(world, world.a_id):
        plan = editing.draft_plan(user(world.officer_a), world.a_id)
        plan_id = plan.id
    db.session.remove()
    return plan_id


def load(plan_id) -> ImprovementPlan:
    db.session.expire_all()
    with scoped(SYSTEM):
        plan = db.session.get(ImprovementPlan, plan_id)
        plan.tasks, plan.reports  # noqa: B018 — loaded while in scope
        return plan


def test_draft_starts_from_the_published_result_with_one_task_per_lost_item_largest_first(drafted):
    plan = load(drafted)
    base = json.loads(plan.baseline)
    assert plan.year == 2026
    assert base["appraised_total"] == "85.50" and base["self_total"] == "97.00" and base["gap"] == "11.50"
    assert base["rank"] == "02/02"
    assert plan.target_rank == 1
    assert plan.target_level_name == "Hoàn thành xuất sắc nhiệm vụ"
    # B has 90,00: equalling it shares 01/02 and reaches the level, so the target is 90,00 — never 90,01
    assert plan.target_total == D("90.00")
    assert "Cần thêm 4,50 điểm để vươn lên hạng 01/02 (hiện xếp hạng 02/02)." in base["what_if"]
    # A lost 9 on 2.1, 4.5 on 1.1 and 1 on 2.2: area 2 lost 10, area 1 lost 4,5
    focus = [t for t in plan.tasks if t.kind == TaskKind.FOCUS]
    assert [(t.item_codes, t.points_lost) for t in focus] == [("2.1,2.2", D("10.00")), ("1.1", D("4.50"))]
    assert "bị trừ 10,00 điểm ở 2 tiêu chí" in focus[0].text
    solutions = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION]
    assert [t.item_codes for t in solutions] == ["2.1", "1.1", "2.2"]
    assert [t.points_lost for t in solutions] == [D("9.00"), D("4.50"), D("1.00")]
    assert "9,00" in solutions[0].text


def test_drafting_twice_gives_the_same_plan(world, drafted):
    with as_unit(world, world.a_id):
        again = editing.draft_plan(user(world.leader_a), world.a_id)
        assert again.id == drafted


def test_a_due_date_outside_the_plan_year_is_refused_and_nothing_saved(world, drafted):
    plan = load(drafted)
    with as_unit(world, world.a_id), pytest.raises(ServiceError) as err:
        editing.add_task(
            user(world.officer_a),
            drafted,
            plan.version,
            {"text": "Tổ chức đối thoại", "responsible_post": "Chủ tịch UBND xã", "due_on": "15/03/2027"},
        )
    assert "ngoài năm kế hoạch 2026" in " ".join(err.value.problems)
    assert len(load(drafted).tasks) == 5


def test_officer_may_not_submit_the_plan(world, drafted):
    plan = load(drafted)
    with as_unit(world, world.a_id), pytest.raises(Forbidden):
        handovers.submit_plan(user(world.officer_a), drafted, plan.version)
    assert load(drafted).status == PlanStatus.DRAFT


def test_another_units_plan_is_not_found(world, drafted):
    with as_unit(world, world.b_id), pytest.raises(NotFound):
        services.get_plan(drafted)


def test_a_stale_version_is_a_conflict(world, drafted):
    plan = load(drafted)
    stale = plan.version
    with as_unit(world, world.a_id):
        editing.update_plan(user(world.officer_a), drafted, stale, {"target_rank": "1", "goals": "Mới"})
        with pytest.raises(Conflict):
            editing.update_plan(user(world.officer_a), drafted, stale, {"target_rank": "2", "goals": "Cũ"})
    assert load(drafted).goals == "Mới"


def submit_and_acknowledge(world, plan_id):
    with as_unit(world, world.a_id):
        handovers.submit_plan(user(world.leader_a), plan_id, load(plan_id).version)
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, load(plan_id).version)


def test_leader_submits_secretariat_returns_with_a_reason_and_the_unit_is_told(world, drafted):
    with as_unit(world, world.a_id):
        handovers.submit_plan(user(world.leader_a), drafted, load(drafted).version)
    with as_authority(world):
        with pytest.raises(ServiceError):
            handovers.return_plan(user(world.secretariat), drafted, load(drafted).version, "  ")
        handovers.return_plan(user(world.secretariat), drafted, load(drafted).version, "Thiếu chỉ tiêu lĩnh vực 2")
    plan = load(drafted)
    assert plan.status == PlanStatus.RETURNED and plan.return_reason == "Thiếu chỉ tiêu lĩnh vực 2"
    texts = db.session.execute(select(Notification.text).where(Notification.user_id == world.ids["officer_a"]))
    assert any("Thiếu chỉ tiêu lĩnh vực 2" in t for t in texts.scalars())


def test_a_report_for_a_period_not_yet_open_is_refused(world, drafted):
    submit_and_acknowledge(world, drafted)
    with as_unit(world, world.a_id), pytest.raises(ServiceError) as err:
        reports.save_report(user(world.officer_a), drafted, Period.H1, "", {"narrative": "x"}, on=date(2026, 5, 1))
    assert "chưa mở" in err.value.message and "15/07/2026" in err.value.message
    assert load(drafted).reports == []


def test_q1_report_submitted_late_is_flagged_and_tasks_take_its_progress(world, drafted):
    submit_and_acknowledge(world, drafted)
    plan = load(drafted)
    first = plan.tasks[0]
    form = {"narrative": "Đã tổ chức 2 buổi đối thoại", f"status:{first.id}": "doing", f"percent:{first.id}": "40"}
    with as_unit(world, world.a_id):
        report = reports.save_report(user(world.officer_a), drafted, Period.Q1, "", form, on=date(2026, 4, 1))
        with pytest.raises(Forbidden):
            reports.submit_report(user(world.officer_a), drafted, Period.Q1, report.version)
        reports.submit_report(user(world.leader_a), drafted, Period.Q1, report.version, at=datetime(2026, 4, 20, 3))
    plan = load(drafted)
    assert reports.report_state(plan, Period.Q1, date(2026, 5, 1)) == "late"
    assert reports.report_state(plan, Period.H1, date(2026, 7, 16)) == "missing"
    assert plan.tasks[0].status == TaskStatus.DOING and plan.tasks[0].percent == 40


def test_targets_against_the_next_years_published_result(world, drafted):
    with scoped(SYSTEM):
        assert all(o.met is None for o in outcomes.outcomes(load(drafted)))
        db.session.add(
            UnitResult(
                unit_id=world.a_id,
                authority_id=world.district_id,
                year=2026,
                group_name="Khối xã",
                appraised_total=D("91.00"),
                level_order=1,
                level_name="Hoàn thành xuất sắc nhiệm vụ",
                rank=2,
                rank_of=2,
                published=True,
                computed_at=datetime(2027, 1, 10),
            )
        )
        db.session.commit()
        outcome = {o.label: o for o in outcomes.outcomes(load(drafted))}
    assert outcome["Xếp loại"].met is True
    assert outcome["Xếp hạng"].met is False and outcome["Xếp hạng"].achieved == "02/02"
