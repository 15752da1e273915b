"""Appraisal and explanation services: assignments, scores with reasons, optimistic locking, release, the
explanation round, final review."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import Scope, scoped
from dvcq.scoring.appraisal import assignments, explanations, release, services
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus, Explanation, ItemScore
from tests.scoring.appraisal_factories import build_campaign


@pytest.fixture
def camp(world):
    return build_campaign(world)


def _user(login):
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


@pytest.fixture
def authority(world):
    with scoped(Scope(world.district_id)):
        yield world


def _item(item_id) -> ItemScore:
    return db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one()


def _score_all(camp, key, appraiser, scores=None):
    scores = scores or {
        "1.1": ("1.5", ["chua_day_du"]),
        "1.2": ("4", []),
        "2.1": ("2", ["thieu_kiem_chung"]),
        "2.2": ("0.75", []),
    }
    for code, (value, reasons) in scores.items():
        item = _item(camp.item_ids[(key, code)])
        services.save_appraisal(appraiser, item.id, item.version, value, reasons, "")


def test_an_assigned_appraiser_scores_with_reasons_and_the_unit_becomes_appraised(authority, camp):
    appraiser = _user("thamdinh")
    assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, authority.a_id, None)
    _score_all(camp, "a", appraiser)
    item = _item(camp.item_ids[("a", "1.1")])
    assert item.appraised_score == D("1.50") and item.deduction_reasons == "chua_day_du"
    assessment = db.session.get(Assessment, camp.assessment_ids["a"])
    assert assessment.status == AssessmentStatus.APPRAISED
    assert services.progress(camp.id)[assessment.id] == (4, 4)


def test_an_unassigned_appraiser_is_refused_as_if_the_item_were_missing(authority, camp):
    assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, authority.a_id, None)
    item = _item(camp.item_ids[("b", "1.1")])
    with pytest.raises(NotFound):
        services.save_appraisal(_user("thamdinh"), item.id, item.version, "2", [], "")
    assert _item(item.id).appraised_score is None


def test_an_area_assignment_covers_only_that_area(authority, camp):
    appraiser = _user("thamdinh")
    assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, None, camp.area_ids["2"])
    ok = _item(camp.item_ids[("b", "2.2")])
    services.save_appraisal(appraiser, ok.id, ok.version, "0.75", [], "")
    other_area = _item(camp.item_ids[("b", "1.1")])
    with pytest.raises(NotFound):
        services.save_appraisal(appraiser, other_area.id, other_area.version, "2", [], "")


def test_an_appraiser_is_never_assigned_to_their_own_unit(authority, camp):
    appraiser = _user("thamdinh")
    with pytest.raises(ServiceError, match="chính mình"):
        assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, appraiser.unit_id, None)


def test_a_deduction_without_a_reason_is_refused_and_nothing_saved(authority, camp):
    appraiser = _user("thamdinh")
    assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, authority.a_id, None)
    item = _item(camp.item_ids[("a", "1.1")])
    with pytest.raises(ServiceError, match="lý do trừ điểm"):
        services.save_appraisal(appraiser, item.id, item.version, "1.5", [], "")
    with pytest.raises(ServiceError, match="ghi rõ"):
        services.save_appraisal(appraiser, item.id, item.version, "1.5", ["khac"], "")
    db.session.rollback()
    assert _item(item.id).appraised_score is None


@pytest.mark.parametrize("value", ["2.5", "-1", "1,1", "abc", "1,234"])
def test_an_appraised_score_out_of_range_or_off_step_is_refused(authority, camp, value):
    appraiser = _user("thamdinh")
    assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, authority.a_id, None)
    item = _item(camp.item_ids[("a", "1.1")])
    with pytest.raises(ServiceError, match="Tiêu chí 1.1"):
        services.save_appraisal(appraiser, item.id, item.version, value, ["khong_dat_noi_dung"], "")
    db.session.rollback()
    assert _item(item.id).appraised_score is None


def test_two_appraisers_on_one_item_get_a_conflict_not_a_lost_update(authority, camp):
    first, second = _user("thamdinh"), _user("thamdinh2")
    for appraiser in (first, second):
        assignments.assign(_user("thuongtruc"), camp.id, appraiser.id, authority.a_id, None)
    seen = _item(camp.item_ids[("a", "2.2")]).version
    services.save_appraisal(first, camp.item_ids[("a", "2.2")], seen, "0.5", ["chua_day_du"], "")
    with pytest.raises(Conflict, match="vừa được người khác lưu"):
        services.save_appraisal(second, camp.item_ids[("a", "2.2")], seen, "0.75", [], "")
    db.session.rollback()
    assert _item(camp.item_ids[("a", "2.2")]).appraised_score == D("0.50")


def test_release_requires_a_complete_appraisal_and_notifies_the_unit(authority, camp):
    secretariat, appraiser = _user("thuongtruc"), _user("thamdinh")
    assignments.assign(secretariat, camp.id, appraiser.id, authority.a_id, None)
    a = db.session.get(Assessment, camp.assessment_ids["a"])
    with pytest.raises(Conflict, match="mới thẩm định 0/4"):
        release.release(secretariat, a.id, a.version)
    _score_all(camp, "a", appraiser)
    a = db.session.get(Assessment, camp.assessment_ids["a"])
    release.release(secretariat, a.id, a.version)
    assert db.session.get(Assessment, a.id).status == AssessmentStatus.RELEASED
    notes = db.session.execute(select(Notification).where(Notification.kind == "released")).scalars().all()
    assert {n.user_id for n in notes} == {_user("canbo.a").id, _user("lanhdao.a").id}


def test_no_appraisal_change_after_release(authority, camp):
    secretariat, appraiser = _user("thuongtruc"), _user("thamdinh")
    assignments.assign(secretariat, camp.id, appraiser.id, authority.a_id, None)
    _score_all(camp, "a", appraiser)
    a = db.session.get(Assessment, camp.assessment_ids["a"])
    release.release(secretariat, a.id, a.version)
    item = _item(camp.item_ids[("a", "2.2")])
    with pytest.raises(Conflict, match="giải trình"):
        services.save_appraisal(appraiser, item.id, item.version, "0.5", ["chua_day_du"], "")


def _released(world, camp):
    secretariat, appraiser = _user("thuongtruc"), _user("thamdinh")
    with scoped(Scope(world.district_id)):
        assignments.assign(secretariat, camp.id, appraiser.id, world.a_id, None)
        _score_all(camp, "a", appraiser)
        a = db.session.get(Assessment, camp.assessment_ids["a"])
        release.release(secretariat, a.id, a.version)
        campaign = db.session.get(Campaign, camp.id)
        campaign.status = CampaignStatus.EXPLANATION
        db.session.commit()


def test_the_unit_contests_and_the_appraiser_answers_with_a_final_score(world, camp):
    _released(world, camp)
    item_id = camp.item_ids[("a", "2.1")]
    with scoped(Scope(world.district_id, world.a_id)):
        explanation = explanations.contest(_user("lanhdao.a"), item_id, "Xã đã có báo cáo số 12/BC-UBND, xin xem lại.")
        explanation_id = explanation.id
    with scoped(Scope(world.district_id)):
        explanation = db.session.get(Explanation, explanation_id)
        with pytest.raises(ServiceError, match="phải nêu căn cứ"):
            explanations.answer(_user("thamdinh"), explanation_id, explanation.version, "3", "")
        db.session.rollback()
        explanation = db.session.get(Explanation, explanation_id)
        explanations.answer(_user("thamdinh"), explanation_id, explanation.version, "3", "Đã có báo cáo hợp lệ.")
        assert _item(item_id).final_score == D("3.00")
        assert _item(item_id).appraised_score == D("2.00")  # the preliminary stays on record


def test_an_explanation_after_the_deadline_is_refused(world):
    camp = build_campaign(world, explanation_deadline=datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1))
    _released(world, camp)
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Conflict, match="hết hạn giải trình"):
        explanations.contest(_user("lanhdao.a"), camp.item_ids[("a", "2.1")], "Xin xem xét lại nội dung này.")
    with scoped(Scope(world.district_id)):
        assert db.session.execute(select(Explanation)).first() is None


def test_another_unit_cannot_contest_an_item_it_does_not_own(world, camp):
    _released(world, camp)
    with scoped(Scope(world.district_id, world.b_id)), pytest.raises(NotFound):
        explanations.contest(_user("lanhdao.b"), camp.item_ids[("a", "2.1")], "Xin xem xét lại nội dung này.")


def test_a_unit_cannot_contest_before_release(world, camp):
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Conflict, match="sau khi có kết quả"):
        explanations.contest(_user("lanhdao.a"), camp.item_ids[("a", "2.1")], "Xin xem xét lại nội dung này.")


def test_closing_appraisal_lists_what_is_missing_then_fixes_final_scores(world, camp):
    _released(world, camp)
    secretariat = _user("thuongtruc")
    with scoped(Scope(world.district_id)):
        campaign = db.session.get(Campaign, camp.id)
        with pytest.raises(Conflict) as refused:
            release.close_appraisal(secretariat, camp.id, campaign.version)
        assert any("Xã Bình Đông" in p for p in refused.value.problems)
        db.session.rollback()
        assignments.assign(secretariat, camp.id, _user("thamdinh2").id, world.b_id, None)
        _score_all(camp, "b", _user("thamdinh2"))
        b = db.session.get(Assessment, camp.assessment_ids["b"])
        release.release(secretariat, b.id, b.version)
        campaign = db.session.get(Campaign, camp.id)
        with pytest.raises(Conflict) as refused:  # both units are still inside their explanation window
            release.close_appraisal(secretariat, camp.id, campaign.version)
        deadline = vn_datetime(campaign.explanation_deadline)
        assert refused.value.problems == [
            f"Còn 2 đơn vị đang trong hạn giải trình: Xã An Bình (hạn {deadline}), Xã Bình Đông (hạn {deadline}). "
            "Chỉ kết thúc trước hạn khi mọi đơn vị đã kết thúc giải trình."
        ]
        db.session.rollback()
        campaign = db.session.get(Campaign, camp.id)
        after_deadline = campaign.explanation_deadline + timedelta(seconds=1)
        release.close_appraisal(secretariat, camp.id, campaign.version, now=after_deadline)
        assert db.session.get(Campaign, camp.id).status == CampaignStatus.FINAL_REVIEW
        finals = db.session.execute(select(ItemScore.final_score, ItemScore.appraised_score)).all()
        assert all(final == appraised for final, appraised in finals)


def test_workload_counts_items_per_appraiser(authority, camp):
    secretariat = _user("thuongtruc")
    assignments.assign(secretariat, camp.id, _user("thamdinh").id, authority.a_id, None)
    assignments.assign(secretariat, camp.id, _user("thamdinh2").id, None, camp.area_ids["1"])
    loads = {w.appraiser.login: w for w in assignments.workload(camp.id)}
    assert (loads["thamdinh"].units, loads["thamdinh"].items) == (1, 4)
    assert (loads["thamdinh2"].units, loads["thamdinh2"].items) == (2, 4)
