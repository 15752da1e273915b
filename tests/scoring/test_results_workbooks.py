"""Past-results workbooks as officials really write them in Excel: each hand-made variant means the same results as
the clean file and is imported as exactly those results; what could mean two things is refused with every bad row
named in Vietnamese, and nothing is saved."""

from __future__ import annotations

from decimal import Decimal as D
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult
from dvcq.tenants.models import Unit, UnitGroup, UnitKind
from tests import factories
from tests.scoring.results_factories import results_version
from tests.workbooks import changed, one_sheet

HEADER = ["Năm", "Mã đơn vị", "Tên đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Xếp loại"]
XS, TOT, HT, KHT = (
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
)
# The clean file every variant below is another way of writing (A, B: communes; C: an agency of district D).
RESULTS = [
    HEADER,
    [2023, "A", "Xã An Bình", "Khối xã", "97,00", "85,50", "2", TOT],
    [2023, "B", "Xã Bình Đông", "Khối xã", "95,00", "90,25", "1", XS],
    [2023, "C", "Phòng Nội vụ", "Khối cơ quan", "80,00", "72,00", "1", TOT],
    [2022, "A", "Xã An Bình", "Khối xã", "90,00", "88,00", "1", TOT],
    [2022, "B", "Xã Bình Đông", "Khối xã", "85,00", "55,50", "2", HT],
    [2022, "C", "Phòng Nội vụ", "Khối cơ quan", "", "49,50", "1", KHT],
]
EXPECTED = {
    (2023, "A"): (D("97.00"), D("85.50"), 2, 2, TOT, 2, "Khối xã"),
    (2023, "B"): (D("95.00"), D("90.25"), 1, 2, XS, 1, "Khối xã"),
    (2023, "C"): (D("80.00"), D("72.00"), 1, 1, TOT, 2, "Khối cơ quan"),
    (2022, "A"): (D("90.00"), D("88.00"), 1, 2, TOT, 2, "Khối xã"),
    (2022, "B"): (D("85.00"), D("55.50"), 2, 2, HT, 3, "Khối xã"),
    (2022, "C"): (None, D("49.50"), 1, 1, KHT, 4, "Khối cơ quan"),
}


@pytest.fixture
def version(world):
    return results_version(world)


xlsx = partial(one_sheet, title="KetQua")


def without(rows: list[list], column: str) -> list[list]:
    index = rows[0].index(column)
    return [[cell for i, cell in enumerate(row) if i != index] for row in rows]


def results_now() -> dict:
    with scoped(SYSTEM):
        return {
            (r.year, r.unit.code): (
                r.self_total,
                r.appraised_total,
                r.rank,
                r.rank_of,
                r.level_name,
                r.level_order,
                r.group_name,
            )
            for r in db.session.execute(select(UnitResult)).scalars()
        }


def audit_count() -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count(AuditRecord.id))).scalar_one()


def imported(runner, tmp_path: Path, data: bytes, name: str = "ket_qua.xlsx") -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["Năm 2022: đã nhập 3 đơn vị.", "Năm 2023: đã nhập 3 đơn vị."]
    return results_now()


def refused(runner, tmp_path: Path, data: bytes, name: str = "ket_qua.xlsx") -> list[str]:
    """Import a bad file: exit 1, its problems on stderr, and no result or audit record written."""
    path = tmp_path / name
    path.write_bytes(data)
    before = audit_count()
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 1, result.output
    assert results_now() == {} and audit_count() == before
    return result.stderr.splitlines()


# ------------------------------------------------------------------ the variants


def header_under_merged_title_rows() -> bytes:
    def prepare(ws):
        ws.cell(row=1, column=1, value="ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM")
        ws.cell(row=2, column=1, value="KẾT QUẢ ĐÁNH GIÁ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN CÁC NĂM 2022, 2023")
        for row in (1, 2):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADER))

    return xlsx(RESULTS, top=4, prepare=prepare)


def points_as_numbers_or_text_with_comma_or_point() -> bytes:
    rows = changed(RESULTS, "Điểm tự chấm", {1: 97, 2: "95", 3: " 80,0 ", 4: "90.00", 5: 85.0})
    return xlsx(changed(rows, "Điểm thẩm định", {1: "85,5", 2: 90.25, 3: "72 điểm", 4: "88.00", 5: "55,5đ", 6: 49.5}))


def ranks_written_with_the_group_size() -> bytes:
    return xlsx(changed(RESULTS, "Xếp hạng", {1: "02/02", 2: "1/2", 3: "01/01", 4: "Hạng 1", 5: 2, 6: "1 / 1"}))


def levels_in_any_case_short_names_and_initials() -> bytes:
    levels = {1: "hoan thanh tot", 2: "HTXSNV", 3: "Hoàn thành tốt", 4: "HTT", 5: "HOÀN THÀNH NHIỆM VỤ", 6: "KHT"}
    return xlsx(changed(RESULTS, "Xếp loại", levels))


