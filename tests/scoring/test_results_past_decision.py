"""The secretariat records (and corrects) the decision of an imported year from its results page (issue 18, item 1),
and downloads the past-results template with the decision columns and the TheoLinhVuc sheet."""

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import CampaignStatus, UnitResult
from dvcq.scoring.results.compute import SOURCE_IMPORT
from dvcq.tenants.models import Unit
from tests.scoring.results_factories import add_assessment, make_campaign, results_version, set_campaign_status

TEMPLATE = "/ket-qua/tep-mau-ket-qua-cac-nam-truoc"
DECIDED = "Quyết định số 3807/QĐ-UBND ngày 29/12/2023"


def _import(runner, tmp_path, rows, areas=()):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(["Năm", "Mã đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định"])
    for row in rows:
        sheet.append(row)
    if areas:
        per_area = workbook.create_sheet("TheoLinhVuc")
        per_area.append(["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"])
        for row in areas:
            per_area.append(row)
    path = tmp_path / "ket-qua.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def imported(world, runner, tmp_path):
    """Year 2023 of the test district, imported without its decision."""
    results_version(world)
    _import(runner, tmp_path, [[2023, "A", "Khối xã", 97, "85,50"], [2023, "B", "Khối xã", 95, "88,25"]])
    return world


def _decisions(year=2023):
    with scoped(SYSTEM):
        rows = db.session.execute(select(UnitResult).where(UnitResult.year == year)).scalars()
        return {r.unit.code: (r.decision_number, r.decision_date) for r in rows}


def _audit(action="results.decision_recorded"):
    with scoped(SYSTEM):
        return list(db.session.execute(select(AuditRecord).where(AuditRecord.action == action)).scalars())


def _seen(page: str) -> str:
    match = re.search(r'name="seen" type="hidden" value="([^"]*)"', page)
    assert match, "no decision form on the page"
    return match.group(1)


