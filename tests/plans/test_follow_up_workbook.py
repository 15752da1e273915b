"""The authority's plan follow-up workbook as a clerk prints and files it (issue 16, item 8): the authority and the
title above the table, every cell of the table framed, the targets stored as numbers (the total shown 85.50, the rank
02), A4 landscape one page wide with the header repeated on every page."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from dvcq.plans import documents
from dvcq.platform import clock
from tests.plans.plan_factories import published_2025
from tests.plans.test_plan_pages import plan_row

HEADER_ROW = 5  # the authority, the title, the date line and a blank row above it


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today_in_vietnam", lambda: date(2026, 4, 20))


@pytest.fixture
def follow_up(world, make_browser):
    """A's plan for 2026 with its targets set by hand (85,50 points, rank 02, «Hoàn thành tốt nhiệm vụ»); B has none."""
    published_2025(world)
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.post("/ke-hoach/lap").status_code == 302
    plan = plan_row(world.a_id)
    targets = {"version": plan.version, "target_total": "85,50", "target_rank": "2", "target_level_order": "2"}
    assert officer.post(f"/ke-hoach/{plan.id}/luu", targets).status_code == 302
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    response = secretariat.get("/ke-hoach/theo-doi.xlsx?nam=2026")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


def _rows(sheet) -> dict[str, tuple]:
    return {row[1].value: row for row in sheet.iter_rows(min_row=HEADER_ROW + 1)}


def test_the_follow_up_carries_the_authority_and_its_title(world, follow_up):
    above = [[c.value for c in row if c.value is not None] for row in follow_up.iter_rows(max_row=HEADER_ROW)]
    assert above == [
        ["ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM"],
        ["THEO DÕI THỰC HIỆN KẾ HOẠCH KHẮC PHỤC, NÂNG CAO CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM 2026"],
        ["Tình hình đến ngày 20/04/2026"],
        [],
        list(documents.FOLLOW_UP_HEADERS),
    ]


def test_the_targets_are_numbers_and_every_cell_is_framed(world, follow_up):
    rows = _rows(follow_up)
    a, b = rows["Xã An Bình"], rows["Xã Bình Đông"]
    level, total, rank = a[3], a[4], a[5]
    assert level.value == "Hoàn thành tốt nhiệm vụ"
    assert total.data_type == "n" and D(str(total.value)) == D("85.50") and total.number_format == "0.00"
    assert rank.data_type == "n" and rank.value == 2 and rank.number_format == "00"
    assert b[2].value == "Chưa có kế hoạch" and b[4].value is None
    header = next(follow_up.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW))
    for cell in [*header, *a, *b]:
        sides = cell.border.left, cell.border.right, cell.border.top, cell.border.bottom
        assert {side.style for side in sides} == {"thin"}, cell.coordinate


def test_the_follow_up_prints_a4_landscape_one_page_wide_with_the_header_repeated(world, follow_up):
    setup = follow_up.page_setup
    assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert follow_up.sheet_properties.pageSetUpPr.fitToPage is True
    assert follow_up.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
