"""The unit drafts its plan from its last result (see `plans.sources`) and edits it while it is a draft or
returned: targets, the narrative sections and the tasks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from dvcq.plans.models import ImprovementPlan, PlanTask, TaskKind
from dvcq.plans.services import (
    Invalid,
    _commit,
    _editable,
    _levels,
    _own_unit,
    _version_id,
    get_plan,
    plan_of,
)
from dvcq.platform import audit, clock
from dvcq.platform.auth.models import User
from dvcq.platform.errors import NotFound
from dvcq.platform.extensions import db
from dvcq.platform.formatting import parse_vn_date, vn_date
from dvcq.tenants.models import Unit


def draft_plan(actor, unit_id: int) -> ImprovementPlan:
    """Draft the unit's plan for the year after its last result (`plans.sources`): a published campaign's (see
    `plans.drafting`) or an imported year's (see `plans.imported`). A plan that already exists for that year is
    returned unchanged."""
    from dvcq.plans import drafting, imported
    from dvcq.plans.sources import draft_source

    _own_unit(actor, unit_id)
    unit = db.session.get(Unit, unit_id)
    source = draft_source(unit, clock.today_in_vietnam())
    existing = plan_of(unit_id, source.plan_year)
    if existing is not None:
        return existing
    if source.result is not None:
        plan = imported.build_draft(source.result)
    else:
        plan = drafting.build_draft(source.campaign, source.assessment)
    after = {"year": plan.year, "from_year": source.year, "imported": source.result is not None}
    audit.record_new(plan, "plan.draft", actor=actor, unit_id=unit_id, after=after)
    _commit()
    return plan


# ---- editing ------------------------------------------------------------------------------------------------------


def _parse_points(text: str, what: str, field: str, problems: dict[str, str]) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        problems[field] = f"{what}: «{text}» không phải là số (ví dụ: 90 hoặc 12,50)."
        return None
    if not value.is_finite() or value < 0 or value > 1000:
        problems[field] = f"{what}: «{text}» ngoài khoảng cho phép (từ 0 đến 1000 điểm)."
        return None
    return value.quantize(Decimal("0.01"))


def update_plan(actor, plan_id: int, version, form: dict) -> ImprovementPlan:
    """Targets and the narrative sections. `form`: target_rank, target_level_order, target_total, bases, goals,
    organization, number, signer_name, area:<code> → points. Every problem at once, each under its input's name
    (`Invalid`)."""
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    problems: dict[str, str] = {}
    rank_text = (form.get("target_rank") or "").strip()
    rank = None
    if rank_text:
        if not rank_text.isdigit() or int(rank_text) < 1:
            problems["target_rank"] = f"Chỉ tiêu xếp hạng «{rank_text}» phải là số nguyên từ 1 trở lên."
        else:
            rank = int(rank_text)
    levels = {lv.order: lv for lv in _levels(_version_id(plan))}
    level_text = (form.get("target_level_order") or "").strip()
    level = None
    if level_text:
        if not level_text.isdigit() or int(level_text) not in levels:
            problems["target_level_order"] = "Chỉ tiêu xếp loại không hợp lệ: hãy chọn một mức trong danh sách."
        else:
            level = levels[int(level_text)]
    total = _parse_points(form.get("target_total", ""), "Chỉ tiêu tổng điểm", "target_total", problems)
    areas = {}
    for key, value in form.items():
        if key.startswith("area:") and (value or "").strip():
            parsed = _parse_points(value, f"Chỉ tiêu lĩnh vực {key[5:]}", key, problems)
            if parsed is not None:
                areas[key[5:]] = f"{parsed:.2f}"
    if problems:
        raise Invalid("Chưa lưu được chỉ tiêu: hãy sửa các ô được đánh dấu bên dưới.", problems)
    before = _plan_state(plan)
    plan.target_rank = rank
    plan.target_level_order = level.order if level else None
    plan.target_level_name = level.name if level else ""
    plan.target_total = total
    plan.area_targets = json.dumps(areas, sort_keys=True)
    if "bases" in form:
        plan.bases = "\n".join(line.strip() for line in (form.get("bases") or "").splitlines() if line.strip())
    plan.goals = (form.get("goals") or "").strip()
    plan.organization = (form.get("organization") or "").strip()
    plan.number = (form.get("number") or "").strip()[:60]
    if "signer_name" in form:
        plan.signer_name = " ".join((form.get("signer_name") or "").split())[:120]
    audit.record("plan.update", actor=actor, unit_id=plan.unit_id, target=plan, before=before, after=_plan_state(plan))
    _commit()
    return plan


def _plan_state(plan: ImprovementPlan) -> dict:
    return {
        "status": plan.status,
        "target_rank": plan.target_rank,
        "target_level_order": plan.target_level_order,
        "target_total": plan.target_total,
        "area_targets": plan.area_targets,
        "bases": plan.bases,
        "goals": plan.goals,
        "organization": plan.organization,
        "number": plan.number,
        "signer_name": plan.signer_name,
    }


@dataclass
class TaskInput:
    kind: TaskKind
    text: str
    item_codes: str
    responsible_user_id: int | None
    responsible_post: str
    due_on: date | None


def parse_task(plan: ImprovementPlan, form: dict) -> TaskInput:
    """A task's fields from a form; every problem at once, each under its input's name (`Invalid`). The due date must
    fall within the plan year."""
    problems: dict[str, str] = {}
    try:
        kind = TaskKind((form.get("kind") or "solution").strip())
    except ValueError:
        kind = TaskKind.SOLUTION
        problems["kind"] = "Loại nhiệm vụ không hợp lệ: hãy chọn một loại trong danh sách."
    text = (form.get("text") or "").strip()
    if not text:
        problems["text"] = "Chưa nhập nội dung nhiệm vụ."
    codes = ",".join(c.strip() for c in (form.get("item_codes") or "").replace(";", ",").split(",") if c.strip())
    user_id = None
    user_text = (form.get("responsible_user_id") or "").strip()
    if user_text:
        user = db.session.get(User, int(user_text)) if user_text.isdigit() else None
        if user is None or user.unit_id != plan.unit_id:
            problems["responsible_user_id"] = "Người phụ trách phải là cán bộ của đơn vị."
        else:
            user_id = user.id
    post = (form.get("responsible_post") or "").strip()[:200]
    if user_id is None and not post and "responsible_user_id" not in problems:
        problems["responsible_post"] = (
            "Chưa chọn người phụ trách hoặc nhập chức danh phụ trách (ví dụ: Công chức Văn phòng - Thống kê)."
        )
    due = None
    due_text = (form.get("due_on") or "").strip()
    if due_text:
        try:
            due = parse_vn_date(due_text)
        except ValueError:
            problems["due_on"] = (
                f"«{due_text}» không phải là một ngày có thật; hãy nhập ngày/tháng/năm, ví dụ 30/06/{plan.year}."
            )
        else:
            if due.year != plan.year:
                problems["due_on"] = (
                    f"Thời hạn {vn_date(due)} nằm ngoài năm kế hoạch {plan.year} "
                    f"(từ 01/01/{plan.year} đến 31/12/{plan.year})."
                )
    if problems:
        raise Invalid("Chưa lưu được nhiệm vụ: hãy sửa các ô được đánh dấu.", problems)
    return TaskInput(kind, text, codes[:300], user_id, post, due)


def add_task(actor, plan_id: int, version, form: dict) -> PlanTask:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    data = parse_task(plan, form)
    task = PlanTask(plan_id=plan.id, unit_id=plan.unit_id, position=len(plan.tasks) + 1, **data.__dict__)
    audit.record_new(task, "plan.task.add", actor=actor, unit_id=plan.unit_id, after=data.__dict__)
    _touch(plan)
    _commit()
    return task


def _touch(plan: ImprovementPlan) -> None:
    """Any change to a task is a change of the plan: its version moves, so a stale page of the plan conflicts."""
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(plan, "goals")


def _task(plan: ImprovementPlan, task_id: int) -> PlanTask:
    for task in plan.tasks:
        if task.id == task_id:
            return task
    raise NotFound("Không tìm thấy nhiệm vụ.")


def update_task(actor, plan_id: int, task_id: int, version, form: dict) -> PlanTask:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    task = _task(plan, task_id)
    data = parse_task(plan, form)
    before = {k: getattr(task, k) for k in data.__dict__}
    for key, value in data.__dict__.items():
        setattr(task, key, value)
    audit.record("plan.task.update", actor=actor, unit_id=plan.unit_id, target=task, before=before, after=data.__dict__)
    _touch(plan)
    _commit()
    return task


def delete_task(actor, plan_id: int, task_id: int, version) -> None:
    plan = get_plan(plan_id)
    _editable(actor, plan, version)
    task = _task(plan, task_id)
    audit.record("plan.task.delete", actor=actor, unit_id=plan.unit_id, target=task, before={"text": task.text})
    plan.tasks.remove(task)
    _touch(plan)
    _commit()
