"""A unit's result explained: its breakdown by area with every item where it lost points, and the what-if answers
(the fewest points to the next level, and to reach the rank of the unit directly above — equal points share a rank),
in whole steps of the criteria where the unit can still gain points, never more than it can still gain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.errors import NotFound
from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import Assessment, Campaign, CriteriaNode, ItemScore, UnitResult
from dvcq.scoring.results.access import readable
from dvcq.scoring.results.inputs import EngineInputs, engine_inputs, points, raw


def _result_scores(assessment_id: int, inputs: EngineInputs) -> dict[str, Decimal]:
    """One assessment's result score per leaf (final if fixed, else appraised); leaves without one are absent."""
    result = raw(ItemScore.result_score)
    rows = db.session.execute(
        select(ItemScore.node_id, result).where(ItemScore.assessment_id == assessment_id, result.is_not(None))
    ).all()
    return {inputs.code_of_leaf[n]: points(v) for n, v in rows if n in inputs.code_of_leaf}


@dataclass(frozen=True)
class AreaLine:
    code: str
    name: str
    kind: str
    max_points: Decimal
    self_points: Decimal | None
    appraised_points: Decimal | None
    lost: Decimal | None  # normal area: max − appraised; penalty area: the deduction


@dataclass(frozen=True)
class LostItem:
    code: str
    name: str
    max_points: Decimal
    self_score: Decimal | None
    appraised_score: Decimal
    lost: Decimal
    reasons: tuple[str, ...]
    note: str
    final_note: str


@dataclass(frozen=True)
class Breakdown:
    assessment_id: int
    unit_id: int
    complete: bool
    max_total: Decimal
    self_total: Decimal | None
    appraised_total: Decimal | None
    areas: tuple[AreaLine, ...]
    lost_items: tuple[LostItem, ...]


def _assessment(assessment_id: int) -> Assessment:
    assessment = db.session.execute(select(Assessment).where(Assessment.id == assessment_id)).scalar_one_or_none()
    if assessment is None:
        raise NotFound("Không tìm thấy hồ sơ đánh giá.")
    return assessment


def _loss(inputs: EngineInputs, code: str, score: Decimal) -> Decimal:
    """Points a leaf cost the unit: max − score on a normal leaf, the deduction itself on a penalty leaf."""
    kind = inputs.tree.kind_of[code]
    if kind == engine.KIND_PENALTY:
        return score
    if kind == engine.KIND_BONUS:
        return engine.ZERO
    return inputs.tree.max_of[code] - score


def unit_breakdown(assessment_id: int) -> Breakdown:
    """Per area: max, self, appraised, lost; and every leaf where points were lost, with the appraiser's reasons."""
    from dvcq.scoring.appraisal.services import reason_labels

    assessment = _assessment(assessment_id)
    inputs = engine_inputs(assessment.criteria_version_id)
    rows = db.session.execute(
        select(
            ItemScore.node_id,
            ItemScore.self_score,
            ItemScore.result_score,
            ItemScore.deduction_reasons,
            ItemScore.appraisal_note,
            ItemScore.final_note,
        ).where(ItemScore.assessment_id == assessment.id)
    ).all()
    selfs: dict[str, Decimal] = {}
    results: dict[str, Decimal] = {}
    notes: dict[str, tuple] = {}
    for node_id, self_score, result, reasons, note, final_note in rows:
        code = inputs.code_of_leaf.get(node_id)
        if code is None:
            continue
        if self_score is not None:
            selfs[code] = self_score
        if result is not None:
            results[code] = result
        notes[code] = (tuple(reason_labels(reasons or "")), note or "", final_note or "")
    tree = inputs.tree
    complete = inputs.required <= results.keys()
    self_totals = engine.unit_result(tree, selfs) if selfs else None
    result_totals = engine.unit_result(tree, results) if complete else None
    areas = []
    for code in tree.areas:
        kind = tree.kind_of[code]
        got = result_totals.by_area[code] if result_totals else None
        lost = None
        if got is not None and kind != engine.KIND_BONUS:
            lost = got if kind == engine.KIND_PENALTY else tree.max_of[code] - got
        areas.append(
            AreaLine(
                code,
                inputs.nodes[code].name,
                kind,
                tree.max_of[code],
                self_totals.by_area[code] if self_totals else None,
                got,
                lost,
            )
        )
    lost_items = []
    for code in tree.leaves:
        if code not in results:
            continue
        lost = _loss(inputs, code, results[code])
        if lost <= 0:
            continue
        reasons, note, final_note = notes.get(code, ((), "", ""))
        lost_items.append(
            LostItem(
                code,
                inputs.nodes[code].name,
                tree.max_of[code],
                selfs.get(code),
                results[code],
                lost,
                reasons,
                note,
                final_note,
            )
        )
    return Breakdown(
        assessment_id=assessment.id,
        unit_id=assessment.unit_id,
        complete=complete,
        max_total=tree.max_total,
        self_total=self_totals.total if self_totals else None,
        appraised_total=result_totals.total if result_totals else None,
        areas=tuple(areas),
        lost_items=tuple(lost_items),
    )


