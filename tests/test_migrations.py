"""The migrations are the schema: one head, the upgraded database matches the models exactly, and every revision
downgrades cleanly. Runs on SQLite and, with DVCQ_TEST_DATABASE_URL, on the PostgreSQL test database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from dvcq.platform import clock
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


def test_0009_keeps_cited_files_and_downgrading_shortens_long_names_keeping_the_extension(app, world):
    """On SQLite the evidence table is rebuilt both ways: its rows, and the links citing them, must survive."""
    import io

    from sqlalchemy import func, select
    from werkzeug.datastructures import FileStorage

    from dvcq.platform.auth.models import User
    from dvcq.platform.tenancy import SYSTEM, Scope, scoped
    from dvcq.scoring.evidence import uploads
    from dvcq.scoring.models import Evidence, EvidenceLink
    from tests.scoring.appraisal_factories import build_campaign
    from tests.scoring.test_evidence_upload import pdf

    directory = app.extensions["migrate"].directory
    campaign = build_campaign(world)
    long_name = "Biên bản hội nghị " + "ệ" * 600 + ".pdf"
    officer = db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()
    with scoped(Scope.for_unit(officer.unit)):
        evidence_id = uploads.upload(officer, world.a_id, FileStorage(io.BytesIO(pdf()), filename=long_name), {}).id
    with scoped(SYSTEM):
        db.session.add(
            EvidenceLink(
                unit_id=world.a_id,
                item_id=campaign.item_ids[("a", "1.1")],
                evidence_id=evidence_id,
                added_at=clock.now(),
            )
        )
        db.session.commit()
    db.session.remove()
    downgrade(directory=directory, revision="0008_freeze_per_statement")
    db.engine.dispose()
    with db.engine.connect() as connection:
        shortened = connection.execute(select(Evidence.original_name)).scalar_one()
    assert len(shortened) == 255 and shortened.startswith("Biên bản hội nghị ệệ") and shortened.endswith("ệ.pdf")
    upgrade(directory=directory)
    db.engine.dispose()
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(EvidenceLink.id))).scalar_one() == 1
        evidence = db.session.get(Evidence, evidence_id)
        assert evidence.original_name == shortened
        evidence.original_name = long_name
        db.session.commit()
    assert _schema_diff(app) == []
