"""A commune's year with its plan in a real browser: the leader drafts the plan from the lost points, assigns a task
and submits; the district acknowledges; the commune files its Quý I report; the district sees it on the follow-up
page, and sees another commune's missing report flagged. No outside request, no console error (CSP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from dvcq.plans import editing, handovers
from dvcq.platform import clock
from dvcq.platform.extensions import db
from tests.e2e.conftest import (  # noqa: F401 — shared fixtures
    assert_stacks_on_a_phone,
    chromium,
    live_server,
    login,
    logout,
    page,
    traffic,
)
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user

pytestmark = pytest.mark.e2e


@pytest.fixture
def setting(app, world, monkeypatch):
    app.config["DECISIONS_PDF"] = False
    monkeypatch.setattr(clock, "utc", lambda: datetime(2026, 4, 20, 3, tzinfo=UTC))  # Quý I is due 15/04/2026
    published_2025(world)
    with as_unit(world, world.b_id):
        plan = editing.draft_plan(user(world.leader_b), world.b_id)
        handovers.submit_plan(user(world.leader_b), plan.id, plan.version)
        plan_id, version = plan.id, plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    db.session.remove()
    return world


def test_commune_drafts_assigns_submits_reports_and_the_district_follows_up(page, setting, traffic):  # noqa: F811
    world = setting
    login(page, world.leader_a)
    page.click("nav >> text=Kế hoạch cải thiện")
    with page.expect_navigation():
        page.click("[data-testid=draft-plan]")
    expect(page.locator("[data-testid=task][data-kind=focus]")).to_have_count(2)  # one per area that lost points
    tasks = page.locator("[data-testid=task][data-kind=solution]")
    expect(tasks).to_have_count(3)
    expect(tasks.first).to_have_attribute("data-item", "2.1")  # the largest loss first
    expect(page.locator("[data-testid=baseline]")).to_contain_text("85,50")

    first = tasks.first
    first.locator("select[name=responsible_user_id]").select_option(label="Nguyễn Văn An")
    first.locator("input[name=due_on]").fill("30/06/2026")
    with page.expect_navigation():
        first.locator("button", has_text="Lưu nhiệm vụ").click()
    expect(tasks.first.locator("input[name=due_on]")).to_have_value("30/06/2026")
    with page.expect_navigation():
        page.click("[data-testid=submit-plan]")
    expect(page.locator("[data-testid=plan-status]")).to_have_text("Đã gửi, chờ tiếp nhận")
    plan_url = page.url
    logout(page)

    login(page, world.secretariat)
    page.goto(plan_url)
    with page.expect_navigation():
        page.click("[data-testid=decide] >> text=Tiếp nhận kế hoạch")
    expect(page.locator("[data-testid=plan-status]")).to_have_text("Đã tiếp nhận")
    logout(page)

    login(page, world.leader_a)
    page.goto(plan_url)
    expect(page.locator("[data-testid=task][data-kind=solution]").first).to_contain_text("Nguyễn Văn An")
    page.click("[data-testid=reports] tr[data-period=q1] >> text=Mở báo cáo")
    page.fill("textarea[name=narrative]", "Đã tổ chức 02 hội nghị đối thoại với Nhân dân.")
    page.locator("[data-testid=task-progress]").first.locator("input").fill("40")
    with page.expect_navigation():
        page.click("button[value=save]")
    with page.expect_navigation():
        page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=narrative]")).to_have_text("Đã tổ chức 02 hội nghị đối thoại với Nhân dân.")
    page.goto(plan_url)  # on a phone the plan's targets and its reports are cards
    assert_stacks_on_a_phone(page, "[data-testid=outcomes]")
    assert_stacks_on_a_phone(page, "[data-testid=reports] table")
    logout(page)

    login(page, world.secretariat)
    page.click("nav >> text=Theo dõi kế hoạch")
    table = page.locator("[data-testid=follow-up]")
    a_q1 = table.locator("tr[data-unit='Xã An Bình'] td[data-period=q1]")
    expect(a_q1).to_have_attribute("data-state", "late")  # filed on 20/04/2026
    b_q1 = table.locator("tr[data-unit='Xã Bình Đông'] td[data-period=q1]")
    expect(b_q1).to_have_attribute("data-state", "missing")
    expect(b_q1).to_contain_text("Quá hạn, chưa nộp")
    assert_stacks_on_a_phone(page, "[data-testid=follow-up]")
    with page.expect_navigation():
        a_q1.locator("a").click()
    expect(page.locator("[data-testid=narrative]")).to_contain_text("02 hội nghị đối thoại")