@dataclass(frozen=True)
class WhatIfAnswer:
    """The what-if questions for one unit. `state`: "ok" (a next level to reach), "best" (already at the best
    level), "disqualified", "capped" (held by a condition), "incomplete" (the appraisal is not finished).
    `next_rank`: what it takes to reach the rank directly above (None when first, or the rank is not asked)."""

    state: str
    current_label: str
    level: engine.WhatIf | None
    rank: engine.RankResult | None
    next_rank: engine.RankWhatIf | None
    conditions: tuple[engine.Condition, ...] = ()

    @property
    def points_to_next_rank(self) -> Decimal | None:
        return self.next_rank.needed if self.next_rank else None

    @property
    def next_rank_display(self) -> str | None:
        return engine.format_rank(self.next_rank.target, self.next_rank.of) if self.next_rank else None


def _gain_step(inputs: EngineInputs, scores: dict[str, Decimal]) -> Decimal:
    """The least change of the unit's total: the common step (from the criteria: step, method, maximum) of the leaves
    where it can still gain points — a lost normal or bonus point, a penalty to lift."""
    rows = db.session.execute(
        select(CriteriaNode.code, CriteriaNode.max_points, CriteriaNode.step, CriteriaNode.method).where(
            CriteriaNode.version_id == inputs.version_id, CriteriaNode.is_leaf.is_(True)
        )
    ).all()
    tree = inputs.tree

    def gains(code: str) -> bool:
        score = scores.get(code, engine.ZERO)
        return score > 0 if tree.kind_of.get(code) == engine.KIND_PENALTY else score < tree.max_of.get(code, score)

    return engine.common_step(
        engine.leaf_step(maximum, step, method.value if method else None)
        for code, maximum, step, method in rows
        if gains(code)
    )


def what_if(assessment_id: int, *, include_rank: bool = True) -> WhatIfAnswer:
    """The fewest points to the next level and on which lost items (lost = max − appraised per leaf), and the points
    to overtake the unit(s) ranked directly above (from the group's `UnitResult` rows, this unit's own live total).

    `include_rank=False` leaves the rank questions unanswered (a commune before publication must not learn others'
    totals)."""
    assessment = _assessment(assessment_id)
    campaign = assessment.campaign
    inputs = engine_inputs(assessment.criteria_version_id)
    scores = _result_scores(assessment.id, inputs)
    conditions = inputs.conditions_met(assessment.conditions_met, assessment.unit.name)
    if not inputs.required <= scores.keys():
        return WhatIfAnswer("incomplete", "", None, None, None, conditions)
    totals = engine.unit_result(inputs.tree, scores)
    current = engine.classify(totals.total, inputs.rules, conditions)
    lost = {code: _loss(inputs, code, score) for code, score in scores.items()}
    step = _gain_step(inputs, scores)
    level = engine.points_to_next_level(
        inputs.tree,
        inputs.rules,
        scores,
        lost={c: v for c, v in lost.items() if v > 0},
        conditions_met=conditions,
        step=step,
    )
    if level is not None:
        state = "ok"
    elif current.disqualified:
        state = "disqualified"
    elif current.level is not None and current.level.order == inputs.rules.levels[0].order:
        state = "best"
    else:
        state = "capped"
    rank_result = next_rank = None
    if include_rank:
        rank_result, next_rank = _next_rank(campaign, assessment, inputs, totals, step)
    return WhatIfAnswer(state, current.label, level, rank_result, next_rank, conditions)


