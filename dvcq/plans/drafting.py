"""The platform's first draft of a plan, from the published result: where the unit stands, targets within reach
(from the what-if engine) and one task per item where points were lost, the largest loss first."""

from __future__ import annotations

import json
from datetime import date

from dvcq.plans.models import ImprovementPlan, PlanStatus, PlanTask, TaskKind
from dvcq.platform import clock
from dvcq.platform.formatting import points
from dvcq.scoring.engine import format_rank
from dvcq.scoring.models import Assessment, Campaign
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.scoring.results.whatif import describe_what_if, unit_breakdown, what_if

DEFAULT_POST = "Công chức Văn phòng - Thống kê"


def _area_of(children: dict[str, tuple[str, ...]], areas: tuple[str, ...]) -> dict[str, str]:
    owner: dict[str, str] = {}
    for area in areas:
        stack = [area]
        while stack:
            code = stack.pop()
            owner[code] = area
            stack.extend(children.get(code, ()))
    return owner


def build_draft(campaign: Campaign, assessment: Assessment) -> ImprovementPlan:
    """A new, unsaved plan for year N+1 (N = the campaign's year) of the assessment's unit."""
    from dvcq.plans.services import DEFAULT_GOALS, DEFAULT_ORGANIZATION, _result

    year = campaign.year + 1
    result = _result(campaign.authority_id, campaign.year, assessment.unit_id)
    breakdown = unit_breakdown(assessment.id)
    answer = what_if(assessment.id)
    inputs = engine_inputs(assessment.criteria_version_id)
    area_of = _area_of(inputs.tree.children, inputs.tree.areas)

    appraised = result.appraised_total if result else breakdown.appraised_total
    own = result.self_total if result else breakdown.self_total
    base = {
        "year": campaign.year,
        "self_total": f"{own:.2f}" if own is not None else None,
        "appraised_total": f"{appraised:.2f}" if appraised is not None else None,
        "gap": f"{own - appraised:.2f}" if own is not None and appraised is not None else None,
        "level": result.level_name if result else answer.current_label,
        "rank": format_rank(result.rank, result.rank_of) if result and result.rank else "",
        "rank_value": result.rank if result else None,
        "max_total": f"{breakdown.max_total:.2f}",
        "what_if": [],
    }
    base["what_if"] = describe_what_if(answer)

    plan = ImprovementPlan(
        unit_id=assessment.unit_id,
        source_campaign_id=campaign.id,
        year=year,
        status=PlanStatus.DRAFT,
        baseline=json.dumps(base, ensure_ascii=False),
        goals=DEFAULT_GOALS.format(source=campaign.year, year=year),
        organization=DEFAULT_ORGANIZATION,
        created_at=clock.now(),
    )
    # Rank: keep first place, otherwise one place up. Level and total: the next level and the points it takes.
    if result and result.rank:
        plan.target_rank = max(1, result.rank - 1)
    target_total = appraised
    if answer.state == "ok" and answer.level is not None:
        plan.target_level_order = answer.level.target.order
        plan.target_level_name = answer.level.target.name
        target_total = appraised + answer.level.needed if appraised is not None else None
    elif result and result.level_order:
        plan.target_level_order = result.level_order
        plan.target_level_name = result.level_name
    if answer.state == "ok" and answer.points_to_next_rank is not None and appraised is not None:
        target_total = max(target_total, appraised + answer.points_to_next_rank)
    plan.target_total = target_total
    # Per area: what it scored plus the points the what-if items would win back there.
    areas = {
        a.code: a.appraised_points for a in breakdown.areas if a.kind == "normal" and a.appraised_points is not None
    }
    if answer.state == "ok" and answer.level is not None:
        for code, value in answer.level.items:
            area = area_of.get(code)
            if area in areas:
                areas[area] += value
    plan.area_targets = json.dumps({k: f"{v:.2f}" for k, v in areas.items()}, sort_keys=True)

    lost = sorted(breakdown.lost_items, key=lambda item: (-item.lost, inputs.tree.order.index(item.code)))
    for position, item in enumerate(lost, start=1):
        reasons = "; ".join([*item.reasons, *(n for n in (item.note, item.final_note) if n)])
        plan.tasks.append(
            PlanTask(
                unit_id=assessment.unit_id,
                kind=TaskKind.SOLUTION,
                position=position,
                text=f"Khắc phục tiêu chí {item.code} ({item.name}): bị trừ {points(item.lost)} điểm.",
                item_codes=item.code,
                reasons=reasons,
                points_lost=item.lost,
                responsible_post=DEFAULT_POST,
                due_on=date(year, 9, 30),
            )
        )
    return plan
