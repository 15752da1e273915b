"""The platform's first draft of a plan, from the published result: where the unit stands, targets within reach
(from the what-if engine), one focus task per criteria area where points were lost and one concrete solution per
item, written from the appraisers' reasons for the deduction, with the post in charge and deadlines spread over the
year (the largest loss first)."""

from __future__ import annotations

import json
from datetime import date

from dvcq.plans import wording
from dvcq.plans.models import ImprovementPlan, PlanStatus, PlanTask, TaskKind
from dvcq.platform import clock
from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points
from dvcq.scoring.appraisal.services import DEDUCTION_REASONS
from dvcq.scoring.engine import format_rank
from dvcq.scoring.models import Assessment, Campaign
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.scoring.results.whatif import LostItem, describe_what_if, unit_breakdown, what_if
from dvcq.tenants.models import Unit

DEFAULT_POST = "Công chức Văn phòng - Thống kê"
AGENCY_POST = "Công chức, viên chức được phân công"
LEADERS_POST = "Chủ tịch, các Phó Chủ tịch UBND {kind}"
# The action each reason for a deduction calls for (the reasons as the appraisal sheet names them).
ACTIONS = {
    DEDUCTION_REASONS["thieu_kiem_chung"]: "bổ sung, lưu trữ đầy đủ tài liệu kiểm chứng",
    DEDUCTION_REASONS["ngoai_thoi_gian"]: "bảo đảm tài liệu kiểm chứng được ban hành trong thời gian đánh giá",
    DEDUCTION_REASONS["khong_dat_noi_dung"]: "thực hiện đầy đủ các nội dung tiêu chí yêu cầu",
    DEDUCTION_REASONS["chua_day_du"]: "triển khai đầy đủ, đúng thời hạn",
    DEDUCTION_REASONS["sai_huong_dan"]: "tự chấm điểm đúng hướng dẫn chấm",
}
# Deadlines spread over the plan year, before the next self-assessment: the largest losses are fixed first.
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (10, 31))


def solution_text(item: LostItem, year: int) -> str:
    """One concrete solution from what the appraisers wrote: the actions their reasons call for, on the criterion,
    with what it cost and their note. "Bổ sung, lưu trữ đầy đủ tài liệu kiểm chứng đối với tiêu chí 2.1 «…» (năm 2025
    bị trừ 1,50 điểm: …)."""
    actions = [ACTIONS[r] for r in item.reasons if r in ACTIONS] or ["khắc phục các hạn chế"]
    action = "; ".join(dict.fromkeys(actions))
    notes = "; ".join(n.strip().rstrip(".") for n in (item.note, item.final_note) if n and n.strip())
    why = f": {notes[:1].lower()}{notes[1:]}" if notes else ""
    cost = f"năm {year} bị trừ {points(item.lost)} điểm{why}"
    return f"{action[:1].upper()}{action[1:]} đối với tiêu chí {item.code} «{item.name}» ({cost})."


def organization_text(unit: Unit, authority: Unit | None, post: str) -> str:
    """III. Tổ chức thực hiện: 1. the steering committee, 2. the officer who reports every quarter, at 6 and 9 months
    and for the year, and prepares the reviews, 3. everyone in charge of a task."""
    who = wording.issuer_in_text(unit)
    kind = wording.kind_word(unit)
    return "\n".join(
        [
            f"1. Ban Chỉ đạo công tác dân vận chính quyền {kind} chỉ đạo, theo dõi, đôn đốc việc thực hiện Kế hoạch; "
            "định kỳ kiểm tra, đánh giá kết quả thực hiện các nhiệm vụ, giải pháp.",
            f"2. Giao {post[:1].lower()}{post[1:]} theo dõi, tổng hợp, báo cáo kết quả thực hiện Kế hoạch định kỳ "
            f"quý, 6 tháng, 9 tháng và năm về {who} và {wording.home_affairs(authority)}; tham mưu sơ kết, tổng kết "
            "việc thực hiện Kế hoạch.",
            "3. Cán bộ, công chức được giao nhiệm vụ chủ động triển khai thực hiện, bảo đảm chất lượng, đúng thời hạn; "
            "lưu trữ đầy đủ tài liệu kiểm chứng theo từng tiêu chí.",
        ]
    )


def _chairman(unit_id: int) -> str:
    """The unit leader's name: the chairman who signs the plan, as the demo and most communes set it up."""
    from dvcq.plans.services import users_of

    leaders = users_of(unit_id, Role.LEADER)
    return leaders[0].full_name if leaders else ""


def _area_of(children: dict[str, tuple[str, ...]], areas: tuple[str, ...]) -> dict[str, str]:
    owner: dict[str, str] = {}
    for area in areas:
        stack = [area]
        while stack:
            code = stack.pop()
            owner[code] = area
            stack.extend(children.get(code, ()))
    return owner


def responsible_post(unit: Unit) -> str:
    """Who carries the concrete solutions: a commune's office clerk, an agency's assigned staff."""
    return DEFAULT_POST if wording.is_commune(unit) else AGENCY_POST


def leaders_post(unit: Unit) -> str:
    """Who carries the focus tasks: a commune's chairman and vice-chairmen, an agency's leaders."""
    return LEADERS_POST.format(kind=wording.kind_word(unit)) if wording.is_commune(unit) else "Lãnh đạo cơ quan"


def starting_point(
    year: int, own, appraised, level: str, rank: tuple[int, int] | None, max_total, what_if: list[str], **more
) -> dict:
    """The plan's baseline (JSON): the year's self and appraised totals and their gap, level, rank ("02/19" and 2),
    the set's maximum and the what-if sentences."""
    return {
        "year": year,
        "self_total": f"{own:.2f}" if own is not None else None,
        "appraised_total": f"{appraised:.2f}" if appraised is not None else None,
        "gap": f"{own - appraised:.2f}" if own is not None and appraised is not None else None,
        "level": level,
        "rank": format_rank(*rank) if rank else "",
        "rank_value": rank[0] if rank else None,
        "max_total": f"{max_total:.2f}" if max_total is not None else None,
        "what_if": what_if,
        **more,
    }


