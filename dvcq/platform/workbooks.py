"""Writing spreadsheets: every workbook the platform produces is written through this module, so that what users typed
stays text whatever sheet it lands in.

Formula injection (OWASP, «CSV Injection»): a unit named «=HYPERLINK(…)» or «+SUM(A1)», a criterion or a note
starting with `=`, `+`, `-`, `@`, a tab or a carriage return, would be taken for a formula by Excel or LibreOffice.
An .xlsx cell records its own type, so here every `str` becomes a string cell — never a formula, whatever it starts
with — and one that starts like a formula also carries the cell style's quotePrefix flag (what Excel sets when a user
types a leading apostrophe), so that editing the cell later keeps it text. The text the user sees is theirs,
unchanged: no apostrophe is added, and the criteria export still reads back exactly. Characters XML cannot hold (a
vertical tab pasted from Word) are dropped.

Two writers: `new_workbook()` with `append(ws, values)` and `cell(ws, value, …)` (openpyxl, for formatted sheets,
write-only ones included) — and over them `PrintedTable`, the table a clerk prints and files unchanged (a title block,
A4 landscape one page wide, the header repeated on every page, borders) — and `StreamingSheet` (the sheet's XML
written directly, for the national item-score sheet: 332,100 rows). openpyxl's write-only mode builds a cell object
per value and costs ~30 µs a cell — ~100 s for 3.3 million cells on a loaded 2-core machine; StreamingSheet writes
inline strings, a bold header, numbers in "0.00" — built-in format 2, a frozen first row and column widths into the
zip as it goes: the same workbook for its readers, an order of magnitude faster. No other module creates a workbook
or writes a cell's value (tests/security/test_spreadsheet_formulas.py checks the source).
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def clean_text(text: str) -> str:
    """The text without the characters XML cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _as_text(target) -> None:
    """Store a cell's str value as a string cell (openpyxl takes «=…» for a formula), flagged when it looks like one."""
    if isinstance(target.value, str):
        target.data_type = "s"
        if starts_like_formula(target.value):
            target.quotePrefix = True


def new_workbook(*, write_only: bool = False) -> Workbook:
    return Workbook(write_only=write_only)


def cell(ws, value, *, font=None, number_format: str | None = None, alignment=None, border=None) -> Cell:
    """A styled cell for a write-only sheet (pass it to `append`); text stays text."""
    made = WriteOnlyCell(ws, value=clean_text(value) if isinstance(value, str) else value)
    _as_text(made)
    if font is not None:
        made.font = font
    if number_format is not None:
        made.number_format = number_format
    if alignment is not None:
        made.alignment = alignment
    if border is not None:
        made.border = border
    return made


def append(ws, values) -> int | None:
    """Append a row of plain values (or, on a write-only sheet, cells made by `cell`) and return its row number
    (None on a write-only sheet, which cannot look back)."""
    if ws.parent.write_only:
        ws.append([v if isinstance(v, Cell) else cell(ws, v) for v in values])
        return None
    values = [clean_text(v) if isinstance(v, str) else v for v in values]
    ws.append(values)
    row = ws.max_row
    for target in next(ws.iter_rows(min_row=row, max_row=row, max_col=max(len(values), 1))):
        _as_text(target)
    return row


def save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- the printed table -------------------------------------------------------------------------------------------

NUMBER_FORMAT = "0.00"  # Excel shows 85.50 or 85,50 by the reader's locale
PRINT_FONT = "Times New Roman"  # the administrative documents' font
_SIZE, _TITLE_SIZE = 11, 14
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_MARGINS = PageMargins(left=0.7, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)  # inches


@dataclass(frozen=True)
class TitleBlock:
    """What a table a clerk files carries above it: the issuing body in capitals ("ỦY BAN NHÂN DÂN HUYỆN BA TƠ"),
    the title in capitals, then lines such as the group and the status of the figures."""

    issuer: str
    title: str
    lines: tuple[str, ...] = ()

    @property
    def height(self) -> int:
        """Rows above the table's header row: the issuer, the title, the lines and a blank row."""
        return 3 + len(self.lines)


def _lines(text: str, width: float, font: Font) -> int:
    """About how many lines `text` in `font` wraps to in `width` characters (a column's, less its padding). Row
    heights are written out because a wrapped row does not grow by itself on opening (Excel), nor ever when merged
    (LibreOffice)."""
    scale = (0.9 if font.b else 0.8) * font.sz / _SIZE  # a character of Times New Roman, in column-width units
    return sum(max(1, math.ceil(len(part) * scale / max(width, 1))) for part in text.split("\n"))


def _height(lines: int, font: Font) -> float:
    return lines * font.sz * 1.4  # points


