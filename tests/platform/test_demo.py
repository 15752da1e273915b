"""`dvcq demo`: Huyện Ba Tơ with its 19 communes and 5 agencies (one of them formed by a merger), a user for every
role, the logins printed; running it again changes nothing."""

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


def members(group_name: str) -> list[Unit]:
    district = db.session.execute(select(Unit).where(Unit.name == "Huyện Ba Tơ")).scalar_one()
    group = db.session.execute(
        select(UnitGroup).where(UnitGroup.authority_id == district.id, UnitGroup.name == group_name)
    ).scalar_one()
    return db.session.execute(select(Unit).where(Unit.group_id == group.id)).scalars().all()


def test_demo_seeds_ba_to_prints_the_logins_and_running_it_again_changes_nothing(app, runner, make_browser):
    # one test for both: the other areas' seeders make a first run slow
    result = run_demo(runner)
    district = db.session.execute(select(Unit).where(Unit.name == "Huyện Ba Tơ")).scalar_one()
    assert district.kind == UnitKind.HUYEN and district.parent.name == "Tỉnh Quảng Ngãi"
    in_force = [u for u in members("Khối xã") if u.active_on(date(2026, 11, 26))]
    former = [u for u in members("Khối xã") if u not in in_force]
    communes, agencies = in_force, members("Khối cơ quan")
    assert len(communes) == 19 and len(agencies) == 5
    # the merger: two former communes ended on 31/12/2022 and Xã Ba Thành, formed the next day, is their successor
    assert sorted((u.name, u.valid_to) for u in former) == [
        ("Xã Ba Chùa", date(2022, 12, 31)),
        ("Xã Ba Hà", date(2022, 12, 31)),
    ]
    merged = next(u for u in communes if u.code == "BATO-BTH")
    assert merged.valid_from == date(2023, 1, 1)
    links = db.session.execute(select(UnitLineage).where(UnitLineage.successor_id == merged.id)).scalars().all()
    assert sorted((link.predecessor.name, link.effective_on) for link in links) == [
        ("Xã Ba Chùa", date(2023, 1, 1)),
        ("Xã Ba Hà", date(2023, 1, 1)),
    ]
    assert {u.kind for u in communes} == {UnitKind.XA, UnitKind.THI_TRAN}
    assert {u.kind for u in agencies} == {UnitKind.CO_QUAN}
    assert all(u.authority_id == district.id and u.parent_id == district.id for u in communes + agencies)
    assert "Xã Ba Điền" in {u.name for u in communes}

    users = db.session.execute(select(User)).scalars().all()
    assert {u.role for u in users} == set(Role)
    officers = {u.login: u.unit.name for u in users if u.role == Role.OFFICER}
    leaders = {u.login: u.unit.name for u in users if u.role == Role.LEADER}
    assert len(officers) == len(leaders) == 24  # an officer and a leader in every commune and every agency
    assert (officers["canbo.nv"], leaders["lanhdao.nv"], leaders["lanhdao.vp"]) == (
        "Phòng Nội vụ",
        "Phòng Nội vụ",
        "Văn phòng HĐND và UBND huyện",
    )
    # every unit and every account was created through the services, so each has its audit record
    assert db.session.execute(select(func.count()).where(AuditRecord.action == "unit.created")).scalar_one() == 28
    assert db.session.execute(select(func.count()).where(AuditRecord.action == "user.created")).scalar_one() == len(
        users
    )

    out = result.output
    assert f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}" in out
    for login in ("quantri", "thuongtruc", "lanhdao", "thamdinh1", "canbo.bdo", "lanhdao.bdo", "canbo.nv"):
        assert login in out
    for role in Role:
        assert role.label in out
    for login, role in (("quantri", "admin"), ("thamdinh1", "appraiser"), ("canbo.bdo", "officer")):
        browser = make_browser()
        assert browser.login(login, demo.DEMO_PASSWORD).status_code == 302
        assert f'data-role="{role}"' in browser.get("/").get_data(as_text=True)

    before = tenants_state()
    again = run_demo(runner)
    assert tenants_state() == before  # same units, groups, lineage, users, and no new unit/user audit record
    assert f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}" in again.output


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
        user = db.session.execute(select(User).where(User.login == "lanhdao.bxa")).scalar_one()
        user.login = "lanhdao.bxa.cu"
        db.session.commit()
    seed_units_and_users()
    db.session.expire_all()
    assert db.session.execute(select(User.id).where(User.login == "lanhdao.bxa")).scalar_one_or_none() is not None


def test_the_demo_refuses_to_run_in_production(app, runner):
    app.config["DVCQ_ENV"] = "production"
    result = runner.invoke(args=["dvcq", "demo"])
    assert result.exit_code == 1
    assert "Không chạy «dvcq demo» trên máy chủ chính thức" in result.output
    assert db.session.execute(select(func.count(User.id)).where(User.login.like("%demo%"))).scalar_one() == 0
    assert db.session.execute(select(Unit).where(Unit.name == "Huyện Ba Tơ")).first() is None
