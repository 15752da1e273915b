"""Builders for test data. Password hashes are computed once: argon2 is slow on purpose."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from dvcq.platform.auth.models import Role, User
from dvcq.platform.auth.passwords import hash_password
from dvcq.platform.extensions import db
from dvcq.tenants.models import Unit, UnitGroup, UnitKind

PASSWORD = "Matkhau@2026"
_HASH = hash_password(PASSWORD)


def unit(code: str, name: str, kind: UnitKind, parent: Unit | None = None, group: UnitGroup | None = None) -> Unit:
    u = Unit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        group_id=group.id if group else None,
        valid_from=date(2020, 1, 1),
    )
    db.session.add(u)
    db.session.flush()
    u.authority_id = u.id if kind.is_authority else parent.authority_id
    db.session.flush()
    return u


def user(login: str, role: Role, at: Unit, full_name: str | None = None, active: bool = True) -> User:
    u = User(
        login=login,
        full_name=full_name or login,
        role=role,
        unit_id=at.id,
        password_hash=_HASH,
        active=active,
        email=f"{login}@example.test",
    )
    db.session.add(u)
    db.session.flush()
    return u


def build_world() -> SimpleNamespace:
    province = unit("P", "Tỉnh Thử Nghiệm", UnitKind.TINH)
    district = unit("D", "Huyện Thử Nghiệm", UnitKind.HUYEN, province)
    communes = UnitGroup(authority_id=district.id, name="Khối xã", position=0)
    agencies = UnitGroup(authority_id=district.id, name="Khối cơ quan", position=1)
    db.session.add_all([communes, agencies])
    db.session.flush()
    a = unit("A", "Xã An Bình", UnitKind.XA, district, communes)
    b = unit("B", "Xã Bình Đông", UnitKind.XA, district, communes)
    agency = unit("C", "Phòng Nội vụ", UnitKind.CO_QUAN, district, agencies)
    other_district = unit("D2", "Huyện Khác", UnitKind.HUYEN, province)
    far = unit("F", "Xã Xa Xôi", UnitKind.XA, other_district)
    users = {
        "officer_a": user("canbo.a", Role.OFFICER, a, "Nguyễn Văn An"),
        "leader_a": user("lanhdao.a", Role.LEADER, a, "Trần Thị Lãnh"),
        "officer_b": user("canbo.b", Role.OFFICER, b, "Lê Văn Bình"),
        "leader_b": user("lanhdao.b", Role.LEADER, b),
        "appraiser": user("thamdinh", Role.APPRAISER, district, "Phạm Thẩm Định"),
        "appraiser2": user("thamdinh2", Role.APPRAISER, district),
        "secretariat": user("thuongtruc", Role.SECRETARIAT, district),
        "leadership": user("lanhdao", Role.LEADERSHIP, district),
        "admin": user("quantri", Role.ADMIN, district),
        "officer_far": user("canbo.f", Role.OFFICER, far),
    }
    db.session.commit()
    return SimpleNamespace(
        province_id=province.id,
        district_id=district.id,
        a_id=a.id,
        b_id=b.id,
        agency_id=agency.id,
        far_id=far.id,
        group_communes_id=communes.id,
        group_agencies_id=agencies.id,
        **{k: v.login for k, v in users.items()},
        ids={k: v.id for k, v in users.items()},
    )


def every_group_on(authority_id: int, version_id: int) -> list:
    """A campaign's criteria with every group of the authority scored on one version: `Campaign(criteria=…)`."""
    from sqlalchemy import select

    from dvcq.scoring.models import CampaignCriteria

    groups = db.session.execute(select(UnitGroup.id).where(UnitGroup.authority_id == authority_id)).scalars()
    return [CampaignCriteria(authority_id=authority_id, group_id=g, version_id=version_id) for g in groups]
