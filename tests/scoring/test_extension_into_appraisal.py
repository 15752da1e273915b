"""Issue 18 item 5: an individual extension (gia hạn riêng, e.g. after floods) may run into the appraisal stage. The
secretariat starts appraisal while the unit is still inside it; the unit keeps self-scoring, citing evidence and may
submit until its own deadline, and is appraised once it submits. A unit without one is locked as before, and the
appraisal cannot be closed while the extended unit is still drafting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dvcq.platform import clock
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, release
from dvcq.scoring.appraisal import services as appraisal
from dvcq.scoring.campaigns import deadlines, stages
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus, EvidenceLink
from dvcq.scoring.selfassessment import services as selfassessment
from dvcq.scoring.selfassessment.rules import assert_editable, extension_running
from tests.scoring.campaign_factories import (
    SCORABLE,
    assessment_of,
    item_of,
    make_evidence,
    open_campaign,
    past,
    set_campaign_deadline,
    today_vn,
    user,
)

EXTENDED_DAYS = 3
ON_EXTENSION = "Xã An Bình đang trong thời hạn gia hạn riêng đến"


def _extend_a(world, campaign_id: int) -> None:
    """The campaign's deadline has passed; commune A is given three days more after the floods."""
    set_campaign_deadline(campaign_id, past())
    with scoped(SYSTEM):
        deadlines.extend_unit_deadline(
            user(world.secretariat),
            campaign_id,
            assessment_of(world.a_id, campaign_id).id,
            day=today_vn() + timedelta(days=EXTENDED_DAYS),
            reason="Mưa lũ kéo dài",
        )
    db.session.remove()


def _advance(world, campaign_id: int, *, confirm: bool) -> Campaign:
    with scoped(SYSTEM):
        campaign = stages.advance(user(world.secretariat), campaign_id, None, confirm_unsubmitted=confirm)
        db.session.expire_all()
    db.session.remove()
    return campaign


@pytest.fixture
def extended(world):
    """In appraisal: A still drafting inside its extension; B and agency C never submitted and past the deadline."""
    campaign_id = open_campaign(world)
    _extend_a(world, campaign_id)
    _advance(world, campaign_id, confirm=True)
    return campaign_id


def _save(browser, world, campaign_id: int, code: str, score: str, unit_id: int | None = None):
    unit_id = unit_id or world.a_id
    item = item_of(unit_id, campaign_id, code)
    url = f"/tu-danh-gia/{assessment_of(unit_id, campaign_id).id}/muc/{item.id}"
    return browser.post_json(url, {"version": item.version, "score": score, "note": ""})


def _links(unit_id: int, campaign_id: int, code: str) -> int:
    with scoped(SYSTEM):
        item = item_of(unit_id, campaign_id, code)
        return len(db.session.execute(select(EvidenceLink).where(EvidenceLink.item_id == item.id)).all())


def _at(monkeypatch, instant: datetime) -> None:
    monkeypatch.setattr(clock, "utc", lambda: instant.replace(tzinfo=UTC))


# ---- the rule at its boundaries ------------------------------------------------------------------------------------


def test_the_rule_lets_the_extended_unit_edit_in_appraisal_up_to_its_deadline_and_not_a_second_after(
    world, extended, monkeypatch
):
    with scoped(SYSTEM):
        a = assessment_of(world.a_id, extended)
        b = assessment_of(world.b_id, extended)
        assert a.campaign.status == CampaignStatus.APPRAISAL
        deadline = a.self_deadline
        _at(monkeypatch, deadline)
        assert extension_running(a) and not extension_running(b)
        assert_editable(a)
        with pytest.raises(Conflict, match="không còn ở giai đoạn đơn vị tự đánh giá"):
            assert_editable(b)
        _at(monkeypatch, deadline + timedelta(seconds=1))
        assert not extension_running(a)
        with pytest.raises(Conflict, match="Đã hết hạn tự đánh giá"):
            assert_editable(a)


