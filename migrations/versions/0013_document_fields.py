"""Documents a clerk signs unchanged: the decision's signer mode, the bases the authority cites every year (its
province's regulation, its own guidance, party documents) and the proposal (Tờ trình); the plan's signer; a period
report's shortcomings, next tasks and proposals

Revision ID: 0013_document_fields
Revises: 0012_explanation_round
Create Date: 2026-12-04 22:30:00.000000

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_document_fields"
down_revision = "0012_explanation_round"
branch_labels = None
depends_on = None

decisions = sa.table("decisions", sa.column("signer_mode", sa.String), sa.column("signer_authority", sa.String))


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite drops a column by rebuilding the table, and dropping `improvement_plans` or `decisions` while other rows
    refer to them fails when foreign keys are enforced (as in 0009_long_file_names, whose helper this is): off outside
    a transaction, the references checked before enforcement is turned back on."""
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
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signer_mode", sa.String(length=20), server_default="committee", nullable=False))
        batch_op.add_column(sa.Column("regulation", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("guidance", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("party_bases", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("proposal_by", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("proposal_number", sa.String(length=60), server_default="", nullable=False))
        batch_op.add_column(sa.Column("proposal_date", sa.Date(), nullable=True))
    # The mode of decisions written before it was stored, from their signature line.
    op.execute(decisions.update().where(decisions.c.signer_authority.like("KT.%")).values(signer_mode="vice_chairman"))
    op.execute(decisions.update().where(decisions.c.signer_authority == "CHỦ TỊCH").values(signer_mode="chairman"))
    with op.batch_alter_table("improvement_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signer_name", sa.String(length=120), server_default="", nullable=False))
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shortcomings", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("next_tasks", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("proposals", sa.Text(), server_default="", nullable=False))


def downgrade():
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table("progress_reports", schema=None) as batch_op:
            batch_op.drop_column("proposals")
            batch_op.drop_column("next_tasks")
            batch_op.drop_column("shortcomings")
        with op.batch_alter_table("improvement_plans", schema=None) as batch_op:
            batch_op.drop_column("signer_name")
        with op.batch_alter_table("decisions", schema=None) as batch_op:
            batch_op.drop_column("proposal_date")
            batch_op.drop_column("proposal_number")
            batch_op.drop_column("proposal_by")
            batch_op.drop_column("party_bases")
            batch_op.drop_column("guidance")
            batch_op.drop_column("regulation")
            batch_op.drop_column("signer_mode")
