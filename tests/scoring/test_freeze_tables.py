"""What publication freezes is declared once (`freeze_sql.FROZEN_TABLES`): the flush listener guards exactly those
tables, the PostgreSQL triggers after `upgrade` cover exactly those tables, and the revisions that read the
declaration still produce, byte for byte, the DDL they ran in deployments."""

from __future__ import annotations

import hashlib
import importlib.util
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from dvcq.platform.chassis import MIGRATIONS
from dvcq.platform.extensions import db
from dvcq.scoring.decisions import freeze_sql
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, FROZEN_MODELS
from tests.conftest import PG_URL

# SHA-256 of each revision's statements (joined by ";\n") as they ran when the revisions were written.
DEPLOYED_DDL = {
    ("0004_publication_freeze", "upgrade"): "6e2d19566c7f7cf0b31fa0ec61fd388b249d47167d1c5c130023790b93a13cc9",
    ("0004_publication_freeze", "downgrade"): "2803474565f3ade4a36d9f44dc4643e7a3f735eb3fd0d76cb0022bca7a0fb0bb",
    ("0008_freeze_per_statement", "upgrade"): "990619758686eb6e72dfeb9f46a089d93905aa5a2475df711c459da4611d14a4",
    ("0008_freeze_per_statement", "downgrade"): "446f4a32175821ccde7dda95fa1e42c014b564ee600f15b467ec729ad0290f2e",
}


class RecordingOp:
    """Stands in for `alembic.op` on PostgreSQL: keeps the statements instead of running them."""

    def __init__(self):
        self.statements: list[str] = []

    def get_bind(self):
        return SimpleNamespace(dialect=SimpleNamespace(name="postgresql"))

    def execute(self, statement) -> None:
        self.statements.append(str(statement))


def _statements(revision: str, direction: str) -> list[str]:
    spec = importlib.util.spec_from_file_location(revision, MIGRATIONS / "versions" / f"{revision}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.op = RecordingOp()
    getattr(module, direction)()
    return module.op.statements


def test_the_flush_listener_guards_exactly_the_declared_tables():
    assert [model.__tablename__ for model in FROZEN_MODELS] == list(freeze_sql.FROZEN_TABLES)
    for model in FROZEN_MODELS:  # each way to the campaign is a column of the table
        assert freeze_sql.FROZEN_TABLES[model.__tablename__] in model.__table__.columns
    assert FROZEN_MESSAGE == freeze_sql.MESSAGE


@pytest.mark.parametrize(("revision", "direction"), sorted(DEPLOYED_DDL))
def test_the_freeze_revisions_still_produce_the_ddl_they_ran(revision, direction):
    statements = _statements(revision, direction)
    assert hashlib.sha256(";\n".join(statements).encode()).hexdigest() == DEPLOYED_DDL[(revision, direction)], (
        f"{revision} no longer produces the DDL it ran in deployments: pin it to the tables it was written for "
        "(the `tables` argument of freeze_sql) and freeze new tables in a new revision"
    )


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DVCQ_TEST_DATABASE_URL)")
def test_the_triggers_in_postgresql_after_upgrade_cover_exactly_the_declared_tables(app):
    functions = (freeze_sql.ROW_FUNCTION, freeze_sql.INSERT_FUNCTION, "dvcq_campaign_stays_published")
    rows = db.session.execute(
        text(
            "SELECT c.relname, p.proname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND p.proname = ANY(:functions)"
        ),
        {"functions": list(functions)},
    ).all()
    by_function: dict[str, set[str]] = {}
    for table, function in rows:
        by_function.setdefault(function, set()).add(table)
    frozen = set(freeze_sql.FROZEN_TABLES)
    assert by_function == {
        freeze_sql.ROW_FUNCTION: frozen,
        freeze_sql.INSERT_FUNCTION: frozen,
        "dvcq_campaign_stays_published": {"campaigns"},
    }
