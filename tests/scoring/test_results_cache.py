"""The results table of a published year is rendered once and kept per process (dvcq/scoring/results/cache.py):
an amendment, a renamed unit or a newly imported previous year shows at once; one authority's table never reaches
another authority; a unit's user is never served the staff's table (nor a year that is not published), and each
unit's user sees their own unit highlighted out of the one entry they share."""

from __future__ import annotations

import re
from decimal import Decimal as D

from sqlalchemy import select

from dvcq.platform import clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import amendments, drafting, issuing
from dvcq.scoring.models import CampaignStatus, UnitResult
from dvcq.scoring.results.cache import cache_of
from dvcq.scoring.results.compute import compute
from dvcq.tenants.models import Unit
from tests import factories
from tests.scoring.decision_factories import ISSUABLE, decision_campaign
from tests.scoring.results_factories import real_case_group, set_campaign_status


def _rows(html: str) -> dict[str, list[str]]:
    """data-code → the row's cell texts."""
    rows = {}
    for code, body in re.findall(r'<tr data-code="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        rows[code] = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in cells]
    return rows


def _own_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)" class="own">', html)


def _unit_links(html: str, year: int) -> set[int]:
    return {int(u) for u in re.findall(rf'href="/ket-qua/{year}/don-vi/(\d+)"', html)}


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _page(browser, year: int) -> str:
    response = browser.get(f"/ket-qua/{year}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_amendment_shows_at_once_on_a_table_already_cached(app, world, make_browser):
    app.config["DECISIONS_PDF"] = False
    c = decision_campaign(world)
    with scoped(Scope(world.district_id)):
        draft = drafting.draft(_user(world.secretariat), c.campaign_id)
        draft = drafting.update(_user(world.secretariat), draft.id, draft.version, **ISSUABLE)
        original = issuing.issue(_user(world.secretariat), draft.id, draft.version)
    staff, commune = make_browser(), make_browser()
    staff.login(world.leadership)
    commune.login(world.officer_a)
    cache = cache_of(app)
    for viewer in (staff, commune):
        assert _rows(_page(viewer, 2025))["A"][:4] == ["02/02", "Xã An Bình", "97,00", "85,50"]
    hits = cache.hits
    assert _rows(_page(staff, 2025))["A"][3] == "85,50" and cache.hits == hits + 1  # served from the cache

    with scoped(Scope(world.district_id)):
        amendments.amend(
            _user(world.secretariat),
            original.id,
            changes="A; 2.1; 36",
            reason="Bổ sung tài liệu kiểm chứng bị thất lạc khi thẩm định",
            number="12/QĐ-UBND",
            signed_on="20/02/2025",
        )
    for viewer in (staff, commune):
        rows = _rows(_page(viewer, 2025))
        assert rows["A"][:4] == ["01/02", "Xã An Bình", "97,00", "90,50"]
        assert rows["B"][0] == "02/02"


def test_a_renamed_unit_and_a_late_import_of_last_year_show_at_once(world, browser):
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    browser.login(world.leadership)
    assert _rows(_page(browser, 2023))["A"][1] == "Xã An Bình"
    with scoped(SYSTEM):
        db.session.get(Unit, world.a_id).name = "Xã An Bình Mới"
        db.session.commit()
    rows = _rows(_page(browser, 2023))
    assert rows["A"][1] == "Xã An Bình Mới" and rows["A"][6] == "mới"  # no result last year
    with scoped(SYSTEM):
        db.session.add(
            UnitResult(
                authority_id=world.district_id,
                year=2022,
                unit_id=world.a_id,
                group_name="Khối xã",
                appraised_total=D("80"),
                level_order=3,
                level_name="Hoàn thành nhiệm vụ",
                rank=4,
                rank_of=19,
                source="import",
                published=True,
                computed_at=clock.now(),
            )
        )
        db.session.commit()
    assert _rows(_page(browser, 2023))["A"][6] == "▲2"  # 4th in 2022, 2nd in 2023


def test_one_authoritys_cached_table_never_reaches_another_authority(world, make_browser):
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
        far_district = db.session.get(Unit, db.session.get(Unit, world.far_id).authority_id)
        factories.user("lanhdao.d2", Role.LEADERSHIP, far_district)
        db.session.add(
            UnitResult(
                authority_id=far_district.id,
                year=2023,
                unit_id=world.far_id,
                group_name="Khối xã",
                appraised_total=D("70"),
                level_order=3,
                level_name="Hoàn thành nhiệm vụ",
                rank=1,
                rank_of=1,
                source="import",
                published=True,
                computed_at=clock.now(),
            )
        )
        db.session.commit()
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    here, far_staff, far_commune = make_browser(), make_browser(), make_browser()
    here.login(world.leadership)
    far_staff.login("lanhdao.d2")
    far_commune.login(world.officer_far)
    assert len(_rows(_page(here, 2023))) == 20  # D's table, now cached
    for viewer in (far_staff, far_commune):
        rows = _rows(_page(viewer, 2023))
        assert list(rows) == ["F"] and rows["F"][3] == "70,00"
    assert "F" not in _rows(_page(here, 2023))
    assert far_commune.get(f"/ket-qua/2023/don-vi/{world.a_id}").status_code == 404


def test_a_units_user_is_never_served_the_staff_table_nor_an_unpublished_year(app, world, make_browser):
    campaign_id, _, _ = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
    staff, a, b = make_browser(), make_browser(), make_browser()
    staff.login(world.leadership)
    a.login(world.officer_a)
    b.login(world.officer_b)
    # Before publication: staff see the table (never cached), units get the 404 of a missing page.
    assert len(_rows(_page(staff, 2023))) == 20
    assert len(cache_of(app)) == 0
    assert a.get("/ket-qua/2023").status_code == 404
    assert a.get("/ket-qua/2023").get_data() == a.get("/ket-qua/1999").get_data()

    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    staff_html = _page(staff, 2023)  # staff first: their entry has every unit linked
    assert len(_unit_links(staff_html, 2023)) == 20 and _own_codes(staff_html) == []
    a_html, b_html = _page(a, 2023), _page(b, 2023)
    assert _unit_links(a_html, 2023) == {world.a_id} and _own_codes(a_html) == ["A"]
    assert _unit_links(b_html, 2023) == {world.b_id} and _own_codes(b_html) == ["B"]
    assert _rows(a_html) == _rows(b_html) == _rows(staff_html)  # the same figures for everyone
    assert len(cache_of(app)) == 2  # one entry for the staff, one shared by every unit's user
    assert len(_unit_links(_page(staff, 2023), 2023)) == 20
    # The page around the table stays the viewer's own: name and unit in the header.
    assert "Nguyễn Văn An" in a_html and "Lê Văn Bình" in b_html and "Nguyễn Văn An" not in b_html
