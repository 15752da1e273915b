"""Past results: `dvcq results import` (all or nothing, every bad row listed), `dvcq results export` (published or
imported years only), `dvcq results compute`, the round trip between them, and the demo's history of Ba Tơ."""

import io
from datetime import date
from decimal import Decimal as D

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from dvcq.insights.services import parse_areas
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import CampaignStatus, UnitResult
from dvcq.scoring.results import exports
from dvcq.tenants.models import Unit
from tests.scoring.results_factories import (
    HOAN_THANH,
    TOT,
    XUAT_SAC,
    make_campaign,
    real_case_group,
    results_version,
)

HEADER = ["Năm", "Mã đơn vị", "Tên đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Xếp loại"]


def _xlsx(path, rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _import(runner, path, *extra):
    return runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D", *extra])


def _rows(year=None):
    with scoped(SYSTEM):
        stmt = select(UnitResult).order_by(UnitResult.year, UnitResult.group_name, UnitResult.rank)
        if year is not None:
            stmt = stmt.where(UnitResult.year == year)
        return {(r.year, r.unit.code): r for r in db.session.execute(stmt).scalars()}


@pytest.fixture
def version(world):
    return results_version(world)


def test_import_computes_empty_ranks_and_levels_per_year_and_group(world, version, runner, tmp_path):
    path = _xlsx(
        tmp_path / "kết quả cũ.xlsx",
        [
            [2022, "A", "Xã An Bình", "Khối xã", 97, 85.5, None, None],
            [2022, "B", "Xã Bình Đông", "Khối xã", "95,00", "88,25", "", ""],
            [2022, "C", "Phòng Nội vụ", "Khối cơ quan", 90, 90, None, None],
            [2021, "A", "Xã An Bình", "Khối xã", 80, 69.99, "2", "Hoàn thành nhiệm vụ"],
            [2021, "B", "Xã Bình Đông", "Khối xã", 85, 75, "01/02", None],
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Năm 2021: đã nhập 2 đơn vị.",
        "Năm 2022: đã nhập 3 đơn vị.",
        f"Xếp loại theo bộ tiêu chí «Bộ tiêu chí thử nghiệm» (mã {version.id}).",
    ]
    rows = _rows()
    a = rows[(2022, "A")]
    assert (a.self_total, a.appraised_total, a.rank, a.rank_of, a.level_name, a.level_order) == (
        D("97.00"),
        D("85.50"),
        2,
        2,
        TOT,
        2,
    )
    assert (a.source, a.published, a.campaign_id, a.group_name) == ("import", True, None, "Khối xã")
    assert (rows[(2022, "B")].rank, rows[(2022, "C")].rank, rows[(2022, "C")].rank_of) == (1, 1, 1)
    assert rows[(2022, "C")].level_name == XUAT_SAC  # exactly 90 is xuất sắc
    assert (rows[(2021, "A")].rank, rows[(2021, "A")].level_name) == (2, HOAN_THANH)
    assert (rows[(2021, "B")].rank, rows[(2021, "B")].level_name) == (1, TOT)
    with scoped(SYSTEM):
        assert (
            db.session.execute(select(func.count()).where(AuditRecord.action == "results.imported")).scalar_one() == 2
        )


def test_ties_share_a_rank_when_ranks_are_computed(world, version, runner, tmp_path):
    path = tmp_path / "ketqua.csv"
    path.write_text('Năm,Mã đơn vị,Điểm thẩm định\n2022,A,"88,5"\n2022,B,"88,5"\n2022,C,70\n', encoding="utf-8")
    assert _import(runner, path).exit_code == 0
    rows = _rows(2022)
    # C has no Khối column: it keeps its own group, "Khối cơ quan"
    assert (rows[(2022, "A")].rank, rows[(2022, "B")].rank, rows[(2022, "C")].group_name) == (1, 1, "Khối cơ quan")


def test_every_bad_row_is_listed_and_nothing_is_imported(world, version, runner, tmp_path):
    make_campaign(world, version, year=2023, status=CampaignStatus.PUBLISHED)
    path = _xlsx(
        tmp_path / "sai.xlsx",
        [
            [2022, "ZZZ", "Xã Không Có", "Khối xã", 90, 80, None, None],  # 2
            [2022, "F", "Xã Xa Xôi", "Khối xã", 90, 80, None, None],  # 3
            [2022, "A", "Xã An Bình", "Khối xã", 90, "100,25", None, None],  # 4
            [2022, "B", "Xã Bình Đông", "Khối xã", -1, 80, None, None],  # 5
            [2022, "C", "Phòng Nội vụ", "Khối cơ quan", "tám mươi", 80, None, None],  # 6
            [2021, "A", "Xã An Bình", "Khối xã", 90, 85.555, None, None],  # 7
            [2021, "B", "Xã Bình Đông", "Khối xã", 90, 80, None, "Giỏi"],  # 8
            [2021, "B", "Xã Bình Đông", "Khối xã", 90, 80, None, None],  # 9
            [2023, "A", "Xã An Bình", "Khối xã", 90, 80, None, None],  # 10
            [2020, "A", "Xã An Bình", "Khối xã", 90, 80, "hai", None],  # 11
            ["20x2", "B", "Xã Bình Đông", "Khối xã", 90, 80, None, None],  # 12
            [2019, "A", "Xã An Bình", "Khối xã", 90, None, None, None],  # 13
            [2018, "D", "Huyện Thử Nghiệm", "", 90, 80, None, None],  # 14
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Lỗi: Tệp kết quả các năm trước có 13 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 2, cột «Mã đơn vị»: không có đơn vị mã «ZZZ»",
        "  - Dòng 3, cột «Mã đơn vị»: đơn vị «F» (Xã Xa Xôi) không thuộc Huyện Thử Nghiệm",
        "  - Dòng 4, cột «Điểm thẩm định»: điểm 100,25 vượt quá điểm tối đa 100,00 của bộ tiêu chí",
        "  - Dòng 5, cột «Điểm tự chấm»: điểm -1,00 không được âm",
        "  - Dòng 6, cột «Điểm tự chấm»: “tám mươi” không phải là số điểm hợp lệ",
        "  - Dòng 7, cột «Điểm thẩm định»: “85.555” có quá 2 chữ số thập phân",
        "  - Dòng 8, cột «Xếp loại»: không có mức xếp loại «Giỏi» trong bộ tiêu chí «Bộ tiêu chí thử nghiệm» "
        "(các mức: Hoàn thành xuất sắc nhiệm vụ; Hoàn thành tốt nhiệm vụ; Hoàn thành nhiệm vụ; "
        "Không hoàn thành nhiệm vụ)",
        "  - Dòng 9, cột «Mã đơn vị»: đơn vị «B» đã có ở dòng 8 cùng năm 2021",
        "  - Dòng 10, cột «Năm»: năm 2023 đã có kỳ đánh giá trên hệ thống (đã công bố kết quả); "
        "không nhập kết quả cũ cho năm này",
        "  - Dòng 11, cột «Xếp hạng»: «hai» không phải là thứ hạng (số nguyên từ 1, ví dụ 2)",
        "  - Dòng 12, cột «Năm»: «20x2» không phải là năm hợp lệ",
        "  - Dòng 13, cột «Điểm thẩm định»: thiếu điểm thẩm định",
        "  - Dòng 14, cột «Mã đơn vị»: đơn vị «D» (Huyện Thử Nghiệm) không thuộc Huyện Thử Nghiệm",
    ]
    assert _rows() == {}
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count()).where(AuditRecord.action.like("results.%"))).scalar_one() == 0


def test_ranks_given_for_some_units_of_a_group_but_not_others_are_refused(world, version, runner, tmp_path):
    path = _xlsx(
        tmp_path / "thieu.xlsx",
        [
            [2022, "A", "", "Khối xã", 90, 80, 1, None],
            [2022, "B", "", "Khối xã", 90, 70, None, None],
            [2022, "C", "", "Khối cơ quan", 90, 70, 3, None],
        ],
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Dòng 3, cột «Xếp hạng»: thiếu xếp hạng trong khi các đơn vị khác cùng năm, cùng khối đã có" in result.stderr
    assert "Dòng 4, cột «Xếp hạng»: xếp hạng 3 lớn hơn số đơn vị của khối trong năm (1)" in result.stderr
    assert _rows() == {}


def test_a_file_without_the_required_columns_is_refused(world, version, runner, tmp_path):
    path = _xlsx(tmp_path / "cot.xlsx", [[2022, "A", 80]], header=["Năm", "Mã", "Điểm"])
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Dòng 1, cột «Mã đơn vị»: thiếu cột bắt buộc" in result.stderr
    assert "Dòng 1, cột «Điểm thẩm định»: thiếu cột bắt buộc" in result.stderr


def test_reimporting_a_year_replaces_its_imported_rows_and_says_so(world, version, runner, tmp_path):
    first = _xlsx(
        tmp_path / "1.xlsx", [[2022, "A", "", "", 90, 80, None, None], [2022, "B", "", "", 90, 70, None, None]]
    )
    assert _import(runner, first).exit_code == 0
    second = _xlsx(tmp_path / "2.xlsx", [[2022, "B", "", "", 90, 91, None, None]])
    result = _import(runner, second)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "Năm 2022: đã nhập 1 đơn vị (thay thế 2 dòng đã nhập trước đó của năm này)."
    )
    rows = _rows()
    assert list(rows) == [(2022, "B")] and rows[(2022, "B")].appraised_total == D("91.00")


def test_unknown_authority_or_criteria_version_exit_1(world, version, runner, tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", [[2022, "A", "", "", 90, 80, None, None]])
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "KHONG"])
    assert result.exit_code == 1 and "Không có đơn vị mã «KHONG»." in result.stderr
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "A"])
    assert result.exit_code == 1 and "không phải cơ quan đánh giá" in result.stderr
    result = _import(runner, path, "--criteria", "9999")
    assert result.exit_code == 1 and "Không có bộ tiêu chí mã 9999 của Huyện Thử Nghiệm." in result.stderr
    result = _import(runner, tmp_path / "khong-co.xlsx")
    assert result.exit_code == 1 and "Không tìm thấy tệp" in result.stderr
    assert _rows() == {}


