"""Units (the authority and its member communes and agencies), groups, lineage, users and their sessions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Enum, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dvcq.platform.extensions import db


def _values(enum_class) -> list[str]:
    """Store an enum's value ("xa"), not its Python name ("XA")."""
    return [member.value for member in enum_class]


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


class Role(enum.StrEnum):
    OFFICER = "officer"
    LEADER = "leader"
    APPRAISER = "appraiser"
    SECRETARIAT = "secretariat"
    LEADERSHIP = "leadership"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def in_authority(self) -> bool:
        """Roles held in the authority (district/province) rather than in a member unit."""
        return self not in (Role.OFFICER, Role.LEADER)


ROLE_LABELS = {
    Role.OFFICER: "Cán bộ đầu mối",
    Role.LEADER: "Lãnh đạo đơn vị",
    Role.APPRAISER: "Thành viên tổ thẩm định",
    Role.SECRETARIAT: "Thường trực Ban Chỉ đạo",
    Role.LEADERSHIP: "Lãnh đạo",
    Role.ADMIN: "Quản trị hệ thống",
}


class UnitGroup(db.Model):
    """A group (khối) of units ranked separately: "Khối xã", "Khối cơ quan"."""

    __tablename__ = "unit_groups"
    __table_args__ = (UniqueConstraint("authority_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Unit(db.Model):
    """A node of the administrative tree. `authority_id` is the district or province whose campaigns it takes part
    in (itself for an authority), so that scoping by authority is one indexed comparison."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(Enum(UnitKind, native_enum=False, length=16, values_callable=_values))
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


class User(db.Model):
    """A person holding one role in one unit. Flask-Login's id is the session token, not the user id, so that
    revoking a session row logs that browser out."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=_values))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login protocol; `session_token` is set by the user loader for the current request only.
    session_token = None
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class UserSession(db.Model):
    """One signed-in browser. Only a hash of the token is kept; revoked rows stay for the audit trail."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
