"""One path from the explanation round to final review: the campaign page's stage button refuses and points to
«Rà soát thẩm định», where closing the appraisal fixes every final score as it moves the campaign on."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns.stages import CLOSE_FROM_REVIEW
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus, ItemScore
from tests.scoring.appraisal_factories import build_campaign


def _status(campaign_id: int) -> CampaignStatus:
    with scoped(SYSTEM):
        db.session.expire_all()
        return db.session.get(Campaign, campaign_id).status


def _appraise_everything(camp) -> None:
    with scoped(SYSTEM):
        for item in db.session.execute(select(ItemScore)).scalars():
            item.appraised_score = item.self_score
        db.session.commit()


def _advance(browser, campaign_id: int):
    with scoped(SYSTEM):
        version = db.session.get(Campaign, campaign_id).version
    return browser.post(f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": str(version)})


def test_the_campaign_page_moves_a_fully_appraised_campaign_to_the_explanation_round(world, browser):
    camp = build_campaign(world)
    browser.login(world.secretariat)
    page = browser.get(f"/ky-danh-gia/{camp.id}").get_data(as_text=True)
    assert f'href="/tham-dinh/ra-soat/{camp.id}"' in page  # the appraisal work is one click away
    refused = _advance(browser, camp.id).get_data(as_text=True)
    assert "chưa được thẩm định đủ mọi tiêu chí" in refused
    assert _status(camp.id) == CampaignStatus.APPRAISAL
    _appraise_everything(camp)
    assert _advance(browser, camp.id).status_code == 302
    assert _status(camp.id) == CampaignStatus.EXPLANATION


def test_the_stage_button_in_the_explanation_round_refuses_and_points_to_the_appraisal_review(world, browser):
    camp = build_campaign(world, status=CampaignStatus.EXPLANATION)
    browser.login(world.secretariat)
    page = browser.get(f"/ky-danh-gia/{camp.id}").get_data(as_text=True)
    assert "Chuyển sang giai đoạn «Rà soát" not in page
    assert f'href="/tham-dinh/ra-soat/{camp.id}"' in page and "Kết thúc thẩm định" in page
    refused = _advance(browser, camp.id).get_data(as_text=True)  # a stale tab still holding the old button
    assert "«Kết thúc thẩm định»" in refused and CLOSE_FROM_REVIEW.split(":")[0] in refused
    assert _status(camp.id) == CampaignStatus.EXPLANATION
    with scoped(SYSTEM):
        assert all(a.status.value == "submitted" for a in db.session.execute(select(Assessment)).scalars())


def _home(browser, login: str) -> str:
    browser.login(login)
    page = browser.get("/").get_data(as_text=True)
    browser.logout()
    return page


def test_home_cards_lead_each_role_to_its_appraisal_page(world, make_browser):
    camp = build_campaign(world, status=CampaignStatus.EXPLANATION)
    with scoped(SYSTEM):
        for a in db.session.execute(select(Assessment)).scalars():
            a.status = AssessmentStatus.RELEASED if a.id == camp.assessment_ids["a"] else AssessmentStatus.SUBMITTED
        db.session.commit()
    browser = make_browser()
    assert f'href="/tham-dinh/ra-soat/{camp.id}"' in _home(browser, world.secretariat)
    assert 'href="/tham-dinh/"' in _home(browser, world.appraiser)
    commune_a = _home(browser, world.officer_a)
    assert f'href="/giai-trinh/{camp.assessment_ids["a"]}"' in commune_a and "Xem và giải trình" in commune_a
    assert "/giai-trinh/" not in _home(browser, world.officer_b)  # not released to B: no card, no link
    assert browser.get(f"/giai-trinh/{camp.assessment_ids['a']}").status_code in (302, 401)  # logged out


def test_once_closed_the_units_card_no_longer_invites_an_explanation(world, make_browser):
    camp = build_campaign(world, status=CampaignStatus.FINAL_REVIEW)
    with scoped(SYSTEM):
        for a in db.session.execute(select(Assessment)).scalars():
            a.status = AssessmentStatus.FINAL
        db.session.commit()
    page = _home(make_browser(), world.officer_a)
    assert "Kết quả thẩm định đã chốt" in page and "Xem kết quả thẩm định" in page
    assert "Xem và giải trình" not in page
    assert f'href="/giai-trinh/{camp.assessment_ids["a"]}"' in page
