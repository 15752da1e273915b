"""A plan drafted from an imported year: improvement_plans.source_campaign_id may be empty when the new
source_result_year names the imported year the plan starts from; a check keeps exactly one of them. And the other
documents a plan carries out besides the decision (improvement_plans.bases, one a line)

Revision ID: 0016_plan_from_imported_year
Revises: 0015_imported_areas
Create Date: 2026-12-05 01:00:00.000000

"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_plan_from_imported_year"
down_revision = "0015_imported_areas"
branch_labels = None
depends_on = None

ONE_SOURCE = "(source_campaign_id IS NULL) <> (source_result_year IS NULL)"


def _foreign_keys_off_on_sqlite():
    """SQLite rebuilds `improvement_plans` to change a column, and dropping it while tasks and reports refer to it fails
    with foreign keys enforced: 0013's helper (itself 0009's), loaded from its file rather than copied a third time."""
    path = Path(__file__).with_name("0013_document_fields.py")
    spec = importlib.util.spec_from_file_location("_revision_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._foreign_keys_off_on_sqlite()


def upgrade():
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("improvement_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_result_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("bases", sa.Text(), server_default="", nullable=False))
        batch_op.alter_column("source_campaign_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f("ck_improvement_plans_one_source"), ONE_SOURCE)


def downgrade():
    """The plans drafted from an imported year have no campaign to fall back on: they go, with their tasks and
    reports."""
    imported = "SELECT id FROM improvement_plans WHERE source_campaign_id IS NULL"
    op.execute(f"DELETE FROM progress_reports WHERE plan_id IN ({imported})")
    op.execute(f"DELETE FROM plan_tasks WHERE plan_id IN ({imported})")
    op.execute("DELETE FROM improvement_plans WHERE source_campaign_id IS NULL")
    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("improvement_plans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_improvement_plans_one_source"), type_="check")
        batch_op.alter_column("source_campaign_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("bases")
        batch_op.drop_column("source_result_year")
