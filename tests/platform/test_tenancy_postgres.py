"""On PostgreSQL the authority's check leaves a statement's plan to the statement: it is a subplan run once and hashed,
not a join with `units` that cuts the planner's row estimate by the authority's share of all units (with 34
authorities: 1 row expected where there were thousands). Runs when DVCQ_TEST_DATABASE_URL is set (the `app` fixture
then uses PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event, select, text

from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.tenants.models import Unit, UnitKind
from tests import factories
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DVCQ_TEST_DATABASE_URL)")


def _plan(stmt, **options) -> dict:
    """EXPLAIN of the SQL the session sends for `stmt`, the guard's criteria included."""
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        db.session.execute(stmt.execution_options(**options)).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = sent[-1]
    explained = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
    return explained.scalar_one()[0]["Plan"]


def test_the_authority_check_keeps_the_statements_row_estimate(world):
    assert db.engine.dialect.name == "postgresql"
    with scoped(SYSTEM):
        far_district = db.session.get(Unit, db.session.get(Unit, world.far_id).parent_id)
        far_units = [factories.unit(f"F{i}", f"Xã Xa {i}", UnitKind.XA, far_district).id for i in range(12)]
        created = datetime(2026, 1, 1)
        for i, unit_id in enumerate([world.a_id, world.b_id, *far_units] * 30):
            db.session.add(JobRecord(id=f"{i:032x}", name="x", queue="q", unit_id=unit_id, created_at=created))
        db.session.commit()
        db.session.execute(text("ANALYZE units"))
        db.session.execute(text("ANALYZE jobs"))
        db.session.commit()
    stmt = select(JobRecord).where(JobRecord.status == "queued")
    with scoped(Scope(world.district_id)):
        guarded = _plan(stmt)
        unguarded = _plan(stmt, all_tenants=True)
        seen = db.session.execute(stmt).scalars().all()
    assert {job.unit_id for job in seen} == {world.a_id, world.b_id}
    assert guarded["Plan Rows"] >= 0.9 * unguarded["Plan Rows"]
