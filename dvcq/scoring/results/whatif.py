"""A unit's result explained: its breakdown by area with every item where it lost points, and the what-if answers
(the fewest points to the next level, and to overtake the unit ranked directly above)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.errors import NotFound
from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import Assessment, Campaign, ItemScore, UnitResult
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
    level), "disqualified", "capped" (held by a condition), "incomplete" (the appraisal is not finished)."""

    state: str
    current_label: str
    level: engine.WhatIf | None
    rank: engine.RankResult | None
    points_to_next_rank: Decimal | None
    next_rank_display: str | None
    conditions: tuple[engine.Condition, ...] = ()


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
        return WhatIfAnswer("incomplete", "", None, None, None, None, conditions)
    totals = engine.unit_result(inputs.tree, scores)
    current = engine.classify(totals.total, inputs.rules, conditions)
    lost = {code: _loss(inputs, code, score) for code, score in scores.items()}
    level = engine.points_to_next_level(
        inputs.tree, inputs.rules, scores, lost={c: v for c, v in lost.items() if v > 0}, conditions_met=conditions
    )
    if level is not None:
        state = "ok"
    elif current.disqualified:
        state = "disqualified"
    elif current.level is not None and current.level.order == inputs.rules.levels[0].order:
        state = "best"
    else:
        state = "capped"
    rank_result = needed = display = None
    if include_rank:
        rank_result, needed, display = _next_rank(campaign, assessment, inputs, totals)
    return WhatIfAnswer(state, current.label, level, rank_result, needed, display, conditions)


def _next_rank(campaign: Campaign, assessment: Assessment, inputs: EngineInputs, totals: engine.UnitTotals):
    own = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == campaign.authority_id,
            UnitResult.year == campaign.year,
            UnitResult.unit_id == assessment.unit_id,
        )
    ).scalar_one_or_none()
    if own is None:
        return None, None, None
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
    ranks = engine.rank(entries, inputs.rules)
    mine = ranks[assessment.unit_id]
    needed = engine.points_to_next_rank(entries, assessment.unit_id, inputs.rules)
    display = None
    if needed is not None:
        above = max(r.rank for r in ranks.values() if r.rank < mine.rank)
        display = engine.format_rank(above, mine.of)
    return mine, needed, display


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
        else:
            lines.append(
                f"Cần thêm {points(wi.needed)} điểm để đạt mức {wi.target.name}; khắc phục tất cả các mục bị trừ "
                f"điểm ({items}) vẫn chưa đủ."
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
        if answer.points_to_next_rank is None:
            lines.append(f"Đơn vị đang xếp hạng {answer.rank.display}, cao nhất trong khối.")
        else:
            lines.append(
                f"Cần thêm {points(answer.points_to_next_rank)} điểm để vươn lên hạng {answer.next_rank_display} "
                f"(hiện xếp hạng {answer.rank.display})."
            )
    return lines
