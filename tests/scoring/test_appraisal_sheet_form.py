"""The appraisal sheet's per-item form, now rendered with the CSRF token, the save URL and the reasons' check boxes
prepared once per page: each item still posts to its own URL with a valid token, shows its saved reasons checked,
and every field is disabled once the preliminary result is released."""

from __future__ import annotations

import re

from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, services
from dvcq.scoring.models import Assessment, AssessmentStatus, ItemScore
from tests.scoring.appraisal_factories import build_campaign


def _user(login):
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _form(page: str, item_id: int) -> str:
    return re.search(rf'<article class="ap-item card" id="item-{item_id}".*?</article>', page, re.S).group(0)


def test_each_item_posts_to_its_own_url_with_its_reasons_checked_and_locks_after_release(world, browser):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, world.a_id, None)
    assessment_id = camp.assessment_ids["a"]
    first, second = camp.item_ids[("a", "1.1")], camp.item_ids[("a", "1.2")]
    with scoped(SYSTEM):
        db.session.get(ItemScore, first).deduction_reasons = "chua_day_du,khac"
        db.session.commit()
    browser.login(world.appraiser)
    page = browser.get(f"/tham-dinh/ho-so/{assessment_id}").get_data(as_text=True)
    one, two = _form(page, first), _form(page, second)
    assert f'action="/tham-dinh/ho-so/{assessment_id}/tieu-chi/{first}#item-{first}"' in one
    assert f'action="/tham-dinh/ho-so/{assessment_id}/tieu-chi/{second}#item-{second}"' in two
    assert re.findall(r'value="(\w+)" checked', one) == ["chua_day_du", "khac"]
    assert "checked" not in two and "disabled" not in one + two
    token = re.search(r'name="csrf_token" value="([^"]+)"', two).group(1)
    with scoped(SYSTEM):
        version = db.session.get(ItemScore, second).version
    response = browser.client.post(
        f"/tham-dinh/ho-so/{assessment_id}/tieu-chi/{second}",
        data={"csrf_token": token, "version": version, "score": "4", "reasons": ["thieu_kiem_chung"], "note": ""},
    )
    assert response.status_code == 303
    page = browser.get(f"/tham-dinh/ho-so/{assessment_id}").get_data(as_text=True)
    assert re.findall(r'value="(\w+)" checked', _form(page, second)) == ["thieu_kiem_chung"]

    with scoped(SYSTEM):
        db.session.get(Assessment, assessment_id).status = AssessmentStatus.RELEASED
        db.session.commit()
    page = browser.get(f"/tham-dinh/ho-so/{assessment_id}").get_data(as_text=True)
    one = _form(page, first)
    boxes = re.findall(r'<input type="checkbox"[^>]*>', one)
    assert len(boxes) == len(services.DEDUCTION_REASONS) and all(b.endswith(" disabled>") for b in boxes)
    assert re.search(r'name="score"[^>]*disabled', one) and re.search(r'name="note"[^>]*disabled', one)
    assert "Lưu điểm thẩm định" not in one


def test_the_units_home_card_leaves_out_a_published_years_assessment(world, browser):
    from dvcq.scoring.models import Campaign, CampaignStatus

    camp = build_campaign(world, status=CampaignStatus.FINAL_REVIEW)
    with scoped(SYSTEM):
        for a in db.session.execute(select(Assessment)).scalars():
            a.status = AssessmentStatus.FINAL
        db.session.commit()
    browser.login(world.officer_a)
    assert "Kết quả thẩm định đã chốt" in browser.get("/").get_data(as_text=True)
    with scoped(SYSTEM):
        db.session.get(Campaign, camp.id).status = CampaignStatus.PUBLISHED
        db.session.commit()
    page = browser.get("/").get_data(as_text=True)
    assert "Kết quả thẩm định đã chốt" not in page and f"/giai-trinh/{camp.assessment_ids['a']}" not in page


def test_the_sheets_progress_counts_the_appraised_items_whole_sheet_or_one_area(world, browser):
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, world.a_id, None)
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh2").id, world.a_id, _area_id(camp, "2"))
    with scoped(SYSTEM):
        item = db.session.get(ItemScore, camp.item_ids[("a", "2.1")])
        item.appraised_score = item.self_score
        db.session.commit()
    expected = "1/4"
    with scoped(SYSTEM):
        done, total = services.progress(camp.id)[camp.assessment_ids["a"]]
    assert f"{done}/{total}" == expected
    for login in ("thamdinh", "thamdinh2"):  # every area; one area only: the same count of the whole unit
        browser.login(login)
        page = browser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}").get_data(as_text=True)
        assert f'data-testid="progress">{expected}<' in page
        browser.logout()


def _area_id(camp, code: str) -> int:
    from dvcq.scoring.models import Campaign, CriteriaNode

    with scoped(SYSTEM):
        version_id = db.session.get(Campaign, camp.id).versions[0].id
        return db.session.execute(
            select(CriteriaNode.id).where(
                CriteriaNode.version_id == version_id, CriteriaNode.code == code, CriteriaNode.parent_id.is_(None)
            )
        ).scalar_one()
