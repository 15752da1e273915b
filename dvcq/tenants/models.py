"""Units (the authority and its member communes and agencies), their groups (khối) and lineage (mergers)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.platform.types import enum_values


class UnitKind(enum.StrEnum):
    TINH = "tinh"
    HUYEN = "huyen"
    XA = "xa"
    PHUONG = "phuong"
    THI_TRAN = "thi_tran"
    DAC_KHU = "dac_khu"
    CO_QUAN = "co_quan"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]

    @property
    def is_authority(self) -> bool:
        return self in (UnitKind.TINH, UnitKind.HUYEN)


UNIT_KIND_LABELS = {
    UnitKind.TINH: "tỉnh",
    UnitKind.HUYEN: "huyện",
    UnitKind.XA: "xã",
    UnitKind.PHUONG: "phường",
    UnitKind.THI_TRAN: "thị trấn",
    UnitKind.DAC_KHU: "đặc khu",
    UnitKind.CO_QUAN: "cơ quan",
}


class UnitGroup(db.Model):
    """A group (khối) of units ranked separately: "Khối xã", "Khối cơ quan"."""

    __tablename__ = "unit_groups"
    __table_args__ = (UniqueConstraint("authority_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def sort_key(self) -> tuple:
        """Groups in their order, then by name (Vietnamese order): `sorted(groups, key=UnitGroup.sort_key)`."""
        return (self.position or 0, vn_key(self.name))


class Unit(db.Model):
    """A node of the administrative tree. `authority_id` is the district or province whose campaigns it takes part
    in (itself for an authority), so that scoping by authority is one indexed comparison."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(Enum(UnitKind, native_enum=False, length=16, values_callable=enum_values))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("unit_groups.id", use_alter=True), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    group: Mapped[UnitGroup | None] = relationship(foreign_keys=[group_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_authority(self) -> bool:
        return self.kind.is_authority

    def sort_key(self) -> tuple:
        """Units by name in Vietnamese alphabetical order, then code: `sorted(units, key=Unit.sort_key)`."""
        return (vn_key(self.name), self.code)

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class UnitLineage(db.Model):
    """A merger or split: `predecessor` became (part of) `successor` on `effective_on` (e.g. the 2025 reform)."""

    __tablename__ = "unit_lineage"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])
