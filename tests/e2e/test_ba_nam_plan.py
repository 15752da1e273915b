"""Issue 18 in a real browser, on the demo: Xã Ba Nam from its 2023 result to its filed 2024 year report. Its officer
(canbo.bna) finds the 2023 result on the unit's profile — 97,00 self-scored, 85,50 appraised, 02/19, approved by
Quyết định số 3807/QĐ-UBND ngày 29/12/2023 — opens the 2024 plan drafted from it (keep 02/19, reach «Hoàn thành xuất
sắc», the areas it lost most in), downloads the plan as the commune signed it, and opens its year report,
acknowledged by the district; the district's secretariat (huyen.thuongtruc) follows the four reports, all
acknowledged. The `page` fixture fails the test on any request leaving 127.0.0.1 and on any console error."""

from __future__ import annotations

import os
import tempfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dvcq.plans.demo import BA_NAM, BA_NAM_NUMBER, seed_plans
from dvcq.plans.models import ImprovementPlan, Period
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.models import Unit
from tests.documents import lines, open_docx
from tests.e2e.conftest import chromium, live_server, login, logout, page, traffic  # noqa: F401 — shared fixtures
from tests.reform_demo import seed_until_2025

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("DVCQ_E2E_SHOTS", tempfile.gettempdir())  # where the pages seen are saved, to look at
DECISION = "Quyết định số 3807/QĐ-UBND ngày 29/12/2023"


@pytest.fixture
def ba_nam(app, monkeypatch) -> int:
    """The demo up to the province's 2025 decision and its plans; the id of Ba Nam's 2024 plan."""
    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        seed_plans()
        unit = db.session.execute(select(Unit).where(Unit.code == BA_NAM)).scalar_one()
        plan_id = db.session.execute(
            select(ImprovementPlan.id).where(ImprovementPlan.unit_id == unit.id, ImprovementPlan.year == 2024)
        ).scalar_one()
    db.session.remove()
    return plan_id


def shot(page, name: str) -> None:  # noqa: F811 — the page fixture, passed in
    page.screenshot(path=f"{SHOTS}/ba-nam-{name}.png", full_page=True)


def test_ba_nam_from_its_2023_result_to_its_acknowledged_2024_year_report(page, ba_nam, tmp_path):  # noqa: F811
    # 1. The commune's officer finds its 2023 result, imported with the decision that approved it.
    login(page, "canbo.bna")
    page.click("nav >> text=Hồ sơ đơn vị")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("97,00")
    expect(history).to_contain_text("85,50")
    expect(history).to_contain_text("02/19")
    expect(page.get_by_test_id("imported-decision-2023")).to_contain_text(DECISION)
    shot(page, "1-ho-so")

    # 2. Its 2024 plan, drafted from that result: where it stood, its targets, the areas it lost most in.
    page.click("nav >> text=Kế hoạch cải thiện")
    page.click("text=Kế hoạch năm 2024")
    baseline = page.get_by_test_id("baseline")
    expect(baseline).to_contain_text("Kết quả năm 2023")
    expect(baseline).to_contain_text("85,50")
    expect(baseline).to_contain_text("02/19")
    expect(page.get_by_test_id("imported-source")).to_contain_text(DECISION + " của Ủy ban nhân dân huyện Ba Tơ")
    expect(page.get_by_test_id("plan-status")).to_have_text("Đã tiếp nhận")
    outcomes = page.get_by_test_id("outcomes")
    expect(outcomes).to_contain_text("Hoàn thành xuất sắc nhiệm vụ")
    expect(outcomes.locator(".tag.err")).to_have_count(0)  # the 2024 result met every target
    focus = page.locator("[data-testid=task][data-kind=focus]")
    expect(focus).to_have_count(3)
    expect(focus.first).to_contain_text("lĩnh vực 2 «Cải cách hành chính")
    reports = page.get_by_test_id("reports")
    for period in Period:
        expect(reports.locator(f"tr[data-period={period.value}]")).to_contain_text("Đã tiếp nhận")
    shot(page, "2-ke-hoach")

    # 3. The plan as the commune signed it.
    with page.expect_download() as download:
        page.click("[data-testid=plan-docx]")
    path = tmp_path / "ke-hoach.docx"
    download.value.save_as(path)
    text = lines(open_docx(path.read_bytes()))
    assert f"Số: {BA_NAM_NUMBER}" in text and "Ba Nam, ngày 26 tháng 02 năm 2024" in text
    assert any(line.startswith(f"Thực hiện {DECISION} của Ủy ban nhân dân huyện Ba Tơ") for line in text)
    assert "- Giữ vững thứ hạng 02/19 trong khối." in text
    assert text[-3:] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", text[-1]] and text[-1]

    # 4. Its year report, filed and acknowledged by the district.
    reports.locator("tr[data-period=year] >> text=Mở báo cáo").click()
    expect(page.get_by_test_id("report-state")).to_have_text("Đã tiếp nhận")
    expect(page.get_by_test_id("report-acknowledged")).to_contain_text("(Võ Thị Hằng)")
    expect(page.get_by_test_id("narrative")).to_contain_text("hoàn thành các nhiệm vụ, giải pháp của Kế hoạch")
    shot(page, "3-bao-cao-ca-nam")
    logout(page)

    # 5. The district's secretariat follows the plan: the four reports acknowledged.
    login(page, "huyen.thuongtruc")
    page.goto("/ke-hoach/theo-doi")
    row = page.locator("tr", has_text="Xã Ba Nam")
    expect(row.locator("[data-state=acknowledged]")).to_have_count(len(Period))
    shot(page, "4-huyen-theo-doi")
    row.locator("[data-period=year] a").click()
    expect(page.get_by_test_id("report-state")).to_have_text("Đã tiếp nhận")
    shot(page, "5-huyen-bao-cao")
