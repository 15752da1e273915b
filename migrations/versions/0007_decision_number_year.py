"""Decision numbers unique per authority and year of signing (numbering restarts each year, Decree 30/2020/NĐ-CP)

Revision ID: 0007_decision_number_year
Revises: 0006_plans
Create Date: 2026-11-26 08:06:30.936340

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_decision_number_year"
down_revision = "0006_plans"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_year", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        year = "CAST(strftime('%Y', signed_on) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM signed_on) AS INTEGER)"
    op.execute(f"UPDATE decisions SET number_year = {year} WHERE signed_on IS NOT NULL")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_decisions_authority_id_number"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_decisions_authority_id_number_number_year"), ["authority_id", "number", "number_year"]
        )


def downgrade():
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_decisions_authority_id_number_number_year"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_decisions_authority_id_number"), ["authority_id", "number"])
        batch_op.drop_column("number_year")
