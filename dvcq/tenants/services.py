"""Changing units and users: permission check → change → audit record, in one transaction."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform import audit
from dvcq.platform.auth.passwords import hash_password, password_problem
from dvcq.platform.auth.services import revoke_sessions
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.tenants.models import Role, Unit, UnitGroup, User

LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _admin(actor) -> None:
    """The CLI acts as the system (actor None); on the web only an administrator manages units and users."""
    if actor is not None:
        require(actor, Role.ADMIN)


def unit_by_code(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code.strip())).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"Không có đơn vị mã «{code}».")
    return unit


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ServiceError(f"Vai trò «{value}» không hợp lệ; chọn một trong: {names}.") from None


def check_role_fits_unit(role: Role, unit: Unit) -> None:
    if role.in_authority and not unit.is_authority:
        raise ServiceError(
            f"Vai trò «{role.label}» chỉ dành cho cơ quan đánh giá (huyện/tỉnh), không đặt tại «{unit.name}»."
        )
    if not role.in_authority and unit.is_authority:
        raise ServiceError(f"Vai trò «{role.label}» dành cho đơn vị được đánh giá, không đặt tại «{unit.name}».")


def create_user(
    *,
    actor,
    unit_code: str,
    role: str | Role,
    login: str,
    full_name: str,
    password: str | None,
    email: str | None = None,
    title: str = "",
) -> User:
    """Create an account. With no password a one-time password is generated and must be changed at first login."""
    _admin(actor)
    login = (login or "").strip().lower()
    if not login or not set(login) <= LOGIN_CHARS or len(login) > 80:
        raise ServiceError("Tên đăng nhập chỉ gồm chữ không dấu, số và các dấu . _ - (tối đa 80 ký tự).")
    if db.session.execute(select(User.id).where(User.login == login)).first():
        raise ServiceError(f"Tên đăng nhập «{login}» đã được dùng.")
    unit = unit_by_code(unit_code)
    role = role if isinstance(role, Role) else parse_role(role)
    check_role_fits_unit(role, unit)
    must_change = password is None
    if password is None:
        password = secrets.token_urlsafe(9)
    else:
        problem = password_problem(password)
        if problem:
            raise ServiceError(problem)
    user = User(
        login=login,
        full_name=full_name.strip() or login,
        email=(email or None),
        title=title,
        password_hash=hash_password(password),
        unit_id=unit.id,
        role=role,
        active=True,
        must_change_password=must_change,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=actor,
        unit_id=unit.id,
        target=user,
        after={"login": login, "role": role, "unit": unit.code},
    )
    db.session.commit()
    user.initial_password = password if must_change else None
    return user


def reset_password(*, actor, user_id: int) -> str:
    """A new one-time password; every session of the user is revoked."""
    _admin(actor)
    user = _user(user_id)
    password = secrets.token_urlsafe(9)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoked = revoke_sessions(user)
    audit.record(
        "user.password_reset",
        actor=actor,
        unit_id=user.unit_id,
        target=user,
        after={"sessions_revoked": revoked},
    )
    db.session.commit()
    return password


def set_active(*, actor, user_id: int, active: bool, version: int | None = None) -> User:
    _admin(actor)
    user = _user(user_id)
    if actor is not None and user.id == actor.id and not active:
        raise ServiceError("Không thể tự khoá tài khoản của chính mình.")
    if version is not None and user.version != version:
        raise Conflict("Tài khoản vừa được người khác thay đổi. Vui lòng tải lại trang.")
    before = user.active
    user.active = active
    revoked = 0 if active else revoke_sessions(user)
    audit.record(
        "user.enabled" if active else "user.disabled",
        actor=actor,
        unit_id=user.unit_id,
        target=user,
        before={"active": before},
        after={"active": active, "sessions_revoked": revoked},
    )
    db.session.commit()
    return user


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user


def update_unit(
    *,
    actor,
    unit_id: int,
    version: int,
    name: str,
    group_name: str | None,
    valid_from: date | None,
    valid_to: date | None,
) -> Unit:
    """Edit a unit's name, group and validity; `version` is what the editor saw (optimistic locking)."""
    _admin(actor)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    if unit.version != version:
        raise Conflict("Đơn vị vừa được người khác sửa. Vui lòng tải lại trang để xem thay đổi mới nhất.")
    name = (name or "").strip()
    if not name:
        raise ServiceError("Tên đơn vị không được để trống.")
    if valid_from and valid_to and valid_to < valid_from:
        raise ServiceError("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")
    before = {
        "name": unit.name,
        "group": unit.group.name if unit.group else None,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
    }
    unit.name = name
    unit.group_id = group_for(unit.authority_id, group_name).id if group_name else None
    unit.valid_from, unit.valid_to = valid_from, valid_to
    audit.record(
        "unit.updated",
        actor=actor,
        unit_id=unit.id,
        target=unit,
        before=before,
        after={"name": name, "group": group_name, "valid_from": valid_from, "valid_to": valid_to},
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("Đơn vị vừa được người khác sửa. Vui lòng tải lại trang.") from None
    return unit


def group_for(authority_id: int, name: str) -> UnitGroup:
    """The authority's group of this name, created if new."""
    name = name.strip()
    group = db.session.execute(
        select(UnitGroup).where(UnitGroup.authority_id == authority_id, UnitGroup.name == name)
    ).scalar_one_or_none()
    if group is None:
        position = len(db.session.execute(select(UnitGroup.id).where(UnitGroup.authority_id == authority_id)).all())
        group = UnitGroup(authority_id=authority_id, name=name, position=position)
        db.session.add(group)
        db.session.flush()
    return group


def member_units(authority_id: int) -> list[Unit]:
    """The units an authority assesses (not the authority itself), in group then code order."""
    return list(
        db.session.execute(
            select(Unit).where(Unit.authority_id == authority_id, Unit.id != authority_id).order_by(Unit.code)
        ).scalars()
    )
