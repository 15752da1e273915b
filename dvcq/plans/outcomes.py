"""Closing the loop: each target of a plan against the published result of the plan year."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from dvcq.plans.models import ImprovementPlan
from dvcq.plans.services import _result, area_targets
from dvcq.platform.formatting import points
from dvcq.scoring.engine import format_rank


@dataclass
class TargetOutcome:
    label: str
    target: str
    achieved: str | None
    met: bool | None  # None: the plan year's result is not published yet


def outcomes(plan: ImprovementPlan) -> list[TargetOutcome]:
    """Each target against the published result of the plan year (UnitResult of year N+1)."""
    authority_id = plan.unit.authority_id
    result = _result(authority_id, plan.year, plan.unit_id)
    lines = []
    if plan.target_rank:
        achieved = format_rank(result.rank, result.rank_of) if result and result.rank else None
        met = None if result is None else bool(result.rank and result.rank <= plan.target_rank)
        target = f"Xếp hạng {plan.target_rank:02d} trở lên"
        lines.append(TargetOutcome("Xếp hạng", target, achieved, met))
    if plan.target_level_order:
        achieved = result.level_name if result else None
        met = None if result is None else bool(result.level_order and result.level_order <= plan.target_level_order)
        lines.append(TargetOutcome("Xếp loại", plan.target_level_name, achieved, met))
    if plan.target_total is not None:
        total = result.appraised_total if result else None
        met = None if result is None else bool(total is not None and total >= plan.target_total)
        achieved = points(total) if total is not None else None
        lines.append(TargetOutcome("Tổng điểm", f"{points(plan.target_total)} điểm", achieved, met))
    if result is not None:
        by_area = json.loads(result.by_area or "{}")
    for code, value in area_targets(plan).items():
        got = Decimal(by_area[code]) if result is not None and code in by_area else None
        met = None if result is None else bool(got is not None and got >= value)
        lines.append(
            TargetOutcome(f"Lĩnh vực {code}", f"{points(value)} điểm", points(got) if got is not None else None, met)
        )
    return lines
