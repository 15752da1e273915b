"""Criteria workbooks as officials really write them in Excel: each hand-made variant means the same criteria set as
the clean file, is accepted, and round-trips through the exporter; what could mean two things is refused with every
problem named, and nothing is saved."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from dvcq.scoring.criteria import exports, services
from dvcq.scoring.models import CriteriaVersion, Method, NodeKind
from tests.scoring.test_criteria_import import HEADER, cells, do_import, rejected
from tests.workbooks import changed, saved

LEVEL_HEADER = ["Mức", "Tên", "Điểm từ"]
CONDITION_HEADER = ["Mã", "Tên điều kiện", "Hiệu lực", "Mức tối đa"]

# The clean file every variant below is another way of writing.
CRITERIA = [
    HEADER,
    ["1", "Lãnh đạo, chỉ đạo", "6", None, None, None, None, None],
    ["1.1", "Ban hành kế hoạch", "4", None, None, None, None, None],
    ["1.1.a", "Kế hoạch năm", "2,5", "khoảng", "0,25", "có", "Có kế hoạch: 2,5 điểm", None],
    ["1.1.b", "Kế hoạch chuyên đề", "1,5", "có/không", None, "không", None, None],
    ["1.2", "Kiện toàn Ban Chỉ đạo", "2", "có/không", None, "có", None, None],
    ["2", "Công khai, minh bạch", "4", None, None, None, None, None],
    ["2.1", "Công khai thủ tục", "4", "trừ điểm", "0,5", "không", "Mỗi thiếu sót trừ 0,5", "cấp trên chấm"],
    ["T", "Điểm thưởng", "2", None, None, None, None, "thưởng"],
    ["T.1", "Mô hình được khen", "2", "khoảng", "0,5", "có", None, "thưởng"],
]
LEVEL_NAMES = [
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
]
LEVELS = [LEVEL_HEADER, [1, LEVEL_NAMES[0], 9], [2, LEVEL_NAMES[1], 7], [3, LEVEL_NAMES[2], 5], [4, LEVEL_NAMES[3], 0]]
CONDITIONS = [
    CONDITION_HEADER,
    ["DK1", "Lãnh đạo bị kỷ luật", "không xếp loại", None],
    ["DK2", "Nộp báo cáo muộn", "giới hạn mức", 2],
]


def put(ws, rows: list[list], top: int = 1, left: int = 1) -> None:
    """Write rows as typed cells from (top, left); None leaves a cell empty."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.cell(row=top + r, column=left + c, value=value)


def xlsx(*sheets: tuple[str, list[list]], prepare: Callable | None = None) -> bytes:
    """A workbook of (title, rows) sheets; `prepare(book)` may then add titles, merges, stray formatting…"""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        put(book.create_sheet(title), rows)
    if prepare:
        prepare(book)
    return saved(book)


