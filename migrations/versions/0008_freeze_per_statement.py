"""publication freeze: inserts checked once per statement instead of once per row

0004's guard runs a PL/pgSQL function BEFORE every inserted row. Bulk inserts (a national campaign's 3,321 results,
a generated or imported campaign's item scores) paid ~20 µs a row for it — about 70 ms of a national results
computation. Inserts are now checked by an AFTER INSERT … FOR EACH STATEMENT trigger that looks at all the new rows at
once (a transition table); raising in it aborts the statement just the same. Updates and deletes keep the row guard
of 0004 (they change few rows, and need the old row). Same message, same error code, same `dvcq.amending` bypass.

Revision ID: 0008_freeze_per_statement
Revises: 0007_decision_number_year
Create Date: 2026-11-26 10:20:00

"""

from alembic import op

from dvcq.scoring.decisions import freeze_sql

revision = "0008_freeze_per_statement"
down_revision = "0007_decision_number_year"
branch_labels = None
depends_on = None


# The DDL comes from the one declaration of frozen tables (dvcq/scoring/decisions/freeze_sql.py); a test pins it
# byte for byte to what this revision ran when it was written.
def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(freeze_sql.insert_guard_function())
    for table in freeze_sql.FROZEN_TABLES:
        op.execute(f"DROP TRIGGER {table}_publication_freeze ON {table}")
        op.execute(freeze_sql.row_trigger(table, inserts=False))
        op.execute(freeze_sql.insert_trigger(table))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in freeze_sql.FROZEN_TABLES:
        op.execute(f"DROP TRIGGER {table}_publication_freeze_insert ON {table}")
        op.execute(f"DROP TRIGGER {table}_publication_freeze ON {table}")
        op.execute(freeze_sql.row_trigger(table, inserts=True))
    op.execute("DROP FUNCTION dvcq_refuse_inserts_if_published()")
