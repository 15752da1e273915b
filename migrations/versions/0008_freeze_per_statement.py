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

revision = "0008_freeze_per_statement"
down_revision = "0007_decision_number_year"
branch_labels = None
depends_on = None

MESSAGE = "Kỳ đánh giá đã công bố kết quả; mọi thay đổi phải thực hiện bằng quyết định điều chỉnh."
GUARDED = ("item_scores", "assessments", "evidence_links", "explanations", "unit_results")

# PL/pgSQL plans a trigger function separately for each table it guards, so each branch names only columns its table
# has (the function is shared, the plans are not).
INSERT_GUARD = f"""
CREATE FUNCTION dvcq_refuse_inserts_if_published() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  refused boolean;
BEGIN
  IF coalesce(current_setting('dvcq.amending', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME IN ('assessments', 'unit_results') THEN
    SELECT EXISTS (
      SELECT 1 FROM new_rows n JOIN campaigns c ON c.id = n.campaign_id WHERE c.status = 'published'
    ) INTO refused;
  ELSIF TG_TABLE_NAME = 'item_scores' THEN
    SELECT EXISTS (
      SELECT 1 FROM new_rows n JOIN assessments a ON a.id = n.assessment_id JOIN campaigns c ON c.id = a.campaign_id
      WHERE c.status = 'published'
    ) INTO refused;
  ELSE
    SELECT EXISTS (
      SELECT 1 FROM new_rows n JOIN item_scores i ON i.id = n.item_id JOIN assessments a ON a.id = i.assessment_id
      JOIN campaigns c ON c.id = a.campaign_id WHERE c.status = 'published'
    ) INTO refused;
  END IF;
  IF refused THEN
    RAISE EXCEPTION '{MESSAGE} (INSERT % refused)', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(INSERT_GUARD)
    for table in GUARDED:
        op.execute(f"DROP TRIGGER {table}_publication_freeze ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_publication_freeze BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dvcq_refuse_if_published()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_publication_freeze_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dvcq_refuse_inserts_if_published()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in GUARDED:
        op.execute(f"DROP TRIGGER {table}_publication_freeze_insert ON {table}")
        op.execute(f"DROP TRIGGER {table}_publication_freeze ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_publication_freeze BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dvcq_refuse_if_published()"
        )
    op.execute("DROP FUNCTION dvcq_refuse_inserts_if_published()")
