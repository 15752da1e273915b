"""`dvcq criteria import`: the Criteria version workbook of PRODUCT.md, read and checked whole before anything is
written. Every problem is collected with its sheet, row and column; a file with any problem changes nothing.

Sheets: `TieuChi` (the tree, from the dots in `Mã`), `XepLoai` (levels), optional `DieuKien` (disqualifying
conditions). Our optional `Loại` column marks bonus (thưởng), penalty (trừ) and authority-scored (cấp trên chấm) items.

Officials write these files by hand, so what means one thing is read as that thing: sheet names and words in any case,
with or without accents; title rows above the header; points as numbers or text with a decimal comma or point; codes
`1.1a` and `1.1.a.` for `1.1.a`; levels named by a number, a code or a name, ordered by their `Điểm từ`; other
names for a column, notes in a header, a row of column numbers, a total row at the bottom that agrees with the areas;
`x`, `✓`, TRUE or 1 for «có». Only what could mean two things is refused (two sheets or columns for one, two codes for
one node, two levels at one threshold, `2,5.1`, a total row that the areas contradict).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dvcq.platform import audit, clock
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.spreadsheets import (
    Layout,
    Problems,
    bare,
    read_points,
    read_tables,
    read_yes_no,
    sheet_from_table,
    sheets_named,
)
from dvcq.scoring.engine import DEFAULT_STEP, format_points
from dvcq.scoring.models import (
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    DisqualifyingCondition,
    Method,
    NodeKind,
    VersionStatus,
)

SHEET_CRITERIA, SHEET_LEVELS, SHEET_CONDITIONS = "TieuChi", "XepLoai", "DieuKien"

CRITERIA_REQUIRED = {
    "code": "Mã",
    "name": "Tên tiêu chí",
    "max": "Điểm tối đa",
    "method": "Cách chấm",
    "evidence": "Tài liệu kiểm chứng",
}
CRITERIA_OPTIONAL = {"step": "Bước điểm", "guidance": "Hướng dẫn chấm", "kind": "Loại"}
CRITERIA_COLUMNS = [
    CRITERIA_REQUIRED[k] if k in CRITERIA_REQUIRED else CRITERIA_OPTIONAL[k]
    for k in ("code", "name", "max", "method", "step", "evidence", "guidance", "kind")
]
LEVEL_REQUIRED = {"order": "Mức", "name": "Tên", "min": "Điểm từ"}
LEVEL_COLUMNS = ["Mức", "Tên", "Điểm từ"]
CONDITION_REQUIRED = {"code": "Mã", "name": "Tên điều kiện", "effect": "Hiệu lực"}
CONDITION_OPTIONAL = {"cap": "Mức tối đa"}
CONDITION_COLUMNS = ["Mã", "Tên điều kiện", "Hiệu lực", "Mức tối đa"]
# Other headers officials write for the same columns (matched like the headers themselves: any case, accents, spaces,
# punctuation, and notes in brackets). A header that could name two columns is never listed; a sheet with two columns
# that both name one is refused.
CRITERIA_ALIASES = {
    "Mã tiêu chí": "code",
    "Mã số": "code",
    "STT/Mã": "code",
    "Mã/STT": "code",
    "TT/Mã": "code",
    "Tên": "name",
    "Tiêu chí": "name",
    "Nội dung": "name",
    "Nội dung tiêu chí": "name",
    "Điểm": "max",
    "Điểm chuẩn": "max",
    "Thang điểm": "max",
    "Cách chấm điểm": "method",
    "Cách tính điểm": "method",
    "Phương pháp chấm": "method",
    "Bước chấm": "step",
    "TLKC": "evidence",
    "Cần tài liệu kiểm chứng": "evidence",
    "Có tài liệu kiểm chứng": "evidence",
    "Yêu cầu tài liệu kiểm chứng": "evidence",
    "Hướng dẫn": "guidance",
    "Hướng dẫn chấm điểm": "guidance",
    "Loại tiêu chí": "kind",
}
LEVEL_ALIASES = {
    "Mã mức": "order",
    "Tên mức": "name",
    "Tên mức xếp loại": "name",
    "Xếp loại": "name",
    "Từ điểm": "min",
    "Điểm tối thiểu": "min",
    "Điểm sàn": "min",
}
CONDITION_ALIASES = {
    "Mã điều kiện": "code",
    "Điều kiện": "name",
    "Nội dung": "name",
    "Xếp loại tối đa": "cap",
    "Mức xếp loại tối đa": "cap",
}

AUTHORITY_ONLY_LABEL = "cấp trên chấm"
EFFECT_LABELS = {"disqualify": "không xếp loại", "cap": "giới hạn mức"}
METHODS = {bare(m.label): m for m in Method}  # khoang, cokhong, trudiem: «Có/Không», «co-khong», «KHOẢNG»
KIND_WORDS = {bare(k.label): k for k in NodeKind if k != NodeKind.NORMAL}  # thuong, tru
EFFECTS = {bare(label): effect for effect, label in EFFECT_LABELS.items()}
CODE = re.compile(r"[^\s.]+(\.[^\s.]+)*")
MAX_CODE = 32
LEVEL_NUMBER = re.compile(r"0*([1-9][0-9]*)\.?")  # «1», «01», «1.»: a level by its rank, 1 the highest
CODE_LABEL = re.compile(r"(?:phần|phan|lĩnh\s*vực|linh\s*vuc|mục|muc)\s+(?=\S)", re.IGNORECASE)  # «Phần I» is «I»
ROMAN = re.compile(r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
TOTAL_LABEL = re.compile(r"tong(?:cong)?(?:so)?(?:diem)?(?:toida)?|cong(?:diem)?")  # «Tổng cộng», «TỔNG ĐIỂM»…


@dataclass
class NodeRow:
    """One checked row of `TieuChi`. `kind` and `authority_only` are effective (inherited from the parent)."""

    line: int
    code: str
    name: str
    parent: str | None
    max_points: Decimal | None
    method: Method | None
    step: Decimal | None
    evidence_required: bool
    guidance: str
    kind: NodeKind
    authority_only: bool
    children: list[str] = field(default_factory=list)
    stated_fields: set[str] = field(default_factory=set)  # leaf-only columns written on this row
    bad: set[str] = field(default_factory=set)  # columns whose problem is already listed

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class LevelRow:
    order: int  # 1 the highest, from `Điểm từ`
    name: str
    min_points: Decimal
    line: int
    label: str  # `Mức` as written


@dataclass
class ConditionRow:
    code: str
    name: str
    effect: str
    cap_order: int | None


@dataclass
class ParsedCriteria:
    """A whole workbook, checked: nodes in tree order, levels best first, conditions."""

    nodes: list[NodeRow]
    levels: list[LevelRow]
    conditions: list[ConditionRow]

    @property
    def max_total(self) -> Decimal:
        return sum((n.max_points for n in self.nodes if n.parent is None and n.kind == NodeKind.NORMAL), Decimal(0))

    @property
    def leaf_count(self) -> int:
        return sum(1 for n in self.nodes if n.is_leaf and n.kind == NodeKind.NORMAL)

    @property
    def area_count(self) -> int:
        return sum(1 for n in self.nodes if n.parent is None and n.kind == NodeKind.NORMAL)


class _SheetProblems:
    """Problems of the whole workbook, each named by its sheet, row and column."""

    def __init__(self) -> None:
        self.by_sheet: dict[str, Problems] = {}

    def on(self, sheet: str) -> Problems:
        return self.by_sheet.setdefault(sheet, Problems())

    def add(self, message: str) -> None:
        self.on("").add(None, None, message)

    def __bool__(self) -> bool:
        return any(self.by_sheet.values())

    def raise_if_any(self) -> None:
        lines = [f"Trang «{sheet}» – {p}" if sheet else str(p) for sheet, ps in self.by_sheet.items() for p in ps.items]
        if lines:
            raise ServiceError(
                f"Tệp bộ tiêu chí có {len(lines)} lỗi; chưa nhập gì. Vui lòng sửa tệp và nhập lại.", lines
            )


def read_workbook(filename: str | Path, data: bytes | None = None) -> ParsedCriteria:
    """Read and check a Criteria version workbook; raise ServiceError listing every problem."""
    name = Path(filename).name
    if Path(filename).suffix.lower() not in (".xlsx", ".xlsm"):
        raise ServiceError(
            f"Không đọc được tệp «{name}»: bộ tiêu chí phải là bảng tính Excel (.xlsx) có các trang "
            f"«{SHEET_CRITERIA}» và «{SHEET_LEVELS}»."
        )
    tables = read_tables(filename, data)
    return parse_tables(tables)


def parse_tables(tables: dict[str, list[list[str]]]) -> ParsedCriteria:
    problems = _SheetProblems()
    sheets = {}
    named = {title: title for title in (SHEET_CRITERIA, SHEET_LEVELS, SHEET_CONDITIONS)}  # as the user wrote it
    for title, required, optional, aliases, mandatory in (
        (SHEET_CRITERIA, CRITERIA_REQUIRED, CRITERIA_OPTIONAL, CRITERIA_ALIASES, True),
        (SHEET_LEVELS, LEVEL_REQUIRED, {}, LEVEL_ALIASES, True),
        (SHEET_CONDITIONS, CONDITION_REQUIRED, CONDITION_OPTIONAL, CONDITION_ALIASES, False),
    ):
        sheets[title] = None
        found = sheets_named(tables, title)
        if len(found) > 1:
            problems.add(
                f"có {len(found)} trang cùng là trang «{title}» ({', '.join(f'«{t}»' for t in found)}): "
                "không rõ dùng trang nào, hãy xoá hoặc đổi tên các trang thừa"
            )
            continue
        table = tables[found[0]] if found else None
        if table is None or (not mandatory and not any(any(row) for row in table)):
            if mandatory:
                problems.add(
                    f"thiếu trang «{title}» (các cột: {', '.join(required.values())}); "
                    f"các trang có trong tệp: {', '.join(f'«{t}»' for t in tables) or 'không có'}"
                )
            continue
        named[title] = found[0] or title
        layout = Layout(required, optional, aliases)
        sheets[title] = sheet_from_table(found[0], table, layout, problems=problems.on(named[title]))
    on = {title: problems.on(name) for title, name in named.items()}
    nodes = _parse_nodes(sheets[SHEET_CRITERIA], on[SHEET_CRITERIA]) if sheets[SHEET_CRITERIA] else []
    levels, level_refs = [], None
    if sheets[SHEET_LEVELS]:
        levels, level_refs = _parse_levels(sheets[SHEET_LEVELS], on[SHEET_LEVELS])
    conditions = []
    if sheets[SHEET_CONDITIONS]:
        conditions = _parse_conditions(sheets[SHEET_CONDITIONS], level_refs, named[SHEET_LEVELS], on[SHEET_CONDITIONS])
    if nodes and levels and not problems:
        _check_levels_reachable(nodes, levels, sheets[SHEET_LEVELS], on[SHEET_LEVELS])
    problems.raise_if_any()
    return ParsedCriteria(nodes, levels, conditions)


def _points(text: str, line: int, column: str, problems: Problems) -> Decimal | None:
    """Points as a number cell or as text, with a decimal comma or point: «2,5», «2.5», «2,50», «,5», «2,5 điểm»."""
    try:
        return read_points(text)
    except ValueError as err:
        problems.add(line, column, str(err))
        return None


def _parse_kind(text: str, line: int, column: str, problems: Problems) -> tuple[NodeKind | None, bool]:
    """`Loại`: empty, `thưởng`, `trừ`, `cấp trên chấm`, or a kind and `cấp trên chấm` separated by a comma."""
    kind, authority_only = None, False
    for word in filter(None, (bare(w) for w in re.split(r"[,;+]", text))):
        if word == bare(AUTHORITY_ONLY_LABEL):
            authority_only = True
        elif word in KIND_WORDS and kind is None:
            kind = KIND_WORDS[word]
        else:
            problems.add(
                line, column, f"loại «{text}» không hợp lệ (để trống, «thưởng», «trừ» hoặc «{AUTHORITY_ONLY_LABEL}»)"
            )
            return None, False
    return kind, authority_only


def canonical_code(text: str) -> str:
    """The node a written code means: «1.1a», «1.1.a.» and « 1. 1 .a» are all «1.1.a». A letter right after a digit
    opens a new level (`1a` is `1.a`); a digit after a letter does not (`T1` stays one code); a final dot is dropped;
    a leading «Phần», «Lĩnh vực» or «Mục» is a label, not the code («Phần II» is «II»)."""
    code = text.strip()
    if label := CODE_LABEL.match(code):
        code = code[label.end() :]
    code = re.sub(r"\s*\.\s*", ".", code)
    code = re.sub(r"(?<=[0-9])(?=[^\W\d_])", ".", code)
    return code.rstrip(".")


def _parse_nodes(sheet, problems: Problems) -> list[NodeRow]:
    col = sheet.columns
    rows: dict[str, NodeRow] = {}
    table, total = _without_total(sheet.rows)
    all_codes = {canonical_code(v["code"]) for _, v in table}
    # areas numbered «I», «II»… (when there is an «I»; «C» alone may be any code): 1 → «I»
    romans = {_roman_value(c): c for c in all_codes if ROMAN.fullmatch(c)} if "I" in all_codes else {}
    roman_area: tuple[int, str] | None = None  # the last area coded in Roman numerals: (line, code)
    seen: dict[str, tuple[int, str]] = {}  # canonical code → (line, as written there)
    for line, v in table:
        written = v["code"].strip()
        code = canonical_code(written)
        if not written:
            problems.add(line, col["code"], "thiếu mã tiêu chí")
            continue
        if not CODE.fullmatch(code) or len(code) > MAX_CODE:
            problems.add(
                line,
                col["code"],
                f"mã «{written}» không hợp lệ (ví dụ 1, 1.2, 1.2.a; không có khoảng trắng, tối đa {MAX_CODE} ký tự)",
            )
            continue
        if code.isdigit() and roman_area is not None:
            # I, 1, 2, II, 1, 2…: numbered by position under areas in Roman numerals, but the tree comes from the dots
            area_line, area = roman_area
            problems.add(
                line,
                col["code"],
                f"mã «{written}» không có dấu chấm nên là một lĩnh vực riêng, không thuộc lĩnh vực «{area}» ở dòng "
                f"{area_line} (cây tiêu chí suy ra từ dấu chấm trong mã, không từ thứ tự các dòng): ghi "
                f"«{area}.{code}» nếu đây là tiêu chí của lĩnh vực «{area}», hoặc ghi mã các lĩnh vực bằng số "
                "(1, 2, 3…)",
            )
            seen.setdefault(code, (line, written))
            continue
        if code in seen:
            first_line, first_written = seen[code]
            if written == first_written:
                message = f"mã «{written}» trùng với dòng {first_line}"
            else:
                message = (
                    f"mã «{written}» và mã «{first_written}» ở dòng {first_line} cùng là tiêu chí «{code}»: "
                    "không rõ dòng nào đúng"
                )
            problems.add(line, col["code"], message)
            continue
        seen[code] = (line, written)
        parent_code = code.rsplit(".", 1)[0] if "." in code else None
        parent = rows.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            if parent_code in seen:
                message = f"tiêu chí cấp trên «{parent_code}» có lỗi (xem dòng {seen[parent_code][0]})"
            elif parent_code in all_codes:
                message = f"dòng của tiêu chí cấp trên «{parent_code}» phải đứng trước dòng này"
            else:
                message = f"không có tiêu chí cấp trên «{parent_code}» trong tệp"
                area = parent_code.split(".")[0]
                if area.isdigit() and int(area) in romans:
                    roman = romans[int(area)]
                    message += (
                        f" (lĩnh vực {area} được ghi mã «{roman}»: ghi mã lĩnh vực là {area}, hoặc mã tiêu chí là "
                        f"«{roman}{code[len(area) :]}»)"
                    )
            problems.add(line, col["code"], message)
            continue
        if parent_code is None and romans and ROMAN.fullmatch(code):
            roman_area = (line, code)
        name = v["name"].strip()
        if not name:
            problems.add(line, col["name"], "thiếu tên tiêu chí")
        max_text = v["max"].strip()
        max_points = _points(max_text, line, col["max"], problems) if max_text else None
        if max_points is not None and max_points <= 0:
            problems.add(line, col["max"], f"điểm tối đa phải lớn hơn 0 (đang là {format_points(max_points)})")
            max_points = None
        stated_kind, authority_only = _parse_kind(v.get("kind", ""), line, col.get("kind", "Loại"), problems)
        kind = stated_kind or (parent.kind if parent else NodeKind.NORMAL)
        if parent and stated_kind and stated_kind != parent.kind:
            if parent.kind == NodeKind.NORMAL:
                problems.add(
                    line,
                    col["kind"],
                    f"mục {_kind_name(stated_kind)} phải là dòng gốc (mã không có dấu chấm), "
                    f"không nằm trong tiêu chí thường «{parent.code}»",
                )
            else:
                problems.add(
                    line,
                    col["kind"],
                    f"tiêu chí {_kind_name(stated_kind)} không thể nằm trong mục "
                    f"{_kind_name(parent.kind)} «{parent.code}»",
                )
        row = NodeRow(
            line=line,
            code=code,
            name=name,
            parent=parent_code,
            max_points=max_points,
            method=None,
            step=None,
            evidence_required=False,
            guidance=v.get("guidance", "").strip(),
            kind=kind,
            authority_only=authority_only or bool(parent and parent.authority_only),
        )
        if max_text and max_points is None:
            row.bad.add("max")
        _parse_leaf_columns(row, v, col, problems)
        rows[code] = row
        if parent:
            parent.children.append(code)
    ordered = _tree_order(rows)
    for row in reversed(ordered):  # children before parents
        if row.is_leaf:
            _check_leaf(row, col, problems)
        else:
            _check_parent(row, rows, col, problems)
    if not problems and not any(r.parent is None and r.kind == NodeKind.NORMAL for r in ordered):
        problems.add(None, None, "bộ tiêu chí không có lĩnh vực nào (tiêu chí thường ở dòng gốc)")
    if total is not None:
        _check_total(total, ordered, col, problems)
    return ordered


def _roman_value(code: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for letter, after in zip(code, [*code[1:], ""], strict=True):
        value = values[letter]
        total += -value if after and values[after] > value else value
    return total


def _without_total(rows: list[tuple[int, dict[str, str]]]):
    """The rows without a total row at the bottom («Tổng cộng», «Tổng», «TỔNG ĐIỂM», in `Tên tiêu chí` or, merged
    across, in `Mã`; with or without a code; no method): (rows, the total row or None)."""
    if not rows:
        return rows, None
    line, v = rows[-1]
    label = v["name"].strip() or v["code"].strip()
    if TOTAL_LABEL.fullmatch(bare(re.sub(r"\(.*?\)", "", label))) and not v["method"].strip():
        return rows[:-1], (line, v)
    return rows, None


def _check_total(total: tuple[int, dict[str, str]], nodes: list[NodeRow], col: dict[str, str], problems) -> None:
    """A total row is only a check: empty, or the sum of the areas' maxima (bonus and penalty items apart)."""
    line, v = total
    text = v["max"].strip()
    stated = _points(text, line, col["max"], problems) if text else None
    areas = [n for n in nodes if n.parent is None and n.kind == NodeKind.NORMAL]
    if stated is None or not areas or any(n.max_points is None for n in areas):
        return
    summed = sum((n.max_points for n in areas), Decimal(0))
    if stated != summed:
        apart = " (không tính mục điểm thưởng, điểm trừ)" if len(areas) < sum(n.parent is None for n in nodes) else ""
        problems.add(
            line,
            col["max"],
            f"dòng tổng cộng ghi {format_points(stated)} nhưng tổng điểm tối đa các lĩnh vực là "
            f"{format_points(summed)}{apart} ({', '.join(n.code for n in areas)}): không rõ số nào đúng, sửa dòng "
            "tổng cộng hoặc điểm của các lĩnh vực cho khớp",
        )