def clean() -> bytes:
    return xlsx(("TieuChi", CRITERIA), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def with_titles(rows: list[list], titles: list[str], blank_after: bool = True) -> list[list]:
    return [[t] for t in titles] + ([[]] if blank_after else []) + rows


# ------------------------------------------------------------------ the variants


def levels_by_short_code() -> bytes:
    levels = changed(LEVELS, "Mức", {1: "XS", 2: "T", 3: "HT", 4: "KHT"})
    conditions = changed(CONDITIONS, "Mức tối đa", {2: "T"})
    return xlsx(("TieuChi", CRITERIA), ("XepLoai", levels), ("DieuKien", conditions))


def levels_by_any_code() -> bytes:
    levels = changed(LEVELS, "Mức", {1: "A", 2: "B", 3: "C", 4: "D"})
    conditions = changed(CONDITIONS, "Mức tối đa", {2: "b"})
    return xlsx(("TieuChi", CRITERIA), ("XepLoai", levels), ("DieuKien", conditions))


def levels_by_name() -> bytes:
    levels = changed(LEVELS, "Mức", {i: name for i, name in enumerate(LEVEL_NAMES, start=1)})
    conditions = changed(CONDITIONS, "Mức tối đa", {2: "hoan thanh tot nhiem vu"})
    return xlsx(("TieuChi", CRITERIA), ("XepLoai", levels), ("DieuKien", conditions))


def levels_lowest_first() -> bytes:
    """The order comes from `Điểm từ`, never from the rows: numbers that agree with it are fine in any row order."""
    return xlsx(("TieuChi", CRITERIA), ("XepLoai", [LEVELS[0], *reversed(LEVELS[1:])]), ("DieuKien", CONDITIONS))


def points_as_text_with_comma_or_point() -> bytes:
    criteria = changed(CRITERIA, "Điểm tối đa", {1: "6,00", 2: "4.0", 3: "2.5", 4: "1,50", 7: "4,00", 9: "2,0"})
    criteria = changed(criteria, "Bước điểm", {3: "0.25", 7: "0,50", 9: ".5"})
    levels = changed(LEVELS, "Điểm từ", {1: "9,0", 2: "7.00", 3: " 5 ", 4: "0,00"})
    return xlsx(("TieuChi", criteria), ("XepLoai", levels), ("DieuKien", CONDITIONS))


def points_as_number_cells() -> bytes:
    criteria = changed(CRITERIA, "Điểm tối đa", {1: 6, 2: 4.0, 3: 2.5, 4: 1.5, 5: 2, 6: 4, 7: 4, 8: 2, 9: 2.0})
    criteria = changed(criteria, "Bước điểm", {3: 0.25, 7: 0.5, 9: 0.5})
    levels = changed(LEVELS, "Điểm từ", {1: 9.0, 2: 7, 3: 5.0, 4: 0})
    return xlsx(("TieuChi", criteria), ("XepLoai", levels), ("DieuKien", CONDITIONS))


def trailing_blank_rows_and_columns() -> bytes:
    def prepare(book):
        for ws in book.worksheets:
            width, height = ws.max_column, ws.max_row
            for column in range(width + 1, width + 4):  # blank headers, blank or spaces-only cells
                ws.cell(row=1, column=column, value="" if column % 2 else None)
                ws.cell(row=2, column=column, value="   ")
            for row in range(height + 1, height + 6):
                ws.cell(row=row, column=1, value="  " if row % 2 else None)
            ws.cell(row=200, column=30).number_format = "0.00"  # formatted, never typed in: Excel keeps it

    return xlsx(("TieuChi", CRITERIA), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS), prepare=prepare)


def merged_title_rows() -> bytes:
    titles = ["UBND HUYỆN BA TƠ", "BỘ TIÊU CHÍ ĐÁNH GIÁ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM 2026"]

    def prepare(book):
        for ws in book.worksheets:
            for row in (1, 2):
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(CRITERIA[0]))

    return xlsx(
        ("TieuChi", with_titles(CRITERIA, titles)),
        ("XepLoai", with_titles(LEVELS, titles)),
        ("DieuKien", with_titles(CONDITIONS, titles)),
        prepare=prepare,
    )


def header_on_row_3() -> bytes:
    return xlsx(
        ("TieuChi", with_titles(CRITERIA, ["BỘ TIÊU CHÍ NĂM 2026", "(Kèm theo Quyết định số 12/QĐ-UBND)"], False)),
        ("XepLoai", with_titles(LEVELS, ["XẾP LOẠI", ""], False)),
        ("DieuKien", CONDITIONS),
    )


def accented_sheet_names() -> bytes:
    return xlsx(("Tiêu chí", CRITERIA), ("Xếp loại", LEVELS), ("Điều kiện", CONDITIONS))


def sheet_names_in_other_case() -> bytes:
    return xlsx(("TIEU CHI", CRITERIA), ("xeploai", LEVELS), ("dieu_kien", CONDITIONS))


def methods_and_evidence_in_any_case_and_accents() -> bytes:
    criteria = changed(CRITERIA, "Cách chấm", {3: "KHOẢNG", 4: "co/khong", 5: "Có/Không", 7: "tru diem", 9: "Khoang"})
    criteria = changed(criteria, "Tài liệu kiểm chứng", {3: "Có", 4: "khong", 5: "CO", 7: "KHÔNG", 9: "co"})
    conditions = changed(CONDITIONS, "Hiệu lực", {1: "Khong xep loai", 2: "GIỚI HẠN MỨC"})
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", conditions))


