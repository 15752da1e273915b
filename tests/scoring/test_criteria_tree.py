"""One read model of an assessment's criteria tree (dvcq.scoring.criteria.tree): the self-assessment page and the
appraisal sheets show the same areas, headings and items, and an area sums its items' scores."""

from __future__ import annotations

from decimal import Decimal

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.appraisal.sheets import sheet
from dvcq.scoring.selfassessment import services
from tests.scoring.campaign_factories import LEAVES, assessment_of, campaign_version, item_of, open_campaign, user

WITH_A_LEAF_AREA = {**LEAVES, "3": {"max": "1", "method": "co_khong"}}


def _shape(areas) -> list[tuple[str, list[tuple[str, bool]]]]:
    return [(area.node.code, [(row.node.code, row.item is not None) for row in area.rows]) for area in areas]


def test_the_self_assessment_page_and_the_appraisal_sheet_show_the_same_tree(world):
    campaign_id = open_campaign(world, campaign_version(world, leaves=WITH_A_LEAF_AREA))
    with scoped(SYSTEM):
        assessment = assessment_of(world.a_id, campaign_id)
        page = services.page(user(world.officer_a), assessment.id)
        sheet_areas = sheet(assessment)
    assert _shape(page.areas) == _shape(sheet_areas)
    assert _shape(sheet_areas) == [
        ("1", [("1.1", False), ("1.1.a", True), ("1.1.b", True), ("1.2", True)]),
        ("2", [("2.1", True), ("2.2", True)]),
        ("T", [("T.1", True)]),
        ("P", [("P.1", True)]),
        ("3", [("3", True)]),  # an area with no criteria below it is scored itself: it is its own row
    ]
    assert [(a.is_bonus, a.is_penalty) for a in page.areas][2:4] == [(True, False), (False, True)]


def test_an_area_of_the_sheet_sums_self_scores_and_the_scores_that_count(world):
    campaign_id = open_campaign(world)
    scores = {
        "1.1.a": ("2.5", "2", None),
        "1.1.b": ("3", None, None),
        "1.2": ("4", "3", "3.5"),
        "2.1": ("1", "1", None),
    }
    with scoped(SYSTEM):
        for code, (own, appraised, final) in scores.items():
            item = item_of(world.a_id, campaign_id, code)
            item.self_score = Decimal(own)
            item.appraised_score = Decimal(appraised) if appraised else None
            item.final_score = Decimal(final) if final else None
        db.session.commit()
        areas = sheet(assessment_of(world.a_id, campaign_id), {"1"})
        assert [a.node.code for a in areas] == ["1"]
        area = areas[0]
        assert (area.self_total, area.appraised_total, area.appraised) == (Decimal("9.50"), Decimal("5.50"), 2)
        rows = {row.node.code: row for row in area.rows}
        assert rows["1.2"].gap == Decimal("0.50") and rows["1.1.b"].gap is None and rows["1.1"].gap is None
