"""Hand-overs of a plan: the unit's leader submits it; the authority's secretariat acknowledges it or returns it
with a reason. Each side is notified."""

from __future__ import annotations

from dvcq.plans import imported
from dvcq.plans.models import ImprovementPlan, PlanStatus
from dvcq.plans.services import (
    Invalid,
    _check_version,
    _commit,
    _editable,
    _own_unit,
    _secretariat,
    get_plan,
    users_of,
)
from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import UNIT_STAFF, require


def submit_plan(actor, plan_id: int, version) -> ImprovementPlan:
    """Only the unit's leader submits, a plan with tasks whose decision is known; the secretariat is told."""
    plan = get_plan(plan_id)
    _own_unit(actor, plan.unit_id)
    require(actor, Role.LEADER)
    _editable(actor, plan, version)
    if not plan.tasks:
        raise ServiceError("Kế hoạch chưa có nhiệm vụ nào; thêm ít nhất một nhiệm vụ trước khi gửi.")
    imported.require_decision(plan)
    before = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = clock.now()
    plan.submitted_by_id = actor.id
    plan.return_reason = ""
    audit.record("plan.submit", actor=actor, unit_id=plan.unit_id, target=plan, before=before, after=plan.status)
    notify(
        _secretariat(plan.unit.authority_id),
        "plan.submitted",
        f"{plan.unit.name} đã gửi kế hoạch cải thiện năm {plan.year}.",
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan


def _decide(actor, plan_id: int, version) -> ImprovementPlan:
    require(actor, Role.SECRETARIAT)
    plan = get_plan(plan_id)
    _check_version(plan, version)
    if plan.status != PlanStatus.SUBMITTED:
        raise Conflict(f"Kế hoạch đang ở trạng thái «{plan.status.label}», không tiếp nhận hoặc trả lại được.")
    return plan


def acknowledge_plan(actor, plan_id: int, version) -> ImprovementPlan:
    plan = _decide(actor, plan_id, version)
    plan.status = PlanStatus.ACKNOWLEDGED
    plan.acknowledged_at = clock.now()
    plan.acknowledged_by_id = actor.id
    audit.record("plan.acknowledge", actor=actor, unit_id=plan.unit_id, target=plan, after=plan.status)
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.acknowledged",
        f"Thường trực Ban Chỉ đạo đã tiếp nhận kế hoạch cải thiện năm {plan.year}.",
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan


def return_plan(actor, plan_id: int, version, reason: str) -> ImprovementPlan:
    reason = (reason or "").strip()
    plan = _decide(actor, plan_id, version)
    if not reason:
        raise Invalid("Chưa trả lại kế hoạch.", {"reason": "Hãy ghi lý do trả lại để đơn vị biết cần sửa gì."})
    plan.status = PlanStatus.RETURNED
    plan.return_reason = reason
    audit.record("plan.return", actor=actor, unit_id=plan.unit_id, target=plan, after=plan.status, reason=reason)
    notify(
        users_of(plan.unit_id, *UNIT_STAFF),
        "plan.returned",
        f"Kế hoạch cải thiện năm {plan.year} bị trả lại: {reason}"[:500],
        link=f"/ke-hoach/{plan.id}",
    )
    _commit()
    return plan
