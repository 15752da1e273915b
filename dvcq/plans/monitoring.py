"""The authority's follow-up of the plans (theo dõi kế hoạch): per participating unit, its plan, the state of each
period's report (acknowledged, waiting, returned, missing…) and its overdue tasks; the count of each across units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dvcq.plans.models import ImprovementPlan, Period, PlanStatus
from dvcq.plans.reports import WAITING, overdue_tasks, report_state
from dvcq.platform import clock
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.models import UnitResult
from dvcq.scoring.results.access import readable_units
from dvcq.tenants.models import Unit


@dataclass
class FollowUpRow:
    unit: Unit
    plan: ImprovementPlan | None
    states: dict[Period, str] = field(default_factory=dict)
    overdue: int = 0

    @property
    def acknowledged(self) -> int:
        """How many of its period reports the secretariat has acknowledged."""
        return sum(1 for state in self.states.values() if state.startswith("acknowledged"))


@dataclass
class Tally:
    """Period reports across the units of a follow-up: acknowledged, waiting for the secretariat, returned to the
    unit, and past their due date without a report."""

    acknowledged: int = 0
    waiting: int = 0
    returned: int = 0
    missing: int = 0


def tally(rows: list[FollowUpRow]) -> Tally:
    states = [state for row in rows for state in row.states.values()]
    return Tally(
        acknowledged=sum(1 for s in states if s.startswith("acknowledged")),
        waiting=sum(1 for s in states if s in WAITING),
        returned=sum(1 for s in states if s == "returned"),
        missing=sum(1 for s in states if s == "missing"),
    )


def follow_up(actor, year: int, on: date | None = None) -> list[FollowUpRow]:
    """Every unit that took part in the campaign the plans start from: its plan, report states per period and overdue
    tasks. Authority staff only; an appraiser, only the units assigned to them (`access.readable_units`)."""
    from dvcq.platform.permissions import AUTHORITY_STAFF

    require(actor, *AUTHORITY_STAFF)
    on = on or clock.today_in_vietnam()
    authority_id = actor.unit_id
    units = sorted(
        db.session.execute(
            select(Unit)
            .join(UnitResult, UnitResult.unit_id == Unit.id)
            .where(UnitResult.authority_id == authority_id, UnitResult.year == year - 1)
        ).scalars(),
        key=lambda unit: (unit.group_id or 0, vn_key(unit.name)),
    )
    stmt = (
        select(ImprovementPlan)
        .where(ImprovementPlan.year == year)
        .options(selectinload(ImprovementPlan.tasks), selectinload(ImprovementPlan.reports))
    )
    plans = {p.unit_id: p for p in db.session.execute(stmt).scalars()}
    shown = readable_units(actor)
    rows = []
    for unit in units:
        if shown is not None and unit.id not in shown:
            continue
        plan = plans.get(unit.id)
        row = FollowUpRow(unit, plan)
        if plan is not None and plan.status == PlanStatus.ACKNOWLEDGED:  # reports are owed once the plan is in force
            row.states = {p: report_state(plan, p, on) for p in Period}
            row.overdue = len(overdue_tasks(plan, on))
        rows.append(row)
    return rows


def plan_years(authority_id: int) -> list[int]:
    return sorted(
        set(db.session.execute(select(ImprovementPlan.year).distinct()).scalars()),
        reverse=True,
    )
