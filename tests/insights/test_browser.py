"""The dashboard in a real browser (Debian's chromium): the charts are drawn by the plotly.js we serve, no request
leaves 127.0.0.1 and the console shows no error (a CSP violation would)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

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
