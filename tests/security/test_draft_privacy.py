"""A unit's draft is its own until it submits (issue 14, item 2): while commune A's self-assessment is an unsubmitted
draft in the self-assessment stage, no district role sees its self-scores or their totals — not on the self-assessment
page (404, exactly like a missing dossier), the results table, the unit's result page, the exports, the campaign page,
the appraisal pages or the home page. Progress counts stay visible to the secretariat. Submitting shows them;
withdrawing hides them again."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import AppraisalAssignment, Assessment, AssessmentStatus, CampaignStatus, ItemScore, UnitResult
from dvcq.scoring.results import exports
from dvcq.scoring.results.compute import compute
from tests.scoring.appraisal_factories import _now, build_campaign

MISSING = 987654
DRAFT_TOTAL, DRAFT_AREA = "9,25", "3,25"  # A's draft: 2 + 4 + 3 + 0,25 (area 2: 3,25); B submitted 9,75
DISTRICT = ("thuongtruc", "lanhdao", "quantri", "thamdinh")


def _body(response) -> str:
    return re.sub(r'name="csrf-token" content="[^"]+"', "", response.get_data(as_text=True))


def _set_status(assessment_id: int, status: AssessmentStatus) -> None:
    with scoped(SYSTEM):
        db.session.get(Assessment, assessment_id).status = status
        db.session.commit()


@pytest.fixture
def drafting(world):
    """The 2026 campaign in self-assessment: A's dossier a scored draft (9,25), B's submitted (9,75); the appraiser is
    assigned to A; the secretariat has computed the year."""
    campaign = build_campaign(world, status=CampaignStatus.SELF_ASSESSMENT)
    with scoped(SYSTEM):
        item = db.session.get(ItemScore, campaign.item_ids[("a", "2.2")])
        item.self_score = D("0.25")
        db.session.get(Assessment, campaign.assessment_ids["a"]).status = AssessmentStatus.DRAFT
        db.session.add(
            AppraisalAssignment(
                authority_id=world.district_id,
                campaign_id=campaign.id,
                appraiser_id=world.ids["appraiser"],
                unit_id=world.a_id,
                created_at=_now(),
            )
        )
        db.session.commit()
        compute(campaign.id)
    db.session.remove()
    return campaign


def _signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def _pages(world, campaign) -> list[str]:
    a = campaign.assessment_ids["a"]
    return [
        "/",
        "/ket-qua/",
        "/ket-qua/2026",
        f"/ket-qua/2026/don-vi/{world.a_id}",
        f"/ky-danh-gia/{campaign.id}",
        "/ky-danh-gia/",
        "/tham-dinh/",
        f"/tham-dinh/ho-so/{a}",
        f"/tham-dinh/ra-soat/{campaign.id}",
        f"/tu-danh-gia/{a}",
        f"/tu-danh-gia/{a}/kiem-tra",
        "/tong-quan/",
    ]


@pytest.mark.parametrize("login", DISTRICT)
def test_no_district_page_shows_a_drafts_self_scores(world, drafting, make_browser, login):
    browser = _signed_in(make_browser, login)
    for url in _pages(world, drafting):
        page = _body(browser.get(url, follow_redirects=True))
        assert DRAFT_TOTAL not in page and DRAFT_AREA not in page, (login, url)


@pytest.mark.parametrize("login", ["thuongtruc", "lanhdao"])
def test_the_drafts_self_assessment_page_answers_like_a_missing_one(world, drafting, make_browser, login):
    browser = _signed_in(make_browser, login)
    a = drafting.assessment_ids["a"]
    for url in ("/tu-danh-gia/{}", "/tu-danh-gia/{}/kiem-tra"):
        foreign, missing = browser.get(url.format(a)), browser.get(url.format(MISSING))
        assert foreign.status_code == missing.status_code == 404
        assert _body(foreign) == _body(missing)
    b = browser.get(f"/tu-danh-gia/{drafting.assessment_ids['b']}")  # B submitted: the district reads it
    assert b.status_code == 200 and "9,75" in _body(b)


def test_the_secretariat_still_sees_the_drafts_progress(world, drafting, make_browser):
    page = _body(_signed_in(make_browser, "thuongtruc").get(f"/ky-danh-gia/{drafting.id}"))
    assert "Xã An Bình" in page and "4/4" in page


def test_the_results_table_and_the_exports_hold_no_draft_total(world, drafting, make_browser):
    with scoped(SYSTEM):
        stored = db.session.execute(select(UnitResult).where(UnitResult.unit_id == world.a_id)).scalar_one()
        assert stored.self_total is None  # never even stored
    secretariat = _signed_in(make_browser, "thuongtruc")
    table = _body(secretariat.get("/ket-qua/2026"))
    assert "Xã An Bình" in table and "9,75" in table and DRAFT_TOTAL not in table
    results = load_workbook(io.BytesIO(secretariat.post("/ket-qua/2026/xuat/results").data)).active
    column = {name: i for i, name in enumerate(exports.RESULT_HEADERS)}
    code, self_total = column["Mã đơn vị"], column["Điểm tự chấm"]
    rows = {row[code]: row for row in results.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True)}
    assert rows["A"][self_total] is None and rows["B"][self_total] == D("9.75")
    items = load_workbook(io.BytesIO(secretariat.post("/ket-qua/2026/xuat/items").data)).active
    self_scores = {(row[0], row[4]): row[7] for row in items.iter_rows(min_row=2, values_only=True)}
    assert [v for (unit, _), v in self_scores.items() if unit == "A"] == [None] * 4
    assert self_scores[("B", "2.2")] == D("0.75")


def test_the_unit_itself_sees_its_draft(world, drafting, make_browser):
    page = _body(_signed_in(make_browser, world.officer_a).get(f"/tu-danh-gia/{drafting.assessment_ids['a']}"))
    assert DRAFT_TOTAL in page


def test_submitting_shows_the_self_scores_and_withdrawing_hides_them_again(world, drafting, make_browser):
    a = drafting.assessment_ids["a"]
    secretariat = _signed_in(make_browser, "thuongtruc")
    _set_status(a, AssessmentStatus.SUBMITTED)
    assert DRAFT_TOTAL in _body(secretariat.get(f"/tu-danh-gia/{a}"))
    assert DRAFT_TOTAL in _body(secretariat.get(f"/ket-qua/2026/don-vi/{world.a_id}"))
    _set_status(a, AssessmentStatus.DRAFT)
    assert secretariat.get(f"/tu-danh-gia/{a}").status_code == 404
    assert DRAFT_TOTAL not in _body(secretariat.get(f"/ket-qua/2026/don-vi/{world.a_id}"))


def test_once_the_self_assessment_stage_is_over_a_draft_is_appraised_on_what_it_holds(world, drafting, make_browser):
    from dvcq.scoring.models import Campaign

    with scoped(SYSTEM):
        db.session.get(Campaign, drafting.id).status = CampaignStatus.APPRAISAL
        db.session.commit()
    appraiser = _signed_in(make_browser, "thamdinh")
    assert DRAFT_AREA in _body(appraiser.get(f"/tham-dinh/ho-so/{drafting.assessment_ids['a']}"))
