"""`dvcq demo`: the 2025 reform as it happened — Huyện Ba Tơ with its 19 communes and 5 agencies until 30/6/2025, the
province's 8 new communes (each naming its predecessors) and 5 agencies from 01/7/2025 — a user for every role on
both sides, the logins printed; running it again changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dvcq.platform import demo, registry
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants import demo as tenants_demo
from dvcq.tenants.models import Unit, UnitGroup, UnitKind, UnitLineage


def run_demo(runner):
    result = runner.invoke(args=["dvcq", "demo"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def tenants_state() -> dict:
    db.session.expire_all()
    return {
        "units": db.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.group_id, Unit.version).order_by(Unit.id)
        ).all(),
        "groups": db.session.execute(select(UnitGroup.id, UnitGroup.name).order_by(UnitGroup.id)).all(),
        "lineage": db.session.execute(select(func.count(UnitLineage.id))).scalar_one(),
        "users": db.session.execute(
            select(User.id, User.login, User.role, User.unit_id, User.password_hash, User.version).order_by(User.id)
        ).all(),
        "audit": db.session.execute(
            select(AuditRecord.id)
            .where(AuditRecord.action.like("unit%") | AuditRecord.action.like("user%"))
            .order_by(AuditRecord.id)
        ).all(),
    }


def members(authority: str, group_name: str) -> list[Unit]:
    owner = db.session.execute(select(Unit).where(Unit.code == authority)).scalar_one()
    group = db.session.execute(
        select(UnitGroup).where(UnitGroup.authority_id == owner.id, UnitGroup.name == group_name)
    ).scalar_one()
    return db.session.execute(select(Unit).where(Unit.group_id == group.id)).scalars().all()


def test_demo_seeds_the_reform_prints_the_logins_and_running_it_again_changes_nothing(app, runner, make_browser):
    # one test for both: the other areas' seeders make a first run slow
    result = run_demo(runner)
    province = db.session.execute(select(Unit).where(Unit.code == "QNG")).scalar_one()
    district = db.session.execute(select(Unit).where(Unit.code == "BATO")).scalar_one()
    assert (province.kind, province.name, province.valid_to) == (UnitKind.TINH, "Tỉnh Quảng Ngãi", None)
    assert district.kind == UnitKind.HUYEN and district.parent_id == province.id
    assert district.valid_to == date(2025, 6, 30)
    # until 30/6/2025: the district's 19 communes (1 thị trấn, 18 xã) and 5 agencies, all ending that day
    communes, agencies = members("BATO", "Khối xã"), members("BATO", "Khối cơ quan")
    assert len(communes) == 19 and len(agencies) == 5
    assert sorted(u.kind for u in communes).count(UnitKind.THI_TRAN) == 1
    assert {(u.valid_from, u.valid_to) for u in communes + agencies} == {(date(2020, 1, 1), date(2025, 6, 30))}
    assert all(u.authority_id == district.id and u.parent_id == district.id for u in communes + agencies)
    assert {"Xã Ba Nam", "Xã Ba Thành", "Xã Ba Điền"} <= {u.name for u in communes}
    assert not db.session.execute(select(Unit).where(Unit.name.in_(["Xã Ba Chùa", "Xã Ba Hà"]))).first()
    # from 01/7/2025: the province's 8 new communes and 5 agencies
    new, province_agencies = members("QNG", "Khối xã"), members("QNG", "Khối cơ quan")
    assert sorted(u.name for u in new) == sorted(
        ["Xã Ba Vì", "Xã Ba Tô", "Xã Ba Dinh", "Xã Ba Tơ", "Xã Ba Vinh", "Xã Ba Động", "Xã Đặng Thùy Trâm", "Xã Ba Xa"]
    )
    assert sorted(u.code for u in province_agencies) == ["QNG-SGD", "QNG-SNV", "QNG-STC", "QNG-STP", "QNG-VP"]
    assert {(u.valid_from, u.valid_to, u.authority_id) for u in new + province_agencies} == {
        (date(2025, 7, 1), None, province.id)
    }

    users = db.session.execute(select(User)).scalars().all()
    assert {u.role for u in users} == set(Role)
    officers = {u.login: u.unit.name for u in users if u.role == Role.OFFICER}
    leaders = {u.login: u.unit.name for u in users if u.role == Role.LEADER}
    assert len(officers) == len(leaders) == 19 + 5 + 8 + 5  # an officer and a leader in every unit, old and new
    assert (officers["canbo.bna"], leaders["lanhdao.bna"], officers["canbo.nv"]) == (
        "Xã Ba Nam",
        "Xã Ba Nam",
        "Phòng Nội vụ",
    )
    assert (officers["canbo.batoo"], officers["canbo.batow"], leaders["lanhdao.sotp"]) == (
        "Xã Ba Tô",
        "Xã Ba Tơ",
        "Sở Tư pháp",
    )
    staff = {u.login: (u.role, u.unit.code, u.title) for u in users if u.role.in_authority}
    assert staff == {
        "quantri": (Role.ADMIN, "QNG", "Chuyên viên Sở Nội vụ"),
        "thuongtruc": (Role.SECRETARIAT, "QNG", "Chuyên viên Sở Nội vụ"),
        "lanhdao": (Role.LEADERSHIP, "QNG", "Phó Chủ tịch UBND tỉnh"),
        "thamdinh1": (Role.APPRAISER, "QNG", "Thành viên tổ thẩm định"),
        "thamdinh2": (Role.APPRAISER, "QNG", "Thành viên tổ thẩm định"),
        "huyen.thuongtruc": (Role.SECRETARIAT, "BATO", "Chuyên viên Phòng Nội vụ huyện"),
        "huyen.lanhdao": (Role.LEADERSHIP, "BATO", "Chủ tịch UBND huyện"),
        "huyen.thamdinh": (Role.APPRAISER, "BATO", "Thành viên tổ thẩm định huyện"),
    }
    # every unit and every account was created through the services, so each has its audit record; the reform's
    # file ended the district and its 24 members (one "unit.updated" each)
    assert db.session.execute(select(func.count()).where(AuditRecord.action == "unit.created")).scalar_one() == 39
    assert db.session.execute(select(func.count()).where(AuditRecord.action == "unit.updated")).scalar_one() == 25
    assert db.session.execute(select(func.count()).where(AuditRecord.action == "user.created")).scalar_one() == len(
        users
    )

    out = result.output
    assert f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}" in out
    for login in ("quantri", "thuongtruc", "lanhdao", "thamdinh1", "huyen.thuongtruc", "canbo.bna", "canbo.batoo"):
        assert login in out
    for role in Role:
        assert role.label in out
    for login, role in (("quantri", "admin"), ("huyen.thamdinh", "appraiser"), ("canbo.bna", "officer")):
        browser = make_browser()
        assert browser.login(login, demo.DEMO_PASSWORD).status_code == 302
        assert f'data-role="{role}"' in browser.get("/").get_data(as_text=True)

    before = tenants_state()
    again = run_demo(runner)
    assert tenants_state() == before  # same units, groups, lineage, users, and no new unit/user audit record
    assert f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}" in again.output


def test_each_new_commune_names_its_predecessors_as_the_resolution_does(seed_units_and_users):
    seed_units_and_users()
    with scoped(SYSTEM):
        links = db.session.execute(select(UnitLineage)).scalars().all()
        rows = {}
        for link in links:
            rows.setdefault(link.successor.code, set()).add((link.predecessor.code, link.effective_on))
    on = date(2025, 7, 1)
    assert rows == {
        "QNG-BVI": {("BATO-BVI", on), ("BATO-BTI", on), ("BATO-BNG", on)},
        "QNG-BTO": {("BATO-BTO", on), ("BATO-BLE", on), ("BATO-BNA", on)},
        "QNG-BDI": {("BATO-BDI", on), ("BATO-BGI", on)},
        "QNG-BATO": {("BATO-TT", on), ("BATO-BCU", on), ("BATO-BBI", on)},
        "QNG-BVN": {("BATO-BVN", on), ("BATO-BDE", on)},
        "QNG-BDO": {("BATO-BDO", on), ("BATO-BLI", on), ("BATO-BTH", on)},
        "QNG-DTT": {("BATO-BTR", on), ("BATO-BKH", on)},
        "QNG-BXA": {("BATO-BXA", on)},
    }
    assert on == tenants_demo.REFORM_ON and date(2025, 6, 30) == tenants_demo.DISTRICT_LAST_DAY
    assert tenants_demo.REFORM_SOURCE.startswith("Nghị quyết số 1677/NQ-UBTVQH15 ngày 16/6/2025")


@pytest.fixture
def seed_units_and_users(app, monkeypatch):
    """`demo.seed()` without the other areas' seeders: the units and users part only, as the system."""
    monkeypatch.setattr(registry.of(app), "demo_seeders", [tenants_demo.seed])

    def seed():
        with scoped(SYSTEM):
            demo.seed()

    return seed


