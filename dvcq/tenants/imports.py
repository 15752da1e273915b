"""`dvcq units import`: the Units spreadsheet (PRODUCT.md), validated whole before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from dvcq.platform import audit
from dvcq.platform.extensions import db
from dvcq.platform.formatting import parse_vn_date
from dvcq.platform.spreadsheets import Problems, find_sheet, normalise, read_tables, sheet_from_table
from dvcq.tenants.models import UNIT_KIND_LABELS, Unit, UnitKind, UnitLineage
from dvcq.tenants.services import group_for

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
    "parent_alt": "Đơn vị cấp trên",
}
KINDS = {normalise(label): kind for kind, label in UNIT_KIND_LABELS.items()}
KINDS.update({normalise("xã"): UnitKind.XA, "thanhpho": UnitKind.TINH})


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0


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
    before: dict | None = None


def import_units_file(path: str | Path, actor, data: bytes | None = None) -> ImportReport:
    tables = read_tables(path, data)
    problems = Problems()
    table = find_sheet(tables, "DonVi") or next(iter(tables.values()))
    sheet = sheet_from_table("", table, REQUIRED, OPTIONAL, problems)
    problems.raise_if_any("đơn vị")
    rows = _parse(sheet, problems)
    existing = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    _check_tree(rows, existing, sheet.columns, problems)
    problems.raise_if_any("đơn vị")
    report = _write(rows, existing, actor)
    db.session.commit()
    return report


def _parse(sheet, problems: Problems) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    col = sheet.columns
    for line, v in sheet.rows:
        code, name = v["code"].strip(), v["name"].strip()
        if not code:
            problems.add(line, col["code"], "thiếu mã đơn vị")
        elif code in seen:
            problems.add(line, col["code"], f"mã «{code}» trùng với dòng {seen[code]}")
        else:
            seen[code] = line
        if len(code) > 32:
            problems.add(line, col["code"], "mã đơn vị dài quá 32 ký tự")
        if not name:
            problems.add(line, col["name"], "thiếu tên đơn vị")
        kind = KINDS.get(normalise(v["kind"]))
        if kind is None:
            allowed = ", ".join(UNIT_KIND_LABELS.values())
            problems.add(line, col["kind"], f"loại «{v['kind']}» không hợp lệ (chọn: {allowed})")
        dates = {}
        for key in ("valid_from", "valid_to"):
            text = v.get(key, "").strip()
            dates[key] = None
            if text:
                try:
                    dates[key] = parse_vn_date(text)
                except ValueError as err:
                    problems.add(line, col[key], str(err))
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            problems.add(line, col["valid_to"], "ngày hết hiệu lực trước ngày hiệu lực")
        predecessors = [p.strip() for p in v.get("predecessors", "").replace(";", ",").split(",") if p.strip()]
        if kind is not None and code and name:
            rows.append(
                _Row(
                    line,
                    code,
                    name,
                    kind,
                    v["parent"].strip(),
                    v["group"].strip(),
                    dates["valid_from"],
                    dates["valid_to"],
                    predecessors,
                )
            )
    return rows


def _check_tree(rows: list[_Row], existing: dict[str, Unit], col: dict[str, str], problems: Problems) -> None:
    by_code = {r.code: r for r in rows}
    known = set(by_code) | set(existing)
    parents: dict[str, str] = {c: (u.parent.code if u.parent else "") for c, u in existing.items()}
    parents.update({r.code: r.parent for r in rows})
    for r in rows:
        if r.parent and r.parent not in known:
            problems.add(r.line, col["parent"], f"không có đơn vị cấp trên mã «{r.parent}» trong tệp hay hệ thống")
        if r.parent == r.code:
            problems.add(r.line, col["parent"], "đơn vị không thể là cấp trên của chính nó")
        if not r.parent and not r.kind.is_authority:
            problems.add(r.line, col["parent"], f"{r.kind.label} phải có đơn vị cấp trên")
        if not r.kind.is_authority and not r.group:
            problems.add(r.line, col["group"], "đơn vị được đánh giá phải thuộc một khối (ví dụ «Khối xã»)")
        for p in r.predecessors:
            if p not in known:
                problems.add(r.line, "Mã đơn vị tiền thân", f"không có đơn vị mã «{p}»")
    for r in rows:  # a cycle: walking up from the row comes back to it
        seen, code = set(), r.code
        while code and code not in seen:
            seen.add(code)
            code = parents.get(code, "")
        if code == r.code and r.parent != r.code:
            problems.add(
                r.line,
                col["parent"],
                f"vòng lặp trong cây đơn vị: «{r.code}» là cấp trên của chính nó qua các đơn vị khác",
            )


def _authority_of(code: str, rows: dict[str, _Row], existing: dict[str, Unit]) -> str:
    """The nearest unit, itself included, that is a district or province."""
    while code:
        kind = rows[code].kind if code in rows else existing[code].kind
        if kind.is_authority:
            return code
        code = rows[code].parent if code in rows else (existing[code].parent.code if existing[code].parent else "")
    return ""


def _write(rows: list[_Row], existing: dict[str, Unit], actor) -> ImportReport:
    report = ImportReport()
    by_code = {r.code: r for r in rows}
    units = dict(existing)
    for r in rows:  # create or update names first so parents can be linked in any row order
        unit = units.get(r.code)
        before = None
        if unit is None:
            unit = Unit(code=r.code, name=r.name, kind=r.kind)
            db.session.add(unit)
            units[r.code] = unit
            report.created += 1
        else:
            before = {
                "name": unit.name,
                "kind": unit.kind,
                "parent": unit.parent.code if unit.parent else None,
            }
            unit.name, unit.kind = r.name, r.kind
            report.updated += 1
        unit.valid_from, unit.valid_to = r.valid_from, r.valid_to
        r.before = before
    db.session.flush()
    for r in rows:
        unit = units[r.code]
        unit.parent_id = units[r.parent].id if r.parent else None
        unit.authority_id = units[_authority_of(r.code, by_code, existing)].id
    db.session.flush()
    for r in rows:
        unit = units[r.code]
        unit.group_id = group_for(unit.authority_id, r.group).id if r.group and not r.kind.is_authority else None
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
                        effective_on=r.valid_from or date(2025, 7, 1),
                        note="Sắp xếp đơn vị hành chính",
                    )
                )
        audit.record(
            "unit.imported",
            actor=actor,
            unit_id=unit.id,
            target=unit,
            before=r.before,
            after={
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "parent": r.parent or None,
                "group": r.group or None,
            },
        )
    return report