def codes_without_the_dot_before_a_letter() -> bytes:
    criteria = changed(CRITERIA, "Mã", {3: "1.1a", 4: "1.1b"})
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def codes_with_a_final_dot() -> bytes:
    codes = {1: "1.", 2: "1.1.", 3: "1.1.a.", 4: "1.1.b.", 5: "1.2.", 6: "2.", 7: "2.1.", 8: "T.", 9: "T.1."}
    return xlsx(("TieuChi", changed(CRITERIA, "Mã", codes)), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def total_row_at_the_bottom() -> bytes:
    """«Tổng cộng» under the last row, without a code, its points the sum of the areas (6 + 4; the bonus apart)."""
    criteria = [*CRITERIA, [None, "Tổng cộng", "10,00", None, None, None, None, None]]
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def total_row_in_capitals_without_points() -> bytes:
    criteria = [*CRITERIA, [None, "TỔNG ĐIỂM", None, None, None, None, None, None]]
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def total_row_merged_across_code_and_name() -> bytes:
    """«Tổng» typed in the code cell, merged over the name cell; points as a number."""
    criteria = [*CRITERIA, ["Tổng", None, 10, None, None, None, None, None]]

    def prepare(book):
        book["TieuChi"].merge_cells(start_row=len(criteria), start_column=1, end_row=len(criteria), end_column=2)

    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS), prepare=prepare)


def total_row_with_a_code() -> bytes:
    criteria = [*CRITERIA, ["III", "Tổng cộng (I + II)", "10", None, None, None, None, None]]
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def column_numbers_under_the_header() -> bytes:
    criteria = [CRITERIA[0], [f"({i})" for i in range(1, 9)], *CRITERIA[1:]]
    levels = [LEVELS[0], [1, 2, 3], *LEVELS[1:]]
    conditions = [CONDITIONS[0], ["A", "B", "1", "2"], *CONDITIONS[1:]]
    return xlsx(("TieuChi", criteria), ("XepLoai", levels), ("DieuKien", conditions))


def evidence_as_ticks_and_booleans() -> bytes:
    criteria = changed(CRITERIA, "Tài liệu kiểm chứng", {3: "x", 4: False, 5: "✓", 7: 0, 9: True})
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def evidence_as_x_ones_and_words() -> bytes:
    criteria = changed(CRITERIA, "Tài liệu kiểm chứng", {3: "X", 4: "ko", 5: 1, 7: "FALSE", 9: "Có"})
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


def points_with_the_word_diem() -> bytes:
    criteria = changed(
        CRITERIA, "Điểm tối đa", {1: "6 điểm", 2: "4đ", 3: " 2,5 ", 4: "1,5 điểm", 7: "4,0đ", 9: "2 Điểm"}
    )
    criteria = changed(criteria, "Bước điểm", {3: "0,25 điểm", 7: "0,5đ"})
    levels = changed(LEVELS, "Điểm từ", {1: "9 điểm", 2: "7đ"})
    return xlsx(("TieuChi", criteria), ("XepLoai", levels), ("DieuKien", CONDITIONS))


def headers_with_notes_other_names_and_line_breaks() -> bytes:
    criteria = [
        [
            "Mã tiêu chí",
            "Nội dung tiêu chí",
            "Điểm tối đa (điểm)",
            "Cách chấm (*)",
            "Bước\nđiểm",
            "Tài liệu kiểm chứng (có/không)",
            "Hướng dẫn chấm:",
            "Loại tiêu chí",
        ],
        *CRITERIA[1:],
    ]
    levels = [["Mức", "Tên mức", "Điểm từ (điểm)"], *LEVELS[1:]]
    conditions = [["Mã điều kiện", "Điều kiện", "Hiệu lực", "Mức tối đa (*)"], *CONDITIONS[1:]]
    return xlsx(("TieuChi", criteria), ("XepLoai", levels), ("DieuKien", conditions))


def stt_and_code_in_one_column() -> bytes:
    criteria = [["STT/Mã", "Tiêu chí", "Điểm\ntối đa", *HEADER[3:]], *CRITERIA[1:]]
    return xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS))


VARIANTS = [
    total_row_at_the_bottom,
    total_row_in_capitals_without_points,
    total_row_merged_across_code_and_name,
    total_row_with_a_code,
    column_numbers_under_the_header,
    evidence_as_ticks_and_booleans,
    evidence_as_x_ones_and_words,
    points_with_the_word_diem,
    headers_with_notes_other_names_and_line_breaks,
    stt_and_code_in_one_column,
    levels_by_short_code,
    levels_by_any_code,
    levels_by_name,
    levels_lowest_first,
    points_as_text_with_comma_or_point,
    points_as_number_cells,
    trailing_blank_rows_and_columns,
    merged_title_rows,
    header_on_row_3,
    accented_sheet_names,
    sheet_names_in_other_case,
    methods_and_evidence_in_any_case_and_accents,
    codes_without_the_dot_before_a_letter,
    codes_with_a_final_dot,
]