def _open(browser, login, year=2023) -> str:
    browser.login(login)
    page = browser.get(f"/ket-qua/{year}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _save(browser, seen, number="3807/QĐ-UBND", signed_on="29/12/2023", year=2023):
    return browser.post(f"/ket-qua/{year}/quyet-dinh", {"seen": seen, "number": number, "signed_on": signed_on})


def test_the_secretariat_records_the_decision_of_an_imported_year_for_all_its_units(imported, browser):
    page = _open(browser, imported.secretariat)
    assert "Chưa ghi quyết định phê duyệt kết quả năm này" in page
    assert DECIDED not in page  # the table was rendered (and cached) without a decision
    answer = _save(browser, _seen(page), number="  3807 / qđ - ubnd ", signed_on="29/12/2023")
    assert answer.status_code == 302
    decided = ("3807/QĐ-UBND", dt.date(2023, 12, 29))
    assert _decisions() == {"A": decided, "B": decided}
    shown = browser.get("/ket-qua/2023").get_data(as_text=True)
    assert f"Số liệu các năm trước (nhập từ tệp) · {DECIDED}" in shown  # the cached table's heading follows
    assert f"Đã ghi: {DECIDED}." in shown
    [record] = _audit()
    assert record.actor_login == imported.secretariat
    assert record.target_id == "D/2023"
    assert json.loads(record.before) is None
    assert json.loads(record.after) == {"number": "3807/QĐ-UBND", "date": "2023-12-29", "rows": 2}


def test_the_administrator_corrects_a_decision_the_file_gave(world, runner, tmp_path, browser):
    results_version(world)
    _import(runner, tmp_path, [[2022, "A", "Khối xã", 90, 80]])
    with scoped(SYSTEM):
        db.session.execute(
            db.update(UnitResult).values(decision_number="12/QĐ-UBND", decision_date=dt.date(2023, 1, 9))
        )
        db.session.commit()
    page = _open(browser, world.admin, 2022)
    assert 'value="12/QĐ-UBND"' in page and 'value="09/01/2023"' in page
    assert _save(browser, _seen(page), "15/QĐ-UBND", "ngày 30/12/2022", 2022).status_code == 302
    assert _decisions(2022) == {"A": ("15/QĐ-UBND", dt.date(2022, 12, 30))}
    [record] = _audit()
    assert json.loads(record.before) == {"number": "12/QĐ-UBND", "date": "2023-01-09"}


@pytest.mark.parametrize("who", ["officer_a", "leader_a", "appraiser", "leadership"])
def test_only_the_secretariat_and_the_administrator_record_it(imported, browser, who):
    page = _open(browser, getattr(imported, who))
    assert 'name="seen"' not in page  # no form offered
    assert _save(browser, "x").status_code == 403
    assert browser.get(TEMPLATE).status_code == 403
    assert _decisions() == {"A": ("", None), "B": ("", None)}
    assert _audit() == []


def _published_result(authority_id: int, year: int, unit_id: int, campaign_id: int | None = None) -> None:
    """A published result stored as it is: imported (no campaign) or a campaign's."""
    with scoped(SYSTEM):
        db.session.add(
            UnitResult(
                authority_id=authority_id,
                year=year,
                unit_id=unit_id,
                campaign_id=campaign_id,
                group_name="Khối xã",
                appraised_total=Decimal("80"),
                source=SOURCE_IMPORT if campaign_id is None else "campaign",
                published=True,
                computed_at=dt.datetime(year + 1, 1, 5),
            )
        )
        db.session.commit()


def test_another_authoritys_year_answers_like_a_missing_one(imported, browser):
    with scoped(SYSTEM):
        other = db.session.execute(select(Unit.id).where(Unit.code == "D2")).scalar_one()
    _published_result(other, 2021, imported.far_id)
    page = _open(browser, imported.secretariat)
    seen = _seen(page)
    foreign = _save(browser, seen, signed_on="29/12/2021", year=2021)
    missing = _save(browser, seen, signed_on="29/12/2019", year=2019)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()
    with scoped(SYSTEM):
        assert db.session.execute(select(UnitResult.decision_number).where(UnitResult.year == 2021)).scalar() == ""


def test_a_campaign_year_is_not_an_imported_one(world, browser):
    version = results_version(world)
    campaign = make_campaign(world, version, year=2024)
    add_assessment(campaign, world.a_id, world.group_communes_id, self_total="90", appraised="80")
    set_campaign_status(campaign, CampaignStatus.PUBLISHED)
    browser.login(world.secretariat)
    assert 'name="seen"' not in browser.get("/ket-qua/2024").get_data(as_text=True)
    assert _save(browser, "x", signed_on="29/12/2024", year=2024).status_code == 404


@pytest.mark.parametrize(
    ("number", "signed_on", "field", "message"),
    [
        ("", "29/12/2023", "number", "Chưa nhập số quyết định (ví dụ: 3807/QĐ-UBND)."),
        ("ba nghìn", "29/12/2023", "number", "«ba nghìn» không phải số quyết định"),
        ("3807/UBND", "29/12/2023", "number", "«3807/UBND» không phải số quyết định"),
        ("0/QĐ-UBND", "29/12/2023", "number", "Số quyết định không thể là số 0"),
        ("3807/QĐ-" + "U" * 70, "29/12/2023", "number", "không phải số quyết định"),
        ("3807/QĐ-UBND", "", "signed_on", "Chưa nhập ngày quyết định"),
        ("3807/QĐ-UBND", "31/02/2023", "signed_on", "«31/02/2023» không phải ngày có thật"),
        ("3807/QĐ-UBND", "12/29/2023", "signed_on", "không phải ngày có thật: không có tháng 29"),
        ("3807/QĐ-UBND", "29/12/2099", "signed_on", "Ngày quyết định 29/12/2099 chưa đến"),
        ("3807/QĐ-UBND", "29/12/2021", "signed_on", "Ngày quyết định 29/12/2021 không thuộc năm 2023 hoặc năm 2024"),
    ],
)
def test_a_bad_number_or_date_is_refused_in_vietnamese_and_nothing_is_saved(
    imported, browser, number, signed_on, field, message
):
    page = _open(browser, imported.secretariat)
    answer = _save(browser, _seen(page), number, signed_on)
    assert answer.status_code == 400
    refused = answer.get_data(as_text=True)
    assert "Chưa lưu quyết định: vui lòng sửa các ô được đánh dấu." in refused
    error = re.search(
        rf'id="{field}"[^>]*>\s*(?:<small class="muted">[^<]*</small>\s*)?<small class="error">([^<]*)', refused
    )
    assert error and message in error.group(1).replace("&#34;", '"').replace("&#39;", "'")
    for name, typed in (("number", number), ("signed_on", signed_on)):  # the form keeps what was typed
        assert re.search(rf'id="{name}"[^>]*value="{re.escape(typed)}"', refused) or (
            not typed and re.search(rf'id="{name}"[^>]*value=""', refused)
        )
    assert _decisions() == {"A": ("", None), "B": ("", None)}
    assert _audit() == []


def test_a_save_from_a_page_older_than_the_last_change_is_refused_not_applied(imported, make_browser):
    first, second = make_browser(), make_browser()
    seen_first = _seen(_open(first, imported.secretariat))
    seen_second = _seen(_open(second, imported.admin))
    assert _save(first, seen_first, "3807/QĐ-UBND", "29/12/2023").status_code == 302
    late = _save(second, seen_second, "3900/QĐ-UBND", "30/12/2023")
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert f"vừa được người khác thay đổi (hiện là: {DECIDED})" in page
    assert 'value="3900/QĐ-UBND"' in page  # what the second person typed is still there
    assert _decisions() == {"A": ("3807/QĐ-UBND", dt.date(2023, 12, 29)), "B": ("3807/QĐ-UBND", dt.date(2023, 12, 29))}
    assert len(_audit()) == 1
    # Saving again from that page is a choice made seeing the other's decision: it goes through.
    assert _save(second, _seen(page), "3900/QĐ-UBND", "30/12/2023").status_code == 302
    assert _decisions()["A"] == ("3900/QĐ-UBND", dt.date(2023, 12, 30))


def test_a_new_import_of_the_year_makes_an_open_page_stale(imported, runner, tmp_path, browser):
    seen = _seen(_open(browser, imported.secretariat))
    _import(runner, tmp_path, [[2023, "A", "Khối xã", 97, "85,50"]])
    assert _save(browser, seen).status_code == 409
    assert _decisions() == {"A": ("", None)}


def test_the_template_has_the_decision_columns_and_the_per_area_sheet(world, browser):
    browser.login(world.secretariat)
    assert "Tải tệp mẫu (.xlsx)" in browser.get("/ket-qua/").get_data(as_text=True)
    answer = browser.get(TEMPLATE)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(answer.get_data()))
    assert workbook.sheetnames == ["KetQua", "TheoLinhVuc", "HuongDan"]
    results = [[c.value for c in row] for row in workbook["KetQua"].iter_rows()]
    assert results == [
        [
            "Năm",
            "Mã đơn vị",
            "Tên đơn vị",
            "Khối",
            "Điểm tự chấm",
            "Điểm thẩm định",
            "Xếp hạng",
            "Xếp loại",
            "Số quyết định",
            "Ngày quyết định",
        ],
        [
            2023,
            "BATO-BNA",
            "Xã Ba Nam",
            "Khối xã",
            "97,00",
            "85,50",
            "02/19",
            "Hoàn thành tốt nhiệm vụ",
            "3807/QĐ-UBND",
            "29/12/2023",
        ],
    ]
    areas = [[c.value for c in row] for row in workbook["TheoLinhVuc"].iter_rows()]
    assert areas == [
        ["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"],
        [2023, "BATO-BNA", "1", "20,00", "18,50"],
    ]
    notes = "\n".join(str(c.value or "") for c in workbook["HuongDan"]["A"])
    assert "Số quyết định, Ngày quyết định" in notes and "Trang TheoLinhVuc (không bắt buộc)" in notes
    assert "Xoá các dòng ví dụ" in notes


