"""Assigning the appraisal team in one step: the whole team to every unit and every area, the areas split across
appraisers, or the units not yet appraised spread evenly across appraisers. Each is one form and one transaction
(every problem listed, nothing written unless all is well); assignments that already exist are kept, and so is every
score already entered."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from dvcq.platform import audit
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.appraisal.assignments import (
    _campaign,
    add_assignment,
    check_assignment,
    existing_assignment,
)
from dvcq.scoring.models import AppraisalAssignment, Assessment, AssessmentStatus, Campaign, CriteriaNode, ItemScore
from dvcq.tenants.models import Unit

FINISHED = (AssessmentStatus.APPRAISED, AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


@dataclass
class Outcome:
    """What one step did, for the confirmation the secretariat reads."""

    added: int = 0
    kept: int = 0  # already there: left as they were
    removed: int = 0

    @property
    def message(self) -> str:
        parts = [f"Đã thêm {self.added} phân công"]
        if self.kept:
            parts.append(f"giữ nguyên {self.kept} phân công đã có")
        if self.removed:
            parts.append(f"bỏ {self.removed} phân công cũ của các đơn vị chưa thẩm định xong")
        return "; ".join(parts) + "."


def _checked(campaign: Campaign, wanted: list[tuple[int | None, int | None, int | None]], label) -> list:
    """Check every (appraiser, unit, area) at once; the problems name what they are about."""
    checked, problems = [], []
    for appraiser_id, unit_id, area_id in wanted:
        try:
            checked.append((check_assignment(campaign, appraiser_id, unit_id, area_id), unit_id, area_id))
        except ServiceError as err:
            problems.append(f"{label(appraiser_id, unit_id, area_id)}: {err.message}")
    if problems:
        raise ServiceError("Chưa phân công được. Vui lòng sửa các lỗi sau:", problems)
    return checked


def _add(actor, campaign: Campaign, checked: list, outcome: Outcome) -> Outcome:
    for appraiser, unit_id, area_id in checked:
        if existing_assignment(campaign.id, appraiser.id, unit_id, area_id) is not None:
            outcome.kept += 1
        else:
            add_assignment(actor, campaign, appraiser, unit_id, area_id)
            outcome.added += 1
    return outcome


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.full_name if user else "Thành viên chưa chọn"


def assign_team(actor, campaign_id: int, appraiser_ids: list[int]) -> Outcome:
    """Every chosen appraiser appraises every unit and every area (an appraiser is still never shown their own
    unit: `may_appraise` refuses it)."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    campaign = _campaign(campaign_id)
    appraiser_ids = list(dict.fromkeys(i for i in appraiser_ids if i))
    if not appraiser_ids:
        raise ServiceError("Hãy chọn ít nhất một thành viên tổ thẩm định.")
    checked = _checked(campaign, [(i, None, None) for i in appraiser_ids], lambda a, _u, _r: _name(a))
    outcome = _add(actor, campaign, checked, Outcome())
    db.session.commit()
    return outcome


def split_by_area(actor, campaign_id: int, plan: dict[int, int | None]) -> Outcome:
    """Each area ({area node id: appraiser id}; an area left without one is skipped) to its appraiser, for every
    unit scored on that area's criteria version."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    campaign = _campaign(campaign_id)
    chosen = [(appraiser_id, None, area_id) for area_id, appraiser_id in plan.items() if appraiser_id]
    if not chosen:
        raise ServiceError("Hãy chọn thành viên thẩm định cho ít nhất một lĩnh vực.")

    def label(_appraiser_id, _unit_id, area_id):
        area = db.session.get(CriteriaNode, area_id)
        return f"Lĩnh vực {area.code}. {area.name}" if area else "Lĩnh vực không rõ"

    checked = _checked(campaign, chosen, label)
    outcome = _add(actor, campaign, checked, Outcome())
    db.session.commit()
    return outcome


def _remaining(campaign_id: int) -> list[tuple[Assessment, int]]:
    """The units whose appraisal is not finished, each with its leaves still to score, most first."""
    left = func.count(ItemScore.id) - func.count(ItemScore.appraised_score)
    rows = db.session.execute(
        select(Assessment, left)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.campaign_id == campaign_id, Assessment.status.not_in(FINISHED))
        .group_by(Assessment.id, Unit.code)
        .order_by(left.desc(), Unit.code)
    ).all()
    return [(assessment, remaining) for assessment, remaining in rows]


def rebalance(actor, campaign_id: int, appraiser_ids: list[int]) -> Outcome:
    """Spread the units not yet fully appraised across the chosen appraisers so that each has about as many leaves
    left to score: the largest dossier first, to whoever has the least so far. Those units' whole-unit assignments
    are replaced; units already appraised keep theirs, and every score already entered stays."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    campaign = _campaign(campaign_id)
    appraiser_ids = list(dict.fromkeys(i for i in appraiser_ids if i))
    if not appraiser_ids:
        raise ServiceError("Hãy chọn ít nhất một thành viên để chia lại các đơn vị chưa thẩm định xong.")
    team = [check_assignment(campaign, i, None, None) for i in appraiser_ids]
    units = _remaining(campaign.id)
    if not units:
        raise ServiceError("Mọi đơn vị đã được thẩm định xong; không còn gì để chia lại.")
    old = list(
        db.session.execute(
            select(AppraisalAssignment).where(
                AppraisalAssignment.campaign_id == campaign.id,
                AppraisalAssignment.unit_id.in_([a.unit_id for a, _ in units]),
                AppraisalAssignment.area_id.is_(None),
            )
        ).scalars()
    )
    current = {(a.appraiser_id, a.unit_id) for a in old}
    load = {a.id: 0 for a in team}
    plan: list[tuple[int, int, None]] = []
    for assessment, remaining in units:
        candidates = [a for a in team if a.unit_id != assessment.unit_id]
        if not candidates:
            raise ServiceError(f"{assessment.unit.name}: không có thành viên nào khác đơn vị này để phân công.")
        # the least loaded; on a tie, whoever has the unit already (fewer hand-overs)
        chosen = min(candidates, key=lambda a: (load[a.id], (a.id, assessment.unit_id) not in current, a.full_name))
        load[chosen.id] += remaining
        plan.append((chosen.id, assessment.unit_id, None))
    outcome = Outcome()
    wanted = set(plan)
    for assignment in old:
        if (assignment.appraiser_id, assignment.unit_id, None) in wanted:
            continue  # unchanged: kept (and counted when the plan is added below)
        audit.record(
            "appraisal.unassigned",
            actor=actor,
            unit_id=assignment.unit_id,
            target=assignment,
            before={"appraiser_id": assignment.appraiser_id, "unit_id": assignment.unit_id, "area_id": None},
            reason="Chia lại các đơn vị chưa thẩm định xong",
        )
        db.session.delete(assignment)
        outcome.removed += 1
    db.session.flush()
    checked = _checked(campaign, plan, lambda a, u, _r: _name(a))
    _add(actor, campaign, checked, outcome)
    db.session.commit()
    return outcome
