"""Reading the spreadsheets users prepare by hand: headers matched ignoring case, accents and spaces; every problem
collected with its row and column so that a file is accepted whole or rejected whole.

The one way every importer reads what officials type by hand: a header (`sheet_from_table`: title rows above it,
notes and line breaks inside it, other names for the same column, a row of column numbers under it), points
(`read_points`), a date (`read_date`), a yes/no cell (`read_yes_no`), a code (`read_code`) and a word or name chosen
from a known list (`Choices`). Each reader raises ValueError with the Vietnamese words of the problem; the importer
adds the sheet, row and column."""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
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
    return unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE).strip()


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width characters pasted from the web


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


_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # «Điểm tối đa (điểm)», «Mã (1)», «Ngày [dd/mm/yyyy]»


def header_keys(text) -> list[str]:
    """The ways a header cell may name a column, most literal first: the cell ignoring case, accents, spaces, line
    breaks and punctuation («Điểm\\ntối đa (*)» is «diemtoida»), then without its notes in brackets («Điểm tối đa
    (điểm)» is «diemtoida» too)."""
    keys = [bare(text)]
    without_notes = bare(_NOTE.sub(" ", str(text or "")))
    if without_notes and without_notes not in keys:
        keys.append(without_notes)
    return [k for k in keys if k]


@dataclass(frozen=True)
class Layout:
    """What a sheet's header may hold: canonical key → the header as PRODUCT.md writes it (`required`, `optional`),
    other headers people write for a column (`aliases`: header → key) and optional columns that may stand in for a
    missing required one (`stand_ins`: required key → optional key, e.g. a unit's name for its code)."""

    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    stand_ins: dict[str, str] = field(default_factory=dict)
    _wanted: dict[str, str] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        wanted: dict[str, str] = {}
        headers = {**self.required, **self.optional}
        for header, key in [*((h, k) for k, h in headers.items()), *self.aliases.items()]:
            if key not in headers:
                raise ValueError(f"header {header!r} names no column ({key!r})")
            k = bare(header)
            if wanted.get(k, key) != key:  # one header for two columns: a cell could never be read one way
                raise ValueError(f"header {header!r} names two columns ({wanted[k]!r} and {key!r})")
            wanted[k] = key
        self._wanted.update(wanted)

    def key(self, text) -> str | None:
        """The column a header cell names, or None."""
        return next((self._wanted[k] for k in header_keys(text) if k in self._wanted), None)

    def missing(self, keys) -> list[str]:
        """The required headers (as written in PRODUCT.md) of columns neither present nor stood in for."""
        return [h for k, h in self.required.items() if k not in keys and self.stand_ins.get(k) not in keys]

    def header_row(self, table: list[list[str]]) -> int | None:
        """The index of the header row: the first of the first 20 holding every required header; else the one
        holding the most known headers (its missing columns are then named); else the first non-blank row. Merged
        title rows above the header read as rows with one cell, so they are passed over."""
        best, best_count = None, 0
        for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
            keys = {self.key(cell) for cell in row} - {None}
            if keys and not self.missing(keys):
                return i
            if len(keys) > best_count:
                best, best_count = i, len(keys)
        if best is not None:
            return best
        return next((i for i, row in enumerate(table) if any(row)), None)


_COLUMN_NUMBER = re.compile(r"\(?\s*([0-9]{1,2}|[A-Z])\s*\)?\.?(?:\s*=\s*[()0-9A-Z+\-*/x ]+)?")


def is_column_numbers(row: list[str]) -> bool:
    """A row that numbers the columns, as official tables do under their header: «(1) (2) (3)…», «1 2 3…», «A B 1 2
    3»… — every filled cell a number or a capital letter, alone or in brackets, the numbers counting up by one."""
    cells = [c.strip() for c in row if c and c.strip()]
    if len(cells) < 2:
        return False
    numbers, letters = [], []
    for cell in cells:
        match = _COLUMN_NUMBER.fullmatch(cell)
        if match is None:
            return False
        token = match.group(1)
        (numbers if token.isdigit() else letters).append(int(token) if token.isdigit() else ord(token))
    return all(b == a + 1 for seq in (numbers, letters) for a, b in zip(seq, seq[1:], strict=False))