def test_the_extension_ends_with_final_review_and_with_submission(world, extended):
    with scoped(SYSTEM):
        a = assessment_of(world.a_id, extended)
        a.campaign.status = CampaignStatus.FINAL_REVIEW
        with pytest.raises(Conflict, match="không còn ở giai đoạn đơn vị tự đánh giá"):
            assert_editable(a)
        a.campaign.status = CampaignStatus.APPRAISAL
        a.status = AssessmentStatus.SUBMITTED
        with pytest.raises(Conflict, match="không còn ở giai đoạn đơn vị tự đánh giá"):
            assert_editable(a)
        db.session.rollback()


# ---- the stage change --------------------------------------------------------------------------------------------


def test_appraisal_starts_while_the_extension_runs_and_names_the_unit(world, make_browser):
    campaign_id = open_campaign(world, units=[world.a_id, world.b_id])
    _extend_a(world, campaign_id)
    with scoped(SYSTEM):
        b = assessment_of(world.b_id, campaign_id)
        b.status = AssessmentStatus.SUBMITTED
        db.session.commit()
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    page = secretariat.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert ON_EXTENSION in page and "đơn vị vẫn tự chấm và nộp, hồ sơ được thẩm định khi nộp" in page
    assert 'name="confirm_unsubmitted"' not in page  # nobody else is missing: no confirmation to give
    with scoped(SYSTEM):
        version = db.session.get(Campaign, campaign_id).version
    response = secretariat.post(f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": version})
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = secretariat.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert ON_EXTENSION in shown
    with scoped(SYSTEM):
        assert db.session.get(Campaign, campaign_id).status == CampaignStatus.APPRAISAL


def test_a_unit_inside_the_campaign_deadline_without_extension_still_holds_appraisal_back(world):
    campaign_id = open_campaign(world)
    _extend_a(world, campaign_id)
    set_campaign_deadline(campaign_id, clock.now() + timedelta(hours=2))  # B and C are inside it again
    with scoped(SYSTEM), pytest.raises(ServiceError) as refused:
        stages.advance(user(world.secretariat), campaign_id, None, confirm_unsubmitted=True)
    (problem,) = refused.value.problems
    assert "Còn 2 đơn vị chưa nộp và chưa hết hạn tự đánh giá" in problem and "Xã An Bình" not in problem
    db.session.remove()
    with scoped(SYSTEM):
        assert db.session.get(Campaign, campaign_id).status == CampaignStatus.SELF_ASSESSMENT


def test_units_past_their_deadline_still_need_the_confirmation(world):
    campaign_id = open_campaign(world)
    _extend_a(world, campaign_id)
    with scoped(SYSTEM), pytest.raises(ServiceError) as refused:
        stages.advance(user(world.secretariat), campaign_id, None)
    (problem,) = refused.value.problems
    assert "Còn 2 đơn vị chưa nộp hồ sơ tự đánh giá" in problem and "Xã An Bình" not in problem


def test_an_extension_already_over_does_not_count(world, monkeypatch):
    campaign_id = open_campaign(world, units=[world.a_id])
    _extend_a(world, campaign_id)
    with scoped(SYSTEM):
        deadline = assessment_of(world.a_id, campaign_id).self_deadline
    _at(monkeypatch, deadline + timedelta(seconds=1))
    with scoped(SYSTEM), pytest.raises(ServiceError) as refused:
        stages.advance(user(world.secretariat), campaign_id, None)
    assert "Còn 1 đơn vị chưa nộp hồ sơ tự đánh giá: Xã An Bình" in refused.value.problems[0]


# ---- editing, citing and submitting in the appraisal stage ---------------------------------------------------------


def test_the_extended_unit_scores_and_cites_in_appraisal_and_a_unit_without_extension_is_refused(
    world, extended, make_browser
):
    a, b = make_browser(), make_browser()
    a.login(world.officer_a)
    b.login(world.officer_b)
    page = a.get(f"/tu-danh-gia/{assessment_of(world.a_id, extended).id}").get_data(as_text=True)
    assert "được gia hạn riêng: Mưa lũ kéo dài" in page and f"còn {EXTENDED_DAYS} ngày" in page
    assert _save(a, world, extended, "2.1", "1,5").status_code == 200
    assert item_of(world.a_id, extended, "2.1").self_score == Decimal("1.50")

    refused = _save(b, world, extended, "2.1", "1", unit_id=world.b_id)
    assert refused.status_code == 409
    assert "không còn ở giai đoạn đơn vị tự đánh giá" in refused.get_json()["error"]
    assert item_of(world.b_id, extended, "2.1").self_score is None

    for browser, unit_id, expected in ((a, world.a_id, 302), (b, world.b_id, 409)):
        item, evidence_id = item_of(unit_id, extended, "1.1.a"), make_evidence(unit_id, "Biên bản đối thoại.pdf")
        response = browser.post(
            "/tai-lieu/lien-ket", {"item_id": item.id, "evidence_id": evidence_id, "page_ref": "tr. 1"}
        )
        assert response.status_code == expected, response.get_data(as_text=True)
    assert _links(world.a_id, extended, "1.1.a") == 1 and _links(world.b_id, extended, "1.1.a") == 0


def test_a_unit_without_extension_cannot_submit_in_appraisal(world, extended, browser):
    browser.login(world.leader_b)
    response = browser.post(f"/tu-danh-gia/{assessment_of(world.b_id, extended).id}/nop", {"confirm": "y"})
    assert response.status_code == 409
    assert "không còn ở giai đoạn đơn vị tự đánh giá" in response.get_data(as_text=True)
    assert assessment_of(world.b_id, extended).status == AssessmentStatus.DRAFT


def _fill(world, campaign_id: int, unit_id: int) -> None:
    officer = "canbo.a" if unit_id == world.a_id else "canbo.b"
    with scoped(Scope(world.district_id, unit_id)):
        for code in SCORABLE:
            item = item_of(unit_id, campaign_id, code)
            selfassessment.save_item(
                user(officer), item.assessment_id, item.id, version=item.version, score="0", note=""
            )


def test_the_extended_unit_is_private_and_waits_then_is_appraised_once_it_submits(world, extended):
    with scoped(SYSTEM):
        assignments.assign(user(world.secretariat), extended, user(world.appraiser).id, None, None)
    db.session.remove()
    a_id = assessment_of(world.a_id, extended).id
    with scoped(Scope(world.district_id)):
        staff = user(world.secretariat)
        with pytest.raises(NotFound):
            selfassessment.assessment_for(staff, a_id)  # its self-scores are its own until it submits
        item = item_of(world.a_id, extended, "2.1")
        with pytest.raises(Conflict, match="chưa nộp hồ sơ tự đánh giá"):
            appraisal.save_appraisal(user(world.appraiser), item.id, item.version, "2", [], "")
        db.session.rollback()
        assert item_of(world.a_id, extended, "2.1").appraised_score is None
    _fill(world, extended, world.a_id)
    with scoped(Scope(world.district_id, world.a_id)):
        selfassessment.submit(user(world.leader_a), a_id, confirmed=True)
    with scoped(Scope(world.district_id)):
        item = item_of(world.a_id, extended, "2.1")
        appraisal.save_appraisal(user(world.appraiser), item.id, item.version, "2", [], "")
        assert db.session.get(Assessment, a_id).status == AssessmentStatus.APPRAISING
        assert item_of(world.a_id, extended, "2.1").appraised_score == Decimal("2.00")


def test_closing_the_appraisal_or_moving_to_explanation_is_refused_while_the_extension_runs(world, extended):
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, extended)
        with pytest.raises(Conflict) as closing:
            release.close_appraisal(user(world.secretariat), extended, campaign.version)
        assert any(
            p.startswith("Xã An Bình: chưa nộp hồ sơ tự đánh giá và đang trong thời hạn gia hạn riêng đến")
            for p in closing.value.problems
        )
        db.session.rollback()
        with pytest.raises(ServiceError) as moving:
            stages.advance(user(world.secretariat), extended, None)
        assert any(p.startswith(ON_EXTENSION) for p in moving.value.problems)
        db.session.rollback()
        assert db.session.get(Campaign, extended).status == CampaignStatus.APPRAISAL
