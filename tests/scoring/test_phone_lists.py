"""On a phone, in a real browser, lists are cards (table.stack) and nothing scrolls sideways: a unit's lost items with
their reasons, the years of results, the criteria versions, and the staff's lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments
from dvcq.scoring.models import Explanation
from dvcq.scoring.results.compute import compute
from tests.e2e.conftest import (  # noqa: F401 — shared fixtures
    assert_stacks_on_a_phone,
    chromium,
    live_server,
    login,
    logout,
    page,
    traffic,
)
from tests.scoring.appraisal_factories import build_campaign
from tests.scoring.campaign_factories import open_campaign, user
from tests.scoring.results_factories import real_case_group

pytestmark = pytest.mark.e2e


def test_on_a_phone_the_lost_items_are_cards_with_their_reasons(page, world, traffic):  # noqa: F811
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
    login(page, world.secretariat)
    page.goto(f"/ket-qua/2023/don-vi/{world.a_id}")
    lost = page.locator("[data-testid=lost-items]")
    expect(lost).to_contain_text("Thiếu tài liệu kiểm chứng")
    assert_stacks_on_a_phone(page, "[data-testid=lost-items]")
    page.set_viewport_size({"width": 390, "height": 844})
    why = lost.locator("td.why:not(.empty)").first
    # the reasons take the card's whole width, their heading on a line of its own above them
    assert why.evaluate("e => getComputedStyle(e, '::before').display") == "block"
    assert why.evaluate("e => e.getBoundingClientRect().width") > 300
    assert traffic.console_errors == []


def test_on_a_phone_the_criteria_versions_are_cards(page, world, traffic):  # noqa: F811
    open_campaign(world)
    login(page, world.secretariat)
    page.goto("/tieu-chi/")
    assert_stacks_on_a_phone(page, "[data-testid=versions]")
    page.set_viewport_size({"width": 390, "height": 844})
    name = page.locator("[data-testid=versions] tbody td").first  # the version's name: a whole line, in bold
    assert name.evaluate("e => getComputedStyle(e, '::before').content") == "none"
    assert name.evaluate("e => getComputedStyle(e).fontWeight") == "600"
    assert traffic.console_errors == []


def test_on_a_phone_the_years_of_results_are_cards_with_their_links_in_sight(page, world, traffic):  # noqa: F811
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
    login(page, world.secretariat)
    page.goto("/ket-qua/")
    assert_stacks_on_a_phone(page, "[data-testid=years]")
    page.set_viewport_size({"width": 390, "height": 844})
    link = page.locator("[data-testid=years] a", has_text="Bảng kết quả").first
    expect(link).to_be_visible()
    assert link.evaluate("e => e.getBoundingClientRect().right") <= 390
    assert traffic.console_errors == []


def test_on_a_phone_the_staff_lists_are_cards(page, world, traffic):  # noqa: F811
    """The appraiser's units, the units' explanations, the campaigns and the decisions: each a card on a phone."""
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(user(world.secretariat), camp.id, user(world.appraiser).id, world.a_id, None)
    with scoped(SYSTEM):
        db.session.add(
            Explanation(
                unit_id=world.a_id,
                item_id=camp.item_ids[("a", "1.1")],
                text="Đã có biên bản, lưu tại văn phòng.",
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
    login(page, world.appraiser)
    page.goto("/tham-dinh/")
    assert_stacks_on_a_phone(page, "main table.stack")
    page.goto("/tham-dinh/giai-trinh/")
    expect(page.locator("[data-testid=explanations]")).to_contain_text("Xã An Bình")
    assert_stacks_on_a_phone(page, "[data-testid=explanations]")
    logout(page)
    login(page, world.secretariat)
    page.goto("/ky-danh-gia/")
    assert_stacks_on_a_phone(page, "[data-testid=campaigns]")
    page.goto("/quyet-dinh/")
    assert_stacks_on_a_phone(page, "[data-testid=decisions]")
    assert traffic.console_errors == []
