"""The district acknowledges or returns each period report (with a reason), as it does for plans; the commune sees the
outcome and resubmits; reminders, the follow-up page and the home cards count acknowledged reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dvcq.plans import reminders, reports
from dvcq.plans.models import ImprovementPlan, Period, ReportStatus
from dvcq.platform import clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import Conflict, Forbidden
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.plans.plan_factories import as_authority, as_unit, user
from tests.plans.test_plan_demo_and_reminders import acknowledged

Q1 = "/ke-hoach/{}/bao-cao/quy-1"


@pytest.fixture(autouse=True)
def _setup(app, monkeypatch):
    app.config["DECISIONS_PDF"] = False
    monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 10, 3, tzinfo=UTC))  # Quý I is due 15/04/2026


def row(plan_id: int, period: Period = Period.Q1):
    db.session.expire_all()
    with scoped(SYSTEM):
        plan = db.session.get(ImprovementPlan, plan_id)
        return plan, reports.report_of(plan, period)


@pytest.fixture
def submitted(world) -> int:
    """Commune A's plan acknowledged and its Quý I report submitted by its leader."""
    plan_id = acknowledged(world)
    with as_unit(world, world.a_id):
        leader = user(world.leader_a)
        report = reports.submit_report(leader, plan_id, Period.Q1, "", {"narrative": "Đã tổ chức 02 hội nghị"})
        assert report.status == ReportStatus.SUBMITTED
    db.session.remove()
    return plan_id


def notes(user_id: int) -> list[str]:
    with scoped(SYSTEM):
        return list(db.session.execute(select(Notification.text).where(Notification.user_id == user_id)).scalars())


def test_the_district_acknowledges_a_report_the_commune_is_told_and_the_follow_up_counts_it(
    world, make_browser, submitted
):
    secretariat, officer = make_browser(), make_browser()
    secretariat.login(world.secretariat)
    officer.login(world.officer_a)
    assert "1 báo cáo chờ tiếp nhận" in secretariat.get("/").get_data(as_text=True)
    page = secretariat.get(Q1.format(submitted)).get_data(as_text=True)
    assert 'data-testid="decide-report"' in page
    version = row(submitted)[1].version
    done = secretariat.post(Q1.format(submitted) + "/tiep-nhan", {"version": version}, follow_redirects=True)
    assert "Đã tiếp nhận báo cáo Quý I năm 2026 của Xã An Bình; đơn vị đã được báo." in done.get_data(as_text=True)
    _, report = row(submitted)
    assert report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_by_id == world.ids["secretariat"]
    assert any("đã tiếp nhận báo cáo Quý I năm 2026" in t for t in notes(world.ids["officer_a"]))
    seen = officer.get(Q1.format(submitted)).get_data(as_text=True)
    assert "Thường trực Ban Chỉ đạo đã tiếp nhận báo cáo lúc" in seen and 'data-testid="report-form"' not in seen
    follow = secretariat.get("/ke-hoach/theo-doi?nam=2026").get_data(as_text=True)
    assert "1 đã tiếp nhận" in follow and "0 chờ tiếp nhận" in follow
    assert 'data-testid="acknowledged">1/4<' in follow
    with scoped(SYSTEM):
        actions = list(db.session.execute(select(AuditRecord.action)).scalars())
    assert "plan.report.acknowledge" in actions


def test_a_returned_report_shows_the_reason_and_the_commune_corrects_and_sends_it_again(world, make_browser, submitted):
    secretariat, leader = make_browser(), make_browser()
    secretariat.login(world.secretariat)
    leader.login(world.leader_a)
    reason = "Chưa nêu số ý kiến của Nhân dân đã được giải quyết."
    version = row(submitted)[1].version
    returned = secretariat.post(Q1.format(submitted) + "/tra-lai", {"version": version, "reason": reason})
    assert returned.status_code == 302
    _, report = row(submitted)
    assert report.status == ReportStatus.RETURNED and report.return_reason == reason
    assert any(reason in t for t in notes(world.ids["leader_a"]))
    page = leader.get(Q1.format(submitted)).get_data(as_text=True)
    assert reason in page and "Bị trả lại, chờ gửi lại" in page and "Gửi lại báo cáo" in page
    again = leader.post(
        Q1.format(submitted),
        {"version": report.version, "narrative": "Đã giải quyết 12/12 ý kiến của Nhân dân.", "action": "submit"},
        follow_redirects=True,
    )
    assert "Đã gửi báo cáo Quý I năm 2026" in again.get_data(as_text=True)
    _, report = row(submitted)
    assert report.status == ReportStatus.SUBMITTED and report.return_reason == ""
    assert report.narrative == "Đã giải quyết 12/12 ý kiến của Nhân dân."
    assert any("Xã An Bình đã gửi lại báo cáo Quý I" in t for t in notes(world.ids["secretariat"]))


