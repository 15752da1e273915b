"""Changing units and users: permission check → change → audit record, in one transaction.

Units and users are not tenant rows (the tenancy guard does not filter them), so every function here narrows
explicitly to what the actor manages: an administrator manages the subtree of the tree rooted at their authority
(a district: itself and its communes and agencies; a province: also its districts and their units). The CLI acts as
the system (`actor=None`) and manages everything. Anything outside the subtree answers exactly like a missing row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dvcq.platform import audit
from dvcq.platform.auth.models import Role, User
from dvcq.platform.auth.passwords import hash_password, password_problem
from dvcq.platform.auth.services import revoke_sessions, set_password
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import require
from dvcq.platform.spreadsheets import normalise
from dvcq.platform.transactions import commit_or_conflict
from dvcq.tenants.models import Unit, UnitGroup, UnitLineage

LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
UNIT_MISSING = "Không tìm thấy đơn vị."
USER_MISSING = "Không tìm thấy tài khoản."
UNIT_CONFLICT = (
    "Đơn vị vừa được người khác sửa trong lúc bạn đang sửa, nên thay đổi của bạn chưa được lưu. "
    "Biểu mẫu dưới đây hiện thông tin mới nhất; vui lòng xem lại và nhập lại thay đổi."
)
USER_CONFLICT = "Tài khoản vừa được người khác thay đổi nên thao tác chưa được thực hiện. Vui lòng xem lại danh sách."


def _admin(actor) -> None:
    """The CLI acts as the system (actor None); on the web only an administrator manages units and users."""
    if actor is not None:
        require(actor, Role.ADMIN)


# ---- what an actor manages -------------------------------------------------------------------------------------


def managed_root(actor) -> Unit | None:
    """The top of the actor's subtree: their authority (None for the system, which manages everything)."""
    if actor is None:
        return None
    unit = actor.unit
    if unit.is_authority:
        return unit
    return db.session.get(Unit, unit.authority_id)


def _children_map() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    return children


def managed_unit_ids(actor) -> set[int] | None:
    """Ids of the units the actor manages, or None for "all" (the system)."""
    root = managed_root(actor)
    if root is None:
        return None
    children = _children_map()
    seen, todo = set(), [root.id]
    while todo:
        unit_id = todo.pop()
        if unit_id in seen:
            continue
        seen.add(unit_id)
        todo.extend(children.get(unit_id, []))
    return seen


def _manages(actor, unit_id: int) -> bool:
    ids = managed_unit_ids(actor)
    return ids is None or unit_id in ids