def test_the_template_with_a_units_figures_imports_its_decision_and_areas(world, browser, runner, tmp_path):
    results_version(world)
    browser.login(world.secretariat)
    workbook = load_workbook(io.BytesIO(browser.get(TEMPLATE).get_data()))
    results, areas = workbook["KetQua"], workbook["TheoLinhVuc"]
    results["B2"], results["C2"], results["G2"] = "A", "Xã An Bình", None  # the example's row, as a unit would fill it
    areas["B2"] = "A"
    path = tmp_path / "mau-da-dien.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 0, result.output
    with scoped(SYSTEM):
        row = db.session.execute(select(UnitResult)).scalar_one()
        assert (row.decision_number, row.decision_date) == ("3807/QĐ-UBND", dt.date(2023, 12, 29))
        assert (json.loads(row.self_by_area), json.loads(row.by_area)) == ({"1": "20.00"}, {"1": "18.50"})
        assert row.level_name == "Hoàn thành tốt nhiệm vụ"


def test_recording_it_leaves_the_freeze_of_campaign_results_whole(imported, browser):
    """Imported rows belong to no campaign: the freeze (flush hook, and PostgreSQL's triggers) lets their decision be
    recorded, and still refuses any change to a published campaign's results, even by raw SQL."""
    campaign = make_campaign(imported, results_version(imported), year=2024)
    _published_result(imported.district_id, 2024, imported.a_id, campaign)
    set_campaign_status(campaign, CampaignStatus.PUBLISHED)
    assert _save(browser, _seen(_open(browser, imported.secretariat))).status_code == 302
    assert _decisions()["A"] == ("3807/QĐ-UBND", dt.date(2023, 12, 29))
    assert _decisions(2024) == {"A": ("", None)}
    if db.engine.dialect.name == "postgresql":
        with scoped(SYSTEM):
            refuse = text("UPDATE unit_results SET decision_number = '1/QĐ-UBND' WHERE year = 2024")
            with pytest.raises(DBAPIError, match="Kỳ đánh giá đã công bố kết quả"):
                db.session.execute(refuse)
            db.session.rollback()
            allowed = db.session.execute(
                text("UPDATE unit_results SET decision_number = '1/QĐ-UBND' WHERE year = 2023")
            )
            assert allowed.rowcount == 2
            db.session.rollback()
    assert _decisions(2024) == {"A": ("", None)}
