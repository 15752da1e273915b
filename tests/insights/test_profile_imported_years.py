"""What an imported year carries beyond its totals (issue 18, item 1), where a unit's result is shown: its decision
and the self and appraised points per area of the past-results file's TheoLinhVuc sheet, named from the criteria set,
on the unit's profile (its predecessors' marked as such) and on its result page of that year."""

from __future__ import annotations

from openpyxl import Workbook

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.insights import factories
from tests.insights.helpers import table
from tests.scoring.results_factories import results_version

DECIDED = "Kết quả được phê duyệt tại Quyết định số 3807/QĐ-UBND ngày 29/12/2023."
AREA_ROWS = [
    ["Lĩnh vực", "Tên lĩnh vực", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định"],
    ["1", "Lĩnh vực 1", "20,00", "19,50", "17,00"],
    ["2", "Lĩnh vực 2", "20,00", "20,00", "16,25"],
    ["3", "Lĩnh vực 3", "20,00", "—", "18,00"],
]


def _import(runner, tmp_path, *, areas=True):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(["Năm", "Mã đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Số quyết định", "Ngày quyết định"])
    sheet.append([2023, "A", "Khối xã", 97, "85,50", "3807/QĐ-UBND", "29/12/2023"])
    sheet.append([2023, "B", "Khối xã", 95, "88,25", "3807/QĐ-UBND", "29/12/2023"])
    sheet.append([2022, "A", "Khối xã", 90, 80, "", ""])
    if areas:
        per_area = workbook.create_sheet("TheoLinhVuc")
        per_area.append(["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"])
        for row in ([2023, "A", "2", 20, "16,25"], [2023, "A", "1", "19,5", 17], [2023, "A", "3", "", 18]):
            per_area.append(row)
    path = tmp_path / "ket-qua.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 0, result.output


def test_the_profile_shows_an_imported_years_decision_and_points_per_area(browser, world, runner, tmp_path):
    results_version(world)
    _import(runner, tmp_path)
    browser.login(world.officer_a)
    page = browser.get(f"/tong-quan/don-vi/{world.a_id}").get_data(as_text=True)
    assert DECIDED in page
    assert table(page, "imported-areas-2023") == AREA_ROWS  # in the criteria set's order, points with a comma
    assert 'data-testid="imported-areas-2022"' not in page  # 2022 gave neither a decision nor areas
    assert 'data-testid="imported-decision-2022"' not in page


def test_a_profile_without_decision_or_areas_has_no_imported_section(browser, world, runner, tmp_path):
    results_version(world)
    workbook = Workbook()
    workbook.active.append(["Năm", "Mã đơn vị", "Điểm thẩm định"])
    workbook.active.append([2023, "A", "85,50"])
    workbook.save(tmp_path / "tong.xlsx")
    assert (
        runner.invoke(args=["dvcq", "results", "import", str(tmp_path / "tong.xlsx"), "--authority", "D"]).exit_code
        == 0
    )
    browser.login(world.leadership)
    page = browser.get(f"/tong-quan/don-vi/{world.a_id}").get_data(as_text=True)
    assert 'data-testid="imported-years"' not in page


def test_the_units_result_page_of_an_imported_year_shows_them_too(browser, world, runner, tmp_path):
    results_version(world)
    _import(runner, tmp_path)
    browser.login(world.secretariat)
    page = browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").get_data(as_text=True)
    assert DECIDED in page
    assert table(page, "imported-areas") == [
        ["Mã", "Lĩnh vực", "Điểm tối đa", "Tự chấm", "Thẩm định"],
        *[[code, name, maximum, own, appraised] for code, name, maximum, own, appraised in AREA_ROWS[1:]],
    ]
    unit_b = browser.get(f"/ket-qua/2023/don-vi/{world.b_id}").get_data(as_text=True)
    assert DECIDED in unit_b and 'data-testid="imported-areas"' not in unit_b
    assert "không có điểm chi tiết từng tiêu chí" in unit_b


def test_a_merged_units_profile_shows_its_predecessors_imported_year_marked(browser, world, runner, tmp_path):
    results_version(world)
    _import(runner, tmp_path)
    with scoped(SYSTEM):
        merged = factories.merger("M", "Xã Hợp Nhất", [world.a_id]).id
        db.session.commit()
    browser.login(world.leadership)
    page = browser.get(f"/tong-quan/don-vi/{merged}").get_data(as_text=True)
    assert "Năm 2023: Xã An Bình (trước 01/07/2025)" in page
    assert DECIDED in page
    assert table(page, "imported-areas-2023") == AREA_ROWS
