"""The results pages: the authority's table per group, a commune's own result once released (404 before, like a
missing one), the whole table for everyone once published, the change since last year, recomputation, exports."""

import io
import re
from decimal import Decimal as D
from html.parser import HTMLParser

import pandas as pd
import pytest
from sqlalchemy import select

from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Assessment, AssessmentStatus, CampaignStatus, UnitResult
from dvcq.scoring.results import exports
from dvcq.scoring.results.compute import compute
from tests.scoring.results_factories import TOT, real_case_group, set_campaign_status


class _Tables(HTMLParser):
    """Rows of the results tables: (data-code, [cell text, …]) per row, and the group headings."""

    def __init__(self):
        super().__init__()
        self.rows, self.headings = [], []
        self._row = self._cell = self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-code" in attrs:
            self._row = (attrs["data-code"], [])
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "h2":
            self._heading = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "h2" and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


def _table(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def _points(text: str) -> D | None:
    return None if text in ("—", "") else D(text.replace(".", "").replace(",", ".").replace("+", ""))


@pytest.fixture
def results(world):
    campaign_id, ids, others = real_case_group(world)
    with scoped(SYSTEM):
        compute(campaign_id)
    return campaign_id, ids, others


def _set_status(assessment_id, status):
    with scoped(SYSTEM):
        db.session.get(Assessment, assessment_id).status = status
        db.session.commit()


@pytest.mark.parametrize("login", ["thuongtruc", "lanhdao", "quantri"])
def test_authority_staff_see_each_group_in_rank_order(results, browser, login):
    browser.login(login)
    response = browser.get("/ket-qua/2023")
    assert response.status_code == 200
    page = _table(response.get_data(as_text=True))
    assert [h for h in page.headings if h.startswith("Khối")] == ["Khối xã (19 đơn vị)", "Khối cơ quan (1 đơn vị)"]
    codes = [code for code, _ in page.rows]
    assert codes[:3] == ["B", "A", "X01"] and codes[-1] == "C" and len(codes) == 20
    ranks = [cells[0] for _, cells in page.rows[:19]]
    assert ranks == [f"{n:02d}/19" for n in range(1, 20)]
    a = dict(page.rows)["A"]
    assert a[:6] == ["02/19", "Xã An Bình", "97,00", "85,50", "+11,50", TOT]


def test_the_table_is_sortable_by_a_static_script_and_no_inline_script(results, browser):
    browser.login("thuongtruc")
    html = browser.get("/ket-qua/2023").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("src=" in tag for tag in scripts)
    src = next(re.search(r'src="([^"]+)"', t).group(1) for t in scripts if "results.js" in t)
    assert browser.get(src).status_code == 200
    assert html.count('data-sort="number"') >= 5 and 'class="results sortable"' in html


def test_a_unit_page_shows_the_breakdown_the_lost_items_and_the_what_if(results, browser, world):
    browser.login("thuongtruc")
    html = browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").get_data(as_text=True)
    assert 'data-testid="rank">02/19' in html
    assert '97,00 <small class="muted">(Hoàn thành xuất sắc nhiệm vụ)</small>' in html
    assert 'data-testid="level">Hoàn thành tốt nhiệm vụ' in html
    assert (
        "Cần thêm 4,50 điểm để đạt mức Hoàn thành xuất sắc nhiệm vụ — ví dụ khắc phục các mục 2.3 (2,00 điểm), "
        "5.1.b (1,50 điểm), 4.2 (1,00 điểm)." in html
    )
    assert "Cần thêm 2,75 điểm để vươn lên hạng 01/19 (hiện xếp hạng 02/19)." in html  # equal shares 01/19
    assert "Thiếu tài liệu kiểm chứng" in html and "Không có báo cáo số liệu dịch vụ công trực tuyến quý IV" in html


def test_a_commune_sees_nothing_before_its_release_exactly_like_a_missing_page(results, browser, world):
    _, ids, _ = results
    _set_status(ids["a"], AssessmentStatus.APPRAISED)
    browser.login(world.officer_a)
    own = browser.get(f"/ket-qua/2023/don-vi/{world.a_id}")
    missing = browser.get("/ket-qua/2023/don-vi/999999")
    other_year = browser.get(f"/ket-qua/1999/don-vi/{world.a_id}")
    foreign = browser.get(f"/ket-qua/2023/don-vi/{world.b_id}")
    table = browser.get("/ket-qua/2023")
    assert {r.status_code for r in (own, missing, other_year, foreign, table)} == {404}
    assert own.get_data() == missing.get_data() == other_year.get_data() == foreign.get_data() == table.get_data()


def test_a_commune_sees_its_own_result_once_released_but_not_the_table(results, browser, world):
    browser.login(world.leader_a)
    response = browser.get(f"/ket-qua/2023/don-vi/{world.a_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="appraised-total">85,50' in html and 'data-testid="gap">+11,50' in html
    assert "Cần thêm 4,50 điểm" in html
    assert 'data-testid="rank"' not in html and "vươn lên hạng" not in html  # others' totals stay private
    assert browser.get("/ket-qua/2023").status_code == 404
    assert browser.get(f"/ket-qua/2023/don-vi/{world.b_id}").status_code == 404
    index = browser.get("/ket-qua/").get_data(as_text=True)
    assert f"/ket-qua/2023/don-vi/{world.a_id}" in index and 'href="/ket-qua/2023"' not in index


def test_after_publication_every_unit_of_the_authority_sees_the_whole_table(results, browser, world):
    campaign_id, _, _ = results
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    browser.login(world.officer_b)
    response = browser.get("/ket-qua/2023")
    assert response.status_code == 200
    page = _table(response.get_data(as_text=True))
    assert len(page.rows) == 20
    assert dict(page.rows)["A"][:4] == ["02/19", "Xã An Bình", "97,00", "85,50"]
    html = response.get_data(as_text=True)
    assert f"/ket-qua/2023/don-vi/{world.b_id}" in html and f"/ket-qua/2023/don-vi/{world.a_id}" not in html
    assert browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").status_code == 404  # others' details stay theirs
    own = browser.get(f"/ket-qua/2023/don-vi/{world.b_id}").get_data(as_text=True)
    assert 'data-testid="rank">01/19' in own


def test_another_district_sees_nothing_even_after_publication(results, browser, world):
    campaign_id, _, _ = results
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    browser.login(world.officer_far)
    assert browser.get("/ket-qua/2023").status_code == 404
    assert browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").status_code == 404


def _import_2022(world, rows):
    with scoped(SYSTEM):
        for unit_id, rank, level_order, level_name in rows:
            db.session.add(
                UnitResult(
                    authority_id=world.district_id,
                    year=2022,
                    unit_id=unit_id,
                    group_name="Khối xã",
                    appraised_total=D("80"),
                    level_order=level_order,
                    level_name=level_name,
                    rank=rank,
                    rank_of=19,
                    source="import",
                    published=True,
                    computed_at=clock.now(),
                )
            )
        db.session.commit()


def test_the_change_in_rank_and_level_since_last_year(results, browser, world):
    _, _, others = results
    _import_2022(
        world,
        [
            (world.a_id, 4, 3, "Hoàn thành nhiệm vụ"),
            (others[0], 1, 1, "Hoàn thành xuất sắc nhiệm vụ"),
            (others[1], 4, 2, TOT),
        ],
    )
    browser.login("lanhdao")
    rows = dict(_table(browser.get("/ket-qua/2023").get_data(as_text=True)).rows)
    assert rows["A"][6:] == ["▲2", "▲"]
    assert rows["X01"][6:] == ["▼2", "▼"]
    assert rows["X02"][6:] == ["—", "—"]
    assert rows["B"][6:] == ["mới", "mới"]
    past = browser.get("/ket-qua/2022").get_data(as_text=True)
    assert "Số liệu các năm trước" in past


def test_the_secretariat_recomputes_from_the_page_and_leadership_may_not(results, make_browser, world):
    secretariat, leadership = make_browser(), make_browser()
    secretariat.login("thuongtruc")
    leadership.login("lanhdao")
    assert "Tính lại kết quả" in secretariat.get("/ket-qua/2023").get_data(as_text=True)
    assert "Tính lại kết quả" not in leadership.get("/ket-qua/2023").get_data(as_text=True)
    assert leadership.post("/ket-qua/2023/tinh-lai").status_code == 403
    response = secretariat.post("/ket-qua/2023/tinh-lai", follow_redirects=True)
    assert "Đã tính kết quả năm 2023: 20 đơn vị, 20 đơn vị đã có điểm thẩm định đầy đủ." in response.get_data(
        as_text=True
    )


def test_recomputing_a_published_year_is_refused_with_409(results, browser):
    campaign_id, _, _ = results
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    browser.login("thuongtruc")
    response = browser.post("/ket-qua/2023/tinh-lai")
    assert response.status_code == 409
    assert "đã công bố kết quả" in response.get_data(as_text=True)


def _xlsx(response, header_row: int = 1) -> pd.DataFrame:
    """The table of a downloaded workbook, its header on `header_row` (the results table's is under its title)."""
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return pd.read_excel(io.BytesIO(response.get_data()), dtype=str, keep_default_na=False, header=header_row - 1)


def test_the_results_xlsx_equals_the_page(results, browser):
    browser.login("thuongtruc")
    page = _table(browser.get("/ket-qua/2023").get_data(as_text=True))
    response = browser.post("/ket-qua/2023/xuat/results")
    assert "filename*=UTF-8''K%E1%BA%BFt" in response.headers["Content-Disposition"]
    frame = _xlsx(response, exports.HEADER_ROW)
    assert list(frame.columns) == list(exports.RESULT_HEADERS)
    from_file = [
        (
            row["Mã đơn vị"],
            row["Xếp hạng"],
            D(row["Điểm tự chấm"]),
            D(row["Điểm thẩm định"]),
            D(row["Chênh lệch"]),
            row["Xếp loại"],
        )
        for _, row in frame.iterrows()
    ]
    from_page = [
        (code, cells[0], _points(cells[2]), _points(cells[3]), _points(cells[4]), cells[5]) for code, cells in page.rows
    ]
    assert from_file == from_page
    assert set(frame["Năm"]) == {"2023"} and frame.iloc[1]["Tên đơn vị"] == "Xã An Bình"


def test_the_scores_are_numbers_with_two_decimals_in_the_xlsx(results, browser):
    from openpyxl import load_workbook

    browser.login("thuongtruc")
    sheet = load_workbook(io.BytesIO(browser.post("/ket-qua/2023/xuat/results").get_data())).active
    row = exports.HEADER_ROW + 2  # the second unit: A
    cell = sheet[f"G{row}"]  # Điểm thẩm định
    assert cell.value == 85.5 and cell.number_format == "0.00"
    assert sheet[f"H{row}"].value == "02/19" and sheet[f"J{row}"].value == 11.5


def test_before_publication_an_appraiser_gets_neither_the_ranking_nor_its_exports(results, browser, world):
    """The unpublished ranking is the secretariat's, leadership's and administrators' (issue 14, item 1): to an
    appraiser the year is as missing as a year without results; once published it is everybody's."""
    campaign_id, _, _ = results
    browser.login("thamdinh")
    missing = browser.get("/ket-qua/2099")
    year = browser.get("/ket-qua/2023")
    assert year.status_code == missing.status_code == 404 and year.data == missing.data
    assert browser.post("/ket-qua/2023/xuat/results").status_code == 404
    assert browser.post("/ket-qua/2023/xuat/items").status_code == 404
    assert browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").status_code == 404  # not assigned to A
    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    assert browser.get("/ket-qua/2023").status_code == 200
    assert browser.post("/ket-qua/2023/xuat/results").status_code == 200
    assert browser.get(f"/ket-qua/2023/don-vi/{world.a_id}").status_code == 200


def test_the_item_by_item_export_has_a_row_per_unit_and_leaf_with_the_reasons(results, browser):
    browser.login("thuongtruc")
    frame = _xlsx(browser.post("/ket-qua/2023/xuat/items"))
    assert list(frame.columns) == list(exports.ITEM_HEADERS)
    assert len(frame) == 20 * 15
    a = frame[(frame["Mã đơn vị"] == "A") & (frame["Mã tiêu chí"] == "2.3")].iloc[0]
    assert (D(a["Điểm tối đa"]), D(a["Điểm tự chấm"]), D(a["Điểm thẩm định"])) == (D("8"), D("7"), D("6"))
    assert a["Lý do trừ điểm"] == "Thiếu tài liệu kiểm chứng; Không có báo cáo số liệu dịch vụ công trực tuyến quý IV"
    assert list(frame["Mã đơn vị"][:15]) == ["B"] * 15


def test_a_big_export_runs_as_a_job_and_offers_the_file(results, browser, monkeypatch):
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 5)
    browser.login("thuongtruc")
    response = browser.post("/ket-qua/2023/xuat/results")
    assert response.status_code == 302 and "/cong-viec/" in response.headers["Location"]
    job_page = browser.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/ket-qua/tai-ve/[0-9a-f]+)"', job_page).group(1)
    assert "Đã xong" in job_page
    frame = _xlsx(browser.get(link), exports.HEADER_ROW)
    assert len(frame) == 20 and list(frame["STT"]) == [str(n) for n in range(1, 21)]


