"""The results workbooks as a clerk prints and files them (issue 16, item 8): the authority, the title, the groups and
whether the figures are published above the table; A4 landscape, one page wide, the header row on every page; ranks
"02/19"; points as numbers shown "0.00" that equal the results exactly, at the levels' boundaries too; and the
item-score workbook's "Điểm cuối cùng", the score that counts (the final score when fixed, else the appraised)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import CampaignStatus
from dvcq.scoring.results import exports
from dvcq.scoring.results.compute import compute
from tests.documents import pdf_pages, require_soffice
from tests.plans.plan_factories import published_2025
from tests.scoring.results_factories import (
    HOAN_THANH,
    TOT,
    XUAT_SAC,
    add_assessment,
    extra_communes,
    make_campaign,
    results_version,
    set_campaign_status,
)

ISSUER = "ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM"
COLUMN = {name: i for i, name in enumerate(exports.RESULT_HEADERS)}


@pytest.fixture
def boundaries(world):
    """2023, final review, 19 communes and agency C. X01 90,00 (exactly «xuất sắc»), B 85,50 — 83,50 appraised and
    2,00 more on 5.3 after the explanation round —, A 70,00 (exactly «tốt»), 16 communes from 69,75 down; C 72,25."""
    campaign_id = make_campaign(world, results_version(world), year=2023)
    extras = extra_communes(world, 17)
    communes, agencies = world.group_communes_id, world.group_agencies_id
    add_assessment(campaign_id, world.a_id, communes, self_total="75", appraised="70")
    add_assessment(campaign_id, world.b_id, communes, self_total="90", appraised="83.5", final={"5.3": "2"})
    add_assessment(campaign_id, world.agency_id, agencies, self_total="80", appraised="72.25")
    add_assessment(campaign_id, extras[0], communes, self_total="95", appraised="90")
    for i, unit_id in enumerate(extras[1:]):
        add_assessment(campaign_id, unit_id, communes, self_total="80", appraised=D("69.75") - D("0.25") * i)
    with scoped(SYSTEM):
        compute(campaign_id)
    return campaign_id


def _results(browser, year: int):
    browser.login("thuongtruc")
    response = browser.post(f"/ket-qua/{year}/xuat/bang-ket-qua")
    assert response.status_code == 200
    return response.get_data()


def _table(sheet) -> dict[str, list]:
    """The data rows under the header, by unit code."""
    rows = sheet.iter_rows(min_row=exports.HEADER_ROW + 1)
    return {row[COLUMN["Mã đơn vị"]].value: list(row) for row in rows}


def test_the_results_table_carries_its_title_block_above_the_header(world, boundaries, browser):
    sheet = load_workbook(io.BytesIO(_results(browser, 2023))).active
    above = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows(max_row=exports.HEADER_ROW)]
    assert above[:3] == [
        [ISSUER],
        ["KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM 2023"],
        ["Khối xã: 19 đơn vị; Khối cơ quan: 01 đơn vị"],
    ]
    assert len(above[3]) == 1 and above[4] == []
    assert above[3][0].startswith("KẾT QUẢ SƠ BỘ, CHƯA CÔNG BỐ — kỳ đánh giá đang ở bước «Rà soát cuối», tính lúc ")
    assert above[5] == list(exports.RESULT_HEADERS)
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A2:L2", "A3:L3", "A4:L4"} <= merged and any(r.startswith("A1:") and r != "A1:L1" for r in merged)
    assert sheet["A1"].font.b and sheet["A2"].font.b and sheet["A2"].alignment.horizontal == "center"


def test_the_results_table_prints_a4_landscape_one_page_wide_with_the_header_on_every_page(world, boundaries, browser):
    sheet = load_workbook(io.BytesIO(_results(browser, 2023))).active
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == f"${exports.HEADER_ROW}:${exports.HEADER_ROW}"
    assert sheet.freeze_panes == f"A{exports.HEADER_ROW + 1}"
    margins = sheet.page_margins
    assert min(margins.left, margins.right, margins.top, margins.bottom) >= 0.5
    assert "&P" in sheet.oddFooter.center.text
    header = next(sheet.iter_rows(min_row=exports.HEADER_ROW, max_row=exports.HEADER_ROW))
    last = list(_table(sheet).values())[-1]
    for cell in [*header, *last]:  # every cell of the table, the empty ones too, is framed
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style} == {
            "thin"
        }, cell.coordinate
    assert all(c.font.b for c in header)


def test_ranks_read_02_of_19_and_points_are_exact_numbers_with_two_decimals(world, boundaries, browser):
    rows = _table(load_workbook(io.BytesIO(_results(browser, 2023))).active)
    assert [rows[code][COLUMN["STT"]].value for code in ("X01", "B", "A")] == [1, 2, 3]
    expected = {
        "X01": ("01/19", D("90.00"), XUAT_SAC),
        "B": ("02/19", D("85.50"), TOT),
        "A": ("03/19", D("70.00"), TOT),
        "X17": ("19/19", D("66.00"), HOAN_THANH),
        "C": ("01/01", D("72.25"), TOT),
    }
    for code, (rank, appraised, level) in expected.items():
        row = rows[code]
        assert (row[COLUMN["Xếp hạng"]].value, row[COLUMN["Xếp loại"]].value) == (rank, level), code
        assert row[COLUMN["Xếp hạng"]].data_type == "s"
        for name in ("Điểm tự chấm", "Điểm thẩm định", "Chênh lệch", "Điểm tối đa"):
            cell = row[COLUMN[name]]
            assert cell.data_type == "n" and cell.number_format == "0.00", (code, name)
        assert D(str(row[COLUMN["Điểm thẩm định"]].value)) == appraised, code
    assert D(str(rows["A"][COLUMN["Chênh lệch"]].value)) == D("5.00")
    assert D(str(rows["X01"][COLUMN["Điểm tối đa"]].value)) == D("100.00")


def test_a_published_years_table_names_the_decision_that_approved_it(world, browser):
    published_2025(world)
    sheet = load_workbook(io.BytesIO(_results(browser, 2025))).active
    assert sheet["A4"].value.startswith(
        "Kết quả chính thức, đã công bố theo Quyết định số 05/QĐ-UBND ngày 15/01/2025 của "
    )
    assert "Ủy ban nhân dân huyện Thử Nghiệm" in sheet["A4"].value
    rows = _table(sheet)
    assert (rows["B"][COLUMN["Xếp hạng"]].value, D(str(rows["B"][COLUMN["Điểm thẩm định"]].value))) == (
        "01/02",
        D("90.00"),
    )
    assert rows["B"][COLUMN["Xếp loại"]].value == XUAT_SAC  # 90,00 is «xuất sắc»: the boundary is inclusive
    assert (rows["A"][COLUMN["Xếp hạng"]].value, D(str(rows["A"][COLUMN["Điểm thẩm định"]].value))) == (
        "02/02",
        D("85.50"),
    )


def test_the_item_scores_final_column_holds_the_score_that_counts(world, boundaries, browser):
    browser.login("thuongtruc")
    response = browser.post("/ket-qua/2023/xuat/diem-tung-tieu-chi")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    assert header == list(exports.ITEM_HEADERS)
    column = {name: i for i, name in enumerate(header)}
    lines = {(r[0].value, r[column["Mã tiêu chí"]].value): r for r in sheet.iter_rows(min_row=2)}
    assert len(lines) == 20 * 15

    def scores(code, leaf):
        row = lines[(code, leaf)]
        cells = row[column["Điểm thẩm định"]], row[column["Điểm cuối cùng"]]
        assert all(c.number_format == "0.00" for c in cells)
        return tuple(D(str(c.value)) for c in cells)

    assert scores("B", "5.3") == (D("0"), D("2.00"))  # fixed after the explanation round
    assert scores("B", "1.1") == (D("6"), D("6.00"))  # no final score: the appraised one counts
    assert scores("A", "5.3") == (D("0"), D("0"))
    assert all(row[column["Điểm cuối cùng"]].value is not None for row in lines.values())


def test_the_results_table_renders_to_one_pdf_page_across(world, boundaries, browser, tmp_path):
    """LibreOffice honours the set-up: the 12 columns and 20 units print on one A4 landscape page."""
    require_soffice()
    if not (Path(os.path.realpath(shutil.which("soffice"))).parent / "libsclo.so").exists():
        if os.environ.get("DVCQ_REQUIRE_SOFFICE"):
            pytest.fail("LibreOffice Calc is not installed (apt-get install libreoffice-calc-nogui)")
        pytest.skip("LibreOffice Calc is not installed (apt-get install libreoffice-calc-nogui)")
    source = tmp_path / "ket-qua.xlsx"
    source.write_bytes(_results(browser, 2023))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--norestore"]
        + ["--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        env={**os.environ, "HOME": str(tmp_path)},
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert pdf_pages((tmp_path / "ket-qua.pdf").read_bytes()) == 1


def test_once_published_without_a_decision_on_file_the_table_says_published(world, boundaries, browser):
    set_campaign_status(boundaries, CampaignStatus.PUBLISHED)
    sheet = load_workbook(io.BytesIO(_results(browser, 2023))).active
    assert sheet["A4"].value == "Kết quả chính thức, đã công bố"
