"""The dashboard in a real browser (Debian's chromium): the charts are drawn by the plotly.js we serve, no request
leaves 127.0.0.1 and the console shows no error (a CSP violation would)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_stacks_on_a_phone, login

pytestmark = pytest.mark.e2e


def test_dashboard_draws_every_chart_locally_without_console_errors(page, world, history, traffic):
    login(page, world.leadership)
    page.goto("/tong-quan/?gop=1")
    expect(page.locator("[data-testid=dashboard-title]")).to_have_text("Tổng quan kết quả qua các năm")
    charts = page.locator(".chart[data-figure]")
    expected = charts.count()
    assert expected >= 7
    expect(page.locator(".chart .js-plotly-plot, .chart.js-plotly-plot")).to_have_count(expected)
    expect(page.locator(".chart .plot-container").first).to_be_visible()
    bump = page.locator("#fig-bump-plot")
    expect(bump.locator(".legendtext", has_text="Xã Hợp Nhất (đơn vị tiền thân: Xã Cũ Một)")).to_have_count(1)
    assert any("/static-vendor/plotly-" in url for url in traffic.requests)
    assert traffic.foreign_requests() == []
    assert traffic.console_errors == []


def test_on_a_phone_charts_fit_the_screen_and_only_tables_scroll(page, world, history, traffic):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, world.leadership)
    page.goto("/tong-quan/")
    expect(page.locator("#fig-heat-plot .main-svg").first).to_be_visible()
    widths = page.eval_on_selector_all(".chart", "els => els.map(e => e.getBoundingClientRect().right)")
    assert widths and max(widths) <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    page.locator("#thu-hang summary").click()
    expect(page.locator("[data-testid=table-thu-hang-1]")).to_be_visible()
    assert traffic.console_errors == []


def test_merged_unit_profile_draws_its_predecessors_history(page, world, history, traffic):
    login(page, world.officer_a)
    page.goto(f"/tong-quan/don-vi/{history.m_id}")
    expect(page.locator("#fig-history-plot .js-plotly-plot, #fig-history-plot.js-plotly-plot")).to_have_count(1)
    legend = page.locator("#fig-history-plot .legendtext")
    expect(legend.filter(has_text="Xã Cũ Hai (trước 01/07/2025)")).to_have_count(1)
    expect(page.locator("[data-testid=history-table]")).to_contain_text("Xã Cũ Một (trước 01/07/2025)")
    # on a phone the unit's years (and its areas) are cards, each value beside its heading
    assert_stacks_on_a_phone(page, "[data-testid=history-table]")
    page.goto(f"/tong-quan/don-vi/{world.a_id}")
    assert_stacks_on_a_phone(page, "[data-testid=areas-table]")
    assert traffic.foreign_requests() == [] and traffic.console_errors == []


def test_token_screen_has_no_console_error(page, world, traffic):
    login(page, world.admin)
    page.goto("/tong-quan/ma-truy-cap")
    page.fill("input[name=name]", "Cổng thông tin tỉnh")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    token = page.locator("[data-testid=token-value]").inner_text()
    assert token.startswith("dvcq_")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=tokens] button.danger")
    expect(page.locator("[data-testid=tokens]")).to_contain_text("Đã thu hồi")
    assert traffic.console_errors == []
