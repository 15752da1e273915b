"""The dashboard's data: the filters its form asks for and the pandas frames its charts draw (points stay exact
Decimals; a float appears only inside a plotly figure, charts.py)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import Integer, case, func, select, tuple_, type_coerce

from dvcq.insights.services import _natural, level_label, q2, share_percent, sort_frame
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.scoring.models import (
    Assessment,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    NodeKind,
)
from dvcq.tenants.models import UnitGroup

LOST_ITEMS_TOP = 15
OVER_SCORERS_TOP = 5


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
    out = sort_frame(out, ["series_name", "series_id", "_predecessor", "label", "year"])
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
    return sort_frame(out, ["gap", "year", "label"], ascending=[False, True, True]).reset_index(drop=True)


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


def set_groups(authority_id: int, campaign_id: int | None, group_name: str | None) -> dict[str, int] | None:
    """{group name: version id} of the campaign's groups scored on the same criteria version as `group_name` (its
    first group's when None): the units whose area scores can share one heat map. None for an imported year."""
    if campaign_id is None:
        return None
    found = db.session.execute(
        select(UnitGroup.name, CampaignCriteria.version_id, UnitGroup.position)
        .join(UnitGroup, UnitGroup.id == CampaignCriteria.group_id)
        .where(CampaignCriteria.campaign_id == campaign_id, CampaignCriteria.authority_id == authority_id)
    ).all()
    choices = [(name, v) for name, v, _ in sorted(found, key=lambda row: (row[2] or 0, vn_key(row[0])))]
    version_of = dict(choices)
    version_id = version_of.get(group_name) if group_name in version_of else (choices[0][1] if choices else None)
    return {name: v for name, v in version_of.items() if v == version_id}


def area_maxima(authority_id: int, campaign_id: int | None, group_name: str | None = None) -> list[Area]:
    """The areas (top-level nodes) of the criteria version the year was scored with: the version of `group_name`
    in the campaign (its first group's when None), or for an imported year the authority's newest version."""
    if campaign_id is not None:
        version_id = next(iter((set_groups(authority_id, campaign_id, group_name) or {}).values()), None)
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
    part = sort_frame(part, ["group_name", "rank", "label"], na_position="last")
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

    score = raw(ItemScore.result_score)  # the score that counts
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
        out = sort_frame(out, ["_key", "group_name", "label"]).drop(columns="_key").reset_index(drop=True)
    return out, before_year, now_year
