"""An imported year's per-area self-scores (the past-results file's TheoLinhVuc sheet); the appraised ones go to the
existing `by_area`

Revision ID: 0015_imported_areas
Revises: 0014_imported_decision
Create Date: 2026-12-04 23:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_imported_areas"
down_revision = "0014_imported_decision"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_by_area", sa.Text(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("unit_results", schema=None) as batch_op:
        batch_op.drop_column("self_by_area")