def sheet_from_table(
    name: str,
    table: list[list[str]],
    required: dict[str, str] | Layout,
    optional: dict[str, str] | None = None,
    problems: Problems | None = None,
    *,
    aliases: dict[str, str] | None = None,
    stand_ins: dict[str, str] | None = None,
) -> Sheet | None:
    """Match headers to canonical names. `required`/`optional` map canonical → the header as PRODUCT.md writes it
    (or `required` is a whole `Layout`). The header is found below any title rows (`Layout.header_row`); rows above
    it and a row of column numbers right under it are ignored, blank rows are skipped. Missing required columns, and
    a known column written twice (which one holds the data?), are problems."""
    if isinstance(required, Layout):
        layout = required
    else:
        layout = Layout(required, optional or {}, aliases or {}, stand_ins or {})
    problems = problems if problems is not None else Problems()
    header_index = layout.header_row(table)
    if header_index is None:
        problems.add(None, None, f"Trang «{name}» không có dữ liệu." if name else "Tệp không có dữ liệu.")
        return None
    header = table[header_index]
    positions: dict[str, int] = {}
    twice = False
    for i, text in enumerate(header):
        key = layout.key(text)
        if key and key in positions:
            twice = True
            problems.add(
                header_index + 1,
                " ".join(text.split()),
                f"cột có hai lần (cột {column_letter(positions[key])} và cột {column_letter(i)}): "
                "không rõ dùng cột nào, hãy xoá hoặc đổi tên một cột",
            )
        elif key:
            positions[key] = i
    missing = layout.missing(positions)
    for h in missing:
        problems.add(header_index + 1, h, "thiếu cột bắt buộc")
    if missing or twice:
        return None
    rows = []
    first = True
    for offset, row in enumerate(table[header_index + 1 :], start=header_index + 2):
        if first and any(c.strip() for c in row if c):
            first = False
            if is_column_numbers(row):
                continue
        values = {key: (row[i] if i < len(row) else "") for key, i in positions.items()}
        if any(values.values()):
            rows.append((offset, values))
    columns = {key: " ".join(header[i].split()) for key, i in positions.items()}
    return Sheet(name=name, columns=columns, rows=rows)


def sheets_named(tables: dict[str, list[list[str]]], name: str) -> list[str]:
    """The titles of the sheets called `name` ignoring case, accents, spaces and punctuation («Xếp loại»,
    «xeploai», «TIEU_CHI»); more than one is for the caller to refuse. A single-table file (CSV) answers any name."""
    if list(tables) == [""]:
        return [""]
    wanted = bare(name)
    return [title for title in tables if bare(title) == wanted]


# ---- cells typed by hand ----------------------------------------------------------------------------------------

_POINTS = re.compile(r"([+-]?)([0-9]*)(?:[.,]([0-9]*))?")
_POINTS_UNIT = re.compile(r"\s*(?:điểm|diem|đ|d)\.?$", re.IGNORECASE)
CENT = Decimal("0.01")


def read_points(text) -> Decimal:
    """Points as officials type them, two places exact: number cells, or text with a decimal comma or point —
    «85,50», «85,5», «85.50», «,5», « 2,5 », «2,5 điểm», «2,5đ». ValueError (in Vietnamese) for anything else:
    more than two decimals («85,555», «1.000»: never rounded), two decimal marks («2,5.1», «1.000,5»: which is the
    decimal one?), words."""
    raw = str(text or "").strip()
    if not raw:
        raise ValueError("chưa ghi điểm")
    number = _POINTS_UNIT.sub("", raw).strip()
    if len(re.findall(r"[.,]", number)) > 1:
        raise ValueError(
            f"«{raw}» có nhiều dấu phẩy, dấu chấm: không rõ đâu là phần thập phân "
            "(ghi một dấu thập phân, ví dụ 2,5 hoặc 2.5; không dùng dấu phân cách hàng nghìn)"
        )
    match = _POINTS.fullmatch(number)
    if match is None or not (match.group(2) or match.group(3)):
        raise ValueError(f"“{raw}” không phải là số điểm hợp lệ")
    sign, whole, decimals = match.group(1), match.group(2) or "0", match.group(3) or ""
    if len(decimals) > 2:
        raise ValueError(f"“{raw}” có quá 2 chữ số thập phân")
    value = Decimal(f"{sign}{whole}.{decimals or '0'}").quantize(CENT)
    return value if value else Decimal("0.00")  # never -0,00


