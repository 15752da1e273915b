"""The demo across the 2025 reform: a new commune's profile (Xã Ba Tô, formed from Ba Tô, Ba Lế and Ba Nam) shows its
predecessors' years — decided by Huyện Ba Tơ, outside the province's scope — marked as such, with the decision of
each year; the province's leadership and the commune's own officer open it; nobody reads another unit's unpublished
results through it, nor a predecessor's own profile from the province; the province's dashboard says the demo holds
a part of the province."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.demo import DEMO_SUBSET_NOTE
from dvcq.tenants.models import Unit
from tests.insights import factories
from tests.insights.helpers import table
from tests.reform_demo import seed_until_2025

BA_NAM_2023 = [
    "2023",
    "Khối xã",
    "97,00",
    "85,50",
    "Hoàn thành tốt nhiệm vụ",
    "02/19",
    "3807/QĐ-UBND ngày 29/12/2023",
    "Xã Ba Nam (trước 01/07/2025)",
]


@pytest.fixture
def units(app, monkeypatch) -> dict[str, int]:
    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        return dict(db.session.execute(select(Unit.code, Unit.id)).all())


def _history(browser, unit_id: int) -> list[list[str]]:
    response = browser.get(f"/tong-quan/don-vi/{unit_id}")
    assert response.status_code == 200
    return table(response.get_data(as_text=True), "history-table")[1:]


def test_a_new_communes_profile_shows_its_predecessors_years_with_their_decisions(browser, units):
    browser.login("lanhdao")  # the province's leadership
    rows = _history(browser, units["QNG-BTO"])
    assert rows[0] == [
        "2025",
        "Khối xã",
        "95,00",
        "89,50",
        "Hoàn thành tốt nhiệm vụ",
        "02/08",
        "86/QĐ-UBND ngày 16/01/2026",
        "",
    ]
    assert BA_NAM_2023 in rows
    ba_nam_2024 = next(r for r in rows if r[0] == "2024" and r[7] == "Xã Ba Nam (trước 01/07/2025)")
    assert ba_nam_2024[3:7] == ["91,25", "Hoàn thành xuất sắc nhiệm vụ", "02/19", "4018/QĐ-UBND ngày 27/12/2024"]
    # its three predecessors, each year 2021–2024, and nothing of another commune of huyện Ba Tơ
    marks = {r[7] for r in rows[1:]}
    assert marks == {f"{name} (trước 01/07/2025)" for name in ("Xã Ba Tô", "Xã Ba Lế", "Xã Ba Nam")}
    assert len(rows) == 1 + 3 * 4


def test_the_new_communes_own_officer_sees_the_same_history_and_its_plans_section(browser, units):
    browser.login("canbo.batoo")
    response = browser.get(f"/tong-quan/don-vi/{units['QNG-BTO']}")
    page = response.get_data(as_text=True)
    assert BA_NAM_2023 in table(page, "history-table")
    assert 'data-testid="plans"' in page  # its own unit: the plans section is there


def test_another_new_commune_reads_published_results_only_and_no_predecessors_profile(browser, units):
    with scoped(SYSTEM):  # a computed, unpublished 2026 result of Xã Ba Tô and of its predecessor Xã Ba Nam
        province = units["QNG"]
        factories.result(units["QNG-BTO"], 2026, authority_id=province, appraised="70.00", published=False)
        factories.result(units["BATO-BNA"], 2026, authority_id=units["BATO"], appraised="71.00", published=False)
        db.session.commit()
    browser.login("canbo.bavi")  # Xã Ba Vì: another commune of the province
    page = browser.get(f"/tong-quan/don-vi/{units['QNG-BTO']}").get_data(as_text=True)
    rows = table(page, "history-table")[1:]
    assert BA_NAM_2023 in rows and "2026" not in {r[0] for r in rows}
    assert 'data-testid="plans"' not in page and 'data-testid="no-plans"' not in page  # not its business
    missing = browser.get("/tong-quan/don-vi/999999")
    for code in ("BATO-BNA", "BATO-BVI"):  # a predecessor, even its own: the district's, outside the province
        response = browser.get(f"/tong-quan/don-vi/{units[code]}")
        assert response.status_code == 404 and response.data == missing.data
    browser.logout()
    browser.login("lanhdao")
    rows = _history(browser, units["QNG-BTO"])
    assert "2026" not in {r[0] for r in rows}  # unpublished stays hidden from the leadership's profile too
    assert browser.get(f"/tong-quan/don-vi/{units['BATO-BNA']}").status_code == 404


def test_a_predecessors_profile_names_its_successor_without_a_link_out_of_the_district(browser, units):
    browser.login("huyen.lanhdao")
    page = browser.get(f"/tong-quan/don-vi/{units['BATO-BNA']}").get_data(as_text=True)
    assert "Đơn vị đã sáp nhập vào\n  Xã Ba Tô (từ 01/07/2025)." in page
    assert f"/tong-quan/don-vi/{units['QNG-BTO']}" not in page  # the province's unit: a 404 for the district
    rows = table(page, "history-table")[1:]
    assert [r[0] for r in rows] == ["2024", "2023", "2022", "2021"]
    assert rows[1][:7] == BA_NAM_2023[:7]


def test_the_provinces_dashboard_says_the_demo_holds_a_part_of_the_province(browser, units):
    browser.login("lanhdao")
    page = browser.get("/tong-quan/").get_data(as_text=True)
    assert 'data-testid="demo-note"' in page and DEMO_SUBSET_NOTE in page
    browser.logout()
    browser.login("huyen.lanhdao")  # the district held its 19 communes whole: nothing to say
    assert 'data-testid="demo-note"' not in browser.get("/tong-quan/").get_data(as_text=True)
