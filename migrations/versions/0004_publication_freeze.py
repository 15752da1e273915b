"""publication freeze: PostgreSQL triggers refusing changes to a published campaign's rows

Once a campaign is published (its decision issued), no row of item_scores, assessments, evidence_links, explanations
or unit_results that belongs to it may be inserted, updated or deleted — not even by raw SQL — and the campaign
itself may not leave the published status or be deleted. The amendment service lifts the guard for its own
transaction with `SELECT set_config('dvcq.amending', 'on', true)`. The application refuses the same changes first
(dvcq/scoring/decisions/freeze.py); these triggers are the last line. Created on PostgreSQL only: SQLite relies on
the application's checks.

Revision ID: 0004_publication_freeze
Revises: 0003_appraisal_results
Create Date: 2026-11-26 08:00:00

"""

from alembic import op

from dvcq.scoring.decisions import freeze_sql

revision = "0004_publication_freeze"
down_revision = "0003_appraisal_results"
branch_labels = None
depends_on = None


# The DDL comes from the one declaration of frozen tables (dvcq/scoring/decisions/freeze_sql.py); a test pins it
# byte for byte to what this revision ran when it was written.
def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(freeze_sql.row_guard_function())
    for table in freeze_sql.FROZEN_TABLES:
        op.execute(freeze_sql.row_trigger(table, inserts=True))
    op.execute(freeze_sql.CAMPAIGN_GUARD)
    op.execute(freeze_sql.CAMPAIGN_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS campaigns_stay_published ON campaigns")
    op.execute("DROP FUNCTION IF EXISTS dvcq_campaign_stays_published()")
    for table in freeze_sql.FROZEN_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_publication_freeze ON {table}")
    op.execute("DROP FUNCTION IF EXISTS dvcq_refuse_if_published()")