_DATE = re.compile(r"([0-9]{1,2})\s*([/.-])\s*([0-9]{1,2})\s*\2\s*([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_WORDS_DATE = re.compile(r"([0-9]{1,2})thang([0-9]{1,2})nam([0-9]{4})")  # «ngày 29 tháng 12 năm 2023», bare


def read_date(text) -> date:
    """A date as officials write it, day before month: an Excel date cell, or text «29/12/2023», «9/1/2024»,
    «29-12-2023», «29.12.2023», «ngày 29/12/2023», «ngày 29 tháng 12 năm 2023», or ISO «2023-12-29». ValueError (in
    Vietnamese) for a date that does not exist («31/02/2023») or anything else (a two-digit year, month first)."""
    raw = " ".join(str(text or "").split())
    written = re.sub(r"^(?:ngày|ngay)\s*", "", raw, flags=re.IGNORECASE)
    parts = None
    if match := _DATE.fullmatch(written):
        parts = int(match.group(4)), int(match.group(3)), int(match.group(1))
    elif match := _ISO_DATE.fullmatch(written):
        parts = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _WORDS_DATE.fullmatch(bare(raw).removeprefix("ngay")):
        parts = int(match.group(3)), int(match.group(2)), int(match.group(1))
    if parts is None:
        raise ValueError(f"«{raw}» không phải ngày hợp lệ (ngày/tháng/năm, ví dụ 29/12/2023)")
    year, month, day = parts
    if not 1 <= month <= 12:
        raise ValueError(f"«{raw}» không phải ngày có thật: không có tháng {month} (ghi ngày trước, tháng sau)")
    if not 1900 <= year <= 2100:
        raise ValueError(f"«{raw}»: năm {year} không hợp lệ")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(f"«{raw}» không phải ngày có thật: tháng {month} năm {year} có {days} ngày")
    return date(year, month, day)


_YES = {"co", "x", "true", "1", "yes", "dung"}
_NO = {"khong", "ko", "k", "false", "0", "no", "sai"}
_TICKS = {"✓", "✔", "☑", "√", "✅"}
_NOTHING = {"-", "–", "—"}


def read_yes_no(text) -> bool | None:
    """A yes/no cell: «có», «Có», «CO», «x», «X», «✓», «√», TRUE (an Excel tick box), «1» → True; «không», «khong»,
    «ko», FALSE, «0» → False; empty or a dash → None (the caller says what nothing means). ValueError otherwise."""
    raw = str(text or "").strip()
    if raw in _TICKS:
        return True
    if not raw or raw in _NOTHING:
        return None
    word = bare(raw)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"chỉ ghi «có» hoặc «không» (hoặc x, ✓, 1/0, TRUE/FALSE; đang là «{raw}»)")


def read_code(text) -> str:
    """A code as typed, without stray spaces: around it, twice in a row, or beside a dash, dot or slash
    (« BATO - BDO » is «BATO-BDO»). Letters keep their case."""
    code = " ".join(str(text or "").split())
    return re.sub(r"\s*([-./_])\s*", r"\1", code)


def _has_marks(text: str) -> bool:
    """Whether text carries Vietnamese diacritics (or «đ»): then it is compared with them."""
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.combining(c) for c in decomposed) or "đ" in text.lower()


def _words(text: str, *, marks: bool) -> tuple[str, ...]:
    """Lower-case words without punctuation, with or without their diacritics."""
    text = unicodedata.normalize("NFC", str(text or "")).lower()
    words = re.findall(r"\w+", text)
    return tuple(words if marks else (bare(w) for w in words))


class Choices:
    """Words and names typed freely, matched against a known list; `find` answers every value the text could mean
    (one is a match, more is ambiguous, none is unknown). From the closest reading to the loosest, stopping at the
    first that finds anything:

    1. the whole name or one of its other spellings (`add(value, *names)`), ignoring case, spaces and punctuation;
    2. the initials of a whole name («HTT» for «Hoàn thành tốt», «TT» for «thị trấn», «P.» for «phường»);
    3. a run of whole words of a name («tốt», «xuất sắc»), or the initials of a run of two or more words («XS»).

    `readings` says how far to go: 1 for names of units («Ba» is no unit), 2 for short lists (kinds of units: «quan»
    is not «cơ quan»), 3 for names with telling words (levels). Text without any diacritics is compared
    without them («hoan thanh tot»). Text with diacritics is compared with them in the third reading («quận» is not
    the «quan» of «cơ quan»), and in all three when `accents` is true (names of units: «Ba Động» is not «Ba
    Đông»)."""

    def __init__(self, *, readings: int = 3, accents: bool = False) -> None:
        self.readings, self.accents = readings, accents
        self.names: list[tuple[str, object]] = []

    def add(self, value, *names: str) -> None:
        for name in names:
            if name and bare(name):
                self.names.append((name, value))

    def find(self, text) -> list:
        has_marks = _has_marks(str(text or ""))
        if not _words(text, marks=False):
            return []

        def whole(words, typed):
            return "".join(words) == "".join(typed)

        def initials(words, typed):
            joined = "".join(typed)
            return joined.isalpha() and "".join(w[0] for w in words) == joined

        def part(words, typed):
            runs = [words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)]
            return any(run == typed or (len(run) >= 2 and initials(run, typed)) for run in runs)

        readings = [(whole, self.accents and has_marks), (initials, self.accents and has_marks), (part, has_marks)]
        for reading, marks in readings[: self.readings]:
            typed = _words(text, marks=marks)
            found = []
            for name, value in self.names:
                if reading(_words(name, marks=marks), typed) and value not in found:
                    found.append(value)
            if found:
                return found
        return []
