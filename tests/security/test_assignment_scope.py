"""Appraisers see only the units and areas assigned to them (issue 14, item 1), in what pages show as well as in what
they answer (the status codes are pinned by tests/security/authz_matrix.py): before publication no list, table,
decision page or profile shows another unit's results, plans, library or draft decision to the appraiser assigned to
commune A only; the secretariat and leadership see everything; after publication the published results are read by
all staff. An appraiser assigned to one area of A reads that area's explanations, not the others, and not A's totals.

The world is the matrix's (tests/security/test_authz_matrix.py: `build`, `build_b`)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import AppraisalAssignment, Campaign, CampaignStatus, CriteriaNode
from tests.security.test_authz_matrix import MISSING, build, build_b

B_NAME = "Xã Bình Đông"
A_NAME = "Xã An Bình"
DRAFT_NUMBER = "01/QĐ-UBND"  # the 2024 decision, a draft


def _body(response) -> str:
    return re.sub(r'name="csrf-token" content="[^"]+"', "", response.get_data(as_text=True))


def _same_as_missing(foreign, missing) -> None:
    assert foreign.status_code == missing.status_code == 404
    assert _body(foreign) == _body(missing)


@pytest.fixture
def scene(app, world):
    app.config["DECISIONS_PDF"] = False
    values = build(world)
    before, after = build_b(world, values).values()
    with scoped(SYSTEM):
        older = db.session.execute(select(Campaign.id).where(Campaign.year == 2024)).scalar_one()
    db.session.remove()
    return values, before, after, older


def _signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def _xlsx_text(response) -> str:
    book = load_workbook(io.BytesIO(response.data))
    return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def test_the_appraiser_of_a_sees_nothing_of_b_before_publication(world, scene, make_browser):
    values, before, after, older = scene
    appraiser = _signed_in(make_browser, "thamdinh")
    _same_as_missing(appraiser.get("/ket-qua/2026"), appraiser.get("/ket-qua/2099"))  # the unpublished ranking
    _same_as_missing(
        appraiser.get(f"/ket-qua/2026/don-vi/{world.b_id}"), appraiser.get(f"/ket-qua/2026/don-vi/{MISSING}")
    )
    assert appraiser.get(f"/ket-qua/2026/don-vi/{world.a_id}").status_code == 200  # assigned to A, every area
    assert 'href="/ket-qua/2026"' not in _body(appraiser.get("/ket-qua/"))
    decision_page = _body(appraiser.get(f"/quyet-dinh/ky-danh-gia/{older}"))
    assert DRAFT_NUMBER not in decision_page and B_NAME not in decision_page  # no draft, no annex
    assert DRAFT_NUMBER not in _body(appraiser.get("/quyet-dinh/"))
    follow_up = _body(appraiser.get("/ke-hoach/theo-doi?nam=2026"))
    assert A_NAME in follow_up and B_NAME not in follow_up
    assert B_NAME not in _xlsx_text(appraiser.get("/ke-hoach/theo-doi.xlsx?nam=2026"))
    library = _body(appraiser.get("/tai-lieu/"))
    assert A_NAME in library and B_NAME not in library
    profile = _body(appraiser.get(f"/tong-quan/don-vi/{world.b_id}"))
    assert f"/ke-hoach/{before['plan_id']}" not in profile
    assert B_NAME not in _body(appraiser.get("/tham-dinh/giai-trinh/"))


def test_after_publication_every_staff_member_reads_the_published_results(world, scene, make_browser):
    for login in ("thamdinh", "thamdinh2"):
        appraiser = _signed_in(make_browser, login)
        table = appraiser.get("/ket-qua/2025")
        assert table.status_code == 200 and B_NAME in _body(table) and A_NAME in _body(table)
        assert appraiser.get(f"/ket-qua/2025/don-vi/{world.b_id}").status_code == 200
        assert "05/QĐ-UBND" in _body(appraiser.get(f"/quyet-dinh/ky-danh-gia/{scene[2]['campaign_id']}"))


@pytest.mark.parametrize("login", ["thuongtruc", "lanhdao"])
def test_the_secretariat_and_leadership_see_every_unit_and_the_draft_decision(world, scene, make_browser, login):
    values, before, after, older = scene
    board = _signed_in(make_browser, login)
    table = board.get("/ket-qua/2026")
    assert table.status_code == 200 and B_NAME in _body(table)
    assert board.get(f"/ket-qua/2026/don-vi/{world.b_id}").status_code == 200
    decision_page = _body(board.get(f"/quyet-dinh/ky-danh-gia/{older}"))
    assert DRAFT_NUMBER in decision_page and B_NAME in decision_page
    assert B_NAME in _body(board.get("/ke-hoach/theo-doi?nam=2026"))
    assert f"/ke-hoach/{before['plan_id']}" in _body(board.get(f"/tong-quan/don-vi/{world.b_id}"))


def test_an_appraiser_of_one_area_reads_that_area_only(world, scene, make_browser):
    values, before, after, older = scene
    with scoped(SYSTEM):
        area_2 = db.session.execute(
            select(CriteriaNode.id).where(CriteriaNode.version_id == values["version_id"], CriteriaNode.code == "2")
        ).scalar_one()
        db.session.add(
            AppraisalAssignment(
                authority_id=world.district_id,
                campaign_id=values["campaign_id"],
                appraiser_id=world.ids["appraiser2"],
                unit_id=world.a_id,
                area_id=area_2,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
    appraiser = _signed_in(make_browser, "thamdinh2")
    # A's explanation is on item 1.1, of area 1: as missing as an explanation that never was
    _same_as_missing(
        appraiser.get(f"/tham-dinh/giai-trinh/{values['explanation_id']}"),
        appraiser.get(f"/tham-dinh/giai-trinh/{MISSING}"),
    )
    # A's result page adds up both areas
    _same_as_missing(
        appraiser.get(f"/ket-qua/2026/don-vi/{world.a_id}"), appraiser.get(f"/ket-qua/2026/don-vi/{MISSING}")
    )
    sheet = appraiser.get(f"/tham-dinh/ho-so/{values['assessment_id']}")
    assert sheet.status_code == 200 and "Tiêu chí 2.1" in _body(sheet) and "Tiêu chí 1.1" not in _body(sheet)
    assert appraiser.get(f"/tai-lieu/{values['evidence_id']}/tai-ve").status_code == 200  # the unit's library


def test_an_appraiser_of_every_unit_reads_every_unit_until_publication(world, scene, make_browser):
    values, before, after, older = scene
    with scoped(SYSTEM):
        assignment = AppraisalAssignment(
            authority_id=world.district_id,
            campaign_id=values["campaign_id"],
            appraiser_id=world.ids["appraiser2"],
            unit_id=None,
            area_id=None,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        db.session.add(assignment)
        db.session.commit()
    appraiser = _signed_in(make_browser, "thamdinh2")
    follow_up = _body(appraiser.get("/ke-hoach/theo-doi?nam=2026"))
    assert A_NAME in follow_up and B_NAME in follow_up
    assert B_NAME in _body(appraiser.get("/tai-lieu/"))
    assert appraiser.get(f"/ke-hoach/{before['plan_id']}").status_code == 200
    assert appraiser.get(f"/ket-qua/2026/don-vi/{world.b_id}").status_code == 200
    assert appraiser.get("/ket-qua/2026").status_code == 404  # still not the ranking
    with scoped(SYSTEM):  # the running campaign published: the assignment no longer opens B's plan or library
        db.session.get(Campaign, values["campaign_id"]).status = CampaignStatus.PUBLISHED
        db.session.commit()
    assert appraiser.get(f"/ke-hoach/{before['plan_id']}").status_code == 404
    assert appraiser.get(f"/tai-lieu/don-vi/{world.b_id}").status_code == 404