def unit_for(actor, unit_id: int) -> Unit | None:
    """A unit the actor manages, or None: a unit of another district is as missing as one that never was."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not _manages(actor, unit.id):
        return None
    return unit


def user_for(actor, user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    if user is None or not _manages(actor, user.unit_id):
        return None
    return user


@dataclass
class TreeRow:
    unit: Unit
    depth: int


def _child_order(unit: Unit):
    # Authorities (districts under a province) first, then each group in its order, then by name.
    group_position = unit.group.position if unit.group else -1
    return (0 if unit.is_authority else 1, group_position, unit.sort_key())


def unit_tree(actor) -> list[TreeRow]:
    """The managed units depth-first (parent before children), siblings by group then name (Vietnamese order)."""
    ids = managed_unit_ids(actor)
    stmt = select(Unit)
    if ids is not None:
        stmt = stmt.where(Unit.id.in_(ids))
    units = db.session.execute(stmt).scalars().all()
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in by_id else None  # the root's own parent is not shown
        children.setdefault(parent, []).append(u)
    rows: list[TreeRow] = []
    todo = [(u, 0) for u in sorted(children.get(None, []), key=_child_order, reverse=True)]
    while todo:
        unit, depth = todo.pop()
        rows.append(TreeRow(unit, depth))
        todo.extend((c, depth + 1) for c in sorted(children.get(unit.id, []), key=_child_order, reverse=True))
    return rows


def managed_users(actor) -> list[User]:
    ids = managed_unit_ids(actor)
    stmt = select(User).join(User.unit).order_by(Unit.code, User.login)
    if ids is not None:
        stmt = stmt.where(User.unit_id.in_(ids))
    return list(db.session.execute(stmt).scalars())


def lineage(unit: Unit) -> dict[str, list[UnitLineage]]:
    before = select(UnitLineage).where(UnitLineage.successor_id == unit.id).order_by(UnitLineage.effective_on)
    after = select(UnitLineage).where(UnitLineage.predecessor_id == unit.id).order_by(UnitLineage.effective_on)
    return {
        "predecessors": list(db.session.execute(before).scalars()),
        "successors": list(db.session.execute(after).scalars()),
    }


def groups_of(authority_id: int) -> list[UnitGroup]:
    stmt = select(UnitGroup).where(UnitGroup.authority_id == authority_id).order_by(UnitGroup.position)
    return list(db.session.execute(stmt).scalars())


# ---- users ------------------------------------------------------------------------------------------------------


def unit_by_code(code: str, actor=None) -> Unit:
    """The unit of this code among those the actor manages; "not found" otherwise."""
    code = (code or "").strip()
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None or not _manages(actor, unit.id):
        raise NotFound(f"Không có đơn vị mã «{code}».")
    return unit


def parse_role(value: str) -> Role:
    text = normalise(value)
    for role in Role:
        if text in (normalise(role.value), normalise(role.label)):
            return role
    names = ", ".join(f"{r.value} ({r.label})" for r in Role)
    raise ServiceError(f"Vai trò «{value}» không hợp lệ; chọn một trong: {names}.")


def check_role_fits_unit(role: Role, unit: Unit) -> None:
    if role.in_authority and not unit.is_authority:
        raise ServiceError(
            f"Vai trò «{role.label}» chỉ đặt tại cơ quan đánh giá (huyện/tỉnh), "
            f"không đặt tại «{unit.name}» ({unit.kind.label})."
        )
    if not role.in_authority and unit.is_authority:
        raise ServiceError(
            f"Vai trò «{role.label}» chỉ đặt tại đơn vị được đánh giá (xã, phường, thị trấn, đặc khu, cơ quan), "
            f"không đặt tại «{unit.name}» ({unit.kind.label})."
        )


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
    password_hash: str | None = None,
) -> User:
    """Create an account. With no password a one-time password is generated (returned once as
    `user.initial_password`) and must be changed at first login. Every check runs before anything is written.
    `password_hash` is the argon2 hash of `password` computed already (the demo gives all its accounts one
    password and hashes it once: argon2 is slow on purpose)."""
    _admin(actor)
    login = (login or "").strip().lower()
    if not login or not set(login) <= LOGIN_CHARS or len(login) > 80:
        raise ServiceError(
            f"Tên đăng nhập «{login}» không hợp lệ: chỉ gồm chữ không dấu, số và các dấu . _ - (tối đa 80 ký tự)."
        )
    if db.session.execute(select(User.id).where(User.login == login)).first():
        raise ServiceError(f"Tên đăng nhập «{login}» đã được dùng.")
    unit = unit_by_code(unit_code, actor)
    role = role if isinstance(role, Role) else parse_role(role)
    check_role_fits_unit(role, unit)
    today = date.today()
    if unit.valid_to is not None and unit.valid_to < today:
        raise ServiceError(f"Đơn vị «{unit.name}» đã hết hiệu lực từ {vn_date(unit.valid_to)}; không tạo tài khoản.")
    full_name = (full_name or "").strip() or login
    if len(full_name) > 200:
        raise ServiceError("Họ và tên dài quá 200 ký tự.")
    must_change = password is None
    if password is None:
        password = _one_time_password()
    else:
        problem = password_problem(password)
        if problem:
            raise ServiceError(problem)
    user = User(
        login=login,
        full_name=full_name,
        email=(email or "").strip() or None,
        title=(title or "").strip(),
        password_hash=password_hash if password_hash and not must_change else hash_password(password),
        unit_id=unit.id,
        role=role,
        active=True,
        must_change_password=must_change,
    )
    audit.record_new(
        user,
        "user.created",
        actor=actor,
        unit_id=unit.id,
        after={"login": login, "full_name": full_name, "role": role, "unit": unit.code, "active": True},
    )
    db.session.commit()
    user.initial_password = password if must_change else None
    return user


OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I: read aloud, typed by hand


def _one_time_password() -> str:
    """Three groups of four characters ("Kx7m-P3qa-9zTe", about 70 bits) that always pass the password rules."""
    while True:
        chars = "".join(secrets.choice(OTP_ALPHABET) for _ in range(12))
        password = "-".join(chars[i : i + 4] for i in range(0, 12, 4))
        if any(c.isdigit() for c in password) and password_problem(password) is None:
            return password


def reset_password(*, actor, user_id: int) -> tuple[User, str]:
    """A new one-time password; every session of the user is revoked."""
    _admin(actor)
    user = user_for(actor, user_id)
    if user is None:
        raise NotFound(USER_MISSING)
    if actor is not None and user.id == actor.id:
        raise ServiceError("Không tự đặt lại mật khẩu của chính mình tại đây; hãy dùng «Đổi mật khẩu».")
    password = _one_time_password()
    revoked = set_password(user, password, must_change=True)
    audit.record("user.password_reset", actor=actor, target=user, after={"sessions_revoked": revoked})
    db.session.commit()
    return user, password


def set_active(*, actor, user_id: int, active: bool, version: int | None = None) -> User:
    """Disable (every session revoked at once) or enable an account. `version` is what the admin saw."""
    _admin(actor)
    user = user_for(actor, user_id)
    if user is None:
        raise NotFound(USER_MISSING)
    if actor is not None and user.id == actor.id and not active:
        raise ServiceError("Không thể tự khoá tài khoản của chính mình.")
    if version is not None and user.version != version:
        raise Conflict(USER_CONFLICT)
    before = user.active
    if before == active:
        return user
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
    commit_or_conflict(USER_CONFLICT)
    return user


# ---- units ------------------------------------------------------------------------------------------------------


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
    """Edit a unit's name, group and validity; `version` is what the editor saw (optimistic locking): if somebody
    saved in between, Conflict and nothing is written."""
    _admin(actor)
    unit = unit_for(actor, unit_id)
    if unit is None:
        raise NotFound(UNIT_MISSING)
    if unit.version != version:
        raise Conflict(UNIT_CONFLICT)
    name = (name or "").strip()
    group_name = (group_name or "").strip() or None
    if not name:
        raise ServiceError("Tên đơn vị không được để trống.")
    if len(name) > 200:
        raise ServiceError("Tên đơn vị dài quá 200 ký tự.")
    if valid_from and valid_to and valid_to < valid_from:
        raise ServiceError("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")
    if unit.is_authority and group_name:
        raise ServiceError(f"Đơn vị cấp {unit.kind.label} là cơ quan đánh giá, không thuộc khối nào.")
    if not unit.is_authority and not group_name:
        raise ServiceError("Đơn vị được đánh giá phải thuộc một khối (ví dụ «Khối xã»).")
    before = {
        "name": unit.name,
        "group": unit.group.name if unit.group else None,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
    }
    group = group_for(unit.authority_id, group_name, actor=actor) if group_name else None
    after = {"name": name, "group": group.name if group else None, "valid_from": valid_from, "valid_to": valid_to}
    if after == before:
        return unit
    unit.name = name
    unit.group_id = group.id if group else None
    unit.valid_from, unit.valid_to = valid_from, valid_to
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        "unit.updated",
        actor=actor,
        unit_id=unit.id,
        target=unit,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    commit_or_conflict(UNIT_CONFLICT)
    return unit


def group_for(authority_id: int, name: str, actor=None) -> UnitGroup:
    """The authority's group of this name (matched ignoring case, accents and spaces), created if new."""
    name = " ".join(name.split())
    wanted = normalise(name)
    groups = groups_of(authority_id)
    for group in groups:
        if normalise(group.name) == wanted:
            return group
    group = UnitGroup(authority_id=authority_id, name=name, position=max((g.position for g in groups), default=-1) + 1)
    audit.record_new(
        group, "unit_group.created", actor=actor, unit_id=authority_id, after={"name": name, "position": group.position}
    )
    return group


def member_units(authority_id: int) -> list[Unit]:
    """The units an authority assesses (not the authority itself), in code order."""
    return list(
        db.session.execute(
            select(Unit).where(Unit.authority_id == authority_id, Unit.id != authority_id).order_by(Unit.code)
        ).scalars()
    )
