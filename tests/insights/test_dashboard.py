"""The leadership dashboard: who may open it, what it never shows (unpublished results, another authority), filters,
the polite empty state, the .xlsx export of every table, the cache and the chart pages' CSP."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dvcq.insights import dashboard
from dvcq.platform.extensions import db
from dvcq.platform.security import CSP
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.insights import factories
from tests.insights.helpers import figure, table


@pytest.mark.parametrize("who", ["leadership", "secretariat", "appraiser", "admin"])
def test_authority_staff_open_the_dashboard(browser, world, history, who):
    browser.login(getattr(world, who))
    response = browser.get("/tong-quan/")
    assert response.status_code == 200
    assert "Tổng quan kết quả qua các năm" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["officer_a", "leader_a"])
def test_a_commune_may_not_open_the_dashboard(browser, world, history, who):
    browser.login(getattr(world, who))
    assert browser.get("/tong-quan/").status_code == 403
    assert browser.get("/tong-quan/xuat.xlsx").status_code == 403


def test_anonymous_visitor_is_sent_to_login(app, world):
    response = app.test_client().get("/tong-quan/")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_unpublished_results_and_other_authorities_never_appear(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    assert ">2026<" not in page and "Năm 2026" not in page and "99,00" not in page
    assert "Xã Xa Xôi" not in page and "55,55" not in page
    bump = figure(page, "fig-bump")
    assert all(2026 not in t["x"] for t in bump["data"])


def test_empty_state_says_politely_that_nothing_is_published_yet(browser, world):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    assert 'data-testid="empty-state"' in page
    assert "Chưa có kết quả nào được công bố" in page
    assert "plotly" not in page  # no chart, no 4.8 MB script
    assert browser.get("/tong-quan/xuat.xlsx").status_code == 404


def test_only_unpublished_results_still_give_the_empty_state(browser, world):
    with scoped(SYSTEM):
        factories.result(world.a_id, 2025, authority_id=world.district_id, appraised="88.00", rank=1, published=False)
        db.session.commit()
    browser.login(world.leadership)
    assert "Chưa có kết quả nào được công bố" in browser.get("/tong-quan/").get_data(as_text=True)


def test_group_filter_keeps_one_group(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/?khoi=Khối cơ quan").get_data(as_text=True)
    rows = table(page, "table-thu-hang-1")
    assert [r[0] for r in rows[1:]] == ["Phòng Nội vụ"]
    assert '<option value="Khối cơ quan" selected>' in page


def test_the_largest_group_is_shown_first_and_every_group_on_request(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    assert '<option value="Khối xã" selected>' in page
    assert "Phòng Nội vụ" not in [r[0] for r in table(page, "table-thu-hang-1")]
    every = browser.get("/tong-quan/?khoi=tat-ca").get_data(as_text=True)
    assert '<option value="tat-ca" selected>' in every
    assert "Phòng Nội vụ" in [r[0] for r in table(every, "table-thu-hang-1")]


def test_year_range_filter_limits_every_chart(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/?tu_nam=2023&den_nam=2024").get_data(as_text=True)
    assert figure(page, "fig-box")["data"][0]["x"] == ["2023", "2024"]
    assert table(page, "table-thu-hang-1")[0][2:] == ["Năm 2023", "Năm 2024"]
    assert 'data-testid="empty-linh-vuc"' in page  # imported years have no points per area
    assert 'data-testid="empty-mat-diem"' in page
    assert "Thứ hạng năm 2024 so với năm 2023" in page


def test_bad_filter_values_are_ignored_with_a_note(browser, world, history):
    browser.login(world.leadership)
    response = browser.get("/tong-quan/?tu_nam=abc&den_nam=2023&khoi=Khối ma&nam_linh_vuc=2022&don_vi=x")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Từ năm «abc» không phải là một năm; đã bỏ qua." in page
    assert "Không có kết quả của khối «Khối ma»; đang hiện mọi khối." in page
    assert 'data-testid="empty-linh-vuc"' in page


def test_reversed_year_range_is_swapped(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/?tu_nam=2025&den_nam=2023").get_data(as_text=True)
    assert "Từ năm 2025 lớn hơn đến năm 2023: đã đổi chỗ hai năm." in page
    assert figure(page, "fig-box")["data"][0]["x"] == ["2023", "2024", "2025"]


def test_tables_use_the_decimal_comma(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    rows = table(page, "table-tu-cham-1")
    assert rows[0] == ["Đơn vị", "Khối", "Năm", "Điểm tự chấm", "Điểm thẩm định", "Chênh lệch"]
    assert ["Xã An Bình", "Khối xã", "2023", "97,00", "85,50", "11,50"] in rows


def test_xlsx_export_has_one_sheet_per_table_with_the_same_numbers(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    response = browser.get("/tong-quan/xuat.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''T%E1%BB%95ng%20quan" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "Thông tin",
        "Thứ hạng qua các năm",
        "Phân bố điểm",
        "Phân bố xếp loại",
        "Tự chấm và thẩm định",
        "Lĩnh vực (bản đồ nhiệt)",
        "Các lĩnh vực",
        "Tiêu chí mất điểm",
        "Tăng giảm thứ hạng",
    ]
    sheet = book["Tự chấm và thẩm định"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Đơn vị", "Khối", "Năm", "Điểm tự chấm", "Điểm thẩm định", "Chênh lệch"]
    shown = table(page, "table-tu-cham-1")
    for cells, row in zip(shown[1:], values[1:], strict=True):
        assert cells[:3] == row[:3]
        assert cells[3:] == [f"{Decimal(str(v)):.2f}".replace(".", ",") for v in row[3:]]
    assert sheet["D2"].number_format == "0.00"
    ranks = [[c.value or "" for c in row] for row in book["Thứ hạng qua các năm"].iter_rows()]
    assert ranks == table(page, "table-thu-hang-1")


def test_the_dashboard_is_assembled_once_per_data_version(browser, world, history):
    browser.login(world.leadership)
    browser.get("/tong-quan/")
    browser.get("/tong-quan/")
    assert (dashboard.cache.misses, dashboard.cache.hits) == (1, 1)
    with scoped(SYSTEM):  # a new year is imported: the data version changes, the next view rebuilds
        factories.result(
            world.agency_id,
            2021,
            authority_id=world.district_id,
            appraised="70.00",
            rank=1,
            rank_of=1,
            group="Khối cơ quan",
        )
        db.session.commit()
    page = browser.get("/tong-quan/?khoi=tat-ca").get_data(as_text=True)
    assert dashboard.cache.misses == 2
    assert figure(page, "fig-box")["data"][0]["x"][0] == "2021"


def test_publishing_a_result_changes_the_data_version(app, world, history):
    from dvcq.insights.services import data_version
    from dvcq.scoring.models import UnitResult

    with scoped(SYSTEM):
        before = data_version(world.district_id)
        row = db.session.query(UnitResult).filter_by(year=2026).one()
        row.published = True
        db.session.commit()
        assert data_version(world.district_id) != before


def test_chart_pages_allow_inline_styles_but_never_inline_scripts(browser, world, history):
    browser.login(world.leadership)
    policy = browser.get("/tong-quan/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert browser.get("/").headers["Content-Security-Policy"] == CSP  # every other page keeps the strict policy


def test_home_page_links_to_the_dashboard(browser, world):
    browser.login(world.leadership)
    page = browser.get("/").get_data(as_text=True)
    assert 'href="/tong-quan/"' in page


def test_unit_names_in_the_tables_link_to_their_profiles(browser, world, history):
    browser.login(world.leadership)
    page = browser.get("/tong-quan/?gop=1").get_data(as_text=True)
    assert f'<a href="/tong-quan/don-vi/{world.a_id}">Xã An Bình</a>' in page
    assert f'<a href="/tong-quan/don-vi/{history.e1_id}">Xã Hợp Nhất (đơn vị tiền thân: Xã Cũ Một)</a>' in page
