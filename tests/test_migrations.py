"""The migrations are the schema: one head, the upgraded database matches the models exactly, and every revision
downgrades cleanly. Runs on SQLite and, with DVCQ_TEST_DATABASE_URL, on the PostgreSQL test database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from dvcq.platform.chassis import MIGRATIONS
from dvcq.platform.extensions import db


def _schema_diff(app) -> list:
    """What autogenerate would write for the current database: empty when migrations and models agree."""
    options = app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": options.get("compare_type", True)})
        return compare_metadata(context, db.metadata)


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_there_is_exactly_one_head():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def test_migrated_schema_matches_the_models(app):
    assert _schema_diff(app) == []


def test_downgrade_to_base_then_upgrade_again(app):
    directory = app.extensions["migrate"].directory
    db.session.remove()
    head = _current_revision()
    downgrade(directory=directory, revision="base")
    db.engine.dispose()
    assert _current_revision() is None
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(directory=directory)
    db.engine.dispose()
    assert _current_revision() == head
    assert _schema_diff(app) == []