def _kind_name(kind: NodeKind) -> str:
    return {NodeKind.BONUS: "điểm thưởng", NodeKind.PENALTY: "điểm trừ", NodeKind.NORMAL: "thường"}[kind]


def _parse_leaf_columns(row: NodeRow, v: dict[str, str], col: dict[str, str], problems: Problems) -> None:
    """Method, step and evidence; whether they belong on this row is decided once the tree is known."""
    method_text = v["method"].strip()
    if method_text:
        row.stated_fields.add("method")
        row.method = METHODS.get(bare(method_text))
        if row.method is None:
            row.bad.add("method")
            problems.add(
                row.line, col["method"], f"cách chấm «{method_text}» không hợp lệ (chọn: khoảng, có/không, trừ điểm)"
            )
    step_text = v.get("step", "").strip()
    if step_text:
        row.stated_fields.add("step")
        row.step = _points(step_text, row.line, col["step"], problems)
        if row.step is not None and row.step <= 0:
            problems.add(row.line, col["step"], f"bước điểm phải lớn hơn 0 (đang là {format_points(row.step)})")
            row.step = None
        if row.step is None:
            row.bad.add("step")
    try:
        required = read_yes_no(v["evidence"])  # «có», x, ✓, TRUE, 1; «không», 0, FALSE; empty: không
    except ValueError as err:
        problems.add(row.line, col["evidence"], str(err))
        required = None
    if required:
        row.stated_fields.add("evidence")
        row.evidence_required = True


