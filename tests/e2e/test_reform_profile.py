"""Across the 2025 reform, in a real browser: the province's leadership opens Xã Ba Tô (formed on 01/7/2025 from Ba
Tô, Ba Lế and Ba Nam) and reads Xã Ba Nam's 2023 — 85,50, 02/19, approved by Quyết định số 3807/QĐ-UBND of UBND
huyện Ba Tơ — marked as a predecessor's year, on the table and on the chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.models import Unit
from tests.e2e.conftest import login
from tests.reform_demo import seed_until_2025

pytestmark = pytest.mark.e2e


def test_the_leadership_reads_ba_nams_2023_on_ba_tos_profile(app, monkeypatch, page, traffic):
    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        ba_to = db.session.execute(select(Unit.id).where(Unit.code == "QNG-BTO")).scalar_one()
    login(page, "lanhdao")
    page.goto(f"/tong-quan/don-vi/{ba_to}")
    expect(page.locator("[data-testid=profile-title]")).to_have_text("Xã Ba Tô")
    expect(page.locator("[data-testid=predecessors]")).to_contain_text("Xã Ba Nam (từ 01/07/2025)")
    row = page.locator("[data-testid=history-table] tbody tr").filter(has_text="Xã Ba Nam (trước 01/07/2025)")
    ba_nam_2023 = row.filter(has_text="3807/QĐ-UBND ngày 29/12/2023")
    expect(ba_nam_2023).to_have_count(1)
    for text in ("2023", "97,00", "85,50", "Hoàn thành tốt nhiệm vụ", "02/19"):
        expect(ba_nam_2023).to_contain_text(text)
    legend = page.locator("#fig-history-plot .legendtext")
    expect(legend.filter(has_text="Xã Ba Nam (trước 01/07/2025)")).to_have_count(1)
    page.screenshot(path="/tmp/reform_profile_ba_to.png", full_page=True)
    assert traffic.foreign_requests() == [] and traffic.console_errors == []