def assert_round_trips(world, version: CriteriaVersion) -> None:
    first = exports.export_bytes(version)
    again = do_import(world, first, "xuat.xlsx")
    assert services.compare(version, again).same
    assert cells(exports.export_bytes(again)) == cells(first)


def test_the_clean_file_reads_as_written(world):
    version = do_import(world, clean())
    nodes = {n.code: n for n in version.nodes}
    assert [n.code for n in version.nodes] == ["1", "1.1", "1.1.a", "1.1.b", "1.2", "2", "2.1", "T", "T.1"]
    assert nodes["1.1.a"].parent.code == "1.1" and nodes["1.1.a"].depth == 2
    assert nodes["1.1.b"].method == Method.YES_NO and nodes["2.1"].authority_only
    assert nodes["T"].kind == NodeKind.BONUS and version.max_total == 10
    assert [(lv.order, lv.name) for lv in version.levels] == list(enumerate(LEVEL_NAMES, start=1))
    assert [(c.code, c.cap_order) for c in version.conditions] == [("DK1", None), ("DK2", 2)]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda f: f.__name__)
def test_a_hand_written_variant_means_the_clean_file_and_round_trips(world, variant):
    expected = do_import(world, clean(), name="Bản sạch")
    version = do_import(world, variant(), name="Bản viết tay")
    comparison = services.compare(expected, version)
    assert comparison.same, comparison
    assert_round_trips(world, version)


def messiest() -> bytes:
    """What a district office really sends: two merged title rows, the table from column B with an «STT» column and
    a «Ghi chú» column, headers in capitals without accents or broken over two lines, accented sheet names in another
    order, points as text with a comma or as numbers, codes `1.`, `1.1a`, `2.1.`, methods and evidence typed any
    way, a blank row inside the table, levels lowest first by code with a text threshold, a cap naming a level by its
    code, and blank rows and columns after the tables."""
    criteria = [
        [
            "STT",
            "MÃ",
            "Ten tieu chi",
            "Điểm\ntối đa",
            "CÁCH CHẤM",
            "Bước điểm",
            "Tài liệu\nkiểm chứng",
            "Hướng dẫn chấm",
            "Loại",
            "Ghi chú",
        ],
        ["I", "1.", "Lãnh đạo, chỉ đạo", 6, None, None, None, None, None, None],
        [1, "1.1", "Ban hành kế hoạch", "4,0", None, None, None, None, None, "bắt buộc"],
        [None, "1.1a", "Kế hoạch năm", "2,5", "Khoảng", "0,25", "Có", "Có kế hoạch: 2,5 điểm", None, None],
        [None, "1.1b", "Kế hoạch chuyên đề", 1.5, "co/khong", None, "không", None, None, None],
        [2, "1.2", "Kiện toàn Ban Chỉ đạo", "2", "CÓ/KHÔNG", None, "co", None, None, None],
        [],
        ["II", "2.", "Công khai, minh bạch", "4.00", None, None, None, None, None, None],
        [3, "2.1.", "Công khai thủ tục", 4, "Trừ điểm", 0.5, "KHONG", "Mỗi thiếu sót trừ 0,5", "Cấp trên chấm", None],
        ["III", "T", "Điểm thưởng", "2", None, None, None, None, "Thưởng", None],
        [4, "T.1", "Mô hình được khen", "2,00", "khoang", ".5", "Có", None, "thuong", None],
    ]
    levels = [
        ["Mức", "Tên", "Điểm từ"],
        ["KHT", LEVEL_NAMES[3], "0"],
        ["HT", LEVEL_NAMES[2], "5,0"],
        ["T", LEVEL_NAMES[1], 7],
        ["XS", LEVEL_NAMES[0], "9,00"],
    ]
    conditions = [
        ["MÃ", "Ten dieu kien", "HIỆU LỰC", "Mức tối đa"],
        ["DK1", "Lãnh đạo bị kỷ luật", "Không xếp loại", None],
        ["DK2", "Nộp báo cáo muộn", "giới hạn mức", "T"],
    ]
    titles = ["UBND HUYỆN BA TƠ", "BỘ TIÊU CHÍ ĐÁNH GIÁ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM 2026"]
    book = Workbook()
    book.remove(book.active)
    for title, rows, width in (
        ("Điều kiện", conditions, 4),
        ("Tiêu chí", criteria, 10),
        ("Xếp loại ", levels, 3),
    ):
        ws = book.create_sheet(title)
        for row, text in enumerate(titles, start=1):
            ws.cell(row=row, column=2, value=text)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=1 + width)
        put(ws, rows, top=4, left=2)
        ws.cell(row=4 + len(rows) + 3, column=2, value=" ")
        ws.cell(row=300, column=40).number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_messiest_realistic_workbook_imports_as_the_clean_one(world):
    expected = do_import(world, clean(), name="Bản sạch")
    version = do_import(world, messiest(), "Bộ tiêu chí DVCQ 2026 (bản gửi xã).xlsx")
    assert services.compare(expected, version).same
    assert version.name == "Bộ tiêu chí DVCQ 2026 (bản gửi xã)"
    assert [n.code for n in version.nodes] == ["1", "1.1", "1.1.a", "1.1.b", "1.2", "2", "2.1", "T", "T.1"]
    assert [(c.code, c.cap_order) for c in version.conditions] == [("DK1", None), ("DK2", 2)]
    assert_round_trips(world, version)


