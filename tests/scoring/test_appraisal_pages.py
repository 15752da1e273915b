"""Appraisal pages as people use them: the appraiser's sheet, 403 for an unassigned appraiser, the unit's result only
after release (404 before, identical to missing), contesting through the form, the final review board."""

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, Explanation, ItemScore
from tests.scoring.appraisal_factories import build_campaign


def _user(login):
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


@pytest.fixture
def camp(world):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, world.a_id, None)
    return camp


def _version(item_id):
    with scoped(SYSTEM):
        return db.session.execute(select(ItemScore.version).where(ItemScore.id == item_id)).scalar_one()


def _appraise_all(browser, camp, key="a"):
    assessment_id = camp.assessment_ids[key]
    for code, value, reasons in (
        ("1.1", "1,5", ["chua_day_du"]),
        ("1.2", "4", []),
        ("2.1", "2", ["thieu_kiem_chung"]),
        ("2.2", "0,75", []),
    ):
        item_id = camp.item_ids[(key, code)]
        response = browser.post(
            f"/tham-dinh/ho-so/{assessment_id}/tieu-chi/{item_id}",
            {"version": _version(item_id), "score": value, "reasons": reasons, "note": ""},
        )
        assert response.status_code == 303


def test_the_appraiser_sees_the_sheet_and_saves_a_score_with_reasons(world, camp, browser):
    browser.login(world.appraiser)
    page = browser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert "Thẩm định: Xã An Bình" in page and "0/4" in page
    _appraise_all(browser, camp)
    page = browser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert 'data-testid="progress">4/4' in page
    with scoped(SYSTEM):
        assert db.session.get(ItemScore, camp.item_ids[("a", "1.1")]).appraised_score == D("1.50")


def test_a_refused_score_shows_the_vietnamese_reason_and_saves_nothing(world, camp, browser):
    browser.login(world.appraiser)
    item_id = camp.item_ids[("a", "1.1")]
    response = browser.post(
        f"/tham-dinh/ho-so/{camp.assessment_ids['a']}/tieu-chi/{item_id}",
        {"version": _version(item_id), "score": "1,5", "note": ""},
        follow_redirects=True,
    )
    assert "hãy chọn ít nhất một lý do trừ điểm" in response.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.get(ItemScore, item_id).appraised_score is None


def test_an_appraiser_opening_a_unit_not_assigned_gets_404_like_a_missing_dossier(world, camp, browser):
    """Who is assigned to what is not told by a 403 where a missing dossier answers 404 (issue 14, item 4)."""
    browser.login(world.appraiser2)
    foreign = browser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}")
    missing = browser.get("/tham-dinh/ho-so/999999")
    assert foreign.status_code == missing.status_code == 404 and foreign.data == missing.data
    item_id = camp.item_ids[("a", "1.1")]
    assert (
        browser.post(
            f"/tham-dinh/ho-so/{camp.assessment_ids['a']}/tieu-chi/{item_id}",
            {"version": _version(item_id), "score": "2"},
        ).status_code
        == 404
    )


def test_a_commune_cannot_open_the_appraisal_sheet(world, camp, browser):
    browser.login(world.officer_a)
    assert browser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}").status_code == 403


def test_the_unit_sees_its_result_only_after_release_and_404_before(world, camp, make_browser):
    unit = make_browser()
    unit.login(world.officer_a)
    before = unit.get(f"/giai-trinh/{camp.assessment_ids['a']}")
    missing = unit.get("/giai-trinh/999999")
    assert before.status_code == missing.status_code == 404
    assert before.get_data() == missing.get_data()
    appraiser, secretariat = make_browser(), make_browser()
    appraiser.login(world.appraiser)
    _appraise_all(appraiser, camp)
    secretariat.login(world.secretariat)
    with scoped(SYSTEM):
        version = db.session.get(Assessment, camp.assessment_ids["a"]).version
    secretariat.post(
        f"/tham-dinh/ra-soat/{camp.id}",
        {"action": "release", "assessment_id": camp.assessment_ids["a"], "version": version},
    )
    page = unit.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert 'data-testid="appraised-1.1">1,50' in page
    assert "Thực hiện chưa đầy đủ, chưa kịp thời" in page
    assert "chênh lệch −0,50" in page  # appraised minus self: 0,50 lost


