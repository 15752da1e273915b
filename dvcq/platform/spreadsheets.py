"""Reading the spreadsheets users prepare by hand: headers matched ignoring case, accents and spaces; every problem
collected with its row and column so that a file is accepted whole or rejected whole."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from dvcq.platform.errors import ServiceError


def normalise(text) -> str:
    """'Mã đơn vị cấp trên' → 'madonvicaptren'."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace()).lower()


def bare(text) -> str:
    """`normalise` without punctuation either, for words people type freely: 'Có / Không.' → 'cokhong'."""
    return "".join(c for c in normalise(text) if c.isalnum())


@dataclass
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột «{self.column}»")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.items.append(Problem(row, column, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise ServiceError(
                f"Tệp {what} có {len(self.items)} lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
                [str(p) for p in self.items],
            )


@dataclass
class Sheet:
    """Rows as dicts keyed by the canonical column name; `row` numbers are those the user sees in Excel."""

    name: str
    columns: dict[str, str]  # canonical → header as written
    rows: list[tuple[int, dict[str, str]]]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def read_tables(path: str | Path, data: bytes | None = None) -> dict[str, list[list[str]]]:
    """All sheets of an .xlsx file (or the one table of a .csv) as lists of text cells."""
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ServiceError("Tệp CSV phải được lưu với mã UTF-8.") from err
        sample = text[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        return {"": [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]}
    if suffix not in (".xlsx", ".xlsm"):
        raise ServiceError(f"Không đọc được tệp «{path.name}»: chỉ nhận bảng tính .xlsx hoặc .csv.")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise ServiceError(f"Không đọc được tệp «{path.name}»: đây không phải bảng tính Excel (.xlsx) hợp lệ.") from err
    tables = {}
    for ws in workbook.worksheets:
        tables[ws.title] = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    workbook.close()
    return tables


HEADER_SEARCH_ROWS = 20  # title rows, a date, a signature line… above the header; never a whole table


def column_letter(index: int) -> str:
    """0 → «A», 27 → «AB»: the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def header_row(table: list[list[str]], wanted: dict[str, str], required: set[str]) -> int | None:
    """The index of the header row: the first of the first 20 holding every required header; else the one holding
    the most known headers (its missing columns are then named); else the first non-blank row. Merged title rows
    above the header read as rows with one cell, so they are passed over."""
    best, best_count = None, 0
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        keys = {wanted.get(normalise(cell)) for cell in row} - {None}
        if required <= keys:
            return i
        if len(keys) > best_count:
            best, best_count = i, len(keys)
    if best is not None:
        return best
    return next((i for i, row in enumerate(table) if any(row)), None)


def sheet_from_table(
    name: str, table: list[list[str]], required: dict[str, str], optional: dict[str, str], problems: Problems
) -> Sheet | None:
    """Match headers to canonical names. `required`/`optional` map canonical → the header as PRODUCT.md writes it.
    The header is found below any title rows (`header_row`); rows above it are ignored, blank rows are skipped.
    Missing required columns, and a known column written twice (which one holds the data?), are problems."""
    wanted = {normalise(h): key for key, h in {**required, **optional}.items()}
    header_index = header_row(table, wanted, set(required))
    if header_index is None:
        problems.add(None, None, f"Trang «{name}» không có dữ liệu." if name else "Tệp không có dữ liệu.")
        return None
    header = table[header_index]
    positions: dict[str, int] = {}
    twice = False
    for i, text in enumerate(header):
        key = wanted.get(normalise(text))
        if key and key in positions:
            twice = True
            problems.add(
                header_index + 1,
                text,
                f"cột có hai lần (cột {column_letter(positions[key])} và cột {column_letter(i)}): "
                "không rõ dùng cột nào, hãy xoá hoặc đổi tên một cột",
            )
        elif key:
            positions[key] = i
    missing = [h for key, h in required.items() if key not in positions]
    for h in missing:
        problems.add(header_index + 1, h, "thiếu cột bắt buộc")
    if missing or twice:
        return None
    rows = []
    for offset, row in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {key: (row[i] if i < len(row) else "") for key, i in positions.items()}
        if any(values.values()):
            rows.append((offset, values))
    columns = {key: header[i] for key, i in positions.items()}
    return Sheet(name=name, columns=columns, rows=rows)


def sheets_named(tables: dict[str, list[list[str]]], name: str) -> list[str]:
    """The titles of the sheets called `name` ignoring case, accents, spaces and punctuation («Xếp loại»,
    «xeploai», «TIEU_CHI»); more than one is for the caller to refuse. A single-table file (CSV) answers any name."""
    if list(tables) == [""]:
        return [""]
    wanted = bare(name)
    return [title for title in tables if bare(title) == wanted]