def _next_rank(
    campaign: Campaign, assessment: Assessment, inputs: EngineInputs, totals: engine.UnitTotals, step: Decimal
) -> tuple[engine.RankResult | None, engine.RankWhatIf | None]:
    own = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == campaign.authority_id,
            UnitResult.year == campaign.year,
            UnitResult.unit_id == assessment.unit_id,
        )
    ).scalar_one_or_none()
    if own is None:
        return None, None
    stmt = select(UnitResult.unit_id, UnitResult.appraised_total, UnitResult.by_area).where(
        UnitResult.authority_id == campaign.authority_id,
        UnitResult.year == campaign.year,
        UnitResult.group_name == own.group_name,
        UnitResult.appraised_total.is_not(None),
        UnitResult.unit_id != assessment.unit_id,
    )
    areas = inputs.tree.normal_areas if inputs.rules.tie_break else ()

    def area_tuple(by_area: dict) -> tuple[Decimal, ...]:
        return tuple(Decimal(by_area.get(a, "0")) for a in areas)

    entries = [
        engine.RankEntry(unit_id, total, area_tuple(json.loads(by_area or "{}")))
        for unit_id, total, by_area in db.session.execute(readable(stmt, published=campaign.published)).all()
    ]
    entries.append(engine.RankEntry(assessment.unit_id, totals.total, tuple(totals.by_area[a] for a in areas)))
    mine = engine.rank(entries, inputs.rules)[assessment.unit_id]
    maximum = inputs.tree.max_total
    return mine, engine.points_to_next_rank(entries, assessment.unit_id, inputs.rules, step=step, maximum=maximum)


def describe_what_if(answer: WhatIfAnswer) -> list[str]:
    """The answers in plain Vietnamese, one sentence each."""
    points = engine.format_points
    lines = []
    if answer.state == "incomplete":
        return ["Chưa thẩm định xong tất cả các tiêu chí nên chưa tính được điểm cần thêm."]
    if answer.state == "ok":
        wi = answer.level
        items = ", ".join(f"{code} ({points(value)} điểm)" for code, value in wi.items)
        if wi.reachable:
            lines.append(
                f"Cần thêm {points(wi.needed)} điểm để đạt mức {wi.target.name} — ví dụ khắc phục các mục {items}."
            )
        elif wi.items:
            recovered = sum((value for _, value in wi.items), engine.ZERO)
            lines.append(
                f"Không thể đạt mức {wi.target.name}: cần thêm {points(wi.needed)} điểm, trong khi khắc phục tất cả "
                f"các mục bị trừ điểm ({items}) chỉ thêm được {points(recovered)} điểm."
            )
        else:
            lines.append(
                f"Không thể đạt mức {wi.target.name}: cần thêm {points(wi.needed)} điểm, trong khi đơn vị không còn "
                "mục nào bị trừ điểm để khắc phục."
            )
    elif answer.state == "best":
        lines.append(f"Đơn vị đã đạt mức cao nhất: {answer.current_label}.")
    elif answer.state == "disqualified":
        names = "; ".join(c.name for c in answer.conditions if c.effect == engine.EFFECT_DISQUALIFY)
        lines.append(f"Đơn vị không đủ điều kiện xếp loại ({names}); thêm điểm không thay đổi được kết quả này.")
    else:
        names = "; ".join(c.name for c in answer.conditions if c.effect == engine.EFFECT_CAP)
        lines.append(f"Mức xếp loại bị giới hạn ở {answer.current_label} do: {names}.")
    if answer.rank is not None:
        lines.append(describe_next_rank(answer.rank.display, answer.next_rank))
    return lines


def describe_next_rank(held: str, next_rank: engine.RankWhatIf | None) -> str:
    """ "Cần thêm 3,25 điểm để vươn lên hạng 01/19 (hiện xếp hạng 02/19)." — equal points share a rank — or, when
    that is more than the unit can still gain, that it cannot."""
    points = engine.format_points
    if next_rank is None:
        return f"Đơn vị đang xếp hạng {held}, cao nhất trong khối."
    target = engine.format_rank(next_rank.target, next_rank.of)
    if next_rank.reachable:
        return f"Cần thêm {points(next_rank.needed)} điểm để vươn lên hạng {target} (hiện xếp hạng {held})."
    return (
        f"Không thể vươn lên hạng {target}: cần thêm {points(next_rank.needed)} điểm, trong khi đơn vị chỉ còn có thể "
        f"đạt thêm tối đa {points(next_rank.available)} điểm (hiện xếp hạng {held})."
    )
