"""`dvcq demo`: the seeded district that lets a newcomer see every feature at once. Re-runnable: what exists is
kept, what is missing is added. Each area adds its own demo data through `demo_seeders`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from dvcq.platform.auth.passwords import hash_password
from dvcq.platform.extensions import db
from dvcq.tenants.models import Role, Unit, UnitKind, User
from dvcq.tenants.services import group_for

DEMO_PASSWORD = "Dvcq@2026demo"
PROVINCE = ("QNG", "Tỉnh Quảng Ngãi")
DISTRICT = ("BATO", "Huyện Ba Tơ")
COMMUNES = [
    ("BATO-TT", "Thị trấn Ba Tơ", UnitKind.THI_TRAN),
    ("BATO-BDO", "Xã Ba Động", UnitKind.XA),
    ("BATO-BCU", "Xã Ba Cung", UnitKind.XA),
    ("BATO-BDI", "Xã Ba Dinh", UnitKind.XA),
    ("BATO-BDE", "Xã Ba Điền", UnitKind.XA),
    ("BATO-BBI", "Xã Ba Bích", UnitKind.XA),
    ("BATO-BGI", "Xã Ba Giang", UnitKind.XA),
    ("BATO-BKH", "Xã Ba Khâm", UnitKind.XA),
    ("BATO-BLE", "Xã Ba Lế", UnitKind.XA),
    ("BATO-BLI", "Xã Ba Liên", UnitKind.XA),
    ("BATO-BNA", "Xã Ba Nam", UnitKind.XA),
    ("BATO-BNG", "Xã Ba Ngạc", UnitKind.XA),
    ("BATO-BTH", "Xã Ba Thành", UnitKind.XA),
    ("BATO-BTI", "Xã Ba Tiêu", UnitKind.XA),
    ("BATO-BTO", "Xã Ba Tô", UnitKind.XA),
    ("BATO-BTR", "Xã Ba Trang", UnitKind.XA),
    ("BATO-BVI", "Xã Ba Vì", UnitKind.XA),
    ("BATO-BVN", "Xã Ba Vinh", UnitKind.XA),
    ("BATO-BXA", "Xã Ba Xa", UnitKind.XA),
]
AGENCIES = [
    ("BATO-VP", "Văn phòng HĐND và UBND huyện"),
    ("BATO-NV", "Phòng Nội vụ"),
    ("BATO-TP", "Phòng Tư pháp"),
    ("BATO-TNMT", "Phòng Tài nguyên và Môi trường"),
    ("BATO-GD", "Phòng Giáo dục và Đào tạo"),
]
GROUP_COMMUNES, GROUP_AGENCIES = "Khối xã", "Khối cơ quan"
# (login, full name, role, unit code, title)
AUTHORITY_USERS = [
    ("quantri", "Nguyễn Văn Quản", Role.ADMIN, "BATO", "Chuyên viên Phòng Nội vụ"),
    ("thuongtruc", "Phạm Thị Thường", Role.SECRETARIAT, "BATO", "Phó Trưởng ban Thường trực BCĐ"),
    ("lanhdao", "Đinh Văn Lãnh", Role.LEADERSHIP, "BATO", "Chủ tịch UBND huyện"),
    ("thamdinh1", "Trần Minh Thẩm", Role.APPRAISER, "BATO", "Thành viên tổ thẩm định"),
    ("thamdinh2", "Lê Thị Định", Role.APPRAISER, "BATO", "Thành viên tổ thẩm định"),
]
SLUG = {code: code.split("-", 1)[1].lower() for code, _, _ in COMMUNES}

demo_seeders: list[Callable[[], None]] = []


def demo_seeder(fn: Callable[[], None]) -> Callable[[], None]:
    """Register an area's demo data; seeders run in registration order after the units and users exist."""
    demo_seeders.append(fn)
    return fn


def _unit(code: str, name: str, kind: UnitKind, parent: Unit | None) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        unit = Unit(
            code=code,
            name=name,
            kind=kind,
            parent_id=parent.id if parent else None,
            valid_from=date(2020, 1, 1),
        )
        db.session.add(unit)
        db.session.flush()
        unit.authority_id = unit.id if kind.is_authority else parent.authority_id
    return unit


def _user(login: str, full_name: str, role: Role, unit: Unit, title: str) -> None:
    if db.session.execute(select(User.id).where(User.login == login)).first():
        return
    db.session.add(
        User(
            login=login,
            full_name=full_name,
            role=role,
            unit_id=unit.id,
            title=title,
            email=f"{login}@demo.dvcq.vn",
            password_hash=hash_password(DEMO_PASSWORD),
        )
    )


def seed() -> list[tuple[str, str, str]]:
    """Create the demo district and its accounts; returns the logins to print."""
    province = _unit(*PROVINCE, UnitKind.TINH, None)
    district = _unit(*DISTRICT, UnitKind.HUYEN, province)
    communes = group_for(district.id, GROUP_COMMUNES)
    agencies = group_for(district.id, GROUP_AGENCIES)
    for code, name, kind in COMMUNES:
        _unit(code, name, kind, district).group_id = communes.id
    for code, name in AGENCIES:
        _unit(code, name, UnitKind.CO_QUAN, district).group_id = agencies.id
    db.session.flush()
    units = {u.code: u for u in db.session.execute(select(Unit)).scalars()}
    for login, name, role, code, title in AUTHORITY_USERS:
        _user(login, name, role, units[code], title)
    for code, name, _ in COMMUNES:
        short = name.removeprefix("Xã ").removeprefix("Thị trấn ")
        _user(
            f"canbo.{SLUG[code]}",
            f"Cán bộ đầu mối {short}",
            Role.OFFICER,
            units[code],
            "Công chức Văn phòng - Thống kê",
        )
        _user(f"lanhdao.{SLUG[code]}", f"Chủ tịch UBND {name}", Role.LEADER, units[code], "Chủ tịch UBND")
    db.session.commit()
    for seeder in demo_seeders:
        seeder()
        db.session.commit()
    logins = [(login, role.label, units[code].name) for login, _, role, code, _ in AUTHORITY_USERS]
    logins += [
        ("canbo.bdo", Role.OFFICER.label, "Xã Ba Động"),
        ("lanhdao.bdo", Role.LEADER.label, "Xã Ba Động"),
        ("canbo.<mã xã>", Role.OFFICER.label, "mỗi xã, ví dụ canbo.bcu (Ba Cung)"),
        ("lanhdao.<mã xã>", Role.LEADER.label, "mỗi xã, ví dụ lanhdao.bcu"),
    ]
    return logins
