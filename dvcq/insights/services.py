"""Cross-year insights: published results assembled into pandas frames, and the tables that show them.

Only published rows are insight material (`UnitResult.published`, item scores of campaigns whose status is
published). Frames are built from `session.execute(stmt).mappings()`, so every read passes the tenancy guard —
never `pd.read_sql` on an engine, which would bypass it. Points stay Decimal in the frames (object columns); a
float appears only inside a plotly figure (charts.py), which is display.

Merged units: a unit created by a merger (UnitLineage, the 2025 reform) carries its predecessors' history. Their
rows are read by id with `all_tenants=True` because a predecessor may have belonged to another authority (a district
that the reform dissolved); only published rows of units linked to a unit the viewer may see are read that way.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import Integer, bindparam, case, func, select, tuple_, type_coerce

from dvcq.insights.tables import INT, PERCENT, POINTS, Column, Table, rank_label, signed
from dvcq.platform.extensions import db
from dvcq.platform.permissions import AUTHORITY_STAFF
from dvcq.platform.tenancy import current_scope
from dvcq.scoring.models import (
    Assessment,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    NodeKind,
    UnitResult,
)
from dvcq.tenants.models import Unit, UnitLineage

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
LOST_ITEMS_TOP = 15
OVER_SCORERS_TOP = 5
PREDECESSOR_MARK = "(đơn vị tiền thân: {name})"
NO_LEVEL, DISQUALIFIED_LEVEL = "Chưa xếp loại", "Không đủ điều kiện xếp loại"

RESULT_COLUMNS = [
    "unit_id",
    "unit_code",
    "unit_name",
    "year",
    "campaign_id",
    "group_name",
    "self_total",
    "appraised_total",
    "level_order",
    "level_name",
    "disqualified",
    "rank",
    "rank_of",
    "by_area",
    "source",
]


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share_percent(obtained: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """The share of an area's maximum obtained, in percent with two decimals (12,50 of 14 → 89,29)."""
    if obtained is None or not maximum:
        return None
    return q2(Decimal(obtained) * HUNDRED / Decimal(maximum))


def parse_areas(text: str | None) -> dict[str, Decimal]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(code): Decimal(str(value)) for code, value in raw.items() if value is not None and value != ""}


def level_label(level_name: str | None, disqualified: bool) -> str:
    if level_name:
        return level_name
    return DISQUALIFIED_LEVEL if disqualified else NO_LEVEL


def _natural(code: str) -> tuple:
    """Criteria codes in their natural order: "2" < "10" < "T" (numbers before letters, part by part)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(code).split("."))


# ---- reading published results ------------------------------------------------------------------------------------


def _results_select():
    return (
        select(
            UnitResult.unit_id,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            UnitResult.year,
            UnitResult.campaign_id,
            UnitResult.group_name,
            UnitResult.self_total,
            UnitResult.appraised_total,
            UnitResult.level_order,
            UnitResult.level_name,
            UnitResult.disqualified,
            UnitResult.rank,
            UnitResult.rank_of,
            UnitResult.by_area,
            UnitResult.source,
        )
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.published.is_(True))
        .order_by(UnitResult.year, UnitResult.group_name, UnitResult.rank, Unit.name)
    )


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame([dict(r) for r in rows], columns=RESULT_COLUMNS, dtype=object)
    frame["by_area"] = frame["by_area"].map(parse_areas)
    if len(frame):
        frame["year"] = frame["year"].astype(int)
    return frame


def results_frame(authority_id: int) -> pd.DataFrame:
    """Every published result of the authority's units, all years: one row per unit and year."""
    stmt = _results_select().where(UnitResult.authority_id == authority_id).execution_options(authority_wide=True)
    return _frame(db.session.execute(stmt).mappings())


def unit_results_frame(unit_ids: list[int]) -> pd.DataFrame:
    """Published results of the given units, whichever authority they belonged to (see the module docstring)."""
    if not unit_ids:
        return _frame([])
    stmt = _results_select().where(UnitResult.unit_id.in_(unit_ids)).execution_options(all_tenants=True)
    return _frame(db.session.execute(stmt).mappings())


