"""Evidence file names up to 1,000 characters (officials' names are long; the name is shown, never used as a path)

Revision ID: 0009_long_file_names
Revises: 0008_freeze_per_statement
Create Date: 2026-11-26 21:40:00.000000

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_long_file_names"
down_revision = "0008_freeze_per_statement"
branch_labels = None
depends_on = None

OLD, NEW = 255, 1000


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite changes a column by rebuilding the table (create, copy, drop, rename), and dropping `evidence` while
    evidence_links refer to it fails when foreign keys are enforced. The pragma is ignored inside a transaction, and
    Alembic runs SQLite's DDL outside one: what an earlier step left open is committed first. The references are checked
    before enforcement is turned back on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if raw.in_transaction:
            raw.commit()
        raw.execute("PRAGMA foreign_keys=ON")
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
    assert not broken, f"foreign keys broken by the rebuild: {broken}"


def upgrade():
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.alter_column(
            "original_name", existing_type=sa.String(length=OLD), type_=sa.String(length=NEW), existing_nullable=False
        )


def _shortened(name: str) -> str:
    """A name cut to the old length, keeping its extension so that the download still opens."""
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        return name[:OLD]
    return stem[: OLD - len(ext) - 1] + "." + ext


def downgrade():
    bind = op.get_bind()
    evidence = sa.table("evidence", sa.column("id", sa.Integer), sa.column("original_name", sa.String))
    with _foreign_keys_off_on_sqlite():
        long_names = bind.execute(
            sa.select(evidence.c.id, evidence.c.original_name).where(sa.func.length(evidence.c.original_name) > OLD)
        ).all()
        for evidence_id, name in long_names:
            bind.execute(evidence.update().where(evidence.c.id == evidence_id).values(original_name=_shortened(name)))
        with op.batch_alter_table("evidence", schema=None) as batch_op:
            batch_op.alter_column(
                "original_name",
                existing_type=sa.String(length=NEW),
                type_=sa.String(length=OLD),
                existing_nullable=False,
            )
