"""On PostgreSQL the freeze holds in the database itself: a direct UPDATE — raw SQL that no application check sees —
fails on a published campaign's rows and leaves them unchanged; only the amendment's transaction setting lifts it.
Runs when DVCQ_TEST_DATABASE_URL is set (the `app` fixture then uses PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.campaigns.services import campaign_for
from dvcq.scoring.decisions import amendments, drafting, issuing, services
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, amending
from dvcq.scoring.models import ItemScore
from tests.conftest import PG_URL
from tests.scoring.decision_factories import ISSUABLE, decision_campaign

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DVCQ_TEST_DATABASE_URL)")


@pytest.fixture(autouse=True)
def _postgres_only(app):
    assert db.engine.dialect.name == "postgresql"
    app.config["DECISIONS_PDF"] = False


def publish(world) -> object:
    c = decision_campaign(world)
    with scoped(Scope(world.district_id)):
        secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
        decision = drafting.draft(secretariat, c.campaign_id)
        decision = drafting.update(secretariat, decision.id, decision.version, **ISSUABLE)
        issuing.issue(secretariat, decision.id, decision.version)
    db.session.remove()
    return c


def self_score(item_id: int):
    return db.session.execute(text("SELECT self_score FROM item_scores WHERE id = :id"), {"id": item_id}).scalar_one()


def test_a_direct_update_of_a_published_score_fails_and_the_row_is_unchanged(world):
    c = publish(world)
    item_id = c.items[("A", "2.1")]
    before = self_score(item_id)
    with pytest.raises(DBAPIError) as err:
        db.session.execute(text("UPDATE item_scores SET self_score = 4000 WHERE id = :id"), {"id": item_id})
    db.session.rollback()
    assert FROZEN_MESSAGE in str(err.value)
    assert self_score(item_id) == before == 3850


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE assessments SET status = 'draft' WHERE campaign_id = :campaign",
        "DELETE FROM unit_results WHERE campaign_id = :campaign",
        "UPDATE item_scores SET appraised_score = 100 "
        "WHERE assessment_id IN (SELECT id FROM assessments WHERE campaign_id = :campaign)",
        "UPDATE campaigns SET status = 'final_review' WHERE id = :campaign",
        "DELETE FROM campaigns WHERE id = :campaign",
    ],
)
def test_no_raw_statement_changes_a_published_campaign(world, statement):
    c = publish(world)
    with pytest.raises(DBAPIError):
        db.session.execute(text(statement), {"campaign": c.campaign_id})
    db.session.rollback()
    status = db.session.execute(text("SELECT status FROM campaigns WHERE id = :id"), {"id": c.campaign_id}).scalar()
    assert status == "published"


def test_rows_of_an_open_campaign_can_still_be_updated_directly(world):
    c = decision_campaign(world)
    item_id = c.items[("A", "2.1")]
    db.session.execute(text("UPDATE item_scores SET self_score = 3900 WHERE id = :id"), {"id": item_id})
    db.session.commit()
    assert self_score(item_id) == 3900


def test_the_amendment_transaction_may_change_a_published_score(world):
    c = publish(world)
    item_id = c.items[("A", "2.1")]
    with scoped(SYSTEM):
        with amending():
            db.session.get(ItemScore, item_id).final_score = D("36")
            db.session.commit()
        assert db.session.get(ItemScore, item_id).final_score == D("36.00")
    with pytest.raises(DBAPIError):  # the setting ended with that transaction
        db.session.execute(text("UPDATE item_scores SET final_score = 3700 WHERE id = :id"), {"id": item_id})
    db.session.rollback()


def test_an_amendment_through_the_service_passes_the_triggers(world):
    c = publish(world)
    with scoped(Scope(world.district_id)):
        secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
        original = services.main_decision(services.decisions_of(secretariat, campaign_for(secretariat, c.campaign_id)))
        amendment = amendments.amend(
            secretariat,
            original.id,
            changes="A; 2.1; 36",
            reason="Bổ sung kiểm chứng",
            number="12/QĐ-UBND",
            signed_on="20/02/2025",
        )
    assert amendment.amends_id == original.id
    assert (
        db.session.execute(
            text("SELECT final_score FROM item_scores WHERE id = :id"), {"id": c.items[("A", "2.1")]}
        ).scalar_one()
        == 3600
    )


def test_two_secretaries_issuing_at_once_get_one_decision_and_one_conflict(world, app):
    import threading
    import time

    from dvcq.platform.errors import Conflict

    c = decision_campaign(world)
    with scoped(Scope(world.district_id)):
        secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
        decision = drafting.draft(secretariat, c.campaign_id)
        decision = drafting.update(secretariat, decision.id, decision.version, **ISSUABLE)
        decision_id, version = decision.id, decision.version
    db.session.remove()
    outcomes: list[str] = []

    def press_issue():
        with app.app_context(), scoped(Scope(world.district_id)):
            actor = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
            try:
                issuing.issue(actor, decision_id, version)
                outcomes.append("issued")
            except Conflict as err:
                outcomes.append(f"409 {err.message}")
            except Exception as err:  # noqa: BLE001 — a database error here is the failure this test pins
                outcomes.append(f"error {err}")
            finally:
                db.session.remove()

    holder = db.engine.connect()
    holder.begin()
    holder.execute(text("SELECT id FROM campaigns WHERE id = :id FOR UPDATE"), {"id": c.campaign_id})
    threads = [threading.Thread(target=press_issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # both are now waiting for the campaign's lock
    holder.rollback()
    holder.close()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o.split(" ")[0] for o in outcomes) == ["409", "issued"], outcomes
    assert any("không thể ban hành lại" in o for o in outcomes)


_COPY_RESULTS = (
    "INSERT INTO unit_results (authority_id, year, unit_id, campaign_id, group_name, self_total, appraised_total, "
    "level_order, level_name, disqualified, rank, rank_of, by_area, source, published, computed_at) "
    "SELECT authority_id, year + 100, unit_id, campaign_id, group_name, self_total, appraised_total, level_order, "
    "level_name, disqualified, rank, rank_of, by_area, source, published, computed_at "
    "FROM unit_results WHERE campaign_id = :campaign"
)


def _result_rows(campaign_id: int) -> int:
    return db.session.execute(
        text("SELECT count(*) FROM unit_results WHERE campaign_id = :c"), {"c": campaign_id}
    ).scalar_one()


def test_a_bulk_insert_into_a_published_campaign_is_refused_whole(world):
    """Inserts are checked once per statement (0008): one statement of many rows fails as a whole."""
    c = publish(world)
    before = _result_rows(c.campaign_id)
    assert before > 1
    with pytest.raises(DBAPIError) as err:
        db.session.execute(text(_COPY_RESULTS), {"campaign": c.campaign_id})
    db.session.rollback()
    assert FROZEN_MESSAGE in str(err.value) and "INSERT unit_results refused" in str(err.value)
    assert _result_rows(c.campaign_id) == before


def test_a_bulk_insert_into_an_open_campaign_passes(world):
    c = decision_campaign(world)
    with scoped(SYSTEM):
        from dvcq.scoring.results.compute import compute

        compute(c.campaign_id)
    before = _result_rows(c.campaign_id)
    db.session.execute(text(_COPY_RESULTS), {"campaign": c.campaign_id})
    db.session.commit()
    assert _result_rows(c.campaign_id) == 2 * before


def test_the_amendment_transaction_may_insert_into_a_published_campaign(world):
    c = publish(world)
    before = _result_rows(c.campaign_id)
    with amending():
        db.session.execute(text(_COPY_RESULTS), {"campaign": c.campaign_id})
        db.session.commit()
    assert _result_rows(c.campaign_id) == 2 * before
