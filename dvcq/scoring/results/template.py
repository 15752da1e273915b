"""The past-results workbook offered for download (Tải tệp mẫu): the importer's own columns and sheets (imports.py),
an example row on each, and a sheet of short instructions. Headers come from the importer's declarations, so the
template and the format cannot drift apart."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font

from dvcq.platform import workbooks
from dvcq.scoring.results.imports import AREA_OPTIONAL, AREA_REQUIRED, AREA_SHEET, OPTIONAL, REQUIRED

TEMPLATE_NAME = "Mẫu kết quả các năm trước.xlsx"
RESULTS_SHEET, NOTES_SHEET = "KetQua", "HuongDan"
RESULT_COLUMNS = (
    "year",
    "code",
    "name",
    "group",
    "self",
    "appraised",
    "rank",
    "level",
    "decision_number",
    "decision_date",
)
AREA_COLUMNS = ("year", "code", "area", "self", "appraised")
# Xã Ba Nam (huyện Ba Tơ) in 2023, the case this product started from. Its code is the demo's: a file sent with the
# example still in it is refused (an unknown unit, or a rank 02/19 in a file of one commune), never imported by mistake.
RESULT_EXAMPLE = (
    2023,
    "BATO-BNA",
    "Xã Ba Nam",
    "Khối xã",
    "97,00",
    "85,50",
    "02/19",
    "Hoàn thành tốt nhiệm vụ",
    "3807/QĐ-UBND",
    "29/12/2023",
)
AREA_EXAMPLE = (2023, "BATO-BNA", "1", "20,00", "18,50")
NOTES = (
    "Mẫu nhập kết quả đánh giá Chỉ số Dân vận chính quyền của các năm trước khi dùng nền tảng",
    "",
    "Trang KetQua (bắt buộc): mỗi dòng là kết quả của một đơn vị trong một năm.",
    "• Bắt buộc: Năm, Mã đơn vị (hoặc Tên đơn vị nếu tên chỉ của một đơn vị), Điểm thẩm định. Các cột khác có thể để "
    "trống.",
    "• Điểm ghi với dấu phẩy thập phân, tối đa hai chữ số sau dấu phẩy: 85,50; 85,5; 97.",
    "• Xếp hạng (2, 02 hoặc 02/19) và Xếp loại (tên mức, ví dụ Hoàn thành tốt nhiệm vụ): để trống thì hệ thống tự tính "
    "theo bộ tiêu chí của khối.",
    "• Số quyết định, Ngày quyết định: quyết định phê duyệt kết quả của năm, ví dụ 3807/QĐ-UBND và 29/12/2023 "
    "(ngày/tháng/năm). Mỗi năm một quyết định: ghi ở mọi dòng của năm (giống nhau) hoặc ở một dòng. Có thể ghi hoặc "
    "sửa sau trên bảng kết quả của năm.",
    "",
    f"Trang {AREA_SHEET} (không bắt buộc): điểm của từng lĩnh vực, mỗi dòng một đơn vị và một lĩnh vực.",
    "• Mã lĩnh vực như trong bộ tiêu chí của khối (ví dụ 1, 2, 3 hoặc I, II, III); điểm không vượt điểm tối đa của "
    "lĩnh vực.",
    "• Năm và đơn vị phải có ở trang KetQua; mỗi lĩnh vực của một đơn vị ghi một lần.",
    "",
    "Xoá các dòng ví dụ (Xã Ba Nam năm 2023) trước khi nhập.",
    "Một dòng sai thì cả tệp chưa được nhập: hệ thống liệt kê từng lỗi (trang, dòng, cột, lý do) để sửa rồi nhập lại. "
    "Nhập lại một năm thì thay toàn bộ kết quả đã nhập của năm đó.",
    "Nhập tệp: quản trị hệ thống chạy lệnh «dvcq results import TÊN_TỆP --authority MÃ_CƠ_QUAN_ĐÁNH_GIÁ».",
)


def _sheet(ws, headers: list[str], example: tuple, widths: tuple[int, ...]) -> None:
    bold = Font(bold=True)
    workbooks.append(ws, headers)
    for column, width in zip("ABCDEFGHIJ", widths, strict=False):
        ws.column_dimensions[column].width = width
        ws[f"{column}1"].font = bold
    workbooks.append(ws, list(example))
    ws.freeze_panes = "A2"


def template_workbook() -> bytes:
    """The template: KetQua, TheoLinhVuc and HuongDan, in that order (the importer takes the first sheet with its
    columns and finds TheoLinhVuc by name; the instructions have neither)."""
    headers = {**REQUIRED, **OPTIONAL}
    area_headers = {**AREA_REQUIRED, **AREA_OPTIONAL}
    workbook = workbooks.new_workbook()
    results = workbook.active
    results.title = RESULTS_SHEET
    _sheet(results, [headers[key] for key in RESULT_COLUMNS], RESULT_EXAMPLE, (8, 14, 24, 14, 14, 16, 10, 26, 18, 18))
    areas = workbook.create_sheet(AREA_SHEET)
    _sheet(areas, [area_headers[key] for key in AREA_COLUMNS], AREA_EXAMPLE, (8, 14, 14, 14, 16))
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 120
    for line in NOTES:
        row = workbooks.append(notes, [line])
        notes[f"A{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    notes["A1"].font = Font(bold=True)
    return workbooks.save(workbook)
