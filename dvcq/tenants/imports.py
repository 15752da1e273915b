"""`dvcq units import` and the upload on the units page: the Units spreadsheet (PRODUCT.md), validated whole before
anything is written.

Columns: `Mã đơn vị` · `Tên đơn vị` · `Loại` · `Mã đơn vị cấp trên` · `Khối` (required) and, optionally,
`Ngày hiệu lực` · `Ngày hết hiệu lực` · `Mã đơn vị tiền thân` (codes separated by commas or semicolons: the units
merged into this one, recorded as lineage effective on the row's `Ngày hiệu lực`). Headers are matched ignoring
case, accents, spaces and notes, under any title rows (platform/spreadsheets.py, like every importer); kinds are
read as people write them («Xã», «xa», «TT», «P.»), dates as Excel dates or text with any of / - . between day,
month and year, codes without stray spaces, names exactly as typed in Unicode NFC. A row updates the unit of that
code or creates it; units not in the file are left alone, and so are the dates of every unit when the file has no
date columns. Lineage is only ever added. A new code that differs from a known one only in capitals is refused
(the same unit, or another?); a parent or predecessor written in other capitals is the one unit it can mean.

A file with any problem is rejected whole with every problem listed (row, column, what, in Vietnamese). Re-importing
the same file changes nothing and writes no audit record; each created or changed unit gets one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform import audit
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.spreadsheets import (
    Choices,
    Layout,
    Problems,
    normalise,
    read_code,
    read_date,
    read_tables,
    sheet_from_table,
)
from dvcq.tenants.models import UNIT_KIND_LABELS, Unit, UnitKind, UnitLineage
from dvcq.tenants.services import group_for, managed_root, managed_unit_ids

WHAT = "đơn vị"
REQUIRED = {
    "code": "Mã đơn vị",
    "name": "Tên đơn vị",
    "kind": "Loại",
    "parent": "Mã đơn vị cấp trên",
    "group": "Khối",
}
OPTIONAL = {
    "valid_from": "Ngày hiệu lực",
    "valid_to": "Ngày hết hiệu lực",
    "predecessors": "Mã đơn vị tiền thân",
}
# Other headers people write for the same columns.
ALIASES = {
    "Mã ĐV": "code",
    "Tên ĐV": "name",
    "Loại đơn vị": "kind",
    "Mã cấp trên": "parent",
    "Mã ĐV cấp trên": "parent",
    "Khối thi đua": "group",
    "Hiệu lực từ": "valid_from",
    "Hiệu lực từ ngày": "valid_from",
    "Ngày bắt đầu hiệu lực": "valid_from",
    "Hiệu lực đến": "valid_to",
    "Hiệu lực đến ngày": "valid_to",
    "Hết hiệu lực ngày": "valid_to",
    "Ngày kết thúc hiệu lực": "valid_to",
    "Mã tiền thân": "predecessors",
    "Mã đơn vị trước sáp nhập": "predecessors",
}
LAYOUT = Layout(REQUIRED, OPTIONAL, ALIASES)
# Kinds as written in full, without accents, or by their initials as in addresses («TT», «P.», «X.»); the list is
# short and its initials distinct, so no looser reading is needed («quận», «thị xã» stay unknown).
KINDS = Choices(readings=2)
for _kind, _label in UNIT_KIND_LABELS.items():
    KINDS.add(_kind, _label, _kind.value.replace("_", " "))
KINDS.add(UnitKind.CO_QUAN, "cơ quan, đơn vị", "đơn vị sự nghiệp")
ALLOWED_KINDS = ", ".join(UNIT_KIND_LABELS.values())
MAX_ROWS = 20_000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Đã nhập {self.created} đơn vị mới, cập nhật {self.updated} đơn vị, "
            f"{self.unchanged} đơn vị không thay đổi."
        )


@dataclass
class _Row:
    line: int
    code: str
    name: str
    kind: UnitKind
    parent: str
    group: str
    valid_from: date | None
    valid_to: date | None
    predecessors: list[str]


@dataclass
class _Columns:
    """The headers as the file wrote them (for messages) and which optional columns the file has."""

    names: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.names.get(key) or {**REQUIRED, **OPTIONAL}[key]

    def has(self, key: str) -> bool:
        return key in self.names


# ---- entry points -----------------------------------------------------------------------------------------------


def import_units_file(path: str | Path, actor, data: bytes | None = None) -> ImportReport:
    """Import a .xlsx or .csv file (from disk, or `data` uploaded under the name `path`). `actor` None is the
    system (the CLI); an administrator may only create and change units inside their own subtree."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise ServiceError(f"Không tìm thấy tệp «{path}».")
        data = path.read_bytes()
    _sniff(path.name, data)
    tables = read_tables(path, data)
    return import_units_table(_pick_table(tables), actor=actor, source=path.name)


