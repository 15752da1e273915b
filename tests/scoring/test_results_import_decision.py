"""An imported year carries its decision (issue 18, item 1): the past-results file's optional «Số quyết định» and
«Ngày quyết định» are stored with the year's results and shown on the year's results page."""

import datetime as dt

from openpyxl import Workbook

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult
from tests.scoring.results_factories import results_version

HEADER = ["Năm", "Mã đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Số quyết định", "Ngày quyết định"]


def _xlsx(path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _import(runner, path):
    return runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])


def _decisions():
    with scoped(SYSTEM):
        rows = db.session.execute(db.select(UnitResult).order_by(UnitResult.year, UnitResult.unit_id)).scalars()
        return {(r.year, r.unit.code): (r.decision_number, r.decision_date) for r in rows}


def test_an_imported_years_decision_is_stored_and_shown_on_its_results_page(world, runner, browser, tmp_path):
    results_version(world)
    path = _xlsx(
        tmp_path / "ket-qua.xlsx",
        [
            [2023, "A", "Khối xã", 97, "85,50", "02/02", "3807/QĐ-UBND", "29/12/2023"],
            [2023, "B", "Khối xã", 95, "88,25", "01/02", "3807/QĐ-UBND", ""],  # the year's decision all the same
            [2022, "A", "Khối xã", 90, 80, None, "", ""],
            [2022, "B", "Khối xã", 90, 81, None, "", "ngày 30 tháng 12 năm 2022"],
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    decided = ("3807/QĐ-UBND", dt.date(2023, 12, 29))
    assert _decisions() == {
        (2022, "A"): ("", dt.date(2022, 12, 30)),
        (2022, "B"): ("", dt.date(2022, 12, 30)),
        (2023, "A"): decided,
        (2023, "B"): decided,
    }
    browser.login(world.secretariat)
    page = browser.get("/ket-qua/2023").get_data(as_text=True)
    assert "Quyết định số 3807/QĐ-UBND ngày 29/12/2023" in page
    assert "Quyết định ngày 30/12/2022" in browser.get("/ket-qua/2022").get_data(as_text=True)


def test_a_file_without_the_decision_columns_imports_as_before(world, runner, tmp_path):
    results_version(world)
    path = _xlsx(tmp_path / "cu.xlsx", [[2022, "A", 80]], header=["Năm", "Mã đơn vị", "Điểm thẩm định"])
    assert _import(runner, path).exit_code == 0
    assert _decisions() == {(2022, "A"): ("", None)}


def test_a_bad_decision_date_is_refused_with_its_row_and_nothing_is_saved(world, runner, tmp_path):
    results_version(world)
    path = _xlsx(
        tmp_path / "sai.xlsx",
        [
            [2023, "A", "Khối xã", 97, "85,50", None, "3807/QĐ-UBND", "31/02/2023"],
            [2023, "B", "Khối xã", 95, "88,25", None, "3807/QĐ-UBND", "29/12/2023"],
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Lỗi: Tệp kết quả các năm trước có 1 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 2, cột «Ngày quyết định»: «31/02/2023» không phải ngày có thật: tháng 2 năm 2023 có 28 ngày",
    ]
    assert _decisions() == {}


def test_two_decision_numbers_for_one_year_are_refused(world, runner, tmp_path):
    results_version(world)
    path = _xlsx(
        tmp_path / "hai-qd.xlsx",
        [
            [2023, "A", "Khối xã", 97, "85,50", None, "3807/QĐ-UBND", "29/12/2023"],
            [2023, "B", "Khối xã", 95, "88,25", None, "3808/QĐ-UBND", "29/12/2023"],
            [2022, "A", "Khối xã", 90, 80, None, "12/QĐ-UBND", ""],  # another year may have its own
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Lỗi: Tệp kết quả các năm trước có 1 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 3, cột «Số quyết định»: số quyết định «3808/QĐ-UBND» khác với «3807/QĐ-UBND» ở dòng 2 cùng năm "
        "2023: một năm chỉ có một quyết định phê duyệt kết quả",
    ]
    assert _decisions() == {}