def published_years(authority_id: int) -> list[int]:
    stmt = (
        select(UnitResult.year)
        .where(UnitResult.authority_id == authority_id, UnitResult.published.is_(True))
        .distinct()
        .order_by(UnitResult.year)
        .execution_options(authority_wide=True)
    )
    return list(db.session.execute(stmt).scalars())


# ---- lineage ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predecessor:
    """A unit that became (part of) `successor_id`, directly or through an earlier merger."""

    unit_id: int
    code: str
    name: str
    successor_id: int
    effective_on: date
    authority_id: int | None

    @property
    def mark(self) -> str:
        return PREDECESSOR_MARK.format(name=self.name)


def predecessors_map(successor_ids: list[int] | None = None) -> dict[int, list[Predecessor]]:
    """successor id → its predecessors, transitively (a commune merged twice keeps both generations), nearest first."""
    rows = db.session.execute(
        select(UnitLineage.predecessor_id, UnitLineage.successor_id, UnitLineage.effective_on).order_by(
            UnitLineage.effective_on.desc(), UnitLineage.id
        )
    ).all()
    if not rows:
        return {}
    direct: dict[int, list[tuple[int, date]]] = {}
    for pred, succ, when in rows:
        direct.setdefault(succ, []).append((pred, when))
    units = {
        u.id: u
        for u in db.session.execute(
            select(Unit).where(Unit.id.in_({r[0] for r in rows} | {r[1] for r in rows}))
        ).scalars()
    }
    wanted = successor_ids if successor_ids is not None else list(direct)
    result: dict[int, list[Predecessor]] = {}
    for succ in wanted:
        seen, queue, found = {succ}, [succ], []
        while queue:
            current = queue.pop(0)
            for pred, when in direct.get(current, []):
                if pred in seen:
                    continue
                seen.add(pred)
                queue.append(pred)
                unit = units[pred]
                found.append(Predecessor(pred, unit.code, unit.name, succ, when, unit.authority_id))
        if found:
            result[succ] = found
    return result


def member_unit(authority_id: int, code: str) -> Unit | None:
    """The authority's member unit of that code (never the authority itself), or None."""
    stmt = select(Unit).where(Unit.code == code, Unit.authority_id == authority_id, Unit.id != authority_id)
    return db.session.execute(stmt).scalar_one_or_none()


def successors_of(unit_id: int) -> list[tuple[Unit, date]]:
    stmt = (
        select(Unit, UnitLineage.effective_on)
        .join(UnitLineage, UnitLineage.successor_id == Unit.id)
        .where(UnitLineage.predecessor_id == unit_id)
        .order_by(UnitLineage.effective_on, Unit.name)
    )
    return [(u, when) for u, when in db.session.execute(stmt).all()]


def with_series(frame: pd.DataFrame, authority_id: int, merge: bool) -> pd.DataFrame:
    """Add the series each row belongs to: `series_id`/`series_name` (the unit a line is drawn for), `label` (what
    the row is called) and `predecessor_of`. With `merge`, a merged unit's series also holds its predecessors' rows,
    labelled "Xã Mới (đơn vị tiền thân: Xã Cũ)", and those predecessors get no line of their own."""
    frame = frame.copy()
    frame["series_id"] = frame["unit_id"]
    frame["series_name"] = frame["unit_name"]
    frame["label"] = frame["unit_name"]
    frame["predecessor_of"] = None
    if not merge:
        return frame
    members = db.session.execute(select(Unit.id, Unit.name).where(Unit.authority_id == authority_id)).all()
    names = dict(members)
    lineage = predecessors_map([uid for uid, _ in members])
    if not lineage:
        return frame
    extra_ids = [p.unit_id for preds in lineage.values() for p in preds if p.unit_id not in set(frame["unit_id"])]
    if extra_ids:
        frame = pd.concat([frame, with_series(unit_results_frame(extra_ids), authority_id, False)], ignore_index=True)
    for succ, preds in lineage.items():
        for pred in preds:
            rows = frame["unit_id"] == pred.unit_id
            frame.loc[rows, "series_id"] = succ
            frame.loc[rows, "series_name"] = names[succ]
            frame.loc[rows, "label"] = f"{names[succ]} {pred.mark}"
            frame.loc[rows, "predecessor_of"] = succ
    return frame


