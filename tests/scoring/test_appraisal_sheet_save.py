"""Saving on the appraisal sheet without losing input (issue 17, item 5) and agreeing in one click (item 7): the
page's script gets JSON, a plain form post gets the page back with what was typed and the error at the item; «Đồng ý
điểm tự chấm» per item, per area and for the whole dossier is an audited appraisal save that respects optimistic
locking and the appraiser's areas."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import NotFound
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, services
from dvcq.scoring.models import Assessment, AssessmentStatus, ItemScore
from tests.scoring.appraisal_factories import build_campaign

JSON = {"Accept": "application/json"}


def _user(login) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _item(item_id) -> ItemScore:
    with scoped(SYSTEM):
        return db.session.execute(
            select(ItemScore).where(ItemScore.id == item_id).execution_options(populate_existing=True)
        ).scalar_one()


@pytest.fixture
def camp(world):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, None, None)
    return camp


def _url(camp, key="a", code=None) -> str:
    base = f"/tham-dinh/ho-so/{camp.assessment_ids[key]}"
    return f"{base}/tieu-chi/{camp.item_ids[(key, code)]}" if code else base


def _card(page: str, item_id: int) -> str:
    return re.search(rf'<article class="ap-item card[^"]*" id="item-{item_id}".*?</article>', page, re.S).group(0)


# ---- item 5: no lost input ------------------------------------------------------------------------------------------


def test_the_sheet_shows_each_items_self_score_step_and_maximum_and_its_saved_state(world, camp, browser):
    browser.login(world.appraiser)
    page = browser.get(_url(camp)).get_data(as_text=True)
    card = _card(page, camp.item_ids[("a", "1.1")])
    assert 'data-testid="self-1.1"><strong>2,00</strong>' in card
    assert "<dt>Tối đa</dt><dd>2,00</dd>" in card and "khoảng, bước 0,25" in card
    assert "Đồng ý điểm tự chấm (2,00)" in card and 'data-testid="state-1.1">Chưa chấm<' in card
    assert 'data-testid="area-index"' in page and 'href="#lv-1"' in page and "Chỉ mục bị trừ điểm" in page


def test_a_refused_form_post_keeps_everything_typed_and_shows_the_error_at_the_item(world, camp, browser):
    browser.login(world.appraiser)
    item_id = camp.item_ids[("a", "2.1")]
    response = browser.post(
        _url(camp, code="2.1"),
        {"version": _item(item_id).version, "score": "2,3", "reasons": ["khac"], "note": "Thiếu biên bản họp"},
    )
    assert response.status_code == 400
    card = _card(response.get_data(as_text=True), item_id)
    assert 'name="score"' in card and 'value="2,3"' in card
    assert re.findall(r'value="(\w+)" checked', card) == ["khac"]
    assert "Thiếu biên bản họp</textarea>" in card
    assert "Tiêu chí 2.1" in card and "ap-has-error" in card and ">Chưa lưu<" in card
    assert _item(item_id).appraised_score is None


def test_the_scripts_save_answers_json_with_the_saved_time_and_the_progress(world, camp, browser):
    browser.login(world.appraiser)
    item_id = camp.item_ids[("a", "1.1")]
    response = browser.post(
        _url(camp, code="1.1"),
        {"version": _item(item_id).version, "score": "1,5", "reasons": ["chua_day_du"], "note": "Thiếu 1 buổi"},
        headers=JSON,
    )
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is True
    assert body["message"] == "Đã lưu điểm thẩm định tiêu chí 1.1."
    assert body["item"]["score"] == "1,50" and body["item"]["reasons"] == ["chua_day_du"]
    assert re.fullmatch(r"Đã lưu lúc \d\d:\d\d", body["item"]["saved"])
    assert body["item"]["version"] == _item(item_id).version
    assert body["progress"]["done"] == 1 and body["progress"]["total"] == 4
    assert body["progress"]["areas"]["1"] == {"total": "1,50", "done": 1, "items": 2}


def test_a_refused_script_save_answers_a_vietnamese_error_and_saves_nothing(world, camp, browser):
    browser.login(world.appraiser)
    item_id = camp.item_ids[("a", "1.1")]
    response = browser.post(_url(camp, code="1.1"), {"version": _item(item_id).version, "score": "1"}, headers=JSON)
    assert response.status_code == 400
    assert "hãy chọn ít nhất một lý do trừ điểm" in response.get_json()["error"]
    response = browser.post(_url(camp, code="1.1"), {"version": "x", "score": "2"}, headers=JSON)
    assert response.status_code == 409 and response.get_json()["current"]["score"] == ""
    assert _item(item_id).appraised_score is None


def test_a_stale_save_is_a_409_with_the_value_somebody_else_saved_json_or_page(world, camp, make_browser):
    item_id = camp.item_ids[("a", "1.2")]
    seen = _item(item_id).version
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh2").id, None, None)
        services.save_appraisal(_user("thamdinh2"), item_id, seen, "0", ["khong_dat_noi_dung"], "Chưa làm")
    browser = make_browser()
    browser.login(world.appraiser)
    response = browser.post(_url(camp, code="1.2"), {"version": seen, "score": "4"}, headers=JSON)
    assert response.status_code == 409
    body = response.get_json()
    assert "vừa được người khác lưu" in body["error"] and body["current"]["score"] == "0,00"
    assert body["current"]["note"] == "Chưa làm" and body["current"]["version"] == _item(item_id).version
    page = browser.post(_url(camp, code="1.2"), {"version": seen, "score": "4", "note": "Đủ"})
    assert page.status_code == 409
    card = _card(page.get_data(as_text=True), item_id)
    assert 'value="4"' in card and "Đủ</textarea>" in card  # what this appraiser typed stays in the boxes
    assert "Giá trị đang được lưu: điểm <strong>0,00</strong>" in card
    assert f'name="version" value="{_item(item_id).version}"' in card  # saving again overwrites knowingly
    assert _item(item_id).appraised_score == D("0.00")


def test_an_item_of_another_dossier_answers_404_like_a_missing_one(world, camp, browser):
    browser.login(world.appraiser)
    foreign = camp.item_ids[("b", "1.1")]
    url = f"/tham-dinh/ho-so/{camp.assessment_ids['a']}/tieu-chi/"
    crossed = browser.post(url + str(foreign), {"version": _item(foreign).version, "score": "2"})
    missing = browser.post(url + "987654", {"version": 1, "score": "2"})
    assert crossed.status_code == missing.status_code == 404 and crossed.data == missing.data
    agreed = browser.post(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}/dong-y", {"items": [f"{foreign}:1"]})
    assert agreed.status_code == 404 and agreed.data == missing.data
    assert _item(foreign).appraised_score is None


# ---- item 7: agree in one click -------------------------------------------------------------------------------------


def _audited(item_id) -> list[dict]:
    with scoped(SYSTEM):
        rows = db.session.execute(
            select(AuditRecord.after).where(
                AuditRecord.action == "appraisal.scored", AuditRecord.target_id == str(item_id)
            )
        ).scalars()
        return [json.loads(r) for r in rows]


def test_agreeing_with_one_item_records_the_self_score_as_the_appraisal_audited(world, camp, browser):
    browser.login(world.appraiser)
    item_id = camp.item_ids[("a", "2.2")]
    response = browser.post(
        _url(camp) + "/dong-y", {"scope": "item", "items": [f"{item_id}:{_item(item_id).version}"]}, headers=JSON
    )
    body = response.get_json()
    assert response.status_code == 200 and body["message"] == "Đã đồng ý điểm tự chấm cho 1 tiêu chí."
    assert body["items"][0]["score"] == "0,75"
    item = _item(item_id)
    assert item.appraised_score == D("0.75") and item.deduction_reasons == ""
    assert _audited(item_id)[-1]["agreed_with_self_score"] is True


def test_agreeing_with_an_area_scores_its_unappraised_items_and_keeps_the_ones_already_appraised(world, camp, browser):
    browser.login(world.appraiser)
    first, second = camp.item_ids[("a", "1.1")], camp.item_ids[("a", "1.2")]
    browser.post(_url(camp, code="1.1"), {"version": _item(first).version, "score": "1", "reasons": ["chua_day_du"]})
    items = [f"{i}:{_item(i).version}" for i in (first, second)]
    response = browser.post(
        _url(camp) + "/dong-y", {"scope": "area", "area": "1", "items": items}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Đã đồng ý điểm tự chấm cho 1 tiêu chí của lĩnh vực 1. Để nguyên: 1.1 (đã có điểm thẩm định)." in page
    assert _item(first).appraised_score == D("1.00") and _item(second).appraised_score == D("4.00")
    assert _item(camp.item_ids[("a", "2.1")]).appraised_score is None


def test_agreeing_with_the_whole_dossier_finishes_it(world, camp, browser):
    browser.login(world.appraiser)
    page = browser.get(_url(camp)).get_data(as_text=True)
    form = page.split('data-testid="agree-all"')[1].split("</form>")[0]
    items = re.findall(r'name="items" value="(\d+:\d+)"', form)
    assert len(items) == 4
    response = browser.post(_url(camp) + "/dong-y", {"scope": "all", "items": items}, follow_redirects=True)
    assert "Đã đồng ý điểm tự chấm cho 4 tiêu chí của cả hồ sơ." in response.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.get(Assessment, camp.assessment_ids["a"]).status == AssessmentStatus.APPRAISED


def test_agreeing_respects_the_appraisers_areas_and_optimistic_locking(world, camp, make_browser):
    with scoped(Scope(world.district_id)):
        area_two = camp.area_ids["2"]
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh2").id, world.a_id, area_two)
    browser = make_browser()
    browser.login(world.appraiser2)
    page = browser.get(_url(camp)).get_data(as_text=True)
    assert 'id="lv-2"' in page and 'id="lv-1"' not in page  # only the assigned area
    outside = camp.item_ids[("a", "1.1")]
    refused = browser.post(_url(camp) + "/dong-y", {"scope": "item", "items": [f"{outside}:{_item(outside).version}"]})
    assert refused.status_code == 404 and _item(outside).appraised_score is None  # not assigned: as missing
    inside = camp.item_ids[("a", "2.1")]
    stale = f"{inside}:{_item(inside).version - 1}"
    conflict = browser.post(_url(camp) + "/dong-y", {"scope": "item", "items": [stale]}, headers=JSON)
    assert conflict.status_code == 409 and "vừa được người khác lưu" in conflict.get_json()["error"]
    assert _item(inside).appraised_score is None
    with scoped(Scope(world.district_id)), pytest.raises(NotFound):
        services.agree_with_self_scores(_user("thamdinh2"), camp.assessment_ids["a"], {outside: 1})
    with scoped(Scope(world.district_id)), pytest.raises(NotFound):
        services.agree_with_self_scores(_user("thamdinh2"), camp.assessment_ids["a"], {camp.item_ids[("b", "2.1")]: 1})


def test_a_role_that_may_not_appraise_cannot_agree_or_save(world, camp, make_browser):
    for login in (world.secretariat, world.officer_a):
        browser = make_browser()
        browser.login(login)
        item_id = camp.item_ids[("a", "2.1")]
        assert browser.post(_url(camp) + "/dong-y", {"items": [f"{item_id}:1"]}).status_code == 403
        assert browser.post(_url(camp, code="2.1"), {"version": 1, "score": "3"}).status_code == 403
    assert _item(camp.item_ids[("a", "2.1")]).appraised_score is None