def import_units_table(table: list[list[str]], *, actor, source: str) -> ImportReport:
    """The same import from rows of text cells (the header row first, blank rows ignored)."""
    problems = Problems()
    sheet = sheet_from_table("", table, LAYOUT, problems=problems)
    problems.raise_if_any(WHAT)
    if len(sheet.rows) > MAX_ROWS:
        raise ServiceError(f"Tệp có {len(sheet.rows)} dòng, vượt quá {MAX_ROWS} dòng cho một lần nhập.")
    if not sheet.rows:
        raise ServiceError("Tệp đơn vị không có dòng dữ liệu nào dưới dòng tiêu đề.")
    columns = _Columns(sheet.columns)
    rows = _parse(sheet.rows, columns, problems)
    existing = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    _check(rows, existing, columns, problems, actor)
    problems.raise_if_any(WHAT)
    try:
        report = _write(rows, existing, columns, actor, source)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # somebody changed the same units between our reading and our writing: nothing of this file is kept
        db.session.rollback()
        raise ServiceError(
            "Danh sách đơn vị vừa được thay đổi đồng thời (có người khác nhập hoặc sửa cùng lúc); "
            "chưa nhập dòng nào. Vui lòng nhập lại tệp."
        ) from None
    return report


# ---- reading ----------------------------------------------------------------------------------------------------


def _sniff(name: str, data: bytes) -> None:
    """Say clearly what a file is when it is not a spreadsheet we read, before any parser guesses."""
    suffix = Path(name).suffix.lower()
    if not data:
        raise ServiceError(f"Tệp «{name}» rỗng (0 byte).")
    head = data[:8]
    if head.startswith(b"%PDF"):
        raise ServiceError(f"Tệp «{name}» là tệp PDF, không phải bảng tính. Vui lòng dùng tệp Excel (.xlsx) hoặc .csv.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ServiceError(
            f"Tệp «{name}» là bảng tính Excel định dạng cũ (.xls) hoặc tệp Word cũ. "
            "Vui lòng mở bằng Excel và lưu lại dưới dạng .xlsx."
        )
    if suffix in (".xlsx", ".xlsm"):
        if not head.startswith(b"PK"):
            raise ServiceError(
                f"Tệp «{name}» không phải bảng tính Excel (.xlsx) hợp lệ dù có đuôi {suffix} "
                "(có thể là tệp khác được đổi tên). Vui lòng mở bằng Excel và lưu lại dưới dạng .xlsx."
            )
    elif suffix == ".csv":
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ServiceError(
                f"Tệp «{name}» được lưu dạng Unicode UTF-16; vui lòng lưu lại dạng «CSV UTF-8» hoặc .xlsx."
            )
        if head.startswith(b"PK") or b"\x00" in data[:4096]:
            raise ServiceError(
                f"Tệp «{name}» không phải tệp văn bản .csv (có thể là tệp khác được đổi tên). "
                "Vui lòng lưu bảng tính dưới dạng .xlsx hoặc CSV UTF-8."
            )
    else:
        raise ServiceError(f"Không đọc được tệp «{name}»: chỉ nhận bảng tính .xlsx hoặc .csv.")


def _has_header(table: list[list[str]]) -> bool:
    index = LAYOUT.header_row(table)
    return index is not None and not LAYOUT.missing({LAYOUT.key(cell) for cell in table[index]})


def _pick_table(tables: dict[str, list[list[str]]]) -> list[list[str]]:
    """The sheet named «DonVi»/«Đơn vị», else the first sheet that has the header, else the first sheet."""
    for title, table in tables.items():
        if normalise(title) in ("donvi", "danhsachdonvi"):
            return table
    for table in tables.values():
        if _has_header(table):
            return table
    return next(iter(tables.values()), [])