# ---- dashboard filters ----------------------------------------------------------------------------------------------


ALL_GROUPS = "tat-ca"  # the form's value for "every group"; no group asked for means the default group


@dataclass(frozen=True)
class Filters:
    """What the dashboard's GET form asks for. Hashable: part of the cache key. After normalisation (dashboard.py)
    `group` is a group's name or None for every group."""

    group: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    heat_year: int | None = None
    units: tuple[int, ...] = ()
    merge: bool = False


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if filters.group:
        mask &= frame["group_name"] == filters.group
    if filters.year_from is not None:
        mask &= frame["year"] >= filters.year_from
    if filters.year_to is not None:
        mask &= frame["year"] <= filters.year_to
    return frame[mask]


# ---- the charts' frames -------------------------------------------------------------------------------------------


def trajectories_frame(frame: pd.DataFrame, units: tuple[int, ...] = ()) -> pd.DataFrame:
    """The bump chart's data: one row per (series, unit, year) with a rank. `units` selects series (empty: all)."""
    ranked = frame[frame["rank"].notna()]
    if units:
        ranked = ranked[ranked["series_id"].isin(units)]
    columns = ["series_id", "series_name", "unit_id", "label", "predecessor_of", "year", "rank", "rank_of"]
    out = ranked[[*columns, "appraised_total", "group_name"]].copy()
    out["_predecessor"] = out["predecessor_of"].notna()  # a merged unit's own line first, then its predecessors'
    out = out.sort_values(["series_name", "series_id", "_predecessor", "label", "year"])
    return out.drop(columns="_predecessor").reset_index(drop=True)


def distribution_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per year: how many units, the lowest, quartiles, median, highest and mean appraised total (exact)."""
    rows = []
    for year, part in frame.groupby("year", sort=True):
        values = sorted(v for v in part["appraised_total"] if v is not None)
        if not values:
            continue
        if len(values) > 1:
            q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        else:
            q1 = median = q3 = values[0]
        rows.append(
            {
                "year": int(year),
                "count": len(values),
                "min": values[0],
                "q1": q2(q1),
                "median": q2(median),
                "q3": q2(q3),
                "max": values[-1],
                "mean": q2(sum(values, Decimal(0)) / len(values)),
            }
        )
    return pd.DataFrame(rows, columns=["year", "count", "min", "q1", "median", "q3", "max", "mean"], dtype=object)


def levels_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per year and level: how many units (levels in their order, best first; unclassified last)."""
    if frame.empty:
        return pd.DataFrame(columns=["year", "level", "order", "count"])
    data = pd.DataFrame(
        {
            "year": frame["year"].astype(int),
            "level": [level_label(n, d) for n, d in zip(frame["level_name"], frame["disqualified"], strict=True)],
            "order": [o if o is not None else 99 for o in frame["level_order"]],
        }
    )
    counts = data.groupby(["year", "level"]).size().rename("count").reset_index()
    order = data.groupby("level")["order"].min()
    counts["order"] = counts["level"].map(order)
    return counts.sort_values(["year", "order", "level"]).reset_index(drop=True)


def level_order(levels: pd.DataFrame) -> list[str]:
    if levels.empty:
        return []
    return list(levels.groupby("level")["order"].min().sort_values(kind="stable").index)