# ------------------------------------------------------------------ what could mean two things is refused


def test_two_levels_at_the_same_threshold_are_refused(world):
    levels = changed(LEVELS, "Điểm từ", {3: 7})
    problems = rejected(world, xlsx(("TieuChi", CRITERIA), ("XepLoai", levels)))
    assert problems == [
        "Tệp bộ tiêu chí có 1 lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại.",
        "Trang «XepLoai» – Dòng 4, cột «Điểm từ»: điểm từ 7,00 trùng với mức ở dòng 3: không rõ mức nào cao hơn "
        "(thứ tự các mức tính theo điểm từ, mỗi mức một điểm từ khác nhau)",
    ]


def test_two_codes_for_the_same_node_are_refused(world):
    criteria = [
        *CRITERIA[:5],
        ["1.1a", "Kế hoạch năm (bản cũ)", "2,5", "khoảng", None, "có", None, None],
        *CRITERIA[5:],
    ]
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 6, cột «Mã»: mã «1.1a» và mã «1.1.a» ở dòng 4 cùng là tiêu chí «1.1.a»: không rõ "
        "dòng nào đúng",
    ]


def test_a_code_with_a_final_dot_and_the_same_code_without_are_refused(world):
    criteria = [*CRITERIA, ["T.1.", "Mô hình (lặp)", "2", "khoảng", None, "có", None, "thưởng"]]
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 11, cột «Mã»: mã «T.1.» và mã «T.1» ở dòng 10 cùng là tiêu chí «T.1»: không rõ "
        "dòng nào đúng",
    ]


def test_a_points_cell_with_two_decimal_marks_is_refused(world):
    criteria = changed(CRITERIA, "Điểm tối đa", {3: "2,5.1"})
    levels = changed(LEVELS, "Điểm từ", {1: "9.000,0"})
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", levels)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 4, cột «Điểm tối đa»: «2,5.1» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần "
        "thập phân (ghi một dấu thập phân, ví dụ 2,5 hoặc 2.5; không dùng dấu phân cách hàng nghìn)",
        "Trang «XepLoai» – Dòng 2, cột «Điểm từ»: «9.000,0» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần "
        "thập phân (ghi một dấu thập phân, ví dụ 2,5 hoặc 2.5; không dùng dấu phân cách hàng nghìn)",
    ]


def test_two_sheets_that_both_read_as_one_are_refused(world):
    problems = rejected(world, xlsx(("TieuChi", CRITERIA), ("Tiêu chí", CRITERIA), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "có 2 trang cùng là trang «TieuChi» («TieuChi», «Tiêu chí»): không rõ dùng trang nào, hãy xoá hoặc đổi tên "
        "các trang thừa",
    ]


def test_a_column_written_twice_is_refused(world):
    criteria = [[*row, row[2]] for row in CRITERIA]
    criteria[0][-1] = "ĐIỂM TỐI ĐA"
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 1, cột «ĐIỂM TỐI ĐA»: cột có hai lần (cột C và cột I): không rõ dùng cột nào, hãy "
        "xoá hoặc đổi tên một cột",
    ]


