"""Integrity under attack and accident. Already pinned elsewhere and not repeated here:
- the audit chain check catches one altered byte and names the record: tests/platform/test_audit.py
  (test_verify_names_the_first_altered_record, test_verify_names_a_deleted_record, and the database refusing UPDATE
  and DELETE of audit records);
- a published campaign unchanged by direct SQL on PostgreSQL: tests/scoring/test_freeze_postgres.py (runs when
  DVCQ_TEST_DATABASE_URL is set), and through the ORM listener in tests/scoring/test_freeze.py;
- an upload whose audit record fails leaves neither file nor row: tests/scoring/test_evidence_upload.py.
This file adds two people saving the same item at the same instant from two threads (file-backed SQLite here,
PostgreSQL when DVCQ_TEST_DATABASE_URL is set), a failure between a data write and its audit record, and the
explanation page after publication (viewing must not try to write to frozen rows)."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dvcq.platform import audit, clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import drafting, issuing
from dvcq.scoring.models import Explanation
from tests.scoring.campaign_factories import assessment_of, item_of, open_campaign, user
from tests.scoring.decision_factories import ISSUABLE, decision_campaign

ROUNDS = 8


def _token(browser) -> str:
    page = browser.get("/", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _audit_count(action: str) -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count(AuditRecord.seq)).where(AuditRecord.action == action)).scalar_one()


def _save_at_once(start, answers, url, seen, browser, token, note, score, n) -> None:
    start.wait()
    answers[note] = browser.client.post(
        url,
        json={"version": seen, "score": score, "note": f"{note} lần {n}"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )


def test_two_saves_of_the_same_item_at_the_same_instant_one_wins_the_other_is_told(world, make_browser):
    campaign = open_campaign(world)
    officer, leader = make_browser(), make_browser()
    officer.login(world.officer_a)
    leader.login(world.leader_a)
    people = [(officer, _token(officer), "Cán bộ chấm"), (leader, _token(leader), "Lãnh đạo chấm")]
    url = f"/tu-danh-gia/{assessment_of(world.a_id, campaign).id}/muc/{item_of(world.a_id, campaign, '2.1').id}"
    for n in range(ROUNDS):
        seen = item_of(world.a_id, campaign, "2.1").version  # both opened the page at this version
        db.session.remove()
        start = threading.Barrier(2)
        answers: dict[str, object] = {}

        threads = [
            threading.Thread(
                target=_save_at_once, args=(start, answers, url, seen, *person, str(i + 1), n), daemon=True
            )
            for i, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        statuses = sorted(answer.status_code for answer in answers.values())
        assert statuses == [200, 409], (n, {k: (v.status_code, v.get_data(as_text=True)) for k, v in answers.items()})
        winner = next(note for note, answer in answers.items() if answer.status_code == 200)
        loser = next(answer for answer in answers.values() if answer.status_code == 409)
        item = item_of(world.a_id, campaign, "2.1")
        assert item.self_note == f"{winner} lần {n}"  # the winner's value, not overwritten by the loser
        assert item.version == seen + 1
        assert loser.get_json()["current"]["note"] == f"{winner} lần {n}"  # the loser is shown what was saved
    assert _audit_count("selfassessment.score") == ROUNDS


def test_a_failure_between_the_data_write_and_its_audit_record_leaves_neither(world, app, browser, monkeypatch):
    campaign = open_campaign(world)
    browser.login(world.officer_a)
    token = _token(browser)
    before = item_of(world.a_id, campaign, "2.1")
    url = f"/tu-danh-gia/{assessment_of(world.a_id, campaign).id}/muc/{before.id}"
    db.session.remove()

    def broken(*args, **kwargs):
        db.session.flush()  # the UPDATE has reached the database …
        raise RuntimeError("audit log unavailable")  # … and then the audit record fails

    monkeypatch.setattr(audit, "record", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = browser.client.post(
        url,
        json={"version": before.version, "score": "1", "note": "Không được lưu"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 500
    after = item_of(world.a_id, campaign, "2.1")
    assert (after.self_score, after.self_note, after.version) == (before.self_score, before.self_note, before.version)
    assert _audit_count("selfassessment.score") == 0


@pytest.fixture
def published_with_explanation(world, app):
    """An answered explanation of unit A, then the campaign published: nobody has read the answer yet."""
    app.config["DECISIONS_PDF"] = False
    c = decision_campaign(world)
    with scoped(SYSTEM):
        explanation = Explanation(
            unit_id=world.a_id,
            item_id=c.items[("A", "2.1")],
            text="Đơn vị đã có kế hoạch đầy đủ",
            created_at=clock.now(),
            answer="Giữ nguyên điểm thẩm định sơ bộ.",
            answered_at=clock.now(),
        )
        db.session.add(explanation)
        db.session.commit()
        explanation_id = explanation.id
    with scoped(Scope(world.district_id)):
        secretariat = user(world.secretariat)
        draft = drafting.draft(secretariat, c.campaign_id)
        draft = drafting.update(secretariat, draft.id, draft.version, **ISSUABLE)
        issuing.issue(secretariat, draft.id, draft.version)
    db.session.remove()
    return c, explanation_id


def test_viewing_explanations_after_publication_answers_200_and_writes_nothing(
    world, make_browser, published_with_explanation
):
    c, explanation_id = published_with_explanation
    officer, secretariat = make_browser(), make_browser()
    officer.login(world.officer_a)
    secretariat.login(world.secretariat)
    assessment_id = assessment_of(world.a_id, c.campaign_id).id
    assert officer.get(f"/giai-trinh/{assessment_id}").status_code == 200
    assert secretariat.get(f"/tham-dinh/giai-trinh/{explanation_id}").status_code == 200
    with scoped(SYSTEM):
        explanation = db.session.get(Explanation, explanation_id)
        assert (explanation.read_by_unit_at, explanation.read_by_authority_at) == (None, None)
    assert item_of(world.a_id, c.campaign_id, "2.1").appraised_score == Decimal("31")