def test_commune_b_cannot_see_commune_a_result_even_after_release(world, camp, make_browser):
    appraiser, secretariat, other = make_browser(), make_browser(), make_browser()
    appraiser.login(world.appraiser)
    _appraise_all(appraiser, camp)
    secretariat.login(world.secretariat)
    with scoped(SYSTEM):
        version = db.session.get(Assessment, camp.assessment_ids["a"]).version
    secretariat.post(
        f"/tham-dinh/ra-soat/{camp.id}",
        {"action": "release", "assessment_id": camp.assessment_ids["a"], "version": version},
    )
    other.login(world.officer_b)
    foreign = other.get(f"/giai-trinh/{camp.assessment_ids['a']}")
    assert foreign.status_code == 404
    assert foreign.get_data() == other.get("/giai-trinh/999999").get_data()


def test_the_unit_contests_and_the_appraiser_answers_through_the_pages(world, camp, make_browser):
    appraiser, secretariat, unit = make_browser(), make_browser(), make_browser()
    appraiser.login(world.appraiser)
    _appraise_all(appraiser, camp)
    secretariat.login(world.secretariat)
    with scoped(SYSTEM):
        version = db.session.get(Assessment, camp.assessment_ids["a"]).version
        db.session.get(Campaign, camp.id).status = CampaignStatus.EXPLANATION
        db.session.commit()
    secretariat.post(
        f"/tham-dinh/ra-soat/{camp.id}",
        {"action": "release", "assessment_id": camp.assessment_ids["a"], "version": version},
    )
    unit.login(world.leader_a)
    item_id = camp.item_ids[("a", "2.1")]
    unit.post(
        f"/giai-trinh/{camp.assessment_ids['a']}/tieu-chi/{item_id}",
        {"text": "Xã đã có Báo cáo số 15/BC-UBND ngày 10/12/2026, đề nghị xem xét lại.", "action": "send"},
    )
    with scoped(SYSTEM):
        explanation = db.session.execute(select(Explanation)).scalar_one()
    listing = appraiser.get("/tham-dinh/giai-trinh/").get_data(as_text=True)
    assert "Chờ trả lời" in listing
    assert "Chưa xem" in unit.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    appraiser.get(f"/tham-dinh/giai-trinh/{explanation.id}")  # opening it is a read receipt, not a change
    assert "Tổ thẩm định đã xem" in unit.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    response = appraiser.post(
        f"/tham-dinh/giai-trinh/{explanation.id}",
        {"version": explanation.version, "final_score": "3", "rationale": ""},
        follow_redirects=True,
    )
    assert "phải nêu căn cứ" in response.get_data(as_text=True)
    answered = appraiser.post(
        f"/tham-dinh/giai-trinh/{explanation.id}",
        {"version": explanation.version, "final_score": "3", "rationale": "Báo cáo hợp lệ."},
        follow_redirects=True,
    )
    assert "Đã trả lời giải trình" in answered.get_data(as_text=True), answered.get_data(as_text=True)[-3000:]
    page = unit.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert "điểm cuối cùng 3,00" in page
    assert "Đơn vị đã xem" in appraiser.get(f"/tham-dinh/giai-trinh/{explanation.id}").get_data(as_text=True)
    board = secretariat.get(f"/tham-dinh/ra-soat/{camp.id}").get_data(as_text=True)
    assert 'data-testid="unit-A"' in board


def test_leadership_reads_the_review_board_but_cannot_act(world, camp, browser):
    browser.login(world.leadership)
    assert browser.get(f"/tham-dinh/ra-soat/{camp.id}").status_code == 200
    assert browser.post(f"/tham-dinh/ra-soat/{camp.id}", {"action": "close", "version": 1}).status_code == 403


def test_the_assignment_page_shows_workload_and_assigns(world, camp, browser):
    browser.login(world.secretariat)
    browser.post(
        f"/tham-dinh/phan-cong/{camp.id}",
        {"action": "assign", "appraiser_id": world.ids["appraiser2"], "unit_id": world.b_id, "area_id": ""},
    )
    page = browser.get(f"/tham-dinh/phan-cong/{camp.id}").get_data(as_text=True)
    assert "Xã Bình Đông" in page
    browser.post(
        f"/tham-dinh/phan-cong/{camp.id}",
        {"action": "assign", "appraiser_id": world.ids["appraiser"], "unit_id": world.district_id, "area_id": ""},
    )
    with scoped(SYSTEM):
        assert len(assignments.assignments_of(camp.id, world.ids["appraiser"])) == 1
