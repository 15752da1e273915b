"""Hand-made Units spreadsheets (written with openpyxl or as CSV by the tests themselves) and a snapshot of every
table the import may touch, to prove that a rejected file changed nothing."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.tenants.models import Unit, UnitGroup, UnitLineage

HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên", "Khối"]


def write_xlsx(path: Path, rows: list[list], sheet: str = "DonVi", above: list[list] | None = None) -> Path:
    """A workbook as a person would type it: optional title rows, then the header and the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in above or []:
        ws.append(row)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def snapshot() -> dict:
    """Everything the import can change, as plain values."""
    db.session.expire_all()
    units = db.session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.parent_id,
            Unit.authority_id,
            Unit.group_id,
            Unit.valid_from,
            Unit.valid_to,
            Unit.version,
        ).order_by(Unit.id)
    ).all()
    return {
        "units": [tuple(u) for u in units],
        "groups": [tuple(g) for g in db.session.execute(select(UnitGroup.id, UnitGroup.name).order_by(UnitGroup.id))],
        "lineage": db.session.execute(select(func.count(UnitLineage.id))).scalar_one(),
        "audit": db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    }


def audit_actions(prefix: str = "unit") -> list[AuditRecord]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(AuditRecord).where(AuditRecord.action.like(f"{prefix}%")).order_by(AuditRecord.seq)
        ).scalars()
    )


def unit(code: str) -> Unit | None:
    db.session.expire_all()
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()


def without_csrf(body: bytes) -> bytes:
    """A page minus its CSRF token (signed with a timestamp, so two requests a second apart differ there only)."""
    return re.sub(rb'name="csrf-token" content="[^"]+"', b"", body)


def user(login: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.login == login)).scalar_one()
