"""The tenancy guard: reads filtered to the scope, writes checked, no scope → refused, foreign rows → 404."""

import pytest
from sqlalchemy import select

from dvcq.platform import jobs
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord
from dvcq.platform.tenancy import SYSTEM, Scope, TenancyError, scoped


def _job(unit_id: int, scope: Scope) -> str:
    with scoped(scope):
        return jobs.enqueue("platform.selftest", scope=scope, unit_id=unit_id, steps=1).id


def _visible(scope: Scope, **options) -> set[int]:
    with scoped(scope):
        stmt = select(JobRecord.unit_id)
        if options:
            stmt = stmt.execution_options(**options)
        return set(db.session.execute(stmt).scalars())


@pytest.fixture
def rows(world):
    a, b, d = (
        Scope(world.district_id, world.a_id),
        Scope(world.district_id, world.b_id),
        Scope(world.district_id),
    )
    far_district = Scope(authority_id=None, system=True)
    _job(world.a_id, a)
    _job(world.b_id, b)
    _job(world.district_id, d)
    _job(world.far_id, far_district)
    return world


def test_a_query_on_tenant_data_without_scope_raises(rows):
    with pytest.raises(TenancyError):
        db.session.execute(select(JobRecord)).all()


def test_a_unit_sees_only_its_own_rows(rows):
    assert _visible(Scope(rows.district_id, rows.a_id)) == {rows.a_id}
    assert _visible(Scope(rows.district_id, rows.b_id)) == {rows.b_id}


def test_the_authority_sees_its_units_but_not_another_district(rows):
    assert _visible(Scope(rows.district_id)) == {rows.a_id, rows.b_id, rows.district_id}


def test_authority_wide_opt_out_stays_inside_the_authority(rows):
    assert _visible(Scope(rows.district_id, rows.a_id), authority_wide=True) == {
        rows.a_id,
        rows.b_id,
        rows.district_id,
    }


def test_system_scope_sees_everything(rows):
    assert _visible(SYSTEM) == {rows.a_id, rows.b_id, rows.district_id, rows.far_id}


def test_a_tenant_table_only_joined_or_counted_is_filtered_too(rows):
    from sqlalchemy import func

    from dvcq.tenants.models import Unit

    joined = select(Unit.code).join(JobRecord, JobRecord.unit_id == Unit.id)
    counted = select(func.count()).select_from(JobRecord)
    with scoped(Scope(rows.district_id, rows.a_id)):
        assert db.session.execute(joined).scalars().all() == ["A"]
        assert db.session.execute(counted).scalar_one() == 1
    with scoped(Scope(rows.district_id)):
        assert sorted(db.session.execute(joined).scalars()) == ["A", "B", "D"]
        assert db.session.execute(counted).scalar_one() == 3


def test_without_scope_a_join_to_tenant_data_is_refused(rows):
    from dvcq.tenants.models import Unit

    with pytest.raises(TenancyError):
        db.session.execute(select(Unit.code).join(JobRecord, JobRecord.unit_id == Unit.id)).all()


def test_writing_a_row_for_another_unit_is_refused(rows):
    with scoped(Scope(rows.district_id, rows.a_id)), pytest.raises(TenancyError):
        jobs.enqueue("platform.selftest", scope=Scope(rows.district_id, rows.a_id), unit_id=rows.b_id)
    db.session.rollback()
    assert _visible(SYSTEM) == {rows.a_id, rows.b_id, rows.district_id, rows.far_id}
    assert len(db.session.execute(select(JobRecord).execution_options(all_tenants=True)).all()) == 4


def test_the_authority_cannot_write_rows_of_another_district(rows):
    with scoped(Scope(rows.district_id)), pytest.raises(TenancyError):
        jobs.enqueue("platform.selftest", scope=Scope(rows.district_id), unit_id=rows.far_id)


def test_updates_and_deletes_are_filtered_too(rows):
    from sqlalchemy import update

    with scoped(Scope(rows.district_id, rows.a_id)):
        changed = db.session.execute(update(JobRecord).values(message="x")).rowcount
        db.session.commit()
    assert changed == 1


def test_a_foreign_units_job_answers_404_identical_to_a_missing_one(rows, browser):
    with scoped(SYSTEM):
        b_job = db.session.execute(select(JobRecord.id).where(JobRecord.unit_id == rows.b_id)).scalar_one()
        a_job = db.session.execute(select(JobRecord.id).where(JobRecord.unit_id == rows.a_id)).scalar_one()
    browser.login(rows.officer_a)
    assert browser.get(f"/cong-viec/{a_job}").status_code == 200
    foreign = browser.get(f"/cong-viec/{b_job}/xem")
    missing = browser.get(f"/cong-viec/{'0' * 32}/xem")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()


def test_authority_owned_rows_of_another_district_are_invisible(world):
    from datetime import datetime

    from dvcq.scoring.models import CriteriaVersion

    with scoped(SYSTEM):
        for authority in (world.district_id, world.far_id):
            owner = authority if authority == world.district_id else None
            if owner is None:
                from dvcq.tenants.models import Unit

                owner = db.session.get(Unit, world.far_id).authority_id
            db.session.add(CriteriaVersion(authority_id=owner, name=f"BTC {owner}", created_at=datetime(2026, 1, 1)))
        db.session.commit()
    with scoped(Scope(world.district_id, world.a_id)):
        names = db.session.execute(select(CriteriaVersion.name)).scalars().all()
    assert names == [f"BTC {world.district_id}"]
    with scoped(Scope(world.district_id)):
        assert db.session.execute(select(CriteriaVersion.name)).scalars().all() == names
    with pytest.raises(TenancyError):
        db.session.execute(select(CriteriaVersion)).all()