def _text(value: str) -> str:
    """A name as typed, in Unicode NFC (a name typed on a Mac arrives decomposed), without stray spaces."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _parse(sheet_rows, col: _Columns, problems: Problems) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    folded: dict[str, tuple[str, int]] = {}  # code in lower case → (as first written, its line)
    for line, v in sheet_rows:
        ok = True
        code, name = read_code(v["code"]), _text(v["name"])
        if not code:
            problems.add(line, col["code"], "thiếu mã đơn vị")
            ok = False
        elif code in seen:
            problems.add(line, col["code"], f"mã «{code}» trùng với dòng {seen[code]}")
            ok = False
        elif code.casefold() in folded:
            other, other_line = folded[code.casefold()]
            problems.add(line, col["code"], _case_only(code, f"mã «{other}» ở dòng {other_line}"))
            ok = False
        else:
            seen[code] = line
            folded[code.casefold()] = (code, line)
        if len(code) > 32:
            problems.add(line, col["code"], f"mã «{code}» dài quá 32 ký tự")
            ok = False
        if not name:
            problems.add(line, col["name"], "thiếu tên đơn vị")
            ok = False
        elif len(name) > 200:
            problems.add(line, col["name"], "tên đơn vị dài quá 200 ký tự")
            ok = False
        kinds = KINDS.find(v["kind"])
        kind = kinds[0] if len(kinds) == 1 else None
        if not v["kind"].strip():
            problems.add(line, col["kind"], f"thiếu loại đơn vị (chọn một trong: {ALLOWED_KINDS})")
        elif not kinds:
            problems.add(line, col["kind"], f"loại «{v['kind']}» không hợp lệ (chọn một trong: {ALLOWED_KINDS})")
        elif kind is None:
            problems.add(
                line,
                col["kind"],
                f"loại «{v['kind']}» có thể là {' hoặc '.join(k.label for k in kinds)}: ghi rõ tên loại",
            )
        group = _text(v["group"])
        if len(group) > 120:
            problems.add(line, col["group"], "tên khối dài quá 120 ký tự")
            ok = False
        dates: dict[str, date | None] = {}
        for key in ("valid_from", "valid_to"):
            text = v.get(key, "").strip()
            dates[key] = None
            if text:
                try:
                    dates[key] = read_date(text)
                except ValueError as err:
                    problems.add(line, col[key], str(err))
                    ok = False
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            problems.add(line, col["valid_to"], "ngày hết hiệu lực trước ngày hiệu lực")
        predecessors = []
        for p in re.split(r"[,;\n]", v.get("predecessors", "")):
            p = read_code(p)
            if p and p not in predecessors:
                predecessors.append(p)
        if ok and kind is not None:
            rows.append(
                _Row(
                    line,
                    code,
                    name,
                    kind,
                    read_code(v["parent"]),
                    group,
                    dates["valid_from"],
                    dates["valid_to"],
                    predecessors,
                )
            )
    return rows


# ---- checking the tree as it would be after the import ----------------------------------------------------------


def _check(rows: list[_Row], existing: dict[str, Unit], col: _Columns, problems: Problems, actor) -> None:
    by_code = {r.code: r for r in rows}
    by_id = {u.id: u for u in existing.values()}
    parent_now = {c: (by_id[u.parent_id].code if u.parent_id in by_id else "") for c, u in existing.items()}
    root = managed_root(actor)
    if root is None:
        outside: set[str] = set()
    else:
        ids = managed_unit_ids(actor)
        outside = {u.code for u in existing.values() if u.id not in ids}
    # What rows may name as parent or predecessor: the managed units and the file's own rows (but not a row that
    # tries to take over a unit outside the administrator's subtree).
    visible = (set(existing) | set(by_code)) - outside
    bad_parent: set[str] = set()  # rows whose parent cell already has a problem
    known = {code.casefold(): code for code in existing}
    for r in rows:
        other = known.get(r.code.casefold())
        if r.code not in existing and other is not None:
            problems.add(r.line, col["code"], _case_only(r.code, f"mã «{other}» đã có trong hệ thống"))
            bad_parent.add(r.code)
    _resolve_capitals(rows, visible)

    for r in rows:
        where = (r.line, col["parent"])
        if r.code in outside:
            problems.add(
                r.line, col["code"], f"mã «{r.code}» đã được dùng cho một đơn vị ngoài phạm vi quản lý của bạn"
            )
            bad_parent.add(r.code)
            continue
        if root is not None and r.code == root.code:
            r.parent = r.parent or parent_now[r.code]  # an empty cell keeps the authority where it is
            if r.kind != root.kind or r.parent != parent_now[r.code]:
                problems.add(
                    *where,
                    f"không thể đổi loại hay cấp trên của «{root.name}» (cơ quan bạn quản trị) bằng tệp nhập; "
                    f"giữ loại «{root.kind.label}» và mã cấp trên «{parent_now[r.code]}»",
                )
        elif r.parent == r.code:
            problems.add(*where, "đơn vị không thể là cấp trên của chính nó")
            bad_parent.add(r.code)
        elif r.parent and r.parent not in visible:
            problems.add(*where, f"không có đơn vị cấp trên mã «{r.parent}» trong tệp hay trong hệ thống")
            bad_parent.add(r.code)
        else:
            parent_kind = None
            if r.parent:
                parent_kind = by_code[r.parent].kind if r.parent in by_code else existing[r.parent].kind
            if _check_kinds(r, parent_kind, where, problems):
                bad_parent.add(r.code)
        if r.kind.is_authority and r.group:
            problems.add(
                r.line, col["group"], f"{r.kind.label} là cơ quan đánh giá, không thuộc khối nào; để trống cột này"
            )
        if not r.kind.is_authority and not r.group:
            problems.add(r.line, col["group"], "đơn vị được đánh giá phải thuộc một khối (ví dụ «Khối xã»)")
        for p in r.predecessors:
            if p == r.code:
                problems.add(r.line, col["predecessors"], "đơn vị không thể là tiền thân của chính nó")
            elif p not in visible:
                problems.add(r.line, col["predecessors"], f"không có đơn vị tiền thân mã «{p}»")
        if r.predecessors and r.valid_from is None:
            problems.add(
                r.line,
                col["valid_from"],
                "có đơn vị tiền thân nên cần ngày hiệu lực (ngày sáp nhập) để ghi lịch sử sắp xếp",
            )

    final_parent = {**parent_now, **{r.code: r.parent for r in rows}}

    # A unit that keeps children (not in the file) cannot become a commune or an agency.
    reported: set[str] = set()
    for child, parent in final_parent.items():
        r = by_code.get(parent)
        if child in by_code or r is None or r.kind.is_authority or parent in reported:
            continue
        reported.add(parent)
        message = f"«{r.code}» đang có đơn vị trực thuộc (ví dụ «{child}») nên không thể là {r.kind.label}"
        problems.add(r.line, col["kind"], message)

    for r in rows:  # a cycle: walking up from the row comes back to it
        seen, code = set(), r.parent
        while code and code not in seen and code != r.code:
            seen.add(code)
            code = final_parent.get(code, "")
        if code == r.code and r.parent != r.code:
            path = " → ".join([r.code, *_path_up(r.parent, r.code, final_parent)])
            problems.add(r.line, col["parent"], f"vòng lặp trong cây đơn vị: {path}")
            bad_parent.add(r.code)

    if root is not None:  # everything the file touches must stay under the administrator's authority
        for r in rows:
            if r.code != root.code and r.code not in bad_parent and not _reaches(r.code, root.code, final_parent):
                problems.add(
                    r.line,
                    col["parent"],
                    f"đơn vị phải thuộc «{root.name}» (mã «{root.code}»), phạm vi quản lý của bạn",
                )


def _case_only(code: str, other: str) -> str:
    return (
        f"mã «{code}» chỉ khác {other} ở chữ hoa, chữ thường: nếu là cùng một đơn vị hãy ghi đúng mã đó, nếu là đơn "
        "vị khác hãy đặt mã khác hẳn"
    )


def _resolve_capitals(rows: list[_Row], visible: set[str]) -> None:
    """A parent or predecessor written in other capitals («bt» for «BT») is the one unit it can mean; one that two
    units could mean, or none, is left as written and named as unknown."""
    folded: dict[str, list[str]] = {}
    for code in visible:
        folded.setdefault(code.casefold(), []).append(code)

    def resolve(code: str) -> str:
        same = folded.get(code.casefold(), [])
        return same[0] if code and code not in visible and len(same) == 1 else code

    for r in rows:
        r.parent = resolve(r.parent)
        r.predecessors = list(dict.fromkeys(resolve(p) for p in r.predecessors))


def _check_kinds(r: _Row, parent_kind: UnitKind | None, where, problems: Problems) -> bool:
    """Province → district → member unit (or province → member unit). True if a problem was added."""
    message = None
    if r.kind == UnitKind.TINH:
        if r.parent:
            message = "tỉnh không có đơn vị cấp trên; để trống cột này"
    elif r.kind == UnitKind.HUYEN:
        if parent_kind is not None and parent_kind != UnitKind.TINH:
            message = f"cấp trên của huyện phải là một tỉnh («{r.parent}» là {parent_kind.label})"
    elif not r.parent:
        message = f"{r.kind.label} phải có đơn vị cấp trên (huyện hoặc tỉnh)"
    elif not parent_kind.is_authority:
        message = f"cấp trên của {r.kind.label} phải là huyện hoặc tỉnh («{r.parent}» là {parent_kind.label})"
    if message:
        problems.add(*where, message)
    return message is not None


def _path_up(start: str, stop: str, parents: dict[str, str]) -> list[str]:
    path, code = [], start
    while code and code not in path:
        path.append(code)
        if code == stop:
            break
        code = parents.get(code, "")
    return path


def _reaches(code: str, root: str, parents: dict[str, str]) -> bool:
    seen = set()
    while code and code not in seen:
        if code == root:
            return True
        seen.add(code)
        code = parents.get(code, "")
    return False


# ---- writing ----------------------------------------------------------------------------------------------------


def _state(unit: Unit, units_by_id: dict[int, Unit]) -> dict:
    parent = units_by_id.get(unit.parent_id) if unit.parent_id else None
    return {
        "name": unit.name,
        "kind": unit.kind,
        "parent": parent.code if parent else None,
        "group": unit.group.name if unit.group else None,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
    }


def _write(rows: list[_Row], existing: dict[str, Unit], col: _Columns, actor, source: str) -> ImportReport:
    report = ImportReport()
    units = dict(existing)
    by_id = {u.id: u for u in existing.values()}
    before: dict[str, dict | None] = {}
    for r in rows:
        unit = units.get(r.code)
        if unit is None:
            unit = Unit(code=r.code, name=r.name, kind=r.kind, valid_from=r.valid_from, valid_to=r.valid_to)
            db.session.add(unit)
            units[r.code] = unit
            before[r.code] = None
        else:
            before[r.code] = _state(unit, by_id)
    db.session.flush()
    by_id.update({u.id: u for u in units.values()})

    for r in rows:
        unit = units[r.code]
        parent = units[r.parent] if r.parent else None
        authority_id = unit.id if r.kind.is_authority else parent.id
        group = group_for(authority_id, r.group, actor=actor) if r.group and not r.kind.is_authority else None
        wanted = {
            "name": r.name,
            "kind": r.kind,
            "parent_id": parent.id if parent else None,
            "authority_id": authority_id,
            "group_id": group.id if group else None,
        }
        if col.has("valid_from"):
            wanted["valid_from"] = r.valid_from
        if col.has("valid_to"):
            wanted["valid_to"] = r.valid_to
        for attr, value in wanted.items():
            if getattr(unit, attr) != value:  # only real changes: no UPDATE, no version bump otherwise
                setattr(unit, attr, value)
    db.session.flush()

    for r in rows:
        unit = units[r.code]
        added = []
        for p in r.predecessors:
            pred = units[p]
            link = db.session.execute(
                select(UnitLineage).where(UnitLineage.predecessor_id == pred.id, UnitLineage.successor_id == unit.id)
            ).scalar_one_or_none()
            if link is None:
                db.session.add(
                    UnitLineage(
                        predecessor_id=pred.id,
                        successor_id=unit.id,
                        effective_on=r.valid_from,
                        note=f"Sắp xếp đơn vị hành chính, hiệu lực {vn_date(r.valid_from)}",
                    )
                )
                added.append(p)
        db.session.expire(unit, ["group"])
        after = _state(unit, by_id)
        old = before[r.code]
        reason = f"Nhập từ tệp «{source}», dòng {r.line}"
        if old is None:
            report.created += 1
            report.created_codes.append(r.code)
            audit.record(
                "unit.created",
                actor=actor,
                unit_id=unit.id,
                target=unit,
                after={"code": r.code, **after, "predecessors": r.predecessors},
                reason=reason,
            )
            continue
        changed = [key for key in after if after[key] != old[key]]
        if not changed and not added:
            report.unchanged += 1
            continue
        report.updated += 1
        report.updated_codes.append(r.code)
        audit.record(
            "unit.updated",
            actor=actor,
            unit_id=unit.id,
            target=unit,
            before={key: old[key] for key in changed},
            after={**{key: after[key] for key in changed}, **({"predecessors_added": added} if added else {})},
            reason=reason,
        )
    db.session.flush()
    return report
