"""An imported year's per-area scores (issue 18, item 1): the past-results workbook's optional second sheet
«TheoLinhVuc» (Năm, Mã đơn vị, Mã lĩnh vực, Điểm tự chấm, Điểm thẩm định), stored per area with the year's results."""

import json

from openpyxl import Workbook

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult
from tests.scoring.results_factories import results_version

MAIN = ["Năm", "Mã đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định"]
AREAS = ["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"]


def _workbook(path, areas, *, first=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(MAIN)
    for row in first or [[2023, "A", "Khối xã", 97, "85,50"], [2023, "B", "Khối xã", 95, 88]]:
        sheet.append(row)
    per_area = workbook.create_sheet("TheoLinhVuc", 0)  # before the results: still not taken for them
    per_area.append(AREAS)
    for row in areas:
        per_area.append(row)
    workbook.save(path)
    return path


def _import(runner, path):
    return runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])


def _areas():
    with scoped(SYSTEM):
        rows = db.session.execute(db.select(UnitResult)).scalars()
        return {(r.year, r.unit.code): (json.loads(r.self_by_area), json.loads(r.by_area)) for r in rows}


def test_per_area_scores_are_stored_with_the_years_results(world, runner, tmp_path):
    results_version(world)
    path = _workbook(
        tmp_path / "ket-qua.xlsx",
        [[2023, "A", "1", "19,5", "17"], [2023, "a", "2", 20, "16,25"], ["Năm 2023", "A", "3", "", 18]],
    )
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert _areas() == {
        (2023, "A"): ({"1": "19.50", "2": "20.00"}, {"1": "17.00", "2": "16.25", "3": "18.00"}),
        (2023, "B"): ({}, {}),
    }


def test_bad_per_area_lines_are_refused_with_their_rows_and_nothing_is_saved(world, runner, tmp_path):
    results_version(world)
    path = _workbook(
        tmp_path / "sai.xlsx",
        [
            [2023, "A", "9", 10, 10],  # 2: no such area
            [2022, "A", "1", 10, 10],  # 3: not on the results sheet
            [2023, "A", "1", 10, 25],  # 4: over the area's maximum
            [2023, "A", "1", 10, 10],  # 5: the area again
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Lỗi: Tệp kết quả các năm trước có 4 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại."
    assert lines[1].startswith("  - Dòng 2, cột «Mã lĩnh vực»: trang «TheoLinhVuc»: không có lĩnh vực mã «9»")
    assert lines[2] == (
        "  - Dòng 3, cột «Mã đơn vị»: trang «TheoLinhVuc»: năm «2022», đơn vị «A» không có ở trang kết quả của tệp"
    )
    assert lines[3].startswith("  - Dòng 4, cột «Điểm thẩm định»: trang «TheoLinhVuc»: điểm 25,00 vượt quá")
    assert "của lĩnh vực «1»" in lines[3]
    assert lines[4] == "  - Dòng 5, cột «Mã lĩnh vực»: trang «TheoLinhVuc»: lĩnh vực «1» của «A» đã có ở dòng 4"
    assert _areas() == {}
