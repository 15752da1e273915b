"""Nothing of a published campaign changes: services refuse with a 409, and the flush listener refuses any write a
service forgot to check — scores, explanations, evidence links, assessment statuses, results and the campaign's
status — except inside the amendment service."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import drafting, issuing, services
from dvcq.scoring.decisions.freeze import FROZEN_MESSAGE, FrozenError, amending, assert_not_published
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    Evidence,
    EvidenceLink,
    Explanation,
    ItemScore,
    UnitResult,
)
from tests.scoring.decision_factories import ISSUABLE, decision_campaign


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


@pytest.fixture
def published(world):
    """A campaign published through its decision, with one evidence file, one link and one explanation made while
    it was still open."""
    c = decision_campaign(world)
    with scoped(SYSTEM):
        evidence = Evidence(
            unit_id=world.a_id,
            storage_key="ab/cd/abcdef",
            sha256="0" * 64,
            size=3,
            content_type="application/pdf",
            original_name="Kế hoạch.pdf",
            uploaded_at=now(),
        )
        db.session.add(evidence)
        db.session.flush()
        item_id = c.items[("A", "2.1")]
        link = EvidenceLink(unit_id=world.a_id, item_id=item_id, evidence_id=evidence.id, added_at=now())
        explanation = Explanation(unit_id=world.a_id, item_id=item_id, text="Đã có kế hoạch", created_at=now())
        db.session.add_all([link, explanation])
        db.session.commit()
        c.evidence_id, c.link_id, c.explanation_id = evidence.id, link.id, explanation.id
    with scoped(Scope(world.district_id)):
        decision = drafting.draft(user(world.secretariat), c.campaign_id)
        decision = drafting.update(user(world.secretariat), decision.id, decision.version, **ISSUABLE)
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    db.session.remove()
    return c


def refused(change) -> FrozenError:
    """Apply `change` in the system scope (no service check at all) and flush: the listener must refuse it."""
    with scoped(SYSTEM):
        with pytest.raises(FrozenError) as err:
            change()
            db.session.flush()
        db.session.rollback()
    assert err.value.status == 409
    assert err.value.message == FROZEN_MESSAGE
    return err.value


def item(c, key=("A", "2.1")) -> ItemScore:
    return db.session.get(ItemScore, c.items[key])


def test_assert_not_published_answers_409_with_the_amendment_hint(published):
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, published.campaign_id)
        with pytest.raises(Conflict) as err:
            assert_not_published(campaign)
        with pytest.raises(Conflict):
            assert_not_published(published.campaign_id)
    assert err.value.status == 409
    assert err.value.message == (
        "Kỳ đánh giá đã công bố kết quả; mọi thay đổi phải thực hiện bằng quyết định điều chỉnh."
    )


def test_assert_not_published_lets_an_open_campaign_through(world):
    c = decision_campaign(world)
    with scoped(SYSTEM):
        assert_not_published(db.session.get(Campaign, c.campaign_id))
        assert_not_published(c.campaign_id)


@pytest.mark.parametrize("column", ["self_score", "appraised_score", "final_score"])
def test_no_score_changes_after_publication(published, column):
    refused(lambda: setattr(item(published), column, D("1.00")))
    with scoped(SYSTEM):
        assert getattr(item(published), column) != D("1.00")


def test_no_note_or_reason_changes_after_publication(published):
    refused(lambda: setattr(item(published), "appraisal_note", "sửa lén"))
    refused(lambda: setattr(item(published), "self_note", "sửa lén"))


def test_no_assessment_status_changes_after_publication(published, world):
    def reopen():
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == published.campaign_id, Assessment.unit_id == world.a_id)
        ).scalar_one()
        assessment.status = AssessmentStatus.DRAFT

    refused(reopen)


def test_no_evidence_link_is_added_changed_or_removed_after_publication(published, world):
    refused(lambda: setattr(db.session.get(EvidenceLink, published.link_id), "page_ref", "trang 9"))
    refused(lambda: db.session.delete(db.session.get(EvidenceLink, published.link_id)))

    def add_link():
        db.session.add(
            EvidenceLink(
                unit_id=world.a_id,
                item_id=published.items[("A", "1.1")],
                evidence_id=published.evidence_id,
                added_at=now(),
            )
        )

    refused(add_link)


def test_no_explanation_is_added_or_answered_after_publication(published, world):
    refused(lambda: setattr(db.session.get(Explanation, published.explanation_id), "answer", "Trả lời muộn"))

    def contest_again():
        db.session.add(
            Explanation(
                unit_id=world.a_id, item_id=published.items[("A", "1.1")], text="Giải trình muộn", created_at=now()
            )
        )

    refused(contest_again)


def test_no_result_changes_after_publication(published, world):
    def bump():
        row = db.session.execute(
            select(UnitResult).where(UnitResult.campaign_id == published.campaign_id, UnitResult.unit_id == world.a_id)
        ).scalar_one()
        row.appraised_total = D("99.00")

    refused(bump)
    refused(lambda: [db.session.delete(r) for r in db.session.execute(select(UnitResult)).scalars()])


def test_the_campaign_cannot_leave_the_published_status(published):
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, published.campaign_id)
        campaign.status = CampaignStatus.FINAL_REVIEW
        with pytest.raises(FrozenError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Campaign, published.campaign_id).status == CampaignStatus.PUBLISHED
        # other fields of the campaign (its name, say) remain editable
        db.session.get(Campaign, published.campaign_id).name = "Kỳ đánh giá năm 2025 (đã công bố)"
        db.session.commit()


def test_a_no_op_write_is_not_a_change(published):
    with scoped(SYSTEM):
        row = item(published)
        row.self_score = row.self_score
        db.session.commit()


def test_the_amendment_path_lifts_the_freeze_for_its_own_transaction_only(published):
    with scoped(SYSTEM):
        with amending():
            item(published).final_score = D("36.00")
            db.session.commit()
        assert item(published).final_score == D("36.00")
        item(published).final_score = D("37.00")
        with pytest.raises(FrozenError):
            db.session.flush()
        db.session.rollback()


def test_changes_to_an_open_campaign_pass(world):
    c = decision_campaign(world)
    with scoped(SYSTEM):
        item(c).appraised_score = D("30.00")
        db.session.commit()
        assert item(c).appraised_score == D("30.00")


def test_the_appraisal_and_self_assessment_services_answer_409_after_publication(published, world):
    from dvcq.scoring.appraisal import services as appraisal
    from dvcq.scoring.selfassessment import services as selfassessment

    with scoped(SYSTEM):  # the appraiser is assigned to every unit of the campaign
        db.session.add(
            AppraisalAssignment(
                authority_id=world.district_id,
                campaign_id=published.campaign_id,
                appraiser_id=world.ids["appraiser"],
                created_at=now(),
            )
        )
        db.session.commit()
    with scoped(Scope(world.district_id)):
        row = item(published)
        with pytest.raises(Conflict) as appraised:
            appraisal.save_appraisal(user(world.appraiser), row.id, row.version, "30", ["khac"], "sửa sau công bố")
    with scoped(Scope(world.district_id, world.a_id)):
        row = item(published)
        with pytest.raises(Conflict) as self_scored:
            selfassessment.save_item(
                user(world.officer_a), row.assessment_id, row.id, version=row.version, score="40", note="sửa"
            )
    assert appraised.value.status == self_scored.value.status == 409
    with scoped(SYSTEM):
        assert item(published).appraised_score == D("31.00")


def test_issuing_a_decision_for_a_published_campaign_is_refused(published, world):
    with scoped(Scope(world.district_id)):
        decision = services.main_decision(
            services.decisions_of(user(world.secretariat), db.session.get(Campaign, published.campaign_id))
        )
        with pytest.raises(Conflict) as err:
            issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert err.value.status == 409
