"""Criteria version services: a version a campaign uses is frozen, a new version starts as a copy, drafts may be
edited with conflict detection, two versions compare item by item, and the demo seeder loads the sample once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dvcq.platform import demo
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict, Forbidden
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.criteria import exports, imports, services
from dvcq.scoring.models import Campaign, CriteriaNode, CriteriaVersion, VersionStatus
from tests.factories import every_group_on
from tests.scoring.criteria_factories import load_sample_version, make_version


@pytest.fixture(autouse=True)
def _system_scope_for_test_queries(app):
    """The test's own checks read across the authority; requests still set their own scope."""
    with scoped(SYSTEM):
        yield


def user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def as_authority(world):
    return scoped(Scope(authority_id=world.district_id))


def audit_actions() -> list[str]:
    return list(db.session.execute(select(AuditRecord.action).order_by(AuditRecord.seq)).scalars())


def pin(world, version_id: int, year: int = 2026) -> None:
    """What the campaign service does when a campaign pins a version."""
    with scoped(SYSTEM):
        services.lock_version(None, version_id)
        db.session.add(
            Campaign(
                authority_id=world.district_id,
                year=year,
                name=f"Đánh giá năm {year}",
                criteria=every_group_on(world.district_id, version_id),
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()


def test_lock_version_freezes_and_is_recorded_once(world):
    version = make_version(world.district_id)
    with scoped(SYSTEM):
        services.lock_version(None, version.id)
        services.lock_version(None, version.id)
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(CriteriaVersion, version.id).status == VersionStatus.IN_USE
    assert audit_actions().count("criteria.locked") == 1


@pytest.mark.parametrize("how", ["update_node", "rename", "delete", "reimport"])
def test_a_locked_version_refuses_every_change(world, how):
    version = make_version(world.district_id, status=VersionStatus.IN_USE)
    node_id = version.nodes[1].id
    secretariat = user(world.secretariat)
    with as_authority(world), pytest.raises(Conflict) as caught:
        if how == "update_node":
            services.update_node(secretariat, node_id, version.version, name="Tên mới")
        elif how == "rename":
            services.rename_version(secretariat, version.id, version.version, "Tên mới")
        elif how == "delete":
            services.delete_draft(secretariat, version.id, version.version)
        else:
            data = exports.export_bytes(version)
            imports.import_criteria(
                actor=secretariat, authority_id=world.district_id, filename="x.xlsx", data=data, replace_id=version.id
            )
    db.session.rollback()
    assert "đang được kỳ đánh giá sử dụng nên đã khoá" in caught.value.message
    assert caught.value.status == 409
    db.session.expire_all()
    assert db.session.get(CriteriaNode, node_id).name == "Tiêu chí 1.1"
    assert db.session.get(CriteriaVersion, version.id).name == "Bộ tiêu chí thử nghiệm"


def test_a_version_pinned_by_a_campaign_is_locked_even_if_its_status_was_not_set(world):
    version = make_version(world.district_id)
    with scoped(SYSTEM):
        db.session.add(
            Campaign(
                authority_id=world.district_id,
                year=2027,
                name="Đánh giá năm 2027",
                criteria=every_group_on(world.district_id, version.id),
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
        with pytest.raises(Conflict):
            services.update_node(None, version.nodes[1].id, None, name="Không được")


def test_copy_starts_a_new_draft_from_a_locked_version(world):
    version = load_sample_version(world.district_id)
    pin(world, version.id)
    with as_authority(world):
        copy = services.copy_version(user(world.secretariat), version.id, "Bộ tiêu chí 2027")
    assert copy.status == VersionStatus.DRAFT and copy.based_on_id == version.id
    assert copy.name == "Bộ tiêu chí 2027" and copy.max_total == Decimal("100.00")
    assert services.compare(version, copy).same
    assert [n.id for n in copy.nodes] != [n.id for n in version.nodes]
    parents = {n.code: n.parent.code if n.parent else None for n in copy.nodes}
    assert parents["1.1.a"] == "1.1" and parents["P.3"] == "P"
    assert cells_equal(version, copy)
    assert "criteria.copied" in audit_actions()


def cells_equal(a: CriteriaVersion, b: CriteriaVersion) -> bool:
    from tests.scoring.test_criteria_import import cells

    return cells(exports.export_bytes(a)) == cells(exports.export_bytes(b))


def test_only_the_secretariat_and_the_administrator_change_criteria(world):
    version = make_version(world.district_id)
    for login in (world.officer_a, world.leader_a, world.appraiser, world.leadership):
        with scoped(Scope.for_unit(user(login).unit)), pytest.raises(Forbidden):
            services.copy_version(user(login), version.id, "Không được")
    with as_authority(world):
        assert services.copy_version(user(world.admin), version.id, "Được").based_on_id == version.id


def test_update_node_edits_a_draft_and_a_stale_form_is_a_conflict(world):
    version = make_version(world.district_id)
    node_id, seen = version.nodes[1].id, version.version
    secretariat = user(world.secretariat)
    with as_authority(world):
        services.update_node(secretariat, node_id, seen, name="Ban hành kế hoạch", guidance="Có kế hoạch: 4 điểm")
        with pytest.raises(Conflict) as caught:
            services.update_node(secretariat, node_id, seen, name="Ghi đè", guidance="")
    db.session.rollback()
    assert "vừa được người khác thay đổi" in caught.value.message
    db.session.expire_all()
    node = db.session.get(CriteriaNode, node_id)
    assert (node.name, node.guidance) == ("Ban hành kế hoạch", "Có kế hoạch: 4 điểm")
    assert db.session.get(CriteriaVersion, version.id).version == seen + 1
    record = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq.desc())).scalars().first()
    assert record.action == "criteria.node_updated" and '"Tiêu chí 1.1"' in record.before


def test_delete_draft_removes_the_version_and_keeps_its_copies(world):
    version = make_version(world.district_id)
    with as_authority(world):
        copy = services.copy_version(user(world.secretariat), version.id, "Bản sao")
        services.delete_draft(user(world.secretariat), version.id, version.version)
    db.session.expire_all()
    assert db.session.get(CriteriaVersion, version.id) is None
    assert db.session.execute(select(func.count()).where(CriteriaNode.version_id == version.id)).scalar_one() == 0
    assert db.session.get(CriteriaVersion, copy.id).based_on_id is None
    assert "criteria.deleted" in audit_actions()


def test_reimport_replaces_a_draft_in_place(world):
    version = make_version(world.district_id)
    sample = load_sample_version(world.district_id)
    with scoped(SYSTEM):
        imports.import_criteria(
            actor=None,
            authority_id=world.district_id,
            filename="moi.xlsx",
            data=exports.export_bytes(sample),
            replace_id=version.id,
        )
    db.session.expire_all()
    replaced = db.session.get(CriteriaVersion, version.id)
    assert replaced.name == "Bộ tiêu chí thử nghiệm" and replaced.max_total == Decimal("100.00")
    assert services.compare(sample, replaced).same
    assert "criteria.reimported" in audit_actions()


def test_compare_lists_added_removed_and_changed_items(world):
    old = make_version(world.district_id)
    new = make_version(
        world.district_id,
        leaves={
            "1.1": {"max": "5", "method": "khoang", "step": "0.25", "evidence": True},
            "1.2": {"max": "2", "method": "co_khong"},
            "2.2": {"max": "3", "method": "khoang"},
        },
        levels=(("Xuất sắc", "9"), ("Tốt", "6"), ("Không", "0")),
        conditions=[("DK1", "Kỷ luật", "disqualify", None)],
    )
    result = services.compare(old, new)
    assert [n.code for n in result.added] == ["2.2"]
    assert [n.code for n in result.removed] == ["2.1"]
    changed = {c.code: c.fields for c in result.changed}
    assert changed["1.1"] == [("Điểm tối đa", "4,00", "5,00")]
    assert changed["1"] == [("Điểm tối đa", "6,00", "7,00")]
    assert changed["2"] == [("Điểm tối đa", "4,00", "3,00")]
    assert ("Mức 2", "Hoàn thành tốt nhiệm vụ (từ 7,00)", "Tốt (từ 6,00)") in result.levels
    assert ("Mức 4", "Không hoàn thành nhiệm vụ (từ 0,00)", "—") in result.levels
    assert result.conditions == [("DK1", "—", "Kỷ luật — không xếp loại")]
    assert result.totals is None  # 10 → 10


def test_another_authority_cannot_read_or_copy_this_authoritys_version(world):
    version = make_version(world.district_id)
    far = db.session.get(type(user(world.officer_far).unit), world.far_id)
    other_authority = far.authority_id
    with scoped(Scope(authority_id=other_authority)):
        assert services.find_version(version.id) is None
        with pytest.raises(Exception) as caught:
            services.copy_version(None, version.id, "Lấy trộm")
    assert caught.value.status == 404
    assert db.session.execute(select(func.count()).select_from(CriteriaVersion)).scalar_one() == 1


def test_default_authority_is_the_only_one_with_member_units(world):
    with scoped(SYSTEM):
        with pytest.raises(Exception) as caught:
            services.default_authority()
        assert "Có nhiều cơ quan đánh giá (D, D2)" in caught.value.message


def test_the_demo_seeder_loads_both_samples_for_the_district_and_the_province_once(app, monkeypatch):
    from dvcq.platform import registry
    from dvcq.scoring.criteria.demo import seed_sample_criteria
    from dvcq.tenants import demo as tenants_demo
    from dvcq.tenants.models import Unit

    assert services.load_sample.__module__ == "dvcq.scoring.criteria.services"
    monkeypatch.setattr(registry.of(app), "demo_seeders", [tenants_demo.seed, seed_sample_criteria])
    with scoped(SYSTEM):
        demo.seed()
        demo.seed()
        owners = dict(db.session.execute(select(Unit.id, Unit.code)).all())
        rows = db.session.execute(select(CriteriaVersion).order_by(CriteriaVersion.id)).scalars().all()
        found = [(owners[r.authority_id], services.summary(r)) for r in rows]
    assert all(r.is_sample for r in rows)
    # Huyện Ba Tơ scored its cycles until 2024 on them, Tỉnh Quảng Ngãi its cycles from 2025
    assert [(code, s["name"], s["areas"], s["max_total"]) for code, s in found] == [
        ("BATO", services.SAMPLE_NAME, 8, 100),
        ("BATO", services.AGENCY_SAMPLE_NAME, 7, 90),
        ("QNG", services.SAMPLE_NAME, 8, 100),
        ("QNG", services.AGENCY_SAMPLE_NAME, 7, 90),
    ]
    assert found[0][1]["leaves"] == found[2][1]["leaves"] == 49
