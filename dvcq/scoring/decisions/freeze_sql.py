"""The one declaration of what publication freezes (`FROZEN_TABLES`), and the PostgreSQL trigger DDL made from it for
the migrations (0004_publication_freeze, 0008_freeze_per_statement). The flush hook in `freeze.py` reads the same
declaration, so the application and the database refuse the same rows.

Standard library only: Alembic revisions import it. Revisions 0004 and 0008 ran in deployments with exactly the DDL
these functions produce for today's list (tests/scoring/test_freeze_tables.py pins it byte for byte). To freeze
another table, add it here AND a new revision that replaces the two functions and adds its triggers; pin the old
revisions to the list they were written for (the `tables` argument).
"""

from __future__ import annotations

from collections.abc import Mapping

MESSAGE = "Kỳ đánh giá đã công bố kết quả; mọi thay đổi phải thực hiện bằng quyết định điều chỉnh."

# How a frozen row leads to its campaign: its own column, through its assessment, or through its item.
BY_CAMPAIGN, BY_ASSESSMENT, BY_ITEM = "campaign_id", "assessment_id", "item_id"

# Every table whose rows a published campaign freezes (in the order their triggers are created), with its way there.
FROZEN_TABLES: Mapping[str, str] = {
    "item_scores": BY_ASSESSMENT,
    "assessments": BY_CAMPAIGN,
    "evidence_links": BY_ITEM,
    "explanations": BY_ITEM,
    "unit_results": BY_CAMPAIGN,
}

ROW_FUNCTION = "dvcq_refuse_if_published"  # BEFORE UPDATE OR DELETE, per row (0004: inserts too)
INSERT_FUNCTION = "dvcq_refuse_inserts_if_published"  # AFTER INSERT, per statement (0008)


def _by(tables: Mapping[str, str], way: str) -> list[str]:
    found = [table for table, how in tables.items() if how == way]
    if not found:
        raise ValueError(f"no frozen table reaches its campaign by {way}: the trigger functions need one of each")
    return found


def _is(names: list[str]) -> str:
    """The test of TG_TABLE_NAME against one table or several."""
    if len(names) == 1:
        return f"= '{names[0]}'"
    return "IN (" + ", ".join(f"'{name}'" for name in names) + ")"


def row_guard_function(tables: Mapping[str, str] = FROZEN_TABLES) -> str:
    """CREATE FUNCTION of the per-row guard: the changed row's campaign (old and new) must not be published."""
    by_campaign, by_assessment, by_item = (_by(tables, way) for way in (BY_CAMPAIGN, BY_ASSESSMENT, BY_ITEM))
    return f"""
CREATE FUNCTION {ROW_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  campaign_ids integer[] := ARRAY[]::integer[];
BEGIN
  IF coalesce(current_setting('dvcq.amending', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME {_is(by_campaign)} THEN
    IF TG_OP <> 'INSERT' THEN campaign_ids := campaign_ids || OLD.campaign_id; END IF;
    IF TG_OP <> 'DELETE' THEN campaign_ids := campaign_ids || NEW.campaign_id; END IF;
  ELSIF TG_TABLE_NAME {_is(by_assessment)} THEN
    IF TG_OP <> 'INSERT' THEN
      campaign_ids := campaign_ids || (SELECT a.campaign_id FROM assessments a WHERE a.id = OLD.assessment_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      campaign_ids := campaign_ids || (SELECT a.campaign_id FROM assessments a WHERE a.id = NEW.assessment_id);
    END IF;
  ELSE  -- {", ".join(by_item)}: through the item they belong to
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


# PL/pgSQL plans a trigger function separately for each table it guards, so each branch names only columns its table
# has (the function is shared, the plans are not).
def insert_guard_function(tables: Mapping[str, str] = FROZEN_TABLES) -> str:
    """CREATE FUNCTION of the per-statement insert guard: no new row (transition table `new_rows`) may belong to a
    published campaign."""
    by_campaign, by_assessment, _ = (_by(tables, way) for way in (BY_CAMPAIGN, BY_ASSESSMENT, BY_ITEM))
    return f"""
CREATE FUNCTION {INSERT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  refused boolean;
BEGIN
  IF coalesce(current_setting('dvcq.amending', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME {_is(by_campaign)} THEN
    SELECT EXISTS (
      SELECT 1 FROM new_rows n JOIN campaigns c ON c.id = n.campaign_id WHERE c.status = 'published'
    ) INTO refused;
  ELSIF TG_TABLE_NAME {_is(by_assessment)} THEN
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
CAMPAIGN_TRIGGER = (
    "CREATE TRIGGER campaigns_stay_published BEFORE UPDATE OR DELETE ON campaigns "
    "FOR EACH ROW EXECUTE FUNCTION dvcq_campaign_stays_published()"
)


def row_trigger(table: str, *, inserts: bool) -> str:
    """The per-row trigger of one frozen table: on updates and deletes, and (as 0004 made it) on inserts too."""
    events = "INSERT OR UPDATE OR DELETE" if inserts else "UPDATE OR DELETE"
    return (
        f"CREATE TRIGGER {table}_publication_freeze BEFORE {events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()"
    )


def insert_trigger(table: str) -> str:
    """The per-statement insert trigger of one frozen table (0008)."""
    return (
        f"CREATE TRIGGER {table}_publication_freeze_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {INSERT_FUNCTION}()"
    )
