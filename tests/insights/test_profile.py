"""A unit's profile: history (score, level, rank "02/19"), areas of the last published year, plans, merged units'
predecessors; a commune sees its own profile at any time and other units only once they have a published result."""

from __future__ import annotations

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.models import UnitKind
from tests import factories as base
from tests.insights import factories
from tests.insights.helpers import table


def _profile(browser, unit_id: int):
    return browser.get(f"/tong-quan/don-vi/{unit_id}")


def test_history_shows_score_level_and_rank_of_each_year(browser, world, history):
    browser.login(world.leadership)
    page = _profile(browser, world.a_id).get_data(as_text=True)
    rows = table(page, "history-table")
    assert rows[0] == [
        "Năm",
        "Khối",
        "Điểm tự chấm",
        "Điểm thẩm định",
        "Xếp loại",
        "Xếp hạng",
        "Quyết định phê duyệt",
        "Đơn vị tiền thân",
    ]
    assert rows[1:] == [
        ["2025", "Khối xã", "100,00", "88,00", "Hoàn thành tốt nhiệm vụ", "01/03", "", ""],
        ["2024", "Khối xã", "93,00", "90,50", "Hoàn thành xuất sắc nhiệm vụ", "01/04", "", ""],
        ["2023", "Khối xã", "97,00", "85,50", "Hoàn thành tốt nhiệm vụ", "02/04", "", ""],
        ["2022", "Khối xã", "88,00", "80,00", "Hoàn thành tốt nhiệm vụ", "03/04", "", ""],
    ]
    assert "2026" not in page  # computed but not published


def test_areas_of_the_last_published_year_with_their_share(browser, world, history):
    browser.login(world.leadership)
    page = _profile(browser, world.a_id).get_data(as_text=True)
    assert "Điểm theo lĩnh vực năm 2025" in page
    assert table(page, "areas-table")[1:] == [
        ["1", "Lãnh đạo, chỉ đạo", "35,50", "40,00", "88,75 %"],
        ["2", "Cải cách hành chính", "52,50", "60,00", "87,50 %"],
        ["T", "Điểm thưởng", "0,00", "5,00", "—"],  # a bonus is outside the hundred points: no share
    ]


def test_merged_unit_shows_its_predecessors_history_marked_as_such(browser, world, history):
    browser.login(world.officer_a)  # another commune: the merged unit has published results
    page = _profile(browser, history.m_id).get_data(as_text=True)
    rows = table(page, "history-table")[1:]
    assert rows[0] == ["2025", "Khối xã", "93,00", "79,00", "Hoàn thành tốt nhiệm vụ", "03/03", "", ""]
    marked = {(r[0], r[7]) for r in rows[1:]}
    assert ("2022", "Xã Cũ Một (trước 01/07/2025)") in marked
    assert ("2022", "Xã Cũ Hai (trước 01/07/2025)") in marked
    assert len(rows) == 1 + 6
    assert "Đơn vị được thành lập trên cơ sở sáp nhập" in page and "Xã Cũ Một" in page


def test_a_predecessor_points_to_the_unit_it_merged_into(browser, world, history):
    browser.login(world.leadership)
    page = _profile(browser, history.e1_id).get_data(as_text=True)
    assert 'data-testid="successors"' in page
    assert f'href="/tong-quan/don-vi/{history.m_id}">Xã Hợp Nhất</a> (từ 01/07/2025)' in page


def test_plans_section_says_there_is_no_plan_yet(browser, world, history):
    browser.login(world.leader_a)
    page = _profile(browser, world.a_id).get_data(as_text=True)
    assert 'data-testid="no-plans"' in page and "Chưa có kế hoạch cải thiện." in page


def test_a_commune_sees_its_own_profile_before_anything_is_published(browser, world):
    browser.login(world.officer_a)
    response = _profile(browser, world.a_id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Chưa có kết quả đã công bố của đơn vị này." in page
    assert "plotly" not in page


def test_my_profile_link_goes_to_the_own_unit(browser, world):
    browser.login(world.officer_a)
    response = browser.get("/tong-quan/don-vi-cua-toi")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tong-quan/don-vi/{world.a_id}")


def test_a_commune_sees_another_unit_only_once_it_has_a_published_result(browser, world):
    with scoped(SYSTEM):
        factories.result(world.b_id, 2025, authority_id=world.district_id, appraised="88.00", rank=1, published=False)
        db.session.commit()
    browser.login(world.officer_a)
    hidden = _profile(browser, world.b_id)
    missing = _profile(browser, 999_999)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data  # byte for byte: nothing tells a hidden unit from a missing one
    with scoped(SYSTEM):
        factories.result(world.b_id, 2024, authority_id=world.district_id, appraised="80.00", rank=2, rank_of=2)
        db.session.commit()
    shown = _profile(browser, world.b_id)
    assert shown.status_code == 200
    rows = table(shown.get_data(as_text=True), "history-table")[1:]
    assert [r[0] for r in rows] == ["2024"]  # the unpublished 2025 result stays hidden


def test_a_unit_of_another_authority_is_as_missing_as_none(browser, world, history):
    browser.login(world.officer_far)
    foreign = _profile(browser, world.a_id)
    missing = _profile(browser, 999_999)
    assert foreign.status_code == 404 and foreign.data == missing.data
    browser.logout()
    browser.login(world.leadership)
    assert _profile(browser, world.far_id).status_code == 404
    assert _profile(browser, world.district_id).status_code == 404  # the authority itself has no profile


def test_authority_staff_see_any_member_unit_even_without_results(browser, world):
    with scoped(SYSTEM):
        from dvcq.tenants.models import Unit

        district = db.session.get(Unit, world.district_id)
        fresh = base.unit("N", "Xã Mới Lập", UnitKind.XA, district)
        db.session.commit()
        fresh_id = fresh.id
    browser.login(world.appraiser)
    response = _profile(browser, fresh_id)
    assert response.status_code == 200
    assert "Chưa có kết quả đã công bố của đơn vị này." in response.get_data(as_text=True)


def test_profile_chart_draws_the_unit_and_its_predecessors(browser, world, history):
    from tests.insights.helpers import figure

    browser.login(world.leadership)
    page = _profile(browser, history.m_id).get_data(as_text=True)
    fig = figure(page, "fig-history")
    names = {t["name"]: t for t in fig["data"]}
    assert names["Xã Hợp Nhất"]["y"] == [79.0]
    assert names["Xã Cũ Một (trước 01/07/2025)"]["y"] == [91.0, 88.0, 86.0]
    assert names["Xã Cũ Một (trước 01/07/2025)"]["text"] == ["01/04", "01/04", "02/04"]