def _check_leaf(row: NodeRow, col: dict[str, str], problems: Problems) -> None:
    if row.max_points is None and "max" not in row.bad:
        problems.add(row.line, col["max"], "tiêu chí cuối cùng (không có tiêu chí thành phần) phải có điểm tối đa")
    if row.method is None:
        if "method" not in row.bad:
            problems.add(row.line, col["method"], "tiêu chí cuối cùng phải có cách chấm (khoảng, có/không, trừ điểm)")
        return
    if row.method == Method.YES_NO:
        row.step = None  # 0 or the maximum: a step means nothing here
        return
    if "step" in row.bad:
        return
    if row.step is None:
        row.step = DEFAULT_STEP
    if row.max_points is not None and row.max_points % row.step != 0:
        problems.add(
            row.line,
            col.get("step", "Bước điểm"),
            f"bước điểm {format_points(row.step)} không chia hết điểm tối đa {format_points(row.max_points)}",
        )


def _check_parent(row: NodeRow, rows: dict[str, NodeRow], col: dict[str, str], problems: Problems) -> None:
    for key in ("method", "step", "evidence"):
        if key in row.stated_fields:
            problems.add(
                row.line,
                col.get(key, CRITERIA_OPTIONAL.get(key)),
                "tiêu chí có tiêu chí thành phần không ghi cột này (chỉ ghi ở tiêu chí cuối cùng)",
            )
    row.method, row.step, row.evidence_required = None, None, False
    children = [rows[c] for c in row.children]
    if any(c.max_points is None for c in children):
        row.max_points = None  # a child's problem is already listed; the sum is unknown
        return
    summed = sum((c.max_points for c in children if c.kind == row.kind), Decimal(0))
    stated = row.max_points
    if stated is None:
        row.max_points = summed
    elif row.kind == NodeKind.NORMAL and stated != summed:
        problems.add(
            row.line,
            col["max"],
            f"điểm tối đa {format_points(stated)} khác tổng điểm tối đa các tiêu chí thành phần "
            f"({format_points(summed)}: {', '.join(c.code for c in children)})",
        )
    elif stated > summed:
        problems.add(
            row.line,
            col["max"],
            f"điểm tối đa {format_points(stated)} của mục {_kind_name(row.kind)} lớn hơn tổng các tiêu chí thành "
            f"phần ({format_points(summed)})",
        )