def years_written_with_the_word_nam() -> bytes:
    return xlsx(changed(RESULTS, "Năm", {1: "Năm 2023", 2: "năm 2023", 3: "2023", 4: "NĂM 2022", 5: 2022.0}))


def codes_with_stray_spaces_or_other_capitals() -> bytes:
    return xlsx(changed(RESULTS, "Mã đơn vị", {1: " A ", 2: "b", 3: "C\u00a0", 4: "a", 5: "B  "}))


def names_instead_of_some_codes() -> bytes:
    rows = changed(RESULTS, "Mã đơn vị", {1: "", 3: "", 5: ""})
    return xlsx(changed(rows, "Tên đơn vị", {1: "xã an bình", 3: "Phòng Nội Vụ", 5: "Bình Đông"}))


def names_and_no_code_column() -> bytes:
    return xlsx(without(RESULTS, "Mã đơn vị"))


def column_numbers_under_the_header() -> bytes:
    return xlsx([RESULTS[0], [f"({i})" for i in range(1, 9)], *RESULTS[1:]])


def headers_with_notes_and_other_names() -> bytes:
    header = [
        "Năm đánh giá",
        "Mã ĐV",
        "Tên đơn vị",
        "Khối thi đua",
        "Điểm tự chấm\n(điểm)",
        "Điểm thẩm định (*)",
        "Thứ hạng",
        "Kết quả xếp loại",
    ]
    return xlsx([header, *RESULTS[1:]])


def trailing_blank_rows_and_columns() -> bytes:
    def prepare(ws):
        for column in range(9, 12):
            ws.cell(row=1, column=column, value="  ")
        for row in range(8, 13):
            ws.cell(row=row, column=2, value=" " if row % 2 else None)
        ws.cell(row=300, column=40).number_format = "0.00"

    return xlsx(RESULTS, prepare=prepare)


VARIANTS = [
    header_under_merged_title_rows,
    points_as_numbers_or_text_with_comma_or_point,
    ranks_written_with_the_group_size,
    levels_in_any_case_short_names_and_initials,
    years_written_with_the_word_nam,
    codes_with_stray_spaces_or_other_capitals,
    names_instead_of_some_codes,
    names_and_no_code_column,
    column_numbers_under_the_header,
    headers_with_notes_and_other_names,
    trailing_blank_rows_and_columns,
]


def test_the_clean_file_imports_as_written(world, version, runner, tmp_path):
    assert imported(runner, tmp_path, xlsx(RESULTS)) == EXPECTED


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda f: f.__name__)
def test_a_hand_written_variant_imports_the_same_results(world, version, runner, tmp_path, variant):
    assert imported(runner, tmp_path, variant()) == EXPECTED


def test_a_csv_with_semicolons_and_decimal_commas_imports_the_same_results(world, version, runner, tmp_path):
    lines = ["KẾT QUẢ CÁC NĂM TRƯỚC;;;;;;;", *(";".join(str(c) for c in row) for row in RESULTS)]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
    assert imported(runner, tmp_path, data, "ket_qua.csv") == EXPECTED


def messiest() -> bytes:
    """What a district office really sends: two merged title rows, the table from column B with an «STT» column,
    headers with notes, other names and line breaks, a row of column numbers, years written «Năm 2023», points as
    text with a decimal comma or «điểm», ranks «02/02», levels without accents, by initials or short names, codes
    with stray spaces or in small letters, a name for a missing code, a blank row inside the table and blank rows and
    columns after it."""
    rows = [
        [
            "STT",
            "Năm",
            "Mã ĐV",
            "Tên đơn vị",
            "Khối",
            "Điểm\ntự chấm",
            "Điểm thẩm định (điểm)",
            "Xếp hạng\n(trong khối)",
            "Xếp loại",
        ],
        ["A", "B", "1", "2", "3", "4", "5", "6", "7"],
        [1, "Năm 2023", " A", "Xã An Bình", "Khối xã", "97,00", "85,5", "02/02", "hoàn thành tốt"],
        [2, "Năm 2023", "b ", "Xã Bình Đông", "khối xã", "95", "90,25 điểm", "01/02", "HTXSNV"],
        [3, 2023, "", "Phòng Nội vụ", "KHỐI CƠ QUAN", 80, 72, "1/1", "HTT"],
        [],
        [4, "2022", "A", "Xã An Bình", "Khối xã", "90", "88,00", "01/02", "Hoàn thành tốt nhiệm vụ"],
        [5, "2022", "B", "Xã Bình Đông", "Khối xã", "85,0", "55.50", "02/02", "hoan thanh nhiem vu"],
        [6, "2022", "c", "Phòng Nội vụ", "Khối cơ quan", "", "49,50đ", "01/01", "KHT"],
    ]

    def prepare(ws):
        for row, text in enumerate(["ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM", "KẾT QUẢ ĐÁNH GIÁ CÁC NĂM"], start=1):
            ws.cell(row=row, column=2, value=text)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=10)
        ws.cell(row=25, column=2, value="  ")
        ws.cell(row=200, column=30).number_format = "@"

    return xlsx(rows, title="Kết quả 2022-2023", top=4, left=2, prepare=prepare)