def test_a_level_code_or_name_written_twice_is_refused(world):
    levels = changed(LEVELS, "Mức", {1: "XS", 2: "T", 3: "T", 4: "KHT"})
    levels = changed(levels, "Tên", {4: LEVEL_NAMES[2].upper()})
    problems = rejected(world, xlsx(("TieuChi", CRITERIA), ("XepLoai", levels)))
    assert problems[1:] == [
        "Trang «XepLoai» – Dòng 4, cột «Mức»: mức «T» trùng với dòng 3",
        "Trang «XepLoai» – Dòng 5, cột «Tên»: tên mức «HOÀN THÀNH NHIỆM VỤ» trùng với dòng 4",
    ]


def test_a_cap_that_names_two_levels_is_refused(world):
    # «Tốt» is the code of the second level and the name of the third: which one caps the unit?
    levels = [LEVEL_HEADER, ["XS", "Xuất sắc", 9], ["Tốt", "Hoàn thành tốt", 7], ["HT", "Tốt", 5], ["K", "Không", 0]]
    conditions = changed(CONDITIONS, "Mức tối đa", {2: "tot"})
    problems = rejected(world, xlsx(("TieuChi", CRITERIA), ("XepLoai", levels), ("DieuKien", conditions)))
    assert problems[1:] == [
        "Trang «DieuKien» – Dòng 3, cột «Mức tối đa»: «tot» ứng với nhiều mức trong trang «XepLoai» (mức 2, 3): "
        "ghi số mức (1 là mức cao nhất)",
    ]


