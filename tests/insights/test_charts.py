"""Every chart's data, read back from the figure JSON that the dashboard hands to the browser, equals the published
results in the database (computed here independently) — and the table beside it shows the same numbers."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import CriteriaNode, ItemScore, NodeKind
from tests.insights.factories import AREAS
from tests.insights.helpers import figure, figure_ids, percent, published_rows, table, vn


@pytest.fixture
def leader(browser, world, history):
    browser.login(world.leadership)
    return browser


def _page(browser, query: str = "") -> str:
    """The dashboard over every group (by default it shows the largest group only)."""
    response = browser.get("/tong-quan/?khoi=tat-ca" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_chart_is_shipped_as_json_without_plotly_cdn(leader):
    page = _page(leader)
    assert figure_ids(page) == ["fig-bump", "fig-box", "fig-levels", "fig-scatter", "fig-heat", "fig-lost", "fig-moves"]
    assert "cdn.plot.ly" not in page and "cdn.jsdelivr" not in page
    assert '<script src="/static-vendor/plotly-' in page


def test_bump_chart_y_values_are_the_ranks_of_each_unit_and_year(leader, world):
    fig = figure(_page(leader), "fig-bump")
    rows = published_rows(world.district_id)
    expected = defaultdict(dict)
    for r in rows:
        expected[r["unit_id"]][r["year"]] = r["rank"]
    drawn = {}
    for trace in fig["data"]:
        drawn[trace["meta"]["unit_id"]] = dict(zip(trace["x"], trace["y"], strict=True))
    assert drawn == expected
    low, high = fig["layout"]["yaxis"]["range"]
    assert low > max(r["rank"] for r in rows) > high > 0  # reversed: rank 1 at the top


def test_bump_chart_with_merged_history_draws_predecessors_under_the_merged_unit(leader, world, history):
    fig = figure(_page(leader, "&gop=1"), "fig-bump")
    by_name = {t["name"]: t for t in fig["data"]}
    e1 = by_name["Xã Hợp Nhất (đơn vị tiền thân: Xã Cũ Một)"]
    e2 = by_name["Xã Hợp Nhất (đơn vị tiền thân: Xã Cũ Hai)"]
    merged = by_name["Xã Hợp Nhất"]
    assert e1["meta"] == {"unit_id": history.e1_id, "series_id": history.m_id}
    assert e2["meta"] == {"unit_id": history.e2_id, "series_id": history.m_id}
    assert e1["legendgroup"] == e2["legendgroup"] == merged["legendgroup"] == str(history.m_id)
    assert (e1["x"], e1["y"]) == ([2022, 2023, 2024], [1, 1, 2])
    assert (e2["x"], e2["y"]) == ([2022, 2023, 2024], [2, 3, 3])
    assert (merged["x"], merged["y"]) == ([2025], [3])
    assert "Xã Cũ Một" not in by_name  # no separate line for a predecessor once merged


def test_bump_chart_shows_only_the_units_chosen(leader, world):
    fig = figure(_page(leader, f"&don_vi={world.a_id}&don_vi={world.agency_id}"), "fig-bump")
    assert sorted(t["meta"]["unit_id"] for t in fig["data"]) == sorted([world.a_id, world.agency_id])


def test_box_plot_statistics_equal_the_appraised_totals_per_year(leader, world):
    page = _page(leader)
    fig = figure(page, "fig-box")
    box = fig["data"][0]
    by_year = defaultdict(list)
    for r in published_rows(world.district_id):
        by_year[r["year"]].append(r["appraised"])
    years = sorted(by_year)
    assert box["x"] == [str(y) for y in years]
    cent = Decimal("0.01")
    assert box["median"] == [float(statistics.median(by_year[y]).quantize(cent)) for y in years]
    assert box["lowerfence"] == [float(min(by_year[y])) for y in years]
    assert box["upperfence"] == [float(max(by_year[y])) for y in years]
    assert box["mean"] == [float((sum(by_year[y]) / len(by_year[y])).quantize(cent)) for y in years]
    rows = table(page, "table-phan-bo-1")
    assert rows[0][:5] == ["Năm", "Số đơn vị", "Thấp nhất", "Tứ phân vị 1", "Trung vị"]
    for row, year in zip(rows[1:], years, strict=True):
        assert row[0] == str(year)
        assert row[1] == str(len(by_year[year]))
        assert row[2] == vn(min(by_year[year]))
        assert row[4] == vn(statistics.median(by_year[year]).quantize(cent))
        assert float(row[3].replace(",", ".")) == box["q1"][years.index(year)]


def test_level_bars_count_the_units_of_each_level_and_year(leader, world):
    fig = figure(_page(leader), "fig-levels")
    counts = Counter((r["year"], r["level"]) for r in published_rows(world.district_id))
    years = sorted({y for y, _ in counts})
    for trace in fig["data"]:
        assert trace["x"] == [str(y) for y in years]
        assert trace["y"] == [counts[(y, trace["name"])] for y in years]
    assert [t["name"] for t in fig["data"]] == [
        "Hoàn thành xuất sắc nhiệm vụ",
        "Hoàn thành tốt nhiệm vụ",
        "Hoàn thành nhiệm vụ",
    ]
    assert fig["layout"]["barmode"] == "stack"


def test_scatter_points_are_self_against_appraised_and_over_scorers_are_listed(leader, world):
    page = _page(leader)
    fig = figure(page, "fig-scatter")
    rows = published_rows(world.district_id)
    for trace in fig["data"]:
        if "meta" not in trace:
            continue
        year = trace["meta"]["year"]
        mine = sorted((float(r["appraised"]), float(r["self"])) for r in rows if r["year"] == year)
        assert sorted(zip(trace["x"], trace["y"], strict=True)) == mine
    diagonal = fig["data"][0]
    assert diagonal["x"] == diagonal["y"]
    gaps = sorted(((r["self"] - r["appraised"]), r["name"], r["year"]) for r in rows)[::-1]
    top = page.split('data-testid="highlights-tu-cham"')[1].split("</ol>")[0]
    assert top.count("<li>") == 5
    assert f"{gaps[0][1]} ({gaps[0][2]})" in top and f"cao hơn {vn(gaps[0][0])} điểm" in top


def test_heat_map_z_is_the_share_of_each_area_maximum(leader, world):
    page = _page(leader)
    fig = figure(page, "fig-heat")
    heat = fig["data"][0]
    maxima = {code: sum(m for _, _, m in leaves) for code, (_, leaves) in AREAS.items()}
    assert heat["x"] == [f"LV {c}" for c in maxima]  # the bonus area "T" has no share to colour
    rows = {r["name"]: r for r in published_rows(world.district_id) if r["year"] == 2025}
    assert sorted(heat["y"]) == sorted(rows)
    for name, z_row in zip(heat["y"], heat["z"], strict=True):
        assert z_row == [float(percent(rows[name]["by_area"][c], maxima[c])) for c in maxima]
    shares = table(page, "table-linh-vuc-1")
    first = shares[1]
    assert first[2] == vn(percent(rows[first[0]]["by_area"]["1"], maxima["1"])) + " %"


def test_lost_items_are_the_largest_totals_of_points_lost_with_their_reasons(leader, world, history):
    page = _page(leader)
    bars = figure(page, "fig-lost")["data"][0]
    with scoped(SYSTEM):
        lost, reasons = defaultdict(Decimal), defaultdict(Counter)
        stmt = select(CriteriaNode.code, CriteriaNode.max_points, ItemScore.final_score, ItemScore.deduction_reasons)
        stmt = stmt.join(ItemScore.node).where(CriteriaNode.kind != NodeKind.BONUS)  # a bonus not given is no loss
        for code, maximum, final, why in db.session.execute(stmt).all():
            lost[code] += maximum - final
            if maximum > final:
                reasons[code].update(c for c in why.split(",") if c)
    expected = sorted(lost, key=lambda c: -lost[c])
    assert bars["y"] == expected
    assert bars["x"] == [float(lost[c]) for c in expected]
    rows = table(page, "table-mat-diem-1")
    assert rows[1][0] == expected[0] == "2.1"
    assert rows[1][4] == vn(lost["2.1"]) == "19,00"
    assert rows[1][5].startswith("Thiếu tài liệu kiểm chứng (2 lượt)")


def test_rises_and_falls_are_last_year_rank_minus_this_year_rank(leader, world):
    page = _page(leader)
    bars = figure(page, "fig-moves")["data"][0]
    rows = published_rows(world.district_id)
    rank = {(r["name"], r["year"]): r["rank"] for r in rows}
    expected = {n: rank[(n, 2024)] - rank[(n, 2025)] for n, y in rank if y == 2025 and (n, 2024) in rank}
    assert dict(zip(bars["x"], bars["y"], strict=True)) == expected
    cells = {r[0]: r for r in table(page, "table-tang-giam-1")[1:]}
    assert cells["Xã Bình Đông"][2:5] == ["04/04", "01/03", "+3"]
    assert cells["Xã Hợp Nhất"][4] == "mới"


def test_a_units_history_chart_is_kept_by_what_it_draws_and_a_new_year_draws_anew():
    import json

    import pandas as pd

    from dvcq.insights import charts

    history = pd.DataFrame(
        {
            "year": [2023, 2024],
            "appraised_total": [Decimal("85.50"), Decimal("88.00")],
            "label": ["", ""],
            "rank": [2, 1],
            "rank_of": [19, 19],
        }
    )
    first = charts.unit_history_json(history, "Xã Ba Nam")
    assert first == charts.figure_json(charts.unit_history_chart(history, "Xã Ba Nam"))
    assert charts.unit_history_json(history.copy(), "Xã Ba Nam") is first  # the same rows: the kept JSON
    later = pd.concat(
        [
            history,
            pd.DataFrame(
                {"year": [2025], "appraised_total": [Decimal("90.25")], "label": [""], "rank": [1], "rank_of": [8]}
            ),
        ],
        ignore_index=True,
    )
    drawn = json.loads(charts.unit_history_json(later, "Xã Ba Nam"))["data"][0]
    assert drawn["y"] == [85.5, 88.0, 90.25] and drawn["text"] == ["02/19", "01/19", "01/08"]
