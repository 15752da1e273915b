"""Tables: every chart's numbers as rows, shown on the page ("85,50") and written to .xlsx (one sheet per table)
from the same values, so the page, the workbook and the figure cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dvcq.platform import workbooks
from dvcq.platform.formatting import points

TEXT, INT, POINTS, PERCENT = "text", "int", "points", "percent"
_INVALID_SHEET_CHARS = str.maketrans({c: "-" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    wide: bool = False  # long text (a unit's or a criterion's name): kept readable on a phone, the table scrolls

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT

    @property
    def css(self) -> str:
        return "num" if self.numeric else "wide" if self.wide else ""


@dataclass
class Table:
    """`rows` hold raw values (Decimal, int, str or None); `cell` formats one for the page."""

    sheet: str  # the .xlsx sheet name (at most 31 characters, Vietnamese)
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    units: list[int] = field(default_factory=list)  # when set: the unit of each row, whose profile its name links to

    def cell(self, column: Column, value) -> str:
        return format_value(column.kind, value)

    def formatted_rows(self) -> list[list[tuple[str, str]]]:
        """(text, css class) per cell, for the template."""
        return [[(self.cell(c, v), c.css) for c, v in zip(self.columns, row, strict=True)] for row in self.rows]


def format_value(kind: str, value) -> str:
    if value is None or value == "":
        return "—" if kind != TEXT else ""
    if kind == POINTS:
        return points(value)
    if kind == PERCENT:
        return f"{points(value)} %"
    if kind == INT:
        return f"{int(value):,}".replace(",", ".")
    return str(value)


def rank_label(rank: int | None, rank_of: int | None) -> str:
    """Rank and group size with at least two digits, as the decisions print them: "02/19", "03/04", "012/105"."""
    if rank is None:
        return ""
    if not rank_of:
        return f"{int(rank):02d}"
    width = max(2, len(str(int(rank_of))))
    return f"{int(rank):0{width}d}/{int(rank_of):0{width}d}"


def signed(value: int | None) -> str:
    """A rank change: "+3" rose three places, "−2" fell two, "0" kept its place."""
    if value is None:
        return ""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{-value}"
    return "0"


def _sheet_name(name: str, taken: set[str]) -> str:
    base = name.translate(_INVALID_SHEET_CHARS)[:31] or "Bảng"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def workbook(tables: list[Table], info: list[tuple[str, str]] | None = None) -> bytes:
    """One sheet per table with Vietnamese headers; points and percentages as numbers with two decimals."""
    wb = workbooks.new_workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    if info:
        sheet = wb.create_sheet(_sheet_name("Thông tin", taken))
        for label, value in info:
            workbooks.append(sheet, [label, value])
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 60
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F5")
    for table in tables:
        sheet = wb.create_sheet(_sheet_name(table.sheet, taken))
        workbooks.append(sheet, [c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            workbooks.append(sheet, [_xlsx_value(c.kind, v) for c, v in zip(table.columns, row, strict=True)])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            if column.kind in (POINTS, PERCENT):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.00"
            width = max([len(column.header), *(len(format_value(column.kind, r[index - 1])) for r in table.rows)])
            sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
    return workbooks.save(wb)


def _xlsx_value(kind: str, value):
    if value is None or value == "":
        return None
    if kind in (POINTS, PERCENT):
        return Decimal(value)
    if kind == INT:
        return int(value)
    return str(value)