def new_plan(unit: Unit, authority_id: int, source_year: int, base: dict, **source) -> ImprovementPlan:
    """A draft for the year after `source_year`, starting from `base` (its baseline) and `source` (the campaign's id
    or the imported year): the default goals and organization, and the chairman who signs."""
    from dvcq.plans.services import DEFAULT_GOALS

    year = source_year + 1
    return ImprovementPlan(
        unit_id=unit.id,
        year=year,
        status=PlanStatus.DRAFT,
        baseline=json.dumps(base, ensure_ascii=False),
        goals=DEFAULT_GOALS.format(source=source_year, year=year),
        organization=organization_text(unit, db.session.get(Unit, authority_id), responsible_post(unit)),
        signer_name=_chairman(unit.id),
        created_at=clock.now(),
        **source,
    )


def build_draft(campaign: Campaign, assessment: Assessment) -> ImprovementPlan:
    """A new, unsaved plan for year N+1 (N = the campaign's year) of the assessment's unit."""
    from dvcq.plans.services import _result

    year = campaign.year + 1
    result = _result(campaign.authority_id, campaign.year, assessment.unit_id)
    breakdown = unit_breakdown(assessment.id)
    answer = what_if(assessment.id)
    inputs = engine_inputs(assessment.criteria_version_id)
    area_of = _area_of(inputs.tree.children, inputs.tree.areas)

    appraised = result.appraised_total if result else breakdown.appraised_total
    own = result.self_total if result else breakdown.self_total
    base = starting_point(
        campaign.year,
        own,
        appraised,
        result.level_name if result else answer.current_label,
        (result.rank, result.rank_of) if result and result.rank else None,
        breakdown.max_total,
        describe_what_if(answer),
    )

    unit = db.session.get(Unit, assessment.unit_id)
    post = responsible_post(unit)
    plan = new_plan(unit, campaign.authority_id, campaign.year, base, source_campaign_id=campaign.id)
    # Targets within reach (what-if: whole steps, equal points share a rank, never more than can still be gained):
    # the rank of the unit(s) directly above, else keep the rank held; the next level, else keep the level held; the
    # total that both take.
    next_rank = answer.next_rank if answer.next_rank is not None and answer.next_rank.reachable else None
    if result and result.rank:
        plan.target_rank = next_rank.target if next_rank else result.rank
    level = answer.level if answer.state == "ok" and answer.level is not None and answer.level.reachable else None
    target_total = appraised
    if level is not None:
        plan.target_level_order = level.target.order
        plan.target_level_name = level.target.name
        target_total = appraised + level.needed if appraised is not None else None
    elif result and result.level_order:
        plan.target_level_order = result.level_order
        plan.target_level_name = result.level_name
    if next_rank is not None and appraised is not None:
        target_total = max(target_total, appraised + next_rank.needed)
    plan.target_total = target_total
    # Per area: what it scored plus the points the what-if items would win back there.
    areas = {
        a.code: a.appraised_points for a in breakdown.areas if a.kind == "normal" and a.appraised_points is not None
    }
    if level is not None:
        for code, value in level.items:
            area = area_of.get(code)
            if area in areas:
                areas[area] += value
    plan.area_targets = json.dumps({k: f"{v:.2f}" for k, v in areas.items()}, sort_keys=True)

    lost = sorted(breakdown.lost_items, key=lambda item: (-item.lost, inputs.tree.order.index(item.code)))
    # 1. Focus tasks: one per area where points were lost, the area that lost most first.
    by_area: dict[str, list[LostItem]] = {}
    for item in lost:
        by_area.setdefault(area_of.get(item.code, item.code), []).append(item)
    names = {a.code: (a.name, a.max_points, a.appraised_points) for a in breakdown.areas}
    leaders = leaders_post(unit)
    focus = sorted(by_area.items(), key=lambda pair: -sum(i.lost for i in pair[1]))
    for area, items in focus:
        name, maximum, got = names.get(area, (area, None, None))
        scored = f"đạt {points(got)}/{points(maximum)} điểm, " if got is not None and maximum is not None else ""
        plan.tasks.append(
            PlanTask(
                unit_id=assessment.unit_id,
                kind=TaskKind.FOCUS,
                position=len(plan.tasks) + 1,
                text=(
                    f"Tập trung khắc phục hạn chế ở lĩnh vực {area} «{name}» (năm {campaign.year} {scored}bị trừ "
                    f"{points(sum(i.lost for i in items))} điểm ở {len(items)} tiêu chí)."
                ),
                item_codes=",".join(i.code for i in items),
                points_lost=sum(i.lost for i in items),
                responsible_post=leaders,
                due_on=date(year, 12, 31),
            )
        )
    # 2. Concrete solutions: one per item, the largest loss first, the deadlines spread over the year.
    for index, item in enumerate(lost):
        reasons = "; ".join([*item.reasons, *(n for n in (item.note, item.final_note) if n)])
        month, day = QUARTER_ENDS[index * len(QUARTER_ENDS) // len(lost)]
        plan.tasks.append(
            PlanTask(
                unit_id=assessment.unit_id,
                kind=TaskKind.SOLUTION,
                position=len(plan.tasks) + 1,
                text=solution_text(item, campaign.year),
                item_codes=item.code,
                reasons=reasons,
                points_lost=item.lost,
                responsible_post=post,
                due_on=date(year, month, day),
            )
        )
    return plan