def test_the_demo_keeps_what_an_administrator_changed(seed_units_and_users):
    seed_units_and_users()
    with scoped(SYSTEM):
        commune = db.session.execute(select(Unit).where(Unit.code == "BATO-BDO")).scalar_one()
        commune.name = "Xã Ba Động (đã đổi tên)"
        db.session.commit()
    before = tenants_state()
    seed_units_and_users()
    assert tenants_state() == before
    assert db.session.execute(select(Unit.name).where(Unit.code == "BATO-BDO")).scalar_one() == (
        "Xã Ba Động (đã đổi tên)"
    )


def test_the_demo_adds_what_is_missing(seed_units_and_users):
    seed_units_and_users()
    with scoped(SYSTEM):
        user = db.session.execute(select(User).where(User.login == "lanhdao.baxa")).scalar_one()
        user.login = "lanhdao.baxa.cu"
        db.session.commit()
    seed_units_and_users()
    db.session.expire_all()
    assert db.session.execute(select(User.id).where(User.login == "lanhdao.baxa")).scalar_one_or_none() is not None


def test_the_demo_refuses_to_run_in_production(app, runner):
    app.config["DVCQ_ENV"] = "production"
    result = runner.invoke(args=["dvcq", "demo"])
    assert result.exit_code == 1
    assert "Không chạy «dvcq demo» trên máy chủ chính thức" in result.output
    assert db.session.execute(select(func.count(User.id)).where(User.login.like("%demo%"))).scalar_one() == 0
    assert db.session.execute(select(Unit).where(Unit.name == "Huyện Ba Tơ")).first() is None
