"""Units workbooks as officials really write them in Excel (or save as CSV): each hand-made variant means the same
units as the clean file and is imported as exactly those units; what could mean two things is refused with every
problem named, and nothing is saved."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.imports import import_units_file
from dvcq.tenants.models import Unit, UnitKind, UnitLineage
from tests.tenants.helpers import snapshot
from tests.workbooks import changed, one_sheet

HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại",
    "Mã đơn vị cấp trên",
    "Khối",
    "Ngày hiệu lực",
    "Ngày hết hiệu lực",
    "Mã đơn vị tiền thân",
]
# The clean file every variant below is another way of writing (A and B are communes of the test district D).
UNITS = [
    HEADER,
    ["E", "Xã Ba Động", "xã", "D", "Khối xã", "01/01/2020", "30/06/2025", ""],
    ["G", "Thị trấn Ba Tơ", "thị trấn", "D", "Khối xã", "01/01/2020", "", ""],
    ["H", "Phường Trần Phú", "phường", "D", "Khối xã", "", "", ""],
    ["K", "Văn phòng HĐND và UBND huyện", "cơ quan", "D", "Khối cơ quan", "", "", ""],
    ["M", "Xã Ba Thành", "xã", "D", "Khối xã", "01/07/2025", "", "A, B"],
]
EXPECTED = {
    "E": ("Xã Ba Động", UnitKind.XA, "D", "Khối xã", date(2020, 1, 1), date(2025, 6, 30), set()),
    "G": ("Thị trấn Ba Tơ", UnitKind.THI_TRAN, "D", "Khối xã", date(2020, 1, 1), None, set()),
    "H": ("Phường Trần Phú", UnitKind.PHUONG, "D", "Khối xã", None, None, set()),
    "K": ("Văn phòng HĐND và UBND huyện", UnitKind.CO_QUAN, "D", "Khối cơ quan", None, None, set()),
    "M": ("Xã Ba Thành", UnitKind.XA, "D", "Khối xã", date(2025, 7, 1), None, {"A", "B"}),
}


xlsx = partial(one_sheet, title="DonVi")


def imported(tmp_path: Path, data: bytes, name: str = "don_vi.xlsx") -> dict:
    """Import through the service as the CLI does; the units of the clean file as they now are in the database."""
    path = tmp_path / name
    path.write_bytes(data)
    with scoped(SYSTEM):
        report = import_units_file(path, actor=None)
        db.session.commit()
        assert (report.created, report.updated) == (5, 0)
        units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
        by_id = {u.id: u for u in units.values()}
        result = {}
        for code in EXPECTED:
            u = units[code]
            links = db.session.execute(select(UnitLineage).where(UnitLineage.successor_id == u.id)).scalars()
            result[code] = (
                u.name,
                u.kind,
                by_id[u.parent_id].code,
                u.group.name,
                u.valid_from,
                u.valid_to,
                {by_id[link.predecessor_id].code for link in links},
            )
    return result


def refused(tmp_path: Path, data: bytes, name: str = "don_vi.xlsx") -> list[str]:
    """Import a bad file: it must raise, list its problems, and leave every table as it was."""
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot()
    with scoped(SYSTEM), pytest.raises(ServiceError) as caught:
        import_units_file(path, actor=None)
    db.session.rollback()
    assert snapshot() == before
    return [caught.value.message, *caught.value.problems]


# ------------------------------------------------------------------ the variants


def kinds_in_capitals_or_without_accents() -> bytes:
    return xlsx(changed(UNITS, "Loại", {1: "XÃ", 2: "thi tran", 3: "PHUONG", 4: "Co quan", 5: "Xa"}))


def kinds_by_their_initials() -> bytes:
    return xlsx(changed(UNITS, "Loại", {1: "X.", 2: "TT", 3: "P.", 4: "CQ", 5: "x"}))


def dates_as_excel_dates() -> bytes:
    units = changed(UNITS, "Ngày hiệu lực", {1: datetime(2020, 1, 1), 2: date(2020, 1, 1), 5: datetime(2025, 7, 1)})
    return xlsx(changed(units, "Ngày hết hiệu lực", {1: datetime(2025, 6, 30)}))


def dates_with_dashes_dots_single_digits_and_words() -> bytes:
    units = changed(UNITS, "Ngày hiệu lực", {1: "1-1-2020", 2: "1/1/2020", 5: "ngày 01 tháng 7 năm 2025"})
    return xlsx(changed(units, "Ngày hết hiệu lực", {1: "30.06.2025"}))


def codes_with_stray_spaces() -> bytes:
    units = changed(UNITS, "Mã đơn vị", {1: " E ", 2: "G  ", 3: "\u00a0H"})
    units = changed(units, "Mã đơn vị cấp trên", {1: " D", 4: "D "})
    return xlsx(changed(units, "Mã đơn vị tiền thân", {5: " A ;  B "}))


def references_in_other_capitals() -> bytes:
    units = changed(UNITS, "Mã đơn vị cấp trên", {1: "d", 3: "d"})
    return xlsx(changed(units, "Mã đơn vị tiền thân", {5: "a, b"}))


def predecessors_on_separate_lines() -> bytes:
    return xlsx(changed(UNITS, "Mã đơn vị tiền thân", {5: "A\nB"}))


def names_typed_decomposed() -> bytes:
    """Names as a Mac (or a pasted web page) sends them: letters and their marks apart (NFD), stray spaces."""
    names = {i: unicodedata.normalize("NFD", UNITS[i][1]) for i in range(1, 6)}
    names[4] = "  " + names[4].replace(" ", "  ") + " "
    return xlsx(changed(UNITS, "Tên đơn vị", names))


def merged_title_rows_and_the_header_on_row_4() -> bytes:
    def prepare(ws):
        ws.cell(row=1, column=1, value="ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM")
        ws.cell(row=2, column=1, value="DANH SÁCH ĐƠN VỊ")
        for row in (1, 2):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADER))

    return xlsx(UNITS, top=4, prepare=prepare)


def column_numbers_under_the_header() -> bytes:
    return xlsx([UNITS[0], [f"({i})" for i in range(1, 9)], *UNITS[1:]])


def headers_with_notes_and_other_names() -> bytes:
    header = [
        "Mã ĐV",
        "Tên đơn vị (*)",
        "Loại đơn vị",
        "Mã cấp trên",
        "Khối thi đua",
        "Ngày hiệu lực\n(dd/mm/yyyy)",
        "Hiệu lực đến ngày",
        "Mã tiền thân (nếu sáp nhập)",
    ]
    return xlsx([header, *UNITS[1:]])


def trailing_blank_rows_and_columns() -> bytes:
    def prepare(ws):
        for column in range(9, 12):
            ws.cell(row=1, column=column, value="   ")
        for row in range(7, 12):
            ws.cell(row=row, column=1, value=" " if row % 2 else None)
        ws.cell(row=300, column=40).number_format = "dd/mm/yyyy"

    return xlsx(UNITS, prepare=prepare)


def csv_with_semicolons_and_a_title_row() -> bytes:
    lines = ["DANH SÁCH ĐƠN VỊ;;;;;;;", *(";".join(str(c) for c in row) for row in UNITS)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


VARIANTS = [
    kinds_in_capitals_or_without_accents,
    kinds_by_their_initials,
    dates_as_excel_dates,
    dates_with_dashes_dots_single_digits_and_words,
    codes_with_stray_spaces,
    references_in_other_capitals,
    predecessors_on_separate_lines,
    names_typed_decomposed,
    merged_title_rows_and_the_header_on_row_4,
    column_numbers_under_the_header,
    headers_with_notes_and_other_names,
    trailing_blank_rows_and_columns,
]


def test_the_clean_file_imports_as_written(world, tmp_path):
    assert imported(tmp_path, xlsx(UNITS)) == EXPECTED


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda f: f.__name__)
def test_a_hand_written_variant_imports_the_same_units(world, tmp_path, variant):
    assert imported(tmp_path, variant()) == EXPECTED


def test_a_csv_with_semicolons_and_a_title_row_imports_the_same_units(world, tmp_path):
    assert imported(tmp_path, csv_with_semicolons_and_a_title_row(), "don_vi.csv") == EXPECTED


def messiest() -> bytes:
    """What a district office really sends: two merged title rows, the table from column B with an «STT» column and
    a «Ghi chú» column, headers with notes, other names and line breaks, a row of column numbers, kinds in capitals,
    without accents or by initials, dates as Excel dates or typed with dashes, dots and single digits, codes with
    stray spaces, a parent and predecessors in other capitals on two lines, decomposed names, a blank row inside the
    table and blank rows and columns after it."""
    rows = [
        [
            "STT",
            "Mã ĐV",
            "Tên đơn vị",
            "Loại\nđơn vị",
            "Mã cấp trên",
            "Khối thi đua",
            "Ngày hiệu lực (dd/mm/yyyy)",
            "Hiệu lực đến ngày",
            "Mã tiền thân",
            "Ghi chú",
        ],
        ["A", "B", "1", "2", "3", "4", "5", "6", "7", "8"],
        [1, " E", unicodedata.normalize("NFD", "Xã Ba Động"), "XÃ", "d", "Khối xã", "1-1-2020", "30.06.2025", "", ""],
        [2, "G ", "Thị trấn Ba Tơ", "TT", " D ", "khối xã", datetime(2020, 1, 1), "", "", "thị trấn huyện lỵ"],
        [],
        [3, "H", "Phường  Trần Phú", "P.", "D", "KHỐI XÃ", "", "", "", ""],
        [4, "K", "Văn phòng HĐND và UBND huyện", "co quan", "D", "Khối cơ quan", "", "", "", ""],
        [5, "M", "Xã Ba Thành", "xa", "D", "Khối xã", "1/7/2025", "", "a;\nB", "sáp nhập"],
    ]

    def prepare(ws):
        for row, text in enumerate(["ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM", "DANH SÁCH ĐƠN VỊ NĂM 2025"], start=1):
            ws.cell(row=row, column=2, value=text)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=11)
        ws.cell(row=20, column=2, value="  ")
        ws.cell(row=200, column=30).number_format = "@"

    return xlsx(rows, title="Danh sách đơn vị", top=4, left=2, prepare=prepare)


def test_the_messiest_realistic_workbook_imports_the_same_units(world, tmp_path):
    assert imported(tmp_path, messiest(), "Danh sách đơn vị 2025 (bản gửi Sở).xlsx") == EXPECTED


# ------------------------------------------------------------------ what could mean two things is refused


def test_dates_that_do_not_exist_or_could_be_read_two_ways_are_refused(world, tmp_path):
    units = changed(UNITS, "Ngày hiệu lực", {1: "31/02/2020", 2: "12/29/2020", 3: "1/7/25", 5: "45839"})
    assert refused(tmp_path, xlsx(units)) == [
        "Tệp đơn vị có 4 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "Dòng 2, cột «Ngày hiệu lực»: «31/02/2020» không phải ngày có thật: tháng 2 năm 2020 có 29 ngày",
        "Dòng 3, cột «Ngày hiệu lực»: «12/29/2020» không phải ngày có thật: không có tháng 29 (ghi ngày trước, tháng "
        "sau)",
        "Dòng 4, cột «Ngày hiệu lực»: «1/7/25» không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 29/12/2023)",
        "Dòng 6, cột «Ngày hiệu lực»: «45839» không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 29/12/2023)",
    ]


def test_a_new_code_that_differs_from_another_only_in_capitals_is_refused(world, tmp_path):
    units = [*UNITS, ["a", "Xã An Bình Mới", "xã", "D", "Khối xã", "", "", ""]]
    units.append(["e", "Xã Ba Động (lặp)", "xã", "D", "Khối xã", "", "", ""])
    assert refused(tmp_path, xlsx(units)) == [
        "Tệp đơn vị có 2 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "Dòng 8, cột «Mã đơn vị»: mã «e» chỉ khác mã «E» ở dòng 2 ở chữ hoa, chữ thường: nếu là cùng một đơn vị hãy "
        "ghi đúng mã đó, nếu là đơn vị khác hãy đặt mã khác hẳn",
        "Dòng 7, cột «Mã đơn vị»: mã «a» chỉ khác mã «A» đã có trong hệ thống ở chữ hoa, chữ thường: nếu là cùng một "
        "đơn vị hãy ghi đúng mã đó, nếu là đơn vị khác hãy đặt mã khác hẳn",
    ]


def test_kinds_no_list_holds_are_refused_not_guessed(world, tmp_path):
    units = changed(UNITS, "Loại", {1: "thị xã", 2: "quận", 3: "T.T.X"})
    assert refused(tmp_path, xlsx(units)) == [
        "Tệp đơn vị có 3 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "Dòng 2, cột «Loại»: loại «thị xã» không hợp lệ (chọn một trong: tỉnh, huyện, xã, phường, thị trấn, đặc khu, "
        "cơ quan)",
        "Dòng 3, cột «Loại»: loại «quận» không hợp lệ (chọn một trong: tỉnh, huyện, xã, phường, thị trấn, đặc khu, "
        "cơ quan)",
        "Dòng 4, cột «Loại»: loại «T.T.X» không hợp lệ (chọn một trong: tỉnh, huyện, xã, phường, thị trấn, đặc khu, "
        "cơ quan)",
    ]


def test_two_columns_that_both_name_one_field_are_refused(world, tmp_path):
    units = [[*row, row[2]] for row in UNITS]
    units[0][-1] = "Loại đơn vị"
    assert refused(tmp_path, xlsx(units)) == [
        "Tệp đơn vị có 1 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "Dòng 1, cột «Loại đơn vị»: cột có hai lần (cột C và cột I): không rõ dùng cột nào, hãy xoá hoặc đổi tên một "
        "cột",
    ]