class PrintedTable:
    """A sheet as it is printed and filed: the title block, a bold header row repeated at the top of every printed
    page and frozen on screen, thin borders round every cell of the table, A4 landscape one page wide (as many pages
    down as it takes), page numbers in the footer. Decimals are numbers shown "0.00"; `formats` gives other
    columns' number formats by index (e.g. "00": a rank target that stays a number and reads 02); `centred` the
    columns read down the middle (STT, ranks). Text goes through `cell`, so it stays text. It makes its own sheet,
    `name`, in `workbook` (write-only ones included: everything a sheet's top holds is set before its first row)."""

    def __init__(
        self,
        workbook: Workbook,
        name: str,
        block: TitleBlock,
        headers: Sequence[str],
        widths: Sequence[float],
        *,
        formats: dict[int, str] | None = None,
        centred: Sequence[int] = (),
    ):
        self.ws = ws = workbook.create_sheet(name)
        self.widths = tuple(widths)
        self.formats, self.centred = formats or {}, set(centred)
        self.row = 0  # the last row written (a write-only sheet cannot say)
        self.header_row = block.height + 1
        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = f"A{self.header_row + 1}"
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins = _MARGINS
        ws.oddFooter.center.text = "Trang &P/&N"
        self._title_block(block)
        bold = Font(name=PRINT_FONT, size=_SIZE, bold=True)
        middle = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self._row([cell(ws, text, font=bold, alignment=middle, border=_BORDER) for text in headers], headers, bold)

    def _title_block(self, block: TitleBlock) -> None:
        """The issuer over the left part of the page, as a document's header sets it; the title and each line
        across the whole table."""
        last, total = len(self.widths), sum(self.widths)
        issuer_end = next(i for i in range(1, last + 1) if sum(self.widths[:i]) >= total * 0.4)
        middle = Alignment(horizontal="center", vertical="center", wrap_text=True)
        rows = [
            (block.issuer, Font(name=PRINT_FONT, size=_SIZE + 1, bold=True), issuer_end),
            (block.title, Font(name=PRINT_FONT, size=_TITLE_SIZE, bold=True), last),
            *((line, Font(name=PRINT_FONT, size=_SIZE + 1, italic=True), last) for line in block.lines),
        ]
        for text, font, end in rows:
            self.ws.merged_cells.add(f"A{self.row + 1}:{get_column_letter(end)}{self.row + 1}")
            self._height(_height(_lines(text, sum(self.widths[:end]) - 1, font), font))
            self._append([cell(self.ws, text, font=font, alignment=middle)])
        self._append([])

    def _height(self, points: float) -> None:
        """The next row's height (a write-only sheet takes it only before the row is written)."""
        self.ws.row_dimensions[self.row + 1].height = points

    def _append(self, cells: list) -> None:
        append(self.ws, cells)
        self.row += 1

    def _row(self, cells: list, texts: Sequence, font: Font) -> None:
        """Append `cells`, the row as high as its longest wrapped text needs."""
        lines = max(
            (_lines(t, w - 2, font) for t, w in zip(texts, self.widths, strict=False) if isinstance(t, str)),
            default=1,
        )
        if lines > 1:
            self._height(_height(lines, font))
        self._append(cells)

    def append(self, values: Sequence) -> None:
        font = Font(name=PRINT_FONT, size=_SIZE)
        cells = []
        for i, value in enumerate(values):
            number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            fmt = self.formats.get(i) or (NUMBER_FORMAT if isinstance(value, Decimal) else None)
            horizontal = "center" if i in self.centred else ("right" if number else "left")
            alignment = Alignment(  # indented: text and figures do not touch the borders
                horizontal=horizontal, vertical="center", wrap_text=not number, indent=0 if i in self.centred else 1
            )
            fmt = fmt if number else None
            cells.append(cell(self.ws, value, font=font, number_format=fmt, alignment=alignment, border=_BORDER))
        self._row(cells, values, font)


# ---- the streamed sheet -------------------------------------------------------------------------------------------

_STYLE_BOLD, _STYLE_NUMBER, _STYLE_TEXT = 1, 2, 3  # _STYLE_TEXT: quotePrefix, see the module's docstring

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class StreamingSheet:
    """`with StreamingSheet(title, headers, widths) as sheet: sheet.append(values)`; then `sheet.getvalue()`.
    Values: str, int, Decimal (shown "0.00"), None (an empty cell)."""

    def __init__(self, title: str, headers: tuple[str, ...], widths: tuple[int, ...]):
        self.title, self.headers, self.widths = title, headers, widths
        self.out = io.BytesIO()
        self.zip = zipfile.ZipFile(self.out, "w", zipfile.ZIP_DEFLATED, compresslevel=5)
        self.letters = [_column(i) for i in range(len(headers))]
        self.row = 0
        self.buffer: list[str] = []

    def __enter__(self) -> StreamingSheet:
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(self.widths, start=1)
        )
        self.sheet.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f"<cols>{cols}</cols><sheetData>"
            ).encode()
        )
        self._row(self.headers, style=_STYLE_BOLD)
        return self

    def _row(self, values, style: int = 0) -> None:
        self.row += 1
        n = self.row
        cells = []
        for letter, value in zip(self.letters, values, strict=False):
            if value is None:
                continue
            if isinstance(value, bool):
                cells.append(f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, Decimal):
                cells.append(f'<c r="{letter}{n}" s="{_STYLE_NUMBER}"><v>{value}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{letter}{n}"><v>{value}</v></c>')
            else:
                text = clean_text(str(value))
                cell_style = _STYLE_TEXT if starts_like_formula(text) else style
                s = f' s="{cell_style}"' if cell_style else ""
                text = escape(text, {"\r": "&#13;"})  # a bare CR would be read back as a line feed
                cells.append(f'<c r="{letter}{n}" t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>')
        self.buffer.append(f'<row r="{n}">{"".join(cells)}</row>')
        if len(self.buffer) >= 2000:
            self._flush()

    def append(self, values) -> None:
        self._row(values)

    def _flush(self) -> None:
        self.sheet.write("".join(self.buffer).encode())
        self.buffer = []

    def __exit__(self, *exc) -> None:
        self._flush()
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        title = escape(self.title, {'"': "&quot;"})
        self.zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", _ROOT_RELS)
        self.zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        self.zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.close()

    def getvalue(self) -> bytes:
        return self.out.getvalue()