def test_evidence_other_than_yes_or_no_is_refused(world):
    criteria = changed(CRITERIA, "Tài liệu kiểm chứng", {3: "cần", 4: "tuỳ"})
    problems = rejected(world, xlsx(("Tiêu chí", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «Tiêu chí» – Dòng 4, cột «Tài liệu kiểm chứng»: chỉ ghi «có» hoặc «không» (hoặc x, ✓, 1/0, "
        "TRUE/FALSE; đang là «cần»)",
        "Trang «Tiêu chí» – Dòng 5, cột «Tài liệu kiểm chứng»: chỉ ghi «có» hoặc «không» (hoặc x, ✓, 1/0, "
        "TRUE/FALSE; đang là «tuỳ»)",
    ]


def test_every_refusal_of_a_messy_file_is_listed_at_once_with_rows_as_excel_shows_them(world):
    criteria = changed(changed(CRITERIA, "Mã", {4: "1.1a."}), "Điểm tối đa", {3: "2,5.0"})
    criteria = with_titles(criteria, ["BỘ TIÊU CHÍ"])  # the header on row 3
    levels = changed(LEVELS, "Điểm từ", {4: "5"})
    problems = rejected(world, xlsx(("Tiêu chí", criteria), ("xếp loại", levels)))
    assert problems == [
        "Tệp bộ tiêu chí có 3 lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại.",
        "Trang «Tiêu chí» – Dòng 6, cột «Điểm tối đa»: «2,5.0» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần "
        "thập phân (ghi một dấu thập phân, ví dụ 2,5 hoặc 2.5; không dùng dấu phân cách hàng nghìn)",
        "Trang «Tiêu chí» – Dòng 7, cột «Mã»: mã «1.1a.» và mã «1.1.a» ở dòng 6 cùng là tiêu chí «1.1.a»: không "
        "rõ dòng nào đúng",
        "Trang «xếp loại» – Dòng 5, cột «Điểm từ»: điểm từ 5,00 trùng với mức ở dòng 4: không rõ mức nào cao hơn "
        "(thứ tự các mức tính theo điểm từ, mỗi mức một điểm từ khác nhau)",
    ]


# ------------------------------------------------------------------ totals, column numbers, ticks, Roman numerals


def messiest_with_totals_and_ticks() -> bytes:
    """Another district's file: merged title rows, headers with notes, other names and line breaks from column B, a
    row of column numbers under each header, areas written «Lĩnh vực 1», points with «điểm» or «đ», evidence ticked
    with x, ✓ and Excel's TRUE/FALSE, a «TỔNG CỘNG» row that agrees with the areas, levels by code under «(1) (2)
    (3)», a cap naming a level by its name without accents."""
    criteria = [
        [
            "STT",
            "Mã tiêu chí",
            "NỘI DUNG TIÊU CHÍ",
            "Điểm\ntối đa\n(điểm)",
            "Cách chấm (*)",
            "Bước điểm",
            "Tài liệu\nkiểm chứng",
            "Hướng dẫn chấm",
            "Loại",
        ],
        [f"({i})" for i in range(1, 10)],
        ["I", "Lĩnh vực 1", "Lãnh đạo, chỉ đạo", "6 điểm", None, None, None, None, None],
        [1, "1.1", "Ban hành kế hoạch", "4đ", None, None, None, None, None],
        [None, "1.1a", "Kế hoạch năm", " 2,5 ", "Khoảng", "0,25 điểm", "x", "Có kế hoạch: 2,5 điểm", None],
        [None, "1.1b", "Kế hoạch chuyên đề", "1,5 điểm", "co/khong", None, False, None, None],
        [2, "1.2", "Kiện toàn Ban Chỉ đạo", 2, "Có/Không", None, "✓", None, None],
        ["II", "Lĩnh vực 2.", "Công khai, minh bạch", "4,00", None, None, None, None, None],
        [3, "2.1", "Công khai thủ tục", "4 điểm", "trừ điểm", "0,5đ", "ko", "Mỗi thiếu sót trừ 0,5", "cấp trên chấm"],
        ["III", "T", "Điểm thưởng", "2", None, None, None, None, "thưởng"],
        [4, "T.1", "Mô hình được khen", "2,0", "khoảng", ",5", True, None, "Thưởng"],
        [None, "TỔNG CỘNG", None, "10,00 điểm", None, None, None, None, None],
    ]
    levels = [
        ["Mã mức", "Tên mức xếp loại", "Điểm từ (điểm)"],
        ["(1)", "(2)", "(3)"],
        ["XS", LEVEL_NAMES[0], "9 điểm"],
        ["T", LEVEL_NAMES[1], "7,0"],
        ["HT", LEVEL_NAMES[2], 5],
        ["KHT", LEVEL_NAMES[3], "0đ"],
    ]
    conditions = [
        ["Mã điều kiện", "Điều kiện", "Hiệu lực", "Mức tối đa (*)"],
        ["1", "2", "3", "4"],
        ["DK1", "Lãnh đạo bị kỷ luật", "khong xep loai", None],
        ["DK2", "Nộp báo cáo muộn", "Giới hạn mức", "hoan thanh tot nhiem vu"],
    ]
    titles = ["ỦY BAN NHÂN DÂN HUYỆN BA TƠ", "BỘ TIÊU CHÍ CHẤM ĐIỂM NĂM 2026"]
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("Tiêu chí", criteria), ("XẾP LOẠI", levels), ("Điều kiện", conditions)):
        ws = book.create_sheet(title)
        for row, text in enumerate(titles, start=1):
            ws.cell(row=row, column=2, value=text)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=1 + len(rows[0]))
        put(ws, rows, top=4, left=2)
        ws.cell(row=200, column=30).number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_another_messy_workbook_with_totals_and_ticks_imports_as_the_clean_one(world):
    expected = do_import(world, clean(), name="Bản sạch")
    version = do_import(world, messiest_with_totals_and_ticks(), "Bộ tiêu chí 2026.xlsx")
    comparison = services.compare(expected, version)
    assert comparison.same, comparison
    assert [n.code for n in version.nodes] == ["1", "1.1", "1.1.a", "1.1.b", "1.2", "2", "2.1", "T", "T.1"]
    assert [n.code for n in version.nodes if n.evidence_required] == ["1.1.a", "1.2", "T.1"]
    assert [(c.code, c.cap_order) for c in version.conditions] == [("DK1", None), ("DK2", 2)]
    assert_round_trips(world, version)


ROMAN_CODES = ["I", "I.1", "I.1.a", "I.1.b", "I.2", "II", "II.1", "T", "T.1"]


@pytest.mark.parametrize(
    "codes",
    [
        ROMAN_CODES,
        ["Phần I", "I.1", "I.1a", "I.1b", "I.2", "PHẦN II", "II.1.", "T", "T.1"],
    ],
    ids=["roman", "phan-roman"],
)
def test_areas_in_roman_numerals_keep_their_codes_and_the_tree_comes_from_the_dots(world, codes):
    criteria = changed(CRITERIA, "Mã", dict(enumerate(codes, start=1)))
    version = do_import(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS), ("DieuKien", CONDITIONS)))
    assert [n.code for n in version.nodes] == ROMAN_CODES
    nodes = {n.code: n for n in version.nodes}
    assert nodes["I.1.a"].parent.code == "I.1" and nodes["II"].max_points == 4 and version.max_total == 10
    assert_round_trips(world, version)


