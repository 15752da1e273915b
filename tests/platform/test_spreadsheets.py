"""The one way every importer reads what officials type by hand (dvcq/platform/spreadsheets.py): headers, points,
dates, yes/no cells, codes and words chosen from a list — what each accepts, and the Vietnamese words of what it
refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dvcq.platform.spreadsheets import (
    Choices,
    Layout,
    Problems,
    header_keys,
    is_column_numbers,
    read_code,
    read_date,
    read_points,
    read_yes_no,
    sheet_from_table,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("85,50", "85.50"),
        ("85,5", "85.50"),
        ("85.50", "85.50"),
        (" 2,5 ", "2.50"),
        ("2,5 điểm", "2.50"),
        ("2,5đ", "2.50"),
        ("2,5 Điểm.", "2.50"),
        (",5", "0.50"),
        ("97", "97.00"),
        ("-0", "0.00"),
    ],
)
def test_points_as_officials_type_them(text, value):
    assert read_points(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("85,555", "“85,555” có quá 2 chữ số thập phân"),
        ("1.000", "“1.000” có quá 2 chữ số thập phân"),
        (
            "1.000,5",
            "«1.000,5» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần thập phân (ghi một dấu thập phân, ví dụ 2,5 "
            "hoặc 2.5; không dùng dấu phân cách hàng nghìn)",
        ),
        ("tám mươi", "“tám mươi” không phải là số điểm hợp lệ"),
        ("2,5 điểm 3", "“2,5 điểm 3” không phải là số điểm hợp lệ"),
    ],
)
def test_points_that_are_not_one_number_are_refused(text, message):
    with pytest.raises(ValueError) as caught:
        read_points(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "29/12/2023",
        "29-12-2023",
        "29.12.2023",
        "29 / 12 / 2023",
        "ngày 29/12/2023",
        "Ngày 29 tháng 12 năm 2023",
        "2023-12-29",
    ],
)
def test_dates_day_first_with_any_separator(text):
    assert read_date(text) == date(2023, 12, 29)


def test_single_digit_days_and_months():
    assert read_date("9/1/2024") == date(2024, 1, 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2023", "«31/02/2023» không phải ngày có thật: tháng 2 năm 2023 có 28 ngày"),
        ("12/29/2023", "«12/29/2023» không phải ngày có thật: không có tháng 29 (ghi ngày trước, tháng sau)"),
        ("29/12/23", "«29/12/23» không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 29/12/2023)"),
        ("29/12-2023", "«29/12-2023» không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 29/12/2023)"),
    ],
)
def test_dates_that_do_not_exist_or_are_not_dates_are_refused(text, message):
    with pytest.raises(ValueError) as caught:
        read_date(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("có", True),
        ("CO", True),
        ("x", True),
        ("X", True),
        ("✓", True),
        ("√", True),
        ("True", True),  # an Excel TRUE cell
        ("1", True),
        ("không", False),
        ("Khong", False),
        ("ko", False),
        ("FALSE", False),
        ("0", False),
        ("", None),
        ("-", None),
    ],
)
def test_yes_no_cells(text, value):
    assert read_yes_no(text) is value


def test_a_yes_no_cell_with_anything_else_is_refused():
    with pytest.raises(ValueError) as caught:
        read_yes_no("cần")
    assert str(caught.value) == "chỉ ghi «có» hoặc «không» (hoặc x, ✓, 1/0, TRUE/FALSE; đang là «cần»)"


def test_codes_lose_stray_spaces_and_keep_their_capitals():
    assert [read_code(t) for t in (" BATO - BDO ", "\u00a0A1 ", "1 . 2", "Ba  To")] == [
        "BATO-BDO",
        "A1",
        "1.2",
        "Ba To",
    ]


LEVELS = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ"]


@pytest.fixture
def levels() -> Choices:
    choices = Choices()
    for order, name in enumerate(LEVELS, start=1):
        choices.add(order, name, name.removesuffix(" nhiệm vụ"))
    choices.add("không đủ", "Không đủ điều kiện xếp loại")
    return choices


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hoàn thành tốt nhiệm vụ", [2]),
        ("HOÀN THÀNH TỐT", [2]),
        ("hoan thanh tot", [2]),
        ("HTT", [2]),
        ("HTXSNV", [1]),
        ("XS", [1]),
        ("xuất sắc", [1]),
        ("HT", [3]),
        ("KHT", [4]),
        ("Hoàn thành", [3]),  # the short name of «Hoàn thành nhiệm vụ»
        ("không", [4, "không đủ"]),  # ambiguous: the caller refuses it
        ("Giỏi", []),
    ],
)
def test_levels_by_name_short_name_initials_or_a_telling_word(levels, text, found):
    assert levels.find(text) == found


def test_kinds_by_name_or_initials_never_by_a_lookalike_word():
    kinds = Choices(readings=2)
    for value, label in (("xa", "xã"), ("tt", "thị trấn"), ("phuong", "phường"), ("cq", "cơ quan"), ("tinh", "tỉnh")):
        kinds.add(value, label)
    found = {text: kinds.find(text) for text in ("Xã", "XA", "thi tran", "TT", "P.", "quận", "quan", "trấn")}
    assert found == {
        "Xã": ["xa"],
        "XA": ["xa"],
        "thi tran": ["tt"],
        "TT": ["tt"],
        "P.": ["phuong"],
        "quận": [],
        "quan": [],
        "trấn": [],
    }


def test_names_of_units_are_compared_with_their_accents_when_typed_with_them():
    units = Choices(readings=1, accents=True)
    units.add("BDO", "Xã Ba Động")
    units.add("BDG", "Xã Ba Đông")
    assert units.find("xã ba động") == ["BDO"]
    assert units.find("Xa Ba Dong") == ["BDO", "BDG"]  # ambiguous
    assert units.find("Ba Động") == []


def test_header_cells_with_notes_line_breaks_and_punctuation():
    assert header_keys("Điểm\ntối đa (*)") == ["diemtoida"]
    assert header_keys("Điểm tối đa (điểm)") == ["diemtoidadiem", "diemtoida"]
    assert header_keys("STT/Mã") == ["sttma"]


def test_a_header_that_could_name_two_columns_cannot_be_declared():
    with pytest.raises(ValueError):
        Layout({"code": "Mã", "name": "Tên"}, aliases={"Mã": "name"})


@pytest.mark.parametrize(
    ("row", "numbers"),
    [
        (["(1)", "(2)", "(3)"], True),
        (["1", "2", "3", ""], True),
        (["A", "B", "1", "2", "3=1+2"], True),
        (["2022", "A"], False),
        (["1", "3"], False),
        (["1", "Xã An Bình"], False),
        (["1"], False),
    ],
)
def test_a_row_of_column_numbers(row, numbers):
    assert is_column_numbers(row) is numbers


def test_a_sheet_skips_titles_and_column_numbers_and_names_rows_as_excel_does():
    table = [
        ["DANH SÁCH"],
        [],
        ["Mã (*)", "Tên\nđơn vị", "Ghi chú"],
        ["(1)", "(2)", "(3)"],
        ["A", "Xã An Bình", ""],
        ["", "", ""],
        ["B", "Xã Bình Đông", "x"],
    ]
    problems = Problems()
    sheet = sheet_from_table("", table, Layout({"code": "Mã", "name": "Tên đơn vị"}), problems=problems)
    assert not problems
    assert sheet.columns == {"code": "Mã (*)", "name": "Tên đơn vị"}
    assert sheet.rows == [(5, {"code": "A", "name": "Xã An Bình"}), (7, {"code": "B", "name": "Xã Bình Đông"})]


def test_a_stand_in_column_takes_the_place_of_a_missing_required_one():
    layout = Layout({"code": "Mã đơn vị", "year": "Năm"}, {"name": "Tên đơn vị"}, stand_ins={"code": "name"})
    problems = Problems()
    sheet = sheet_from_table("", [["Năm", "Tên đơn vị"], ["2023", "Xã An Bình"]], layout, problems=problems)
    assert not problems and sheet.rows == [(2, {"year": "2023", "name": "Xã An Bình"})]
    sheet_from_table("", [["Năm", "Ghi chú"], ["2023", ""]], layout, problems=problems)
    assert [str(p) for p in problems.items] == ["Dòng 1, cột «Mã đơn vị»: thiếu cột bắt buộc"]