def test_returning_without_a_reason_is_refused_beside_the_reason_and_changes_nothing(world, make_browser, submitted):
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    version = row(submitted)[1].version
    response = secretariat.post(Q1.format(submitted) + "/tra-lai", {"version": version, "reason": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-field="reason">Hãy ghi lý do trả lại để đơn vị biết cần bổ sung gì.<' in page
    assert row(submitted)[1].status == ReportStatus.SUBMITTED


def test_only_the_secretariat_acknowledges_or_returns_and_only_a_submitted_report(world, make_browser, submitted):
    leader, appraiser, other = make_browser(), make_browser(), make_browser()
    leader.login(world.leader_a)
    appraiser.login(world.appraiser)
    other.login(world.officer_b)
    version = row(submitted)[1].version
    for browser in (leader, appraiser):
        assert browser.post(Q1.format(submitted) + "/tiep-nhan", {"version": version}).status_code == 403
        assert browser.post(Q1.format(submitted) + "/tra-lai", {"version": version, "reason": "x"}).status_code == 403
    assert row(submitted)[1].status == ReportStatus.SUBMITTED
    with as_unit(world, world.a_id), pytest.raises(Forbidden):
        reports.acknowledge_report(user(world.leader_a), submitted, Period.Q1, version)
    with as_authority(world):
        secretariat = user(world.secretariat)
        reports.acknowledge_report(secretariat, submitted, Period.Q1, version)
        with pytest.raises(Conflict):  # acknowledged already: nothing more to decide
            reports.return_report(secretariat, submitted, Period.Q1, version + 1, "Muộn")
    db.session.remove()
    foreign = other.get(Q1.format(submitted))
    missing = other.get(Q1.format(999999))
    assert foreign.status_code == missing.status_code == 404 and foreign.get_data() == missing.get_data()


def test_an_address_made_before_the_vietnamese_names_leads_to_the_same_report(world, make_browser, submitted):
    leader = make_browser()
    leader.login(world.leader_a)
    old = leader.get(f"/ke-hoach/{submitted}/bao-cao/q1")
    assert old.status_code == 301 and old.headers["Location"].endswith(Q1.format(submitted))
    assert leader.get(f"/ke-hoach/{submitted}/bao-cao/year").headers["Location"].endswith("/bao-cao/ca-nam")
    assert leader.get(f"/ke-hoach/{submitted}/bao-cao/quy-5").status_code == 404


def test_reminders_owe_a_returned_report_again_and_remind_the_secretariat_of_one_waiting_a_week(world, submitted):
    def tick(now: datetime) -> int:
        with scoped(SYSTEM):
            sent = reminders.report_reminders(now)
            db.session.commit()
        return sent

    secretariat_id = world.ids["secretariat"]
    before = len(notes(secretariat_id))
    assert tick(datetime(2026, 4, 12, 3)) == 0  # submitted, waiting: nothing to remind yet
    assert tick(datetime(2026, 4, 17, 3)) == 1  # a week without an answer: the secretariat
    assert any("đang chờ tiếp nhận hoặc trả lại" in t for t in notes(secretariat_id)[before:])
    assert tick(datetime(2026, 4, 18, 3)) == 0  # once per submission
    with as_authority(world):
        report = reports.return_report(user(world.secretariat), submitted, Period.Q1, row(submitted)[1].version, "x")
        assert report.status == ReportStatus.RETURNED
    db.session.remove()
    assert tick(datetime(2026, 4, 19, 3)) == 1  # returned and past due: owed again, the leader is told
    assert any("quá hạn nộp báo cáo Quý I" in t for t in notes(world.ids["leader_a"]))
    with as_unit(world, world.a_id):
        reports.submit_report(user(world.leader_a), submitted, Period.Q1, row(submitted)[1].version, {"narrative": "y"})
    with as_authority(world):
        reports.acknowledge_report(user(world.secretariat), submitted, Period.Q1, row(submitted)[1].version)
    db.session.remove()
    assert tick(datetime(2026, 5, 30, 3)) == 0  # acknowledged: done, nothing more about Quý I


def test_the_plan_page_and_the_states_name_every_outcome(world, submitted):
    plan, _ = row(submitted)
    on = date(2026, 4, 20)
    assert reports.report_state(plan, Period.Q1, on) == "submitted"
    with as_authority(world):
        reports.return_report(user(world.secretariat), submitted, Period.Q1, row(submitted)[1].version, "Bổ sung")
    db.session.remove()
    plan, _ = row(submitted)
    assert reports.report_state(plan, Period.Q1, on) == "returned"
    assert reports.next_due(plan, on) == Period.Q1  # the unit owes it again
    assert reports.STATE_LABELS["returned"] == "Bị trả lại, chờ gửi lại"


def test_0011_downgrades_acknowledged_to_submitted_and_returned_to_draft_and_upgrades_again(app, world, submitted):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    with as_authority(world):
        reports.return_report(user(world.secretariat), submitted, Period.Q1, row(submitted)[1].version, "Bổ sung")
    db.session.remove()
    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="0010_criteria_per_group")
    db.engine.dispose()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM progress_reports")).scalar_one() == "draft"
        columns = {c["name"] for c in inspect(connection).get_columns("progress_reports")}
    assert "return_reason" not in columns and "acknowledged_at" not in columns
    upgrade(directory=directory)
    db.engine.dispose()
    _, report = row(submitted)
    assert report.status == ReportStatus.DRAFT and report.return_reason == ""