def test_a_total_row_that_contradicts_the_areas_is_refused(world):
    criteria = [*CRITERIA, [None, "Tổng cộng", "12", None, None, None, None, None]]  # the bonus counted in
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems == [
        "Tệp bộ tiêu chí có 1 lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại.",
        "Trang «TieuChi» – Dòng 11, cột «Điểm tối đa»: dòng tổng cộng ghi 12,00 nhưng tổng điểm tối đa các lĩnh vực "
        "là 10,00 (không tính mục điểm thưởng, điểm trừ) (1, 2): không rõ số nào đúng, sửa dòng tổng cộng hoặc điểm "
        "của các lĩnh vực cho khớp",
    ]


def test_criteria_numbered_by_position_under_roman_numeral_areas_are_refused_with_a_hint(world):
    criteria = [
        HEADER,
        ["I", "Lãnh đạo, chỉ đạo", None, None, None, None, None, None],
        ["1", "Ban hành kế hoạch", "4", "khoảng", None, "có", None, None],
        ["2", "Kiện toàn Ban Chỉ đạo", "2", "có/không", None, "có", None, None],
        ["II", "Công khai, minh bạch", None, None, None, None, None, None],
        ["2.1", "Công khai thủ tục", "4", "trừ điểm", "0,5", "không", None, None],
    ]
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 3, cột «Mã»: mã «1» không có dấu chấm nên là một lĩnh vực riêng, không thuộc lĩnh vực "
        "«I» ở dòng 2 (cây tiêu chí suy ra từ dấu chấm trong mã, không từ thứ tự các dòng): ghi «I.1» nếu đây là tiêu "
        "chí của lĩnh vực «I», hoặc ghi mã các lĩnh vực bằng số (1, 2, 3…)",
        "Trang «TieuChi» – Dòng 4, cột «Mã»: mã «2» không có dấu chấm nên là một lĩnh vực riêng, không thuộc lĩnh vực "
        "«I» ở dòng 2 (cây tiêu chí suy ra từ dấu chấm trong mã, không từ thứ tự các dòng): ghi «I.2» nếu đây là tiêu "
        "chí của lĩnh vực «I», hoặc ghi mã các lĩnh vực bằng số (1, 2, 3…)",
        "Trang «TieuChi» – Dòng 6, cột «Mã»: tiêu chí cấp trên «2» có lỗi (xem dòng 4)",
        "Trang «TieuChi» – Dòng 5, cột «Điểm tối đa»: tiêu chí cuối cùng (không có tiêu chí thành phần) phải có điểm "
        "tối đa",
        "Trang «TieuChi» – Dòng 5, cột «Cách chấm»: tiêu chí cuối cùng phải có cách chấm (khoảng, có/không, trừ điểm)",
        "Trang «TieuChi» – Dòng 2, cột «Điểm tối đa»: tiêu chí cuối cùng (không có tiêu chí thành phần) phải có điểm "
        "tối đa",
        "Trang «TieuChi» – Dòng 2, cột «Cách chấm»: tiêu chí cuối cùng phải có cách chấm (khoảng, có/không, trừ điểm)",
    ]


def test_a_child_of_an_area_numbered_in_roman_numerals_is_told_how_to_write_its_code(world):
    criteria = [
        HEADER,
        ["I", "Lãnh đạo, chỉ đạo", None, None, None, None, None, None],
        ["1.1", "Ban hành kế hoạch", "4", "khoảng", None, "có", None, None],
        ["I.2", "Kiện toàn Ban Chỉ đạo", "2", "có/không", None, "có", None, None],
    ]
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 3, cột «Mã»: không có tiêu chí cấp trên «1» trong tệp (lĩnh vực 1 được ghi mã «I»: "
        "ghi mã lĩnh vực là 1, hoặc mã tiêu chí là «I.1»)",
    ]


def test_two_columns_that_both_name_one_field_are_refused(world):
    criteria = [[*row, row[0]] for row in CRITERIA]
    criteria[0][-1] = "Mã tiêu chí"
    problems = rejected(world, xlsx(("TieuChi", criteria), ("XepLoai", LEVELS)))
    assert problems[1:] == [
        "Trang «TieuChi» – Dòng 1, cột «Mã tiêu chí»: cột có hai lần (cột A và cột I): không rõ dùng cột nào, hãy "
        "xoá hoặc đổi tên một cột",
    ]