def self_vs_appraised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Units with both totals: self-score, appraised score and the gap (self − appraised; > 0 is over-scoring)."""
    both = frame[frame["self_total"].notna() & frame["appraised_total"].notna()]
    out = both[["unit_id", "label", "group_name", "year", "self_total", "appraised_total"]].copy()
    out["gap"] = [s - a for s, a in zip(out["self_total"], out["appraised_total"], strict=True)]
    return out.sort_values(["gap", "year", "label"], ascending=[False, True, True]).reset_index(drop=True)


def over_scorers(pairs: pd.DataFrame, top: int = OVER_SCORERS_TOP) -> pd.DataFrame:
    return pairs[pairs["gap"] > 0].head(top)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    max_points: Decimal
    kind: NodeKind = NodeKind.NORMAL

    @property
    def normal(self) -> bool:
        """Part of the hundred points (not a bonus or a penalty): a share of its maximum means something."""
        return self.kind == NodeKind.NORMAL


def area_maxima(authority_id: int, campaign_id: int | None) -> list[Area]:
    """The areas (top-level nodes) of the criteria version the year was scored with: the campaign's version, or
    for an imported year the authority's newest version."""
    if campaign_id is not None:
        version_id = db.session.execute(
            select(Campaign.criteria_version_id).where(
                Campaign.id == campaign_id, Campaign.authority_id == authority_id
            )
        ).scalar_one_or_none()
    else:
        version_id = db.session.execute(
            select(CriteriaVersion.id)
            .where(CriteriaVersion.authority_id == authority_id)
            .order_by(CriteriaVersion.created_at.desc(), CriteriaVersion.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if version_id is None:
        return []
    nodes = db.session.execute(
        select(CriteriaNode.code, CriteriaNode.name, CriteriaNode.max_points, CriteriaNode.kind).where(
            CriteriaNode.version_id == version_id, CriteriaNode.parent_id.is_(None)
        )
    ).all()
    return sorted((Area(c, n, m, k) for c, n, m, k in nodes if m), key=lambda a: _natural(a.code))


def heat_years(frame: pd.DataFrame) -> list[int]:
    """Years in which some unit has points per area."""
    return sorted({int(y) for y, areas in zip(frame["year"], frame["by_area"], strict=True) if areas})


def heatmap_frame(frame: pd.DataFrame, year: int, areas: list[Area]) -> pd.DataFrame:
    """Units (rows, by rank) × areas (columns): the share of each area's maximum obtained, in percent."""
    part = frame[(frame["year"] == year) & frame["by_area"].map(bool)]
    part = part.sort_values(["group_name", "rank", "label"], na_position="last")
    records = []
    for _, row in part.iterrows():
        record = {"unit_id": row["unit_id"], "label": row["label"], "group_name": row["group_name"]}
        for area in areas:
            record[area.code] = share_percent(row["by_area"].get(area.code), area.max_points)
        records.append(record)
    return pd.DataFrame(records, columns=["unit_id", "label", "group_name", *[a.code for a in areas]], dtype=object)


def lost_items_frame(authority_id: int, results: pd.DataFrame, top: int = LOST_ITEMS_TOP) -> pd.DataFrame:
    """Where points are lost across the authority: per item (code and name), the total of points lost by the units
    in `results` (their published campaign years), how many units lost some, and the most frequent reasons.

    Summed by the database (GROUP BY item; points are integer hundredths, so the sums are exact): a province's five
    published years are ~50,000 item scores, which took most of a cold dashboard's build when read row by row."""
    from dvcq.scoring.appraisal.services import DEDUCTION_REASONS

    columns = ["code", "name", "max_points", "units", "lost_units", "total_lost", "reasons"]
    years = sorted({int(y) for y in results["year"]})
    wanted = sorted({(int(u), int(y)) for u, y in zip(results["unit_id"], results["year"], strict=True)})
    units = sorted({u for u, _ in wanted})
    if not years or not wanted:
        return pd.DataFrame(columns=columns)

    def raw(column):  # the stored hundredths, for arithmetic in SQL
        return type_coerce(column, Integer)

    score = func.coalesce(raw(ItemScore.final_score), raw(ItemScore.appraised_score))
    lost = case((CriteriaNode.kind == NodeKind.PENALTY, score), else_=raw(CriteriaNode.max_points) - score)
    scored = (
        select(ItemScore.id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .where(
            Campaign.authority_id == authority_id,
            Campaign.status == CampaignStatus.PUBLISHED,
            Campaign.year.in_(years),
            ItemScore.unit_id.in_(units),
            score.is_not(None),
            CriteriaNode.kind != NodeKind.BONUS,
        )
        .execution_options(authority_wide=True)
    )
    if len(wanted) < len(units) * len(years):  # not every unit in every year: the exact pairs (a longer IN list)
        scored = scored.where(tuple_(ItemScore.unit_id, Campaign.year).in_(wanted))
    per_item = scored.with_only_columns(
        CriteriaNode.code,
        CriteriaNode.name,
        func.max(raw(CriteriaNode.max_points)),
        func.count(ItemScore.id),
        func.count(case((lost > 0, 1))),
        func.coalesce(func.sum(case((lost > 0, lost), else_=0)), 0),
    ).group_by(CriteriaNode.code, CriteriaNode.name)
    items = {
        (code, name): {"max_points": _hundredths(top_points), "units": units, "lost_units": lost_units, "total": total}
        for code, name, top_points, units, lost_units, total in db.session.execute(per_item)
    }
    ranked = sorted(
        ((key, item) for key, item in items.items() if item["total"] > 0),
        key=lambda kv: (-kv[1]["total"], _natural(kv[0][0]), kv[0][1]),
    )[:top]
    reasons: dict[tuple[str, str], Counter] = {key: Counter() for key, _ in ranked}
    if ranked:
        codes = sorted({code for (code, _), _ in ranked})
        per_reasons = (
            scored.with_only_columns(
                CriteriaNode.code, CriteriaNode.name, ItemScore.deduction_reasons, func.count(ItemScore.id)
            )
            .where(lost > 0, ItemScore.deduction_reasons != "", CriteriaNode.code.in_(codes))
            .group_by(CriteriaNode.code, CriteriaNode.name, ItemScore.deduction_reasons)
            .order_by(func.min(ItemScore.id))
        )
        for code, name, chosen, count in db.session.execute(per_reasons):
            if (code, name) in reasons:
                for c in (chosen or "").split(","):
                    if c:
                        reasons[(code, name)][c] += count
    records = [
        {
            "code": code,
            "name": name,
            "max_points": item["max_points"],
            "units": item["units"],
            "lost_units": item["lost_units"],
            "total_lost": q2(_hundredths(item["total"])),
            "reasons": [(DEDUCTION_REASONS.get(c, c), n) for c, n in reasons[(code, name)].most_common(3)],
        }
        for (code, name), item in ranked
    ]
    return pd.DataFrame(records, columns=columns, dtype=object)


def _hundredths(value) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def movements_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, int | None, int | None]:
    """Rises and falls: each unit of the last year against the year before it (the previous year with results).
    `change` = previous rank − this rank (positive: rose); None when the unit has no result that year."""
    columns = [
        "unit_id",
        "label",
        "group_name",
        "rank_before",
        "rank_of_before",
        "rank_now",
        "rank_of_now",
        "change",
        "score_before",
        "score_now",
        "score_change",
        "level_before",
        "level_now",
    ]
    own = frame[frame["predecessor_of"].isna()] if "predecessor_of" in frame else frame
    years = sorted({int(y) for y in own["year"]})
    if len(years) < 1:
        return pd.DataFrame(columns=columns), None, None
    now_year = years[-1]
    before_year = years[-2] if len(years) > 1 else None
    now = own[own["year"] == now_year]
    before = own[own["year"] == before_year].set_index("unit_id") if before_year else None
    records = []
    for _, row in now.iterrows():
        prev = before.loc[row["unit_id"]] if before is not None and row["unit_id"] in before.index else None
        rank_before = prev["rank"] if prev is not None else None
        score_before = prev["appraised_total"] if prev is not None else None
        records.append(
            {
                "unit_id": row["unit_id"],
                "label": row["label"],
                "group_name": row["group_name"],
                "rank_before": rank_before,
                "rank_of_before": prev["rank_of"] if prev is not None else None,
                "rank_now": row["rank"],
                "rank_of_now": row["rank_of"],
                "change": (
                    int(rank_before - row["rank"]) if rank_before is not None and row["rank"] is not None else None
                ),
                "score_before": score_before,
                "score_now": row["appraised_total"],
                "score_change": (
                    row["appraised_total"] - score_before
                    if score_before is not None and row["appraised_total"] is not None
                    else None
                ),
                "level_before": level_label(prev["level_name"], prev["disqualified"]) if prev is not None else "",
                "level_now": level_label(row["level_name"], row["disqualified"]),
            }
        )
    out = pd.DataFrame(records, columns=columns, dtype=object)
    if len(out):
        out["_key"] = [-(c if c is not None else -10_000) for c in out["change"]]
        out = out.sort_values(["_key", "group_name", "label"]).drop(columns="_key").reset_index(drop=True)
    return out, before_year, now_year


# ---- tables (the same numbers as the charts) ------------------------------------------------------------------


def trajectories_table(traj: pd.DataFrame) -> Table:
    years = sorted({int(y) for y in traj["year"]})
    table = Table(
        "Thứ hạng qua các năm",
        "Thứ hạng qua các năm",
        [Column("Đơn vị", wide=True), Column("Khối"), *[Column(f"Năm {y}") for y in years]],
    )
    for (_, label), part in traj.groupby(["series_id", "label"], sort=False):
        by_year = {int(r["year"]): rank_label(r["rank"], r["rank_of"]) for _, r in part.iterrows()}
        table.rows.append([label, part["group_name"].iloc[-1], *[by_year.get(y, "") for y in years]])
        table.units.append(int(part["unit_id"].iloc[0]))
    return table


def distribution_table(dist: pd.DataFrame) -> Table:
    table = Table(
        "Phân bố điểm",
        "Phân bố điểm thẩm định theo năm",
        [
            Column("Năm"),
            Column("Số đơn vị", INT),
            Column("Thấp nhất", POINTS),
            Column("Tứ phân vị 1", POINTS),
            Column("Trung vị", POINTS),
            Column("Tứ phân vị 3", POINTS),
            Column("Cao nhất", POINTS),
            Column("Bình quân", POINTS),
        ],
    )
    for _, r in dist.iterrows():
        table.rows.append([str(r["year"]), r["count"], r["min"], r["q1"], r["median"], r["q3"], r["max"], r["mean"]])
    return table


def levels_table(levels: pd.DataFrame) -> Table:
    names = level_order(levels)
    table = Table(
        "Phân bố xếp loại",
        "Số đơn vị theo mức xếp loại",
        [Column("Năm"), *[Column(n, INT) for n in names], Column("Tổng", INT)],
    )
    for year, part in levels.groupby("year", sort=True):
        counts = dict(zip(part["level"], part["count"], strict=True))
        values = [int(counts.get(n, 0)) for n in names]
        table.rows.append([str(year), *values, sum(values)])
    return table


def self_vs_appraised_table(pairs: pd.DataFrame) -> Table:
    table = Table(
        "Tự chấm và thẩm định",
        "Điểm tự chấm và điểm thẩm định",
        [
            Column("Đơn vị", wide=True),
            Column("Khối"),
            Column("Năm"),
            Column("Điểm tự chấm", POINTS),
            Column("Điểm thẩm định", POINTS),
            Column("Chênh lệch", POINTS),
        ],
    )
    for _, r in pairs.iterrows():
        table.rows.append(
            [r["label"], r["group_name"], str(r["year"]), r["self_total"], r["appraised_total"], r["gap"]]
        )
        table.units.append(int(r["unit_id"]))
    return table


def heatmap_tables(heat: pd.DataFrame, areas: list[Area], year: int) -> list[Table]:
    shares = Table(
        "Lĩnh vực (bản đồ nhiệt)",
        f"Tỷ lệ điểm đạt được theo lĩnh vực, năm {year} (%)",
        [Column("Đơn vị", wide=True), Column("Khối"), *[Column(f"Lĩnh vực {a.code} (%)", PERCENT) for a in areas]],
    )
    for _, r in heat.iterrows():
        shares.rows.append([r["label"], r["group_name"], *[r[a.code] for a in areas]])
        shares.units.append(int(r["unit_id"]))
    legend = Table(
        "Các lĩnh vực",
        "Các lĩnh vực và điểm tối đa",
        [Column("Lĩnh vực"), Column("Tên lĩnh vực", wide=True), Column("Điểm tối đa", POINTS)],
        [[a.code, a.name, a.max_points] for a in areas],
    )
    return [shares, legend]


def lost_items_table(lost: pd.DataFrame) -> Table:
    table = Table(
        "Tiêu chí mất điểm",
        f"{LOST_ITEMS_TOP} tiêu chí bị mất nhiều điểm nhất",
        [
            Column("Mã"),
            Column("Tiêu chí", wide=True),
            Column("Điểm tối đa", POINTS),
            Column("Số lượt đơn vị bị trừ", INT),
            Column("Tổng điểm bị mất", POINTS),
            Column("Lý do thường gặp", wide=True),
        ],
    )
    for _, r in lost.iterrows():
        reasons = "; ".join(f"{label} ({n} lượt)" for label, n in r["reasons"])
        table.rows.append([r["code"], r["name"], r["max_points"], r["lost_units"], r["total_lost"], reasons])
    return table


def movements_table(moves: pd.DataFrame, before_year: int | None, now_year: int | None) -> Table:
    before = f"năm {before_year}" if before_year else "năm trước"
    table = Table(
        "Tăng giảm thứ hạng",
        f"Tăng, giảm thứ hạng năm {now_year} so với {before}",
        [
            Column("Đơn vị", wide=True),
            Column("Khối"),
            Column(f"Hạng {before}"),
            Column(f"Hạng năm {now_year}"),
            Column("Thay đổi (bậc)"),
            Column(f"Điểm {before}", POINTS),
            Column(f"Điểm năm {now_year}", POINTS),
            Column("Chênh lệch điểm", POINTS),
            Column(f"Xếp loại {before}", wide=True),
            Column(f"Xếp loại năm {now_year}", wide=True),
        ],
    )
    for _, r in moves.iterrows():
        table.units.append(int(r["unit_id"]))
        table.rows.append(
            [
                r["label"],
                r["group_name"],
                rank_label(r["rank_before"], r["rank_of_before"]) or "không có",
                rank_label(r["rank_now"], r["rank_of_now"]),
                signed(r["change"]) if r["change"] is not None else "mới",
                r["score_before"],
                r["score_now"],
                r["score_change"],
                r["level_before"],
                r["level_now"],
            ]
        )
    return table


# ---- a unit's profile ---------------------------------------------------------------------------------------------


def visible_unit(viewer, unit_id: int) -> Unit | None:
    """The unit whose profile `viewer` may open, or None (the view answers 404, the same as a missing unit).
    Authority staff: any member unit of their authority. A commune or agency: itself at any time; another unit only
    once it has a published result."""
    scope = current_scope()
    unit = db.session.get(Unit, unit_id)
    if unit is None or scope is None or unit.is_authority or unit.authority_id != scope.authority_id:
        return None
    if viewer.role in AUTHORITY_STAFF or unit.id == viewer.unit_id:
        return unit
    published = db.session.execute(
        select(UnitResult.id)
        .where(UnitResult.unit_id == unit.id, UnitResult.published.is_(True))
        .limit(1)
        .execution_options(authority_wide=True)
    ).first()
    return unit if published else None


@dataclass
class PlanSummary:
    """One improvement plan as the profile shows it (filled by the plans area): the year it plans for, its title,
    its targets and whether each was met once that year's result is published (None: not known yet)."""

    year: int
    title: str
    url: str | None = None
    targets: list[tuple[str, bool | None]] = field(default_factory=list)


def unit_plans(unit_id: int) -> list[PlanSummary]:
    """The unit's improvement plans and whether each target was met (None until the plan year is published)."""
    from dvcq.plans import outcomes
    from dvcq.plans import services as plans

    return [
        PlanSummary(
            year=plan.year,
            title=f"Kế hoạch cải thiện năm {plan.year} ({plan.status.label.lower()})",
            url=f"/ke-hoach/{plan.id}",
            targets=[
                (f"{o.label}: {o.target}" + (f" — đạt được {o.achieved}" if o.achieved else ""), o.met)
                for o in outcomes.outcomes(plan)
            ],
        )
        for plan in plans.plans_of_unit(unit_id)
    ]


@dataclass
class Profile:
    unit: Unit
    history: pd.DataFrame  # with_series(merge=True) rows of the unit and its predecessors
    history_table: Table
    predecessors: list[Predecessor]
    successors: list[tuple[Unit, date]]
    area_year: int | None
    areas: Table | None
    plans: list[PlanSummary]


def unit_profile(unit: Unit) -> Profile:
    """A unit's history across years (its predecessors' marked as such), its areas in the last published year with
    points per area, and its plans."""
    lineage = predecessors_map([unit.id]).get(unit.id, [])
    frame = unit_results_frame([unit.id, *[p.unit_id for p in lineage]])
    marks = {p.unit_id: p.mark for p in lineage}
    frame["label"] = [marks.get(uid, "") for uid in frame["unit_id"]]
    frame = frame.sort_values(["year", "label"], ascending=[False, True]).reset_index(drop=True)
    history = Table(
        "Kết quả qua các năm",
        "Kết quả qua các năm",
        [
            Column("Năm"),
            Column("Khối"),
            Column("Điểm tự chấm", POINTS),
            Column("Điểm thẩm định", POINTS),
            Column("Xếp loại", wide=True),
            Column("Xếp hạng"),
            Column("Ghi chú", wide=True),
        ],
    )
    for _, r in frame.iterrows():
        history.rows.append(
            [
                str(r["year"]),
                r["group_name"],
                r["self_total"],
                r["appraised_total"],
                level_label(r["level_name"], r["disqualified"]),
                rank_label(r["rank"], r["rank_of"]),
                r["label"],
            ]
        )
    own = frame[(frame["unit_id"] == unit.id) & frame["by_area"].map(bool)]
    area_year, areas_table = None, None
    if len(own):
        latest = own.iloc[0]
        area_year = int(latest["year"])
        areas = area_maxima(unit.authority_id, latest["campaign_id"])
        areas_table = Table(
            "Lĩnh vực",
            f"Điểm theo lĩnh vực năm {area_year}",
            [
                Column("Lĩnh vực"),
                Column("Tên lĩnh vực", wide=True),
                Column("Điểm đạt", POINTS),
                Column("Điểm tối đa", POINTS),
            ]
            + [Column("Tỷ lệ đạt (%)", PERCENT)],
        )
        known = {a.code: a for a in areas}
        for code in sorted(latest["by_area"], key=_natural):
            area = known.get(code)
            obtained = latest["by_area"][code]
            areas_table.rows.append(
                [
                    code,
                    area.name if area else "",
                    obtained,
                    area.max_points if area else None,
                    share_percent(obtained, area.max_points) if area and area.normal else None,
                ]
            )
    return Profile(
        unit=unit,
        history=frame,
        history_table=history,
        predecessors=lineage,
        successors=successors_of(unit.id),
        area_year=area_year,
        areas=areas_table,
        plans=unit_plans(unit.id),
    )


# ---- the data version (see cache.py) --------------------------------------------------------------------------


def _data_version_statement():
    authority = bindparam("authority_id")

    def results(column):
        return (
            select(column).where(UnitResult.authority_id == authority, UnitResult.published.is_(True)).scalar_subquery()
        )

    def campaigns(column):
        return (
            select(column)
            .where(Campaign.authority_id == authority, Campaign.status == CampaignStatus.PUBLISHED)
            .scalar_subquery()
        )

    def units(column):
        return select(column).where(Unit.authority_id == authority).scalar_subquery()

    return select(
        results(func.count(UnitResult.id)),
        results(func.max(UnitResult.computed_at)),
        results(func.coalesce(func.sum(UnitResult.id), 0)),
        campaigns(func.count(Campaign.id)),
        campaigns(func.max(Campaign.published_at)),
        units(func.count(Unit.id)),
        units(func.coalesce(func.sum(Unit.version), 0)),
        select(func.count(UnitLineage.id)).scalar_subquery(),
    )


_DATA_VERSION = None


def data_version(authority_id: int) -> tuple:
    """A cheap fingerprint of everything the dashboard reads: published results (count, newest computation, sum of
    ids — a result published, withdrawn, recomputed or imported changes it), published campaigns, the units' names
    (their version counters) and the lineage rows. ONE statement of small aggregates (built once, bound parameters:
    every dashboard view asks it), far cheaper than the frames."""
    global _DATA_VERSION
    if _DATA_VERSION is None:
        _DATA_VERSION = _data_version_statement()
    # Core execution on the session's connection: only numbers come back (every condition names the authority).
    return tuple(db.session.connection().execute(_DATA_VERSION, {"authority_id": authority_id}).one())
