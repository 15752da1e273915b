"""Identity: who may sign in (users with one role in one unit) and their server-side sessions.

The chassis authenticates people, so these live on the ground floor; the unit a user belongs to is the tenants'
`Unit`, named here as a string so that the platform imports no area (the table names are unchanged)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dvcq.platform.extensions import db
from dvcq.platform.types import enum_values


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
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=enum_values))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship("Unit", foreign_keys=[unit_id])  # noqa: F821 — tenants' model, by name

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
    """One signed-in browser. Only a hash of the token is kept. Rows that can no longer be used (revoked, idle too long
    or past their lifetime) are purged by the periodic tick; logins and logouts stay in the audit log."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
