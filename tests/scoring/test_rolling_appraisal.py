"""Rolling appraisal (issue 17, items 1–3): a unit's dossier is appraised as soon as it is submitted while other units
still draft; the secretariat closes self-assessment early for the units that have submitted, reminds the others
(«nhắc nộp», once a day), assigns the whole team or splits the areas in one step, rebalances without losing work,
and releases every appraised unit at once."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict, Forbidden, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, release, services, teams
from dvcq.scoring.campaigns import reminders, stages
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    ItemScore,
)
from dvcq.scoring.selfassessment import services as selfassessment
from tests.scoring.appraisal_factories import build_campaign
from tests.scoring.campaign_factories import open_campaign


def _user(login) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _item(item_id) -> ItemScore:
    return db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one()


@pytest.fixture
def rolling(world):
    """The campaign still in self-assessment (its deadline ahead): commune A submitted, commune B still drafting."""
    camp = build_campaign(world, status=CampaignStatus.SELF_ASSESSMENT)
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, camp.id)
        campaign.self_assessment_deadline = campaign.explanation_deadline
        b = db.session.get(Assessment, camp.assessment_ids["b"])
        b.status, b.submitted_at = AssessmentStatus.DRAFT, None
        db.session.commit()
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, None, None)
    db.session.remove()
    return camp


# ---- item 1: a submitted unit is appraised while others still draft ------------------------------------------------


def test_a_submitted_unit_is_appraised_while_another_still_drafts(world, rolling):
    with scoped(Scope(world.district_id)):
        appraiser = _user("thamdinh")
        item = _item(rolling.item_ids[("a", "1.1")])
        services.save_appraisal(appraiser, item.id, item.version, "2", [], "")
        assert db.session.get(Assessment, rolling.assessment_ids["a"]).status == AssessmentStatus.APPRAISING
        draft = _item(rolling.item_ids[("b", "1.1")])
        with pytest.raises(Conflict, match="chưa nộp hồ sơ tự đánh giá"):
            services.save_appraisal(appraiser, draft.id, draft.version, "2", [], "")
        db.session.rollback()
        assert _item(draft.id).appraised_score is None
        assert db.session.get(Campaign, rolling.id).status == CampaignStatus.SELF_ASSESSMENT


def test_the_appraisers_list_opens_submitted_dossiers_and_names_the_ones_still_drafting(world, rolling, browser):
    browser.login(world.appraiser)
    page = browser.get("/tham-dinh/").get_data(as_text=True)
    assert f"/tham-dinh/ho-so/{rolling.assessment_ids['a']}" in page
    assert f"/tham-dinh/ho-so/{rolling.assessment_ids['b']}" not in page
    assert "Chờ đơn vị nộp hồ sơ (1): Xã Bình Đông" in page
    response = browser.get(f"/tham-dinh/ho-so/{rolling.assessment_ids['b']}", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Xã Bình Đông: Đơn vị chưa nộp hồ sơ tự đánh giá" in text and "Đồng ý điểm tự chấm" not in text


def test_once_appraisal_has_started_the_leader_can_no_longer_withdraw(world, rolling):
    with scoped(Scope(world.district_id)):
        item = _item(rolling.item_ids[("a", "1.2")])
        services.save_appraisal(_user("thamdinh"), item.id, item.version, "4", [], "")
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Conflict, match="chuyển sang thẩm định"):
        selfassessment.withdraw(_user("lanhdao.a"), rolling.assessment_ids["a"])


def test_closing_self_assessment_early_moves_the_submitted_units_on_and_leaves_the_others_their_time(world, rolling):
    with scoped(Scope(world.district_id)):
        campaign = db.session.get(Campaign, rolling.id)
        moved = stages.close_for_submitted(_user("thuongtruc"), rolling.id, campaign.version)
        assert [a.id for a in moved] == [rolling.assessment_ids["a"]]
        assert db.session.get(Assessment, rolling.assessment_ids["a"]).status == AssessmentStatus.APPRAISING
        assert db.session.get(Assessment, rolling.assessment_ids["b"]).status == AssessmentStatus.DRAFT
        assert db.session.get(Campaign, rolling.id).status == CampaignStatus.SELF_ASSESSMENT
        told = db.session.execute(
            select(Notification.user_id).where(Notification.kind == "assessment.appraisal_opened")
        ).scalars()
        assert set(told) == {_user("canbo.a").id, _user("lanhdao.a").id}
        with pytest.raises(Conflict, match="Chưa có hồ sơ nào đã nộp"):
            stages.close_for_submitted(_user("thuongtruc"), rolling.id, None)


def test_closing_early_is_for_the_secretariat_of_the_authority_only(world, rolling, make_browser):
    leadership = make_browser()
    leadership.login(world.leadership)
    assert leadership.post(f"/ky-danh-gia/{rolling.id}/dong-tu-danh-gia-som", {}).status_code == 403
    with scoped(Scope(world.district_id)), pytest.raises(Forbidden):
        stages.close_for_submitted(_user("lanhdao"), rolling.id, None)
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    assert secretariat.post("/ky-danh-gia/999999/dong-tu-danh-gia-som", {}).status_code == 404
    with scoped(Scope(world.district_id)):
        stale = db.session.get(Campaign, rolling.id).version - 1
    response = secretariat.post(f"/ky-danh-gia/{rolling.id}/dong-tu-danh-gia-som", {"version": stale})
    assert response.status_code == 409 and "vừa được người khác thay đổi" in response.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.get(Assessment, rolling.assessment_ids["a"]).status == AssessmentStatus.SUBMITTED


def test_every_unit_submitted_lets_the_campaign_leave_self_assessment_before_its_deadline(world, rolling, browser):
    browser.login(world.secretariat)
    with scoped(SYSTEM):
        b = db.session.get(Assessment, rolling.assessment_ids["b"])
        b.status = AssessmentStatus.SUBMITTED
        db.session.commit()
    page = browser.get(f"/ky-danh-gia/{rolling.id}").get_data(as_text=True)
    assert "Mọi đơn vị đã nộp hồ sơ:" in page and "nhac-nop" not in page
    with scoped(Scope(world.district_id)):
        version = db.session.get(Campaign, rolling.id).version
    response = browser.post(f"/ky-danh-gia/{rolling.id}/chuyen-giai-doan", {"version": version})
    assert response.status_code == 302
    with scoped(SYSTEM):
        assert db.session.get(Campaign, rolling.id).status == CampaignStatus.APPRAISAL


def test_the_campaign_page_lists_who_has_not_submitted_with_a_reminder_each_and_for_all(world, rolling, browser):
    browser.login(world.secretariat)
    page = browser.get(f"/ky-danh-gia/{rolling.id}").get_data(as_text=True)
    section = page.split('data-testid="unsubmitted"')[1].split("</section>")[0]
    assert "Chưa nộp hồ sơ (1 đơn vị)" in section and "Xã Bình Đông" in section and "Xã An Bình" not in section
    assert "Nhắc nộp tất cả 1 đơn vị chưa nộp" in section
    remind_b = page.split('data-testid="remind-B"')[1].split("</form>")[0]
    assert f'name="assessment_id" value="{rolling.assessment_ids["b"]}"' in remind_b
    assert 'data-testid="remind-A"' not in page  # A has submitted
    assert "Đóng tự đánh giá cho 1 đơn vị đã nộp" in page


def _reminders(unit_login: str) -> int:
    with scoped(SYSTEM):
        return db.session.execute(
            select(func.count(Notification.id)).where(
                Notification.kind == "campaign.remind", Notification.user_id == _user(unit_login).id
            )
        ).scalar_one()


def test_a_reminder_goes_to_the_unit_once_a_day_and_says_so_the_second_time(world, rolling, browser):
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{rolling.id}/nhac-nop", {"assessment_id": rolling.assessment_ids["b"]}, follow_redirects=True
    )
    assert "Đã nhắc nộp hồ sơ: Xã Bình Đông." in response.get_data(as_text=True)
    assert _reminders("canbo.b") == 1 and _reminders("lanhdao.b") == 1 and _reminders("canbo.a") == 0
    response = browser.post(f"/ky-danh-gia/{rolling.id}/nhac-nop", {}, follow_redirects=True)
    assert "Hôm nay đã nhắc Xã Bình Đông rồi nên không nhắc lại." in response.get_data(as_text=True)
    assert _reminders("canbo.b") == 1
    with scoped(SYSTEM):
        text = db.session.execute(select(Notification.text).where(Notification.kind == "campaign.remind")).scalar()
        assert text.startswith("Nhắc nộp hồ sơ tự đánh giá") and "đơn vị đã chấm 4 tiêu chí" in text
        audited = db.session.execute(select(AuditRecord).where(AuditRecord.action == "campaign.remind")).scalars()
        assert [json.loads(r.after)["units"] for r in audited] == [["B"]]


def test_reminding_a_submitted_unit_another_campaigns_unit_or_as_leadership_is_refused(world, rolling, make_browser):
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    response = secretariat.post(f"/ky-danh-gia/{rolling.id}/nhac-nop", {"assessment_id": rolling.assessment_ids["a"]})
    assert response.status_code == 409 and "Xã An Bình đã nộp hồ sơ tự đánh giá; không cần nhắc." in (
        response.get_data(as_text=True)
    )
    other = open_campaign(world, year=2027, units=[world.b_id])
    with scoped(SYSTEM):
        foreign = db.session.execute(select(Assessment.id).where(Assessment.campaign_id == other)).scalar_one()
    missing = secretariat.post(f"/ky-danh-gia/{rolling.id}/nhac-nop", {"assessment_id": foreign})
    never = secretariat.post(f"/ky-danh-gia/{rolling.id}/nhac-nop", {"assessment_id": 987654})
    assert missing.status_code == never.status_code == 404 and missing.data == never.data
    leadership = make_browser()
    leadership.login(world.leadership)
    assert leadership.post(f"/ky-danh-gia/{rolling.id}/nhac-nop", {}).status_code == 403
    with scoped(Scope(world.district_id)), pytest.raises(Forbidden):
        reminders.remind_unsubmitted(_user("thamdinh"), rolling.id)
    assert _reminders("canbo.b") == 0


def test_no_reminder_once_the_campaign_has_left_self_assessment(world):
    camp = build_campaign(world)  # in appraisal
    with scoped(Scope(world.district_id)), pytest.raises(Conflict, match="Chỉ nhắc nộp"):
        reminders.remind_unsubmitted(_user("thuongtruc"), camp.id)


# ---- item 2: assignment in one step ---------------------------------------------------------------------------------


def _assignments(campaign_id) -> set[tuple[str, int | None, int | None]]:
    with scoped(SYSTEM):
        rows = db.session.execute(
            select(User.login, AppraisalAssignment.unit_id, AppraisalAssignment.area_id)
            .join(User, User.id == AppraisalAssignment.appraiser_id)
            .where(AppraisalAssignment.campaign_id == campaign_id)
        ).all()
    return {tuple(row) for row in rows}


def test_the_whole_team_gets_every_unit_and_every_area_in_one_form(world, browser):
    camp = build_campaign(world)
    with scoped(SYSTEM):
        ids = [_user("thamdinh").id, _user("thamdinh2").id]
    browser.login(world.secretariat)
    response = browser.post(
        f"/tham-dinh/phan-cong/{camp.id}", {"action": "team", "appraiser_ids": ids}, follow_redirects=True
    )
    assert "Đã thêm 2 phân công." in response.get_data(as_text=True)
    assert _assignments(camp.id) == {("thamdinh", None, None), ("thamdinh2", None, None)}
    again = browser.post(
        f"/tham-dinh/phan-cong/{camp.id}", {"action": "team", "appraiser_ids": ids}, follow_redirects=True
    )
    assert "Đã thêm 0 phân công; giữ nguyên 2 phân công đã có." in again.get_data(as_text=True)
    with scoped(Scope(world.district_id)):
        a = db.session.get(Assessment, camp.assessment_ids["a"])
        assert assignments.may_appraise(_user("thamdinh2"), a, "2.1")


def test_a_split_by_area_gives_each_area_to_its_appraiser_for_every_unit(world, browser):
    camp = build_campaign(world)
    with scoped(SYSTEM):
        first, second = _user("thamdinh").id, _user("thamdinh2").id
    browser.login(world.secretariat)
    form = {"action": "areas", f"area-{camp.area_ids['1']}": first, f"area-{camp.area_ids['2']}": second}
    response = browser.post(f"/tham-dinh/phan-cong/{camp.id}", form, follow_redirects=True)
    assert "Đã thêm 2 phân công." in response.get_data(as_text=True)
    assert _assignments(camp.id) == {("thamdinh", None, camp.area_ids["1"]), ("thamdinh2", None, camp.area_ids["2"])}
    with scoped(Scope(world.district_id)):
        b = db.session.get(Assessment, camp.assessment_ids["b"])
        assert assignments.appraisable_areas(_user("thamdinh2"), b) == {"2"}


def test_a_bad_split_lists_every_problem_and_assigns_nothing(world, browser):
    camp = build_campaign(world)
    with scoped(SYSTEM):
        officer, secretariat = _user("canbo.a").id, _user("thuongtruc").id
    browser.login(world.secretariat)
    form = {"action": "areas", f"area-{camp.area_ids['1']}": officer, f"area-{camp.area_ids['2']}": secretariat}
    page = browser.post(f"/tham-dinh/phan-cong/{camp.id}", form, follow_redirects=True).get_data(as_text=True)
    assert "Chưa phân công được. Vui lòng sửa các lỗi sau:" in page
    assert page.count("phải là thành viên tổ thẩm định") == 2 and "Lĩnh vực 1. Tiêu chí 1" in page
    empty = browser.post(f"/tham-dinh/phan-cong/{camp.id}", {"action": "team"}, follow_redirects=True)
    assert "Hãy chọn ít nhất một thành viên tổ thẩm định." in empty.get_data(as_text=True)
    assert _assignments(camp.id) == set()


def _third_dossier(world, camp) -> None:
    """The agency joins the campaign with a submitted dossier of the same four leaves, not yet appraised."""
    with scoped(SYSTEM):
        a = db.session.get(Assessment, camp.assessment_ids["a"])
        c = Assessment(
            unit_id=world.agency_id, campaign_id=camp.id, group_id=a.group_id, status=AssessmentStatus.SUBMITTED
        )
        db.session.add(c)
        db.session.flush()
        for item in a.items:
            db.session.add(
                ItemScore(
                    unit_id=world.agency_id,
                    assessment_id=c.id,
                    node_id=item.node_id,
                    node_position=item.node_position,
                    self_score=item.self_score,
                )
            )
        db.session.commit()
    db.session.remove()


def test_rebalancing_spreads_the_unfinished_units_and_keeps_what_is_done(world):
    camp = build_campaign(world)
    _third_dossier(world, camp)
    with scoped(Scope(world.district_id)):
        secretariat, first, second = _user("thuongtruc"), _user("thamdinh"), _user("thamdinh2")
        for unit_id in (world.a_id, world.b_id, world.agency_id):
            assignments.assign(secretariat, camp.id, first.id, unit_id, None)
        for code, value in (("1.1", "2"), ("1.2", "4"), ("2.1", "3"), ("2.2", "0.75")):
            item = _item(camp.item_ids[("a", code)])
            services.save_appraisal(first, item.id, item.version, value, [], "")
        item = _item(camp.item_ids[("b", "1.1")])
        services.save_appraisal(first, item.id, item.version, "1.5", ["chua_day_du"], "")
        outcome = teams.rebalance(secretariat, camp.id, [first.id, second.id])
        assert (outcome.added, outcome.kept, outcome.removed) == (1, 1, 1)
        assert outcome.message == (
            "Đã thêm 1 phân công; giữ nguyên 1 phân công đã có; bỏ 1 phân công cũ của các đơn vị chưa thẩm định xong."
        )
    # A is done: it keeps its appraiser. Of the unfinished, the larger (the agency, 4 left) stays with the first
    # appraiser and B (3 left) goes to the second; the score already entered on B stays.
    assert _assignments(camp.id) == {
        ("thamdinh", world.a_id, None),
        ("thamdinh", world.agency_id, None),
        ("thamdinh2", world.b_id, None),
    }
    with scoped(SYSTEM):
        assert _item(camp.item_ids[("b", "1.1")]).appraised_score == D("1.50")
        assert db.session.get(Assessment, camp.assessment_ids["a"]).status == AssessmentStatus.APPRAISED


def test_assigning_is_refused_to_other_roles_and_another_authoritys_campaign_is_missing(world, make_browser):
    camp = build_campaign(world)
    leadership = make_browser()
    leadership.login(world.leadership)
    assert leadership.post(f"/tham-dinh/phan-cong/{camp.id}", {"action": "team"}).status_code == 403
    with scoped(Scope(world.district_id)), pytest.raises(Forbidden):
        teams.assign_team(_user("thamdinh"), camp.id, [_user("thamdinh").id])
    with scoped(Scope(world.district_id)), pytest.raises(NotFound):
        teams.assign_team(_user("thuongtruc"), 987654, [_user("thamdinh").id])
    assert _assignments(camp.id) == set()


# ---- item 3: release every appraised unit at once -------------------------------------------------------------------


def _appraise_all(camp, key):
    appraiser = _user("thamdinh")
    for code, value in (("1.1", "2"), ("1.2", "4"), ("2.1", "3"), ("2.2", "0.75")):
        item = _item(camp.item_ids[(key, code)])
        services.save_appraisal(appraiser, item.id, item.version, value, [], "")


def test_releasing_all_releases_every_appraised_unit_in_one_action_and_leaves_the_rest(world, browser):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, None, None)
        _appraise_all(camp, "a")
        version = db.session.get(Campaign, camp.id).version
    browser.login(world.secretariat)
    page = browser.get(f"/tham-dinh/ra-soat/{camp.id}").get_data(as_text=True)
    assert "Công bố kết quả sơ bộ cho 1 đơn vị đã thẩm định xong" in page
    response = browser.post(
        f"/tham-dinh/ra-soat/{camp.id}", {"action": "release_all", "version": version}, follow_redirects=True
    )
    assert "Đã công bố kết quả thẩm định sơ bộ cho 1 đơn vị: Xã An Bình." in response.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.get(Assessment, camp.assessment_ids["a"]).status == AssessmentStatus.RELEASED
        assert db.session.get(Assessment, camp.assessment_ids["b"]).status == AssessmentStatus.SUBMITTED
        told = db.session.execute(select(Notification.user_id).where(Notification.kind == "released")).scalars()
        assert set(told) == {_user("canbo.a").id, _user("lanhdao.a").id}
    again = browser.post(
        f"/tham-dinh/ra-soat/{camp.id}", {"action": "release_all", "version": version}, follow_redirects=True
    )
    assert "Chưa có đơn vị nào được thẩm định xong" in again.get_data(as_text=True)


def test_releasing_all_refuses_a_stale_page_a_role_that_may_not_and_the_self_assessment_stage(world, make_browser):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, None, None)
        _appraise_all(camp, "a")
        version = db.session.get(Campaign, camp.id).version
        with pytest.raises(Conflict, match="vừa được thay đổi"):
            release.release_all(_user("thuongtruc"), camp.id, version + 1)
        with pytest.raises(Forbidden):
            release.release_all(_user("lanhdao"), camp.id, version)
    leadership = make_browser()
    leadership.login(world.leadership)
    assert (
        leadership.post(f"/tham-dinh/ra-soat/{camp.id}", {"action": "release_all", "version": version}).status_code
        == 403
    )
    with scoped(SYSTEM):
        db.session.get(Campaign, camp.id).status = CampaignStatus.SELF_ASSESSMENT
        db.session.commit()
    with scoped(Scope(world.district_id)), pytest.raises(Conflict, match="giai đoạn thẩm định hoặc giải trình"):
        release.release_all(_user("thuongtruc"), camp.id, version + 1)
    with scoped(SYSTEM):
        assert db.session.get(Assessment, camp.assessment_ids["a"]).status == AssessmentStatus.APPRAISED
