"""The explanation round: a draft explanation (the officer drafts, the unit leader sends, recorded as sent_by), the
files attached to one explanation, and the moment a unit ended its round before the deadline

Columns only: existing explanations are sent ones (draft defaults to false), existing files stay on their items. On
SQLite the two small tables are rebuilt to add their foreign keys; nothing refers to them while that happens.

Revision ID: 0012_explanation_round
Revises: 0011_report_handover
Create Date: 2026-12-05 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_explanation_round"
down_revision = "0011_report_handover"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("assessments", sa.Column("explanation_closed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("explanations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("sent_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_explanations_sent_by_id_users"), "users", ["sent_by_id"], ["id"])
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_evidence_links_explanation_id"), ["explanation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_links_explanation_id_explanations"), "explanations", ["explanation_id"], ["id"]
        )


def downgrade():
    # A draft never reached the authority: the old schema has no drafts, so they go, with the files attached to them.
    explanations = sa.table("explanations", sa.column("id", sa.Integer), sa.column("draft", sa.Boolean))
    links = sa.table("evidence_links", sa.column("explanation_id", sa.Integer))
    drafts = sa.select(explanations.c.id).where(explanations.c.draft.is_(True))
    op.execute(links.delete().where(links.c.explanation_id.in_(drafts)))
    op.execute(explanations.delete().where(explanations.c.draft.is_(True)))
    with op.batch_alter_table("evidence_links", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evidence_links_explanation_id_explanations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_evidence_links_explanation_id"))
        batch_op.drop_column("explanation_id")
    with op.batch_alter_table("explanations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_explanations_sent_by_id_users"), type_="foreignkey")
        batch_op.drop_column("sent_by_id")
        batch_op.drop_column("draft")
    op.drop_column("assessments", "explanation_closed_at")
