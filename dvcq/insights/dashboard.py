"""The leadership dashboard: every section's frames, tables and figure JSON, assembled once per data version.

Caching. Assembling the dashboard (frames, statistics, seven plotly figures serialised to JSON) costs far more than
a page view should, and its inputs change only when results are published, recomputed or imported, when a campaign
is published, or when units or their lineage change. So the assembled `Dashboard` is kept in an in-process LRU
keyed by (authority id, the filters, `services.data_version(authority)`). The data version is a handful of cheap
aggregates over exactly those inputs (count/newest `computed_at`/sum of ids of published results, published
campaigns, units' version counters, lineage rows): any change makes a new key, so a stale entry is never served —
it just ages out of the LRU. Each process (gunicorn worker) keeps its own cache; nothing needs to be told to
invalidate it. The cached object is read-only for the views, except `sections_html`: the sections rendered once (their
HTML depends on the Dashboard alone), so a view of the dashboard costs the page around them, not seven figures'
JSON and a dozen tables again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from dvcq.insights import chart_tables, charts, frames, mergers, services
from dvcq.insights.frames import Filters
from dvcq.insights.tables import Table, rank_label, signed
from dvcq.platform.cache import SingleFlightLRU
from dvcq.platform.collation import vn_sorted
from dvcq.platform.formatting import points

CACHE_SIZE = 64


@dataclass(frozen=True)
class Figure:
    id: str
    json: str
    label: str  # what the chart shows, for screen readers


@dataclass
class Section:
    key: str
    title: str
    intro: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    empty: str | None = None
    highlights: list[str] = field(default_factory=list)

    def show(self, key: str, fig, label: str, *tables: Table) -> None:
        """A chart (`label` says what it shows, for screen readers) and the tables that give its figures in words."""
        self.figures.append(Figure(f"fig-{key}", charts.figure_json(fig), label))
        self.tables.extend(tables)


@dataclass
class Options:
    years: list[int]
    groups: list[str]
    units: list[tuple[int, str]]
    heat_years: list[int]


@dataclass
class Dashboard:
    has_data: bool
    filters: Filters
    options: Options
    sections: list[Section] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The sections rendered to HTML (figures' JSON, tables), filled by the first view of this cached Dashboard: the
    # page around them (filters, the viewer's name and bell, the export link) is rendered per request.
    sections_html: str | None = None

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


cache = SingleFlightLRU(CACHE_SIZE)


def dashboard(authority_id: int, filters: Filters) -> Dashboard:
    key = (authority_id, filters, services.data_version(authority_id))
    return cache.get_or_build(key, lambda: build_dashboard(authority_id, filters))


def _normalise(frame: pd.DataFrame, filters: Filters) -> tuple[Filters, list[str]]:
    """Filters that fit the data, and a Vietnamese note for each one that did not."""
    problems = []
    years = sorted({int(y) for y in frame["year"]})
    groups = vn_sorted({g for g in frame["group_name"] if g})
    group = filters.group
    if group == frames.ALL_GROUPS:
        group = None
    elif group is None:
        group = default_group(frame)
    elif group not in groups:
        problems.append(f"Không có kết quả của khối «{group}»; đang hiện mọi khối.")
        group = None
    year_from, year_to = filters.year_from, filters.year_to
    if year_from is not None and year_to is not None and year_from > year_to:
        problems.append(f"Từ năm {year_from} lớn hơn đến năm {year_to}: đã đổi chỗ hai năm.")
        year_from, year_to = year_to, year_from
    if years:
        year_from = min(max(year_from, years[0]), years[-1]) if year_from is not None else years[0]
        year_to = min(max(year_to, years[0]), years[-1]) if year_to is not None else years[-1]
    return replace(filters, group=group, year_from=year_from, year_to=year_to), problems


def default_group(frame: pd.DataFrame) -> str | None:
    """The group shown first: the one with the most units in the latest year (the communes, usually). Groups are
    ranked separately, so their ranks and scores read best one group at a time."""
    latest = frame[frame["year"] == frame["year"].max()]
    counts = latest["group_name"].value_counts()
    return str(counts.index[0]) if len(counts) else None


def build_dashboard(authority_id: int, filters: Filters) -> Dashboard:
    everything = services.results_frame(authority_id)
    if everything.empty:
        return Dashboard(False, filters, Options([], [], [], []))
    filters, problems = _normalise(everything, filters)
    frame = mergers.with_series(everything, authority_id, filters.merge)
    chosen = frames.apply_filters(frame, filters)
    heat_years = frames.heat_years(chosen)
    if filters.heat_year not in heat_years:
        if filters.heat_year is not None:
            problems.append(f"Năm {filters.heat_year} không có điểm theo lĩnh vực; đang hiện năm gần nhất có.")
        filters = replace(filters, heat_year=heat_years[-1] if heat_years else None)
    series = services.sort_frame(chosen.drop_duplicates("series_id"), ["series_name", "series_id"])
    options = Options(
        years=sorted({int(y) for y in everything["year"]}),
        groups=vn_sorted({g for g in everything["group_name"] if g}),
        units=[(int(i), n) for i, n in zip(series["series_id"], series["series_name"], strict=True)],
        heat_years=heat_years,
    )
    known = {i for i, _ in options.units}
    filters = replace(filters, units=tuple(u for u in filters.units if u in known))
    board = Dashboard(True, filters, options, problems=problems)
    board.sections = [
        _trajectories(chosen, filters),
        _distribution(chosen),
        _self_vs_appraised(chosen),
        _heatmap(authority_id, chosen, filters.heat_year),
        _lost_items(authority_id, chosen),
        _movements(chosen),
    ]
    return board


def _trajectories(frame: pd.DataFrame, filters: Filters) -> Section:
    section = Section(
        "thu-hang",
        "Thứ hạng qua các năm",
        "Mỗi đường là một đơn vị; hạng 1 ở trên cùng. Chọn đơn vị trong bộ lọc để so sánh ít đơn vị hơn.",
    )
    traj = frames.trajectories_frame(frame, filters.units)
    if traj.empty:
        section.empty = "Chưa có thứ hạng nào trong khoảng năm và khối đã chọn."
        return section
    chart = charts.bump_chart(traj)
    section.show("bump", chart, "Biểu đồ thứ hạng của các đơn vị qua các năm", chart_tables.trajectories_table(traj))
    return section


def _distribution(frame: pd.DataFrame) -> Section:
    section = Section(
        "phan-bo",
        "Phân bố điểm và xếp loại",
        "Hộp: từ tứ phân vị 1 đến tứ phân vị 3, vạch giữa là trung vị, râu là điểm thấp nhất và cao nhất.",
    )
    dist = frames.distribution_frame(frame)
    levels = frames.levels_frame(frame)
    if dist.empty and levels.empty:
        section.empty = "Chưa có điểm thẩm định trong khoảng năm và khối đã chọn."
        return section
    if not dist.empty:
        chart = charts.distribution_chart(dist)
        section.show("box", chart, "Phân bố điểm thẩm định theo năm", chart_tables.distribution_table(dist))
    if not levels.empty:
        names = frames.level_order(levels)
        chart = charts.levels_chart(levels, names)
        section.show("levels", chart, "Số đơn vị theo mức xếp loại", chart_tables.levels_table(levels))
    return section


def _self_vs_appraised(frame: pd.DataFrame) -> Section:
    section = Section(
        "tu-cham",
        "Tự chấm so với thẩm định",
        "Mỗi điểm là một đơn vị trong một năm. Điểm nằm trên đường chéo: đơn vị tự chấm cao hơn kết quả thẩm định.",
    )
    pairs = frames.self_vs_appraised_frame(frame)
    if pairs.empty:
        section.empty = "Chưa có đơn vị nào có cả điểm tự chấm và điểm thẩm định trong khoảng đã chọn."
        return section
    top = frames.over_scorers(pairs)
    chart, table = charts.self_vs_appraised_chart(pairs, top), chart_tables.self_vs_appraised_table(pairs)
    section.show("scatter", chart, "Điểm tự chấm so với điểm thẩm định", table)
    section.highlights = [
        f"{r['label']} ({r['year']}): tự chấm {points(r['self_total'])}, thẩm định {points(r['appraised_total'])}, "
        f"cao hơn {points(r['gap'])} điểm"
        for _, r in top.iterrows()
    ]
    return section


def _heatmap(authority_id: int, frame: pd.DataFrame, year: int | None) -> Section:
    section = Section(
        "linh-vuc",
        "Bản đồ nhiệt theo lĩnh vực",
        "Tỷ lệ phần trăm điểm tối đa của mỗi lĩnh vực mà đơn vị đạt được (xanh: cao, đỏ: thấp).",
    )
    if year is None:
        section.empty = (
            "Chưa có điểm theo lĩnh vực trong khoảng năm đã chọn (kết quả các năm trước nhập từ tệp chỉ có tổng điểm)."
        )
        return section
    scored = frame[(frame["year"] == year) & frame["by_area"].map(bool)]
    campaigns = [c for c in scored["campaign_id"] if c is not None]
    campaign_id = campaigns[0] if campaigns else None
    # Areas mean something only within one criteria set: the groups scored on the set of the largest group.
    groups = frames.set_groups(authority_id, campaign_id, default_group(scored))
    areas = [a for a in frames.area_maxima(authority_id, campaign_id, default_group(scored)) if a.normal]
    title = f"Tỷ lệ điểm đạt theo lĩnh vực năm {year}"
    if groups is not None and set(scored["group_name"]) - set(groups):
        frame = frame[frame["group_name"].isin(list(groups))]
        title += " — " + ", ".join(groups)
        section.highlights = ["Các khối khác được chấm theo bộ tiêu chí khác: chọn khối ở bộ lọc để xem."]
    heat = frames.heatmap_frame(frame, year, areas)
    if not areas or heat.empty:
        section.empty = f"Không xác định được điểm tối đa của các lĩnh vực năm {year}."
        return section
    chart = charts.heatmap_chart(heat, areas, year)
    section.show("heat", chart, title, *chart_tables.heatmap_tables(heat, areas, year))
    return section


def _lost_items(authority_id: int, frame: pd.DataFrame) -> Section:
    section = Section(
        "mat-diem",
        "Tiêu chí bị mất nhiều điểm nhất",
        "Tổng số điểm các đơn vị bị mất ở mỗi tiêu chí (điểm tối đa trừ điểm thẩm định cuối cùng; điểm trừ tính cả), "
        "trong các kỳ đánh giá đã công bố trên hệ thống, cùng những lý do trừ điểm thường gặp nhất.",
    )
    own = frame[frame["predecessor_of"].isna()] if "predecessor_of" in frame else frame
    lost = frames.lost_items_frame(authority_id, own)
    if lost.empty:
        section.empty = (
            "Chưa có điểm từng tiêu chí của kỳ đánh giá đã công bố nào trong khoảng năm đã chọn "
            "(kết quả các năm trước nhập từ tệp không có điểm từng tiêu chí)."
        )
        return section
    chart = charts.lost_items_chart(lost)
    section.show("lost", chart, "Tiêu chí bị mất nhiều điểm nhất", chart_tables.lost_items_table(lost))
    return section


def _movements(frame: pd.DataFrame) -> Section:
    section = Section("tang-giam", "Tăng, giảm so với năm trước", "")
    moves, before_year, now_year = frames.movements_frame(frame)
    if before_year is None:
        section.empty = "Cần kết quả của ít nhất hai năm để so sánh tăng, giảm."
        return section
    section.intro = (
        f"Thứ hạng năm {now_year} so với năm {before_year} (dương: tăng bậc, âm: giảm bậc; "
        "«mới»: đơn vị không có kết quả năm trước)."
    )
    if moves["change"].notna().any():
        section.show("moves", charts.movements_chart(moves, before_year, now_year), section.intro)
    section.tables.append(chart_tables.movements_table(moves, before_year, now_year))
    changed = moves[moves["change"].notna()]
    risers = changed[changed["change"] > 0].head(3)
    fallers = changed[changed["change"] < 0].iloc[::-1].head(3)
    section.highlights = [
        f"{r['label']}: {rank_label(r['rank_before'], r['rank_of_before'])} → "
        f"{rank_label(r['rank_now'], r['rank_of_now'])} ({signed(r['change'])} bậc)"
        for _, r in pd.concat([risers, fallers]).iterrows()
    ]
    return section