def _tree_order(rows: dict[str, NodeRow]) -> list[NodeRow]:
    """Pre-order: a parent, then its children (each with its own subtree) in file order."""
    ordered: list[NodeRow] = []
    stack = [r for r in reversed(rows.values()) if r.parent is None]
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(rows[c] for c in reversed(row.children))
    return ordered


def _parse_levels(sheet, problems: Problems) -> tuple[list[LevelRow], LevelReferences | None]:
    """The levels best first, ranked by `Điểm từ` alone, and how `DieuKien` may name them. `Mức` is whatever the
    author writes — a number (1 is the highest; it must then agree with the thresholds), a code such as «XS», or the
    name — so rows may come in any order. Two levels at one threshold, or one `Mức` written twice, are ambiguous.
    References are None when a threshold is missing or bad: then there is no order to name levels by."""
    col = sheet.columns
    levels: list[LevelRow] = []
    labels: dict[str, int] = {}  # bare `Mức` → its line
    names: dict[str, int] = {}
    thresholds: dict[Decimal, int] = {}
    all_sound = True
    for line, v in sheet.rows:
        label, name = v["order"].strip(), v["name"].strip()
        _first_of(labels, label, line, col["order"], f"mức «{label}»", problems)
        if not name:
            problems.add(line, col["name"], "thiếu tên mức xếp loại")
        elif len(name) > 200:
            problems.add(line, col["name"], "tên mức xếp loại dài quá 200 ký tự")
        else:
            _first_of(names, name, line, col["name"], f"tên mức «{name}»", problems)
        min_points = _threshold(v["min"].strip(), line, col["min"], thresholds, problems)
        if min_points is None:
            all_sound = False
        else:
            levels.append(LevelRow(0, name, min_points, line, label))
    if not sheet.rows:
        problems.add(None, None, "chưa có mức xếp loại nào")
    if not all_sound:
        return [], None
    for rank, level in enumerate(sorted(levels, key=lambda lv: lv.min_points, reverse=True), start=1):
        level.order = rank
    references = LevelReferences(count=len(levels))
    for level in levels:
        number = LEVEL_NUMBER.fullmatch(level.label)
        if number and int(number.group(1)) != level.order:
            problems.add(
                level.line,
                col["order"],
                f"mức «{level.label}» là số nhưng theo điểm từ ({format_points(level.min_points)}) đây là mức "
                f"{level.order} (mức 1 có điểm từ cao nhất): sửa số mức hoặc điểm từ cho khớp",
            )
        references.add(level.label, level.order)
        references.add(level.name, level.order)
    return sorted(levels, key=lambda lv: lv.order), references


