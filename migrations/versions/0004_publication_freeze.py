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

revision = "0004_publication_freeze"
down_revision = "0003_appraisal_results"
branch_labels = None
depends_on = None

MESSAGE = "Kỳ đánh giá đã công bố kết quả; mọi thay đổi phải thực hiện bằng quyết định điều chỉnh."
GUARDED = ("item_scores", "assessments", "evidence_links", "explanations", "unit_results")

ROW_GUARD = f"""
CREATE FUNCTION dvcq_refuse_if_published() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  campaign_ids integer[] := ARRAY[]::integer[];
BEGIN
  IF coalesce(current_setting('dvcq.amending', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME IN ('assessments', 'unit_results') THEN
    IF TG_OP <> 'INSERT' THEN campaign_ids := campaign_ids || OLD.campaign_id; END IF;
    IF TG_OP <> 'DELETE' THEN campaign_ids := campaign_ids || NEW.campaign_id; END IF;
  ELSIF TG_TABLE_NAME = 'item_scores' THEN
    IF TG_OP <> 'INSERT' THEN
      campaign_ids := campaign_ids || (SELECT a.campaign_id FROM assessments a WHERE a.id = OLD.assessment_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      campaign_ids := campaign_ids || (SELECT a.campaign_id FROM assessments a WHERE a.id = NEW.assessment_id);
    END IF;
  ELSE  -- evidence_links, explanations: through the item they belong to
    IF TG_OP <> 'INSERT' THEN
      campaign_ids := campaign_ids || (
        SELECT a.campaign_id FROM item_scores i JOIN assessments a ON a.id = i.assessment_id WHERE i.id = OLD.item_id
      );
    END IF;
    IF TG_OP <> 'DELETE' THEN
      campaign_ids := campaign_ids || (
        SELECT a.campaign_id FROM item_scores i JOIN assessments a ON a.id = i.assessment_id WHERE i.id = NEW.item_id
      );
    END IF;
  END IF;
  IF EXISTS (SELECT 1 FROM campaigns c WHERE c.id = ANY(campaign_ids) AND c.status = 'published') THEN
    RAISE EXCEPTION '{MESSAGE} (% % refused)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
"""

CAMPAIGN_GUARD = f"""
CREATE FUNCTION dvcq_campaign_stays_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' AND coalesce(current_setting('dvcq.amending', true), '') <> 'on'
     AND (TG_OP = 'DELETE' OR NEW.status IS DISTINCT FROM 'published') THEN
    RAISE EXCEPTION '{MESSAGE} (% campaigns refused)', TG_OP USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ROW_GUARD)
    for table in GUARDED:
        op.execute(
            f"CREATE TRIGGER {table}_publication_freeze BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dvcq_refuse_if_published()"
        )
    op.execute(CAMPAIGN_GUARD)
    op.execute(
        "CREATE TRIGGER campaigns_stay_published BEFORE UPDATE OR DELETE ON campaigns "
        "FOR EACH ROW EXECUTE FUNCTION dvcq_campaign_stays_published()"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS campaigns_stay_published ON campaigns")
    op.execute("DROP FUNCTION IF EXISTS dvcq_campaign_stays_published()")
    for table in GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_publication_freeze ON {table}")
    op.execute("DROP FUNCTION IF EXISTS dvcq_refuse_if_published()")
