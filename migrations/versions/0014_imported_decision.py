"""An imported year's decision: its number and date on the imported results (Số quyết định, Ngày quyết định)

Revision ID: 0014_imported_decision
Revises: 0013_document_fields
Create Date: 2026-12-04 23:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_imported_decision"
down_revision = "0013_document_fields"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_number", sa.String(length=60), server_default="", nullable=False))
        batch_op.add_column(sa.Column("decision_date", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("unit_results", schema=None) as batch_op:
        batch_op.drop_column("decision_date")
        batch_op.drop_column("decision_number")