def _first_of(seen: dict[str, int], text: str, line: int, column: str, what: str, problems: Problems) -> None:
    """Remember `text` (compared bare); the same text on a later row is named as a duplicate."""
    key = bare(text)
    if key and key in seen:
        problems.add(line, column, f"{what} trùng với dòng {seen[key]}")
    elif key:
        seen[key] = line


def _threshold(text: str, line: int, column: str, thresholds: dict[Decimal, int], problems: Problems) -> Decimal | None:
    """A level's `Điểm từ`; None when it is missing, bad, or shared with another level (then no order exists)."""
    if not text:
        problems.add(line, column, "thiếu điểm từ (cận dưới của mức, tính cả mốc)")
        return None
    min_points = _points(text, line, column, problems)
    if min_points is None:
        return None
    if min_points < 0:
        problems.add(line, column, f"điểm từ không được âm ({format_points(min_points)})")
        return None
    if min_points in thresholds:
        problems.add(
            line,
            column,
            f"điểm từ {format_points(min_points)} trùng với mức ở dòng {thresholds[min_points]}: không rõ mức nào "
            "cao hơn (thứ tự các mức tính theo điểm từ, mỗi mức một điểm từ khác nhau)",
        )
        return None
    thresholds[min_points] = line
    return min_points


@dataclass
class LevelReferences:
    """How a condition's `Mức tối đa` may name a level: by its rank (1 the highest), by its `Mức` as written, or by
    its name."""

    count: int = 0
    by_text: dict[str, set[int]] = field(default_factory=dict)

    def add(self, text: str, rank: int) -> None:
        if bare(text):
            self.by_text.setdefault(bare(text), set()).add(rank)

    def find(self, text: str) -> set[int]:
        number = LEVEL_NUMBER.fullmatch(text.strip())
        if number:
            rank = int(number.group(1))
            return {rank} if rank <= self.count else set()
        return self.by_text.get(bare(text), set())