def test_units_cannot_export_or_download(results, browser, world, monkeypatch):
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 5)
    staff = browser
    staff.login("thuongtruc")
    link = staff.post("/ket-qua/2023/xuat/results").headers["Location"]
    job_id = link.rstrip("/").split("/")[-2]
    staff.logout()
    browser.login(world.officer_a)
    assert browser.post("/ket-qua/2023/xuat/results").status_code == 403
    assert browser.get(f"/ket-qua/tai-ve/{job_id}").status_code == 403


def test_the_home_page_offers_the_results(results, browser):
    browser.login("lanhdao")
    assert "Kết quả đánh giá" in browser.get("/").get_data(as_text=True)


def test_losing_the_classification_counts_as_a_fall(results, browser, world):
    _import_2022(world, [(world.b_id, 1, 1, "Hoàn thành xuất sắc nhiệm vụ")])
    with scoped(SYSTEM):
        row = db.session.execute(
            select(UnitResult).where(UnitResult.year == 2023, UnitResult.unit_id == world.b_id)
        ).scalar_one()
        row.level_order, row.level_name, row.disqualified = None, "Không đủ điều kiện xếp loại", True
        db.session.commit()
    browser.login("lanhdao")
    rows = dict(_table(browser.get("/ket-qua/2023").get_data(as_text=True)).rows)
    assert rows["B"][5:] == ["Không đủ điều kiện xếp loại", "—", "▼"]


def test_a_commune_sees_its_imported_past_result_and_the_years_table(world, browser):
    _import_2022(world, [(world.a_id, 4, 2, TOT), (world.b_id, 1, 1, "Hoàn thành xuất sắc nhiệm vụ")])
    browser.login(world.officer_a)
    index = browser.get("/ket-qua/").get_data(as_text=True)
    assert 'href="/ket-qua/2022"' in index and f"/ket-qua/2022/don-vi/{world.a_id}" in index
    page = browser.get(f"/ket-qua/2022/don-vi/{world.a_id}").get_data(as_text=True)
    assert 'data-testid="rank">04/19' in page and "nhập từ số liệu các năm trước" in page
    assert len(_table(browser.get("/ket-qua/2022").get_data(as_text=True)).rows) == 2


def test_authority_wide_reads_happen_in_one_place():
    from pathlib import Path

    package = Path(exports.__file__).parent
    uses = [
        (path.name, line.strip())
        for path in package.glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "authority_wide=True" in line
    ]
    assert uses == [("access.py", "return stmt.execution_options(authority_wide=True)")]
