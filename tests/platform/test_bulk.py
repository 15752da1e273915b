"""`insert_rows`: COPY on PostgreSQL, executemany elsewhere — the rows read back exactly as the ORM would have written
them (points as exact decimals, NULLs, booleans, Vietnamese text with the characters COPY must escape)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dvcq.platform.bulk import insert_rows
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult


def _row(world, unit_id, **fields):
    return {
        "authority_id": world.district_id,
        "year": 2019,
        "unit_id": unit_id,
        "campaign_id": None,
        "group_name": "Khối xã",
        "self_total": D("97.00"),
        "appraised_total": D("85.50"),
        "level_order": 2,
        "level_name": "Hoàn thành tốt nhiệm vụ",
        "disqualified": False,
        "rank": 2,
        "rank_of": 19,
        "by_area": '{"1": "8.50"}',
        "source": "import",
        "published": True,
        "computed_at": datetime(2026, 11, 26, 10, 30, 5),
    } | fields


def test_rows_read_back_as_written(world):
    odd = 'Xã "Ba Động"\ttab\\gạch\nxuống dòng'
    rows = [
        _row(world, world.a_id),
        _row(world, world.b_id, self_total=None, appraised_total=D("0.25"), rank=None, group_name=odd, published=False),
    ]
    with scoped(SYSTEM):
        insert_rows(db.session, UnitResult.__table__, rows)
        db.session.commit()
        stored = {r.unit_id: r for r in db.session.execute(select(UnitResult).where(UnitResult.year == 2019)).scalars()}
    a, b = stored[world.a_id], stored[world.b_id]
    assert (a.self_total, a.appraised_total, a.rank, a.published) == (D("97.00"), D("85.50"), 2, True)
    assert a.computed_at == datetime(2026, 11, 26, 10, 30, 5) and a.level_name == "Hoàn thành tốt nhiệm vụ"
    assert (b.self_total, b.appraised_total, b.rank, b.published, b.group_name) == (None, D("0.25"), None, False, odd)


def test_a_bad_row_inserts_nothing(world):
    rows = [_row(world, world.a_id), _row(world, world.a_id)]  # the same unit twice: unique (authority, year, unit)
    with scoped(SYSTEM):
        with pytest.raises(IntegrityError):
            insert_rows(db.session, UnitResult.__table__, rows)
        db.session.rollback()
        assert db.session.execute(select(UnitResult).where(UnitResult.year == 2019)).first() is None


def test_a_column_left_out_takes_its_default_on_every_database(world):
    row = _row(world, world.a_id)
    del row["by_area"], row["level_name"]  # constant Python-side defaults "{}" and "": COPY would not apply them
    with scoped(SYSTEM):
        insert_rows(db.session, UnitResult.__table__, [row])
        db.session.flush()
        stored = db.session.execute(
            select(
                UnitResult.by_area, UnitResult.level_name, UnitResult.self_by_area, UnitResult.decision_number
            ).where(UnitResult.year == 2019)
        ).one()
    assert tuple(stored) == ("{}", "", "{}", "")


def test_a_column_with_a_computed_default_must_be_given(world):
    from sqlalchemy import Column, Integer, MetaData, String
    from sqlalchemy import Table as CoreTable

    table = CoreTable(
        "bulk_probe", MetaData(), Column("id", Integer, primary_key=True), Column("s", String, default=lambda: "x")
    )
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only COPY needs the value named")
    with scoped(SYSTEM), pytest.raises(ValueError, match="bulk_probe.s"):
        insert_rows(db.session, table, [{"id": 1}])