def _check_levels_reachable(nodes: list[NodeRow], levels: list[LevelRow], sheet, problems: Problems) -> None:
    best = sum((n.max_points for n in nodes if n.parent is None and n.kind != NodeKind.PENALTY), Decimal(0))
    for level in sorted(levels, key=lambda lv: lv.line):
        if level.min_points > best:
            problems.add(
                level.line,
                sheet.columns["min"],
                f"điểm từ {format_points(level.min_points)} cao hơn tổng điểm tối đa có thể đạt "
                f"({format_points(best)})",
            )


def _parse_conditions(
    sheet, levels: LevelReferences | None, levels_sheet: str, problems: Problems
) -> list[ConditionRow]:
    """Conditions; a cap names a level as `XepLoai` does (`levels` None: the levels have problems of their own, so
    caps are not checked against them)."""
    col = sheet.columns
    seen: dict[str, int] = {}
    conditions = []
    for line, v in sheet.rows:
        code, name, effect_text = v["code"].strip(), v["name"].strip(), v["effect"].strip()
        cap_text = v.get("cap", "").strip()
        if not code:
            problems.add(line, col["code"], "thiếu mã điều kiện")
        elif len(code) > MAX_CODE:
            problems.add(line, col["code"], f"mã điều kiện dài quá {MAX_CODE} ký tự")
        elif code in seen:
            problems.add(line, col["code"], f"mã điều kiện «{code}» trùng với dòng {seen[code]}")
        else:
            seen[code] = line
        if not name:
            problems.add(line, col["name"], "thiếu tên điều kiện")
        effect = EFFECTS.get(bare(effect_text))
        if effect is None:
            problems.add(
                line, col["effect"], f"hiệu lực «{effect_text}» không hợp lệ (chọn: không xếp loại, giới hạn mức)"
            )
        cap_order = None
        cap_column = col.get("cap", CONDITION_OPTIONAL["cap"])
        if effect == "cap" and not cap_text:
            problems.add(
                line, cap_column, "điều kiện giới hạn mức phải ghi mức tối đa được xếp (số, mã hoặc tên «Mức»)"
            )
        elif effect == "cap" and levels is not None:
            ranks = levels.find(cap_text)
            if not ranks:
                problems.add(line, cap_column, f"không có mức «{cap_text}» trong trang «{levels_sheet}»")
            elif len(ranks) > 1:
                problems.add(
                    line,
                    cap_column,
                    f"«{cap_text}» ứng với nhiều mức trong trang «{levels_sheet}» "
                    f"(mức {', '.join(str(r) for r in sorted(ranks))}): ghi số mức (1 là mức cao nhất)",
                )
            else:
                cap_order = ranks.pop()
        elif effect == "disqualify" and cap_text:
            problems.add(line, cap_column, "điều kiện không xếp loại không ghi mức tối đa")
        if code and name and effect:
            conditions.append(ConditionRow(code, name, effect, cap_order))
    return conditions