def test_the_messiest_realistic_workbook_imports_the_same_results(world, version, runner, tmp_path):
    assert imported(runner, tmp_path, messiest(), "Kết quả DVCQ 2022–2023 (bản tổng hợp).xlsx") == EXPECTED


# ------------------------------------------------------------------ what could mean two things is refused


def test_a_level_two_levels_could_mean_is_refused(world, version, runner, tmp_path):
    rows = changed(RESULTS, "Xếp loại", {4: "nhiệm vụ", 6: "Không"})
    assert refused(runner, tmp_path, xlsx(rows)) == [
        "Lỗi: Tệp kết quả các năm trước có 2 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 5, cột «Xếp loại»: «nhiệm vụ» có thể là 4 mức (Hoàn thành xuất sắc nhiệm vụ; Hoàn thành tốt nhiệm "
        "vụ; Hoàn thành nhiệm vụ; Không hoàn thành nhiệm vụ): ghi đủ tên mức",
        "  - Dòng 7, cột «Xếp loại»: «Không» có thể là 2 mức (Không hoàn thành nhiệm vụ; Không đủ điều kiện xếp "
        "loại): ghi đủ tên mức",
    ]


def test_ranks_the_points_or_the_group_size_contradict_are_refused(world, version, runner, tmp_path):
    rows = changed(RESULTS, "Xếp hạng", {1: "1", 2: "2", 4: "01/19", 5: "02/19"})
    assert refused(runner, tmp_path, xlsx(rows)) == [
        "Lỗi: Tệp kết quả các năm trước có 3 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 3, cột «Xếp hạng»: xếp hạng 2 nhưng điểm thẩm định 90,25 cao hơn của đơn vị «A» ở dòng 2 (85,50, "
        "hạng 1): không rõ hạng hay điểm đúng",
        "  - Dòng 5, cột «Xếp hạng»: xếp hạng 01/19 tính trên 19 đơn vị nhưng tệp có 2 đơn vị của «Khối xã» năm "
        "2022: thiếu dòng, thừa dòng hay ghi nhầm?",
        "  - Dòng 6, cột «Xếp hạng»: xếp hạng 02/19 tính trên 19 đơn vị nhưng tệp có 2 đơn vị của «Khối xã» năm "
        "2022: thiếu dòng, thừa dòng hay ghi nhầm?",
    ]


def test_a_unit_name_two_units_bear_or_none_is_refused(world, version, runner, tmp_path):
    with scoped(SYSTEM):
        district = db.session.get(Unit, world.district_id)
        communes = db.session.get(UnitGroup, world.group_communes_id)
        factories.unit("A2", "Xã An Bình", UnitKind.XA, district, communes)  # a namesake, after a merger
        db.session.commit()
    rows = changed(RESULTS, "Mã đơn vị", {1: "", 5: ""})
    rows = changed(rows, "Tên đơn vị", {5: "Xã Bình Đông Mới"})
    assert refused(runner, tmp_path, xlsx(rows)) == [
        "Lỗi: Tệp kết quả các năm trước có 2 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 2, cột «Tên đơn vị»: tên «Xã An Bình» là tên của 2 đơn vị (Xã An Bình – mã A, Xã An Bình – mã "
        "A2): ghi mã đơn vị",
        "  - Dòng 6, cột «Tên đơn vị»: không có đơn vị tên «Xã Bình Đông Mới» thuộc Huyện Thử Nghiệm: ghi mã đơn vị",
    ]


def test_years_and_points_that_are_not_one_value_are_refused(world, version, runner, tmp_path):
    rows = changed(RESULTS, "Năm", {1: "Năm 2023-2024", 2: "2O23"})
    rows = changed(rows, "Điểm thẩm định", {4: "88,00.5", 5: "55,555"})
    assert refused(runner, tmp_path, xlsx(rows)) == [
        "Lỗi: Tệp kết quả các năm trước có 4 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 2, cột «Năm»: «Năm 2023-2024» không phải là năm hợp lệ",
        "  - Dòng 3, cột «Năm»: «2O23» không phải là năm hợp lệ",
        "  - Dòng 5, cột «Điểm thẩm định»: «88,00.5» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần thập phân "
        "(ghi một dấu thập phân, ví dụ 2,5 hoặc 2.5; không dùng dấu phân cách hàng nghìn)",
        "  - Dòng 6, cột «Điểm thẩm định»: “55,555” có quá 2 chữ số thập phân",
    ]


def test_two_columns_that_both_name_one_field_are_refused(world, version, runner, tmp_path):
    rows = [[*row, row[5]] for row in RESULTS]
    rows[0][-1] = "Điểm sau thẩm định"
    assert refused(runner, tmp_path, xlsx(rows)) == [
        "Lỗi: Tệp kết quả các năm trước có 1 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 1, cột «Điểm sau thẩm định»: cột có hai lần (cột F và cột I): không rõ dùng cột nào, hãy xoá hoặc "
        "đổi tên một cột",
    ]
