"""On a phone, in a real browser: the items a unit lost points on are cards with their reasons under their heading, and
the criteria versions are cards; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.results import services
from tests.e2e.conftest import assert_stacks_on_a_phone, chromium, live_server, login, page, traffic  # noqa: F401
from tests.scoring.campaign_factories import open_campaign
from tests.scoring.results_factories import real_case_group

pytestmark = pytest.mark.e2e


def test_on_a_phone_the_lost_items_are_cards_with_their_reasons(page, world, traffic):  # noqa: F811
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        services.compute(campaign_id)
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
        services.compute(campaign_id)
    login(page, world.secretariat)
    page.goto("/ket-qua/")
    assert_stacks_on_a_phone(page, "[data-testid=years]")
    page.set_viewport_size({"width": 390, "height": 844})
    link = page.locator("[data-testid=years] a", has_text="Bảng kết quả").first
    expect(link).to_be_visible()
    assert link.evaluate("e => e.getBoundingClientRect().right") <= 390
    assert traffic.console_errors == []