def test_levels_come_from_the_chosen_criteria_version(world, version, runner, tmp_path):
    strict = results_version(world, name="Bộ tiêu chí chặt", levels=(("Xuất sắc", "95"), ("Tốt", "80"), ("Đạt", "0")))
    path = _xlsx(tmp_path / "a.xlsx", [[2022, "A", "", "", 95, 90, None, None]])
    assert _import(runner, path, "--criteria", str(version.id)).exit_code == 0
    assert _rows()[(2022, "A")].level_name == XUAT_SAC
    assert _import(runner, path).exit_code == 0  # default: the newest version
    assert _rows()[(2022, "A")].level_name == "Tốt"
    assert strict.id != version.id


# ---- export -----------------------------------------------------------------------------------------------------


def test_export_of_an_imported_year_round_trips_through_import(world, version, runner, tmp_path):
    source = _xlsx(
        tmp_path / "nguon.xlsx",
        [
            [2022, "A", "", "Khối xã", 97, 85.5, None, None],
            [2022, "B", "", "Khối xã", 95, 88.25, None, None],
            [2022, "C", "", "Khối cơ quan", None, 80, None, None],
        ],
    )
    assert _import(runner, source).exit_code == 0
    before = {k: (r.self_total, r.appraised_total, r.rank, r.rank_of, r.level_name) for k, r in _rows().items()}
    out = tmp_path / "xuất 2022.xlsx"
    result = runner.invoke(args=["dvcq", "results", "export", "--authority", "D", "--year", "2022", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã xuất kết quả năm 2022 của Huyện Thử Nghiệm (3 đơn vị)" in result.output
    frame = pd.read_excel(out, dtype=str, keep_default_na=False, header=exports.HEADER_ROW - 1)
    assert list(frame["Mã đơn vị"]) == ["B", "A", "C"]
    assert list(frame["Chênh lệch"]) == ["6.75", "11.5", ""]
    assert list(frame["Xếp hạng"]) == ["01/02", "02/02", "01/01"]
    status = load_workbook(out).active.cell(row=exports.HEADER_ROW - 2, column=1).value
    assert status == "Kết quả chính thức (số liệu nhập từ các năm trước)"
    assert _import(runner, out).exit_code == 0
    after = {k: (r.self_total, r.appraised_total, r.rank, r.rank_of, r.level_name) for k, r in _rows().items()}
    assert after == before


def test_export_refuses_a_year_neither_published_nor_imported(world, runner, tmp_path):
    campaign_id, _, _ = real_case_group(world)
    runner.invoke(args=["dvcq", "results", "compute", "--authority", "D", "--campaign", str(campaign_id)])
    out = tmp_path / "x.xlsx"
    result = runner.invoke(args=["dvcq", "results", "export", "--authority", "D", "--year", "2023", str(out)])
    assert result.exit_code == 1
    assert "Kết quả năm 2023 chưa được công bố" in result.stderr and not out.exists()
    result = runner.invoke(args=["dvcq", "results", "export", "--authority", "D", "--year", "2019", str(out)])
    assert result.exit_code == 1 and "Năm 2019 chưa có kết quả đánh giá nào để xuất." in result.stderr


def test_export_of_a_published_campaign_is_in_rank_order_per_group(world, runner, tmp_path):
    campaign_id, _, _ = real_case_group(world)
    assert (
        runner.invoke(args=["dvcq", "results", "compute", "--authority", "D", "--campaign", str(campaign_id)]).exit_code
        == 0
    )
    from tests.scoring.results_factories import set_campaign_status

    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    out = tmp_path / "2023.xlsx"
    result = runner.invoke(args=["dvcq", "results", "export", "--authority", "D", "--year", "2023", str(out)])
    assert result.exit_code == 0, result.stderr
    frame = pd.read_excel(io.BytesIO(out.read_bytes()), dtype=str, keep_default_na=False, header=exports.HEADER_ROW - 1)
    assert list(frame["Mã đơn vị"][:3]) == ["B", "A", "X01"] and frame["Mã đơn vị"].iloc[-1] == "C"
    assert list(frame["Khối"].unique()) == ["Khối xã", "Khối cơ quan"]
    a = frame.iloc[1]
    assert (D(a["Điểm tự chấm"]), D(a["Điểm thẩm định"]), a["Xếp hạng"], a["Xếp loại"], D(a["Chênh lệch"])) == (
        D("97"),
        D("85.5"),
        "02/19",
        TOT,
        D("11.5"),
    )


def test_compute_from_the_command_line(world, runner):
    campaign_id, _, _ = real_case_group(world)
    result = runner.invoke(args=["dvcq", "results", "compute", "--authority", "D", "--campaign", str(campaign_id)])
    assert result.exit_code == 0
    assert result.output.strip() == (
        "Đã tính kết quả: 20 đơn vị, 20 đơn vị đã có điểm thẩm định đầy đủ và được xếp hạng."
    )
    from tests.scoring.results_factories import set_campaign_status

    set_campaign_status(campaign_id, CampaignStatus.PUBLISHED)
    result = runner.invoke(args=["dvcq", "results", "compute", "--authority", "D", "--campaign", str(campaign_id)])
    assert result.exit_code == 1 and "đã công bố kết quả" in result.stderr
    result = runner.invoke(args=["dvcq", "results", "compute", "--authority", "D", "--campaign", "9999"])
    assert result.exit_code == 1 and "Không tìm thấy kỳ đánh giá." in result.stderr
    foreign = runner.invoke(args=["dvcq", "results", "compute", "--authority", "D2", "--campaign", str(campaign_id)])
    assert foreign.exit_code == 1 and foreign.stderr == result.stderr  # another authority's campaign: not found
    result = runner.invoke(args=["dvcq", "results", "compute", "--campaign", str(campaign_id)])
    assert result.exit_code == 1 and result.stderr == "Lỗi: Hãy chọn cơ quan đánh giá bằng --authority MÃ.\n"


# ---- the demo -----------------------------------------------------------------------------------------------------


@pytest.fixture
def only_units_criteria_and_results_demo(app, monkeypatch):
    """The demo with the seeders this area needs (units and users, the sample criteria, past results)."""
    from dvcq.platform import registry
    from dvcq.scoring.criteria.demo import seed_sample_criteria
    from dvcq.scoring.results.demo import seed_past_results
    from dvcq.tenants import demo as tenants_demo

    monkeypatch.setattr(registry.of(app), "demo_seeders", [tenants_demo.seed, seed_sample_criteria, seed_past_results])


def test_the_demo_has_three_years_of_ba_to_with_the_real_case_in_2023(only_units_criteria_and_results_demo, runner):
    assert runner.invoke(args=["dvcq", "demo"]).exit_code == 0
    with scoped(SYSTEM):
        district = db.session.execute(select(Unit).where(Unit.code == "BATO")).scalar_one()
        rows = db.session.execute(select(UnitResult).where(UnitResult.authority_id == district.id)).scalars().all()
        assert sorted({r.year for r in rows}) == [2021, 2022, 2023]
        assert len(rows) == 3 * 24  # 19 communes and 5 agencies each year, no merger any more
        communes = [r for r in rows if r.group_name == "Khối xã"]
        assert {r.rank_of for r in communes} == {19}
        # the seed case, exactly: Xã Ba Nam 2023 with the decision of UBND huyện Ba Tơ that approved it
        ba_nam = next(r for r in rows if r.year == 2023 and r.unit.code == "BATO-BNA")
        assert (ba_nam.self_total, ba_nam.appraised_total, ba_nam.rank, ba_nam.rank_of, ba_nam.level_name) == (
            D("97.00"),
            D("85.50"),
            2,
            19,
            TOT,
        )
        assert (ba_nam.decision_number, ba_nam.decision_date) == ("3807/QĐ-UBND", date(2023, 12, 29))
        assert ba_nam.source == "import" and ba_nam.published
        # its losses per area: most of the 14,50 points below the maximum in three areas (the plan's focus)
        appraised, claimed = parse_areas(ba_nam.by_area), parse_areas(ba_nam.self_by_area)
        assert sum(appraised.values()) == D("85.50") and sum(claimed.values()) == D("97.00")
        maxima = {"1": 14, "2": 16, "3": 12, "4": 14, "5": 16, "6": 10, "7": 10, "8": 8}
        lost = sorted(((maxima[a] - v, a) for a, v in appraised.items()), reverse=True)
        assert [a for _, a in lost[:3]] == ["2", "4", "6"] and sum(v for v, _ in lost[:3]) == D("10.50")
        # Xã Ba Động has figures of its own
        ba_dong = next(r for r in rows if r.year == 2023 and r.unit.code == "BATO-BDO")
        assert (ba_dong.self_total, ba_dong.appraised_total) != (D("97.00"), D("85.50"))
        # every year carries its decision, signed late in December; every row its areas adding up to its totals
        decisions = {(r.year, r.decision_number, r.decision_date) for r in rows}
        assert len(decisions) == 3 and all(d.year == y and d.month == 12 and d.day >= 20 for y, _, d in decisions)
        for r in rows:
            assert sum(parse_areas(r.by_area).values()) == r.appraised_total
            assert sum(parse_areas(r.self_by_area).values()) == r.self_total
            assert all(parse_areas(r.self_by_area)[a] >= v for a, v in parse_areas(r.by_area).items())
        agencies = [r for r in rows if r.year == 2023 and r.group_name == "Khối cơ quan"]
        assert len(agencies) == 5 and {r.rank_of for r in agencies} == {5}
        assert max(r.appraised_total for r in agencies) <= 90 and len(parse_areas(agencies[0].by_area)) == 7
        assert min(r.appraised_total for r in rows) >= 54 and max(r.self_total for r in rows) <= 97
        assert len({r.level_name for r in rows}) >= 2
        count = len(rows)
    assert runner.invoke(args=["dvcq", "demo"]).exit_code == 0
    with scoped(SYSTEM):
        again = db.session.execute(select(func.count(UnitResult.id))).scalar_one()
        assert again == count