def import_criteria(
    *,
    actor,
    authority_id: int,
    filename: str | Path,
    data: bytes | None = None,
    name: str | None = None,
    replace_id: int | None = None,
    description: str = "",
    is_sample: bool = False,
) -> CriteriaVersion:
    """Import a workbook as a new draft version of the authority (or over the draft `replace_id`). All or nothing."""
    from dvcq.scoring.criteria import services

    services.check_can_manage(actor, authority_id)
    target = services.editable_version(replace_id, authority_id) if replace_id is not None else None
    parsed = read_workbook(filename, data)
    filename = unicodedata.normalize("NFC", Path(filename).name)
    name = unicodedata.normalize("NFC", (name or "").strip()) or (target.name if target else Path(filename).stem)
    if len(name) > 200:
        raise ServiceError("Tên bộ tiêu chí dài quá 200 ký tự.")
    if target is None:
        version = CriteriaVersion(
            authority_id=authority_id,
            name=name,
            description=description,
            status=VersionStatus.DRAFT,
            is_sample=is_sample,
            created_at=clock.now(),
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(version)
        before = None
    else:
        version = target
        before = services.summary(version)
        services.clear_contents(version)
        version.name = name
    write_parsed(version, parsed)
    db.session.flush()
    audit.record(
        "criteria.imported" if target is None else "criteria.reimported",
        actor=actor,
        unit_id=authority_id,
        target=version,
        before=before,
        after={**services.summary(version), "file": filename},
    )
    db.session.commit()
    return version


# What a criterion is, apart from where it stands in its version's tree (position, depth, parent).
NODE_FIELDS = (
    "code",
    "name",
    "max_points",
    "is_leaf",
    "method",
    "step",
    "evidence_required",
    "guidance",
    "kind",
    "authority_only",
)


def node_like(row, *, position: int, depth: int) -> CriteriaNode:
    """A new criterion with the NODE_FIELDS of `row` (a checked workbook row, or another version's node)."""
    return CriteriaNode(**{name: getattr(row, name) for name in NODE_FIELDS}, position=position, depth=depth)


def add_levels_and_conditions(version: CriteriaVersion, levels, conditions) -> None:
    """Add copies of `levels` and `conditions` (checked workbook rows, or another version's) to `version`."""
    for level in levels:
        version.levels.append(ClassificationLevel(order=level.order, name=level.name, min_points=level.min_points))
    for condition in conditions:
        version.conditions.append(
            DisqualifyingCondition(
                code=condition.code, name=condition.name, effect=condition.effect, cap_order=condition.cap_order
            )
        )


def write_parsed(version: CriteriaVersion, parsed: ParsedCriteria) -> None:
    """Add the checked nodes, levels and conditions to `version` (tree order = position)."""
    made: dict[str, CriteriaNode] = {}
    for position, row in enumerate(parsed.nodes, start=1):
        node = node_like(row, position=position, depth=row.code.count("."))
        node.parent = made.get(row.parent) if row.parent else None
        made[row.code] = node
        version.nodes.append(node)
    add_levels_and_conditions(version, parsed.levels, parsed.conditions)
    version.max_total = parsed.max_total
