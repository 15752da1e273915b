"""A unit's profile: who may open it, its results across years (its predecessors' marked as such), its areas in
the last published year, what its imported years carry (decision, points per area) and its improvement plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import select

from dvcq.insights.frames import area_maxima
from dvcq.insights.mergers import Predecessor, history_frame, predecessors_map, successors_of
from dvcq.insights.services import _natural, level_label, share_percent, sort_frame
from dvcq.insights.tables import PERCENT, POINTS, Column, Table, rank_label
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.platform.permissions import AUTHORITY_STAFF
from dvcq.platform.tenancy import current_scope
from dvcq.scoring.models import Decision, DecisionStatus, UnitResult
from dvcq.scoring.results.access import reads_unit
from dvcq.scoring.results.past import imported_years
from dvcq.tenants.models import Unit


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
    plans: list[PlanSummary] | None  # None: the viewer may not read this unit's plans, so the profile says nothing
    imported: list[ImportedYearView] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedYearView:
    """An imported year of the unit (or of a predecessor, `label` says which) with its decision or points per area."""

    year: int
    label: str
    decision: str  # «Quyết định số 3807/QĐ-UBND ngày 29/12/2023», or ""
    areas: Table | None


def imported_details(unit_ids: list[int], marks: dict[int, str]) -> list[ImportedYearView]:
    """The decision and the self and appraised points per area of the units' imported years, newest first. Read by id
    across authorities, as `unit_results_frame` reads them: a predecessor may have belonged to a dissolved district."""
    stmt = (
        select(UnitResult)
        .where(UnitResult.unit_id.in_(unit_ids), UnitResult.published.is_(True), UnitResult.campaign_id.is_(None))
        .order_by(UnitResult.year.desc(), UnitResult.unit_id)
        .execution_options(all_tenants=True)
    )
    views = []
    for y in imported_years(db.session.execute(stmt).scalars()):
        label = marks.get(y.unit_id, "")
        areas = None
        if y.areas:
            areas = Table(
                f"Lĩnh vực {y.year}",
                f"Điểm theo lĩnh vực năm {y.year}" + (f": {label}" if label else ""),
                [
                    Column("Lĩnh vực"),
                    Column("Tên lĩnh vực", wide=True),
                    Column("Điểm tối đa", POINTS),
                    Column("Điểm tự chấm", POINTS),
                    Column("Điểm thẩm định", POINTS),
                ],
                [[a.code, a.name, a.max_points, a.self_points, a.appraised_points] for a in y.areas],
            )
        views.append(ImportedYearView(y.year, label, y.decision, areas))
    return views


def _decision_short(number: str, day: date | None) -> str:
    """ "3807/QĐ-UBND ngày 29/12/2023", as the history's «Quyết định phê duyệt» column shows it."""
    return " ngày ".join(part for part in (number, vn_date(day) if day else "") if part)


def approving_decisions(campaign_ids: list[int]) -> dict[int, str]:
    """campaign id → its issued decision («4018/QĐ-UBND ngày 27/12/2024»), for the campaigns of the published results
    a profile has read (the unit's and its predecessors'). Read by those ids across authorities, as the predecessors'
    results were (`mergers.predecessors_frame`): a dissolved district's decision is outside the province's scope."""
    if not campaign_ids:
        return {}
    stmt = (
        select(Decision.campaign_id, Decision.number, Decision.signed_on)
        .where(
            Decision.campaign_id.in_(campaign_ids),
            Decision.amends_id.is_(None),
            Decision.status == DecisionStatus.ISSUED,
        )
        .execution_options(all_tenants=True)
    )
    return {row.campaign_id: _decision_short(row.number, row.signed_on) for row in db.session.execute(stmt)}


def _decisions(frame: pd.DataFrame) -> list[str]:
    """Each history row's decision: its campaign's issued decision, or the one an imported year recorded."""
    campaigns = approving_decisions(sorted({int(c) for c in frame["campaign_id"] if pd.notna(c)}))
    return [
        campaigns.get(int(r["campaign_id"]), "")
        if pd.notna(r["campaign_id"])
        else _decision_short(r["decision_number"] or "", r["decision_date"])
        for _, r in frame.iterrows()
    ]


def may_read_plans(viewer, unit: Unit) -> bool:
    """A unit's plans are its own and its authority's business: another commune opening its profile sees its
    published results, not its plans (the tenancy guard would hide them, and "no plan" would be false); an appraiser
    reads those of the units assigned to them only. The one rule: `access.reads_unit`."""
    return reads_unit(viewer, unit.id)


def unit_profile(unit: Unit, with_plans: bool = True) -> Profile:
    """A unit's history across years with the decision that approved each year — its predecessors' years marked as
    such («Xã Ba Nam (trước 01/07/2025)»), whichever authority decided them —, its areas in the last published year
    with points per area, and its plans (unless `with_plans` is false: see `may_read_plans`)."""
    lineage = predecessors_map([unit.id]).get(unit.id, [])
    frame = history_frame(unit.id, lineage)
    marks = {p.unit_id: p.before for p in lineage}
    frame["label"] = [marks.get(uid, "") for uid in frame["unit_id"]]
    frame = sort_frame(frame, ["year", "label"], ascending=[False, True]).reset_index(drop=True)
    frame["decision"] = _decisions(frame)
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
            Column("Quyết định phê duyệt", wide=True),
            Column("Đơn vị tiền thân", wide=True),
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
                r["decision"],
                r["label"],
            ]
        )
    own = frame[(frame["unit_id"] == unit.id) & frame["by_area"].map(bool)]
    area_year, areas_table = None, None
    if len(own):
        latest = own.iloc[0]
        area_year = int(latest["year"])
        areas = area_maxima(unit.authority_id, latest["campaign_id"], latest["group_name"])
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
        plans=unit_plans(unit.id) if with_plans else None,
        imported=imported_details([unit.id, *[p.unit_id for p in lineage]], marks),
    )
