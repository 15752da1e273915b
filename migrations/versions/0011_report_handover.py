"""Period reports are acknowledged or returned by the authority, as plans are: a reason, who acknowledged and when

Revision ID: 0011_report_handover
Revises: 0010_criteria_per_group
Create Date: 2026-12-04 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_report_handover"
down_revision = "0010_criteria_per_group"
branch_labels = None
depends_on = None

reports = sa.table("progress_reports", sa.column("status", sa.String))


def upgrade():
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_progress_reports_acknowledged_by_id_users"), "users", ["acknowledged_by_id"], ["id"]
        )


def downgrade():
    # The old schema knows only draft and submitted: an acknowledged report was submitted, a returned one is open to
    # the unit again, as a draft is.
    op.execute(reports.update().where(reports.c.status == "acknowledged").values(status="submitted"))
    op.execute(reports.update().where(reports.c.status == "returned").values(status="draft"))
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_progress_reports_acknowledged_by_id_users"), type_="foreignkey")
        batch_op.drop_column("acknowledged_by_id")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("return_reason")
