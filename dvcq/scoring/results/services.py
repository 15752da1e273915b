"""Results services: a campaign's totals, levels and ranks computed with the pure engine into `UnitResult`, what-if
answers, a unit's breakdown by area, and who may read what (a commune: its own result once released; everyone of
the authority: the whole table once the year is published).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Integer, case, func, select, type_coerce

from dvcq.platform import audit
from dvcq.platform.auth.models import Role
from dvcq.platform.bulk import insert_rows
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import Scope, current_scope
from dvcq.scoring import engine
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    UnitResult,
)
from dvcq.tenants.models import Unit, UnitGroup

COMPUTE_ROLES = (Role.SECRETARIAT, Role.ADMIN)
RELEASED = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)
NO_GROUP = "Chưa xếp khối"
SOURCE_CAMPAIGN, SOURCE_IMPORT = "campaign", "import"
PUBLISHED_REFUSAL = (
    "Kỳ đánh giá năm {year} đã công bố kết quả; kết quả đã được khoá và không thể tính lại. "
    "Mọi điều chỉnh phải thực hiện bằng quyết định sửa đổi."
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ---- the engine's inputs from a criteria version ---------------------------------------------------------------


@dataclass(frozen=True)
class NodeInfo:
    id: int
    code: str
    name: str
    is_leaf: bool
    kind: str
    max_points: Decimal


@dataclass(frozen=True)
class EngineInputs:
    """A criteria version as the engine wants it, plus what the results pages need to name its nodes."""

    version_id: int
    tree: engine.CriteriaTree
    rules: engine.Rules
    conditions: dict[str, engine.Condition]
    nodes: dict[str, NodeInfo]  # by code, tree order
    code_of_leaf: dict[int, str]  # leaf node id → code
    required: frozenset[str]  # the normal leaves: an appraisal is complete when each has a score

    def conditions_met(self, text: str, who: str) -> tuple[engine.Condition, ...]:
        """The conditions named by an assessment's comma-separated codes; an unknown code is a data error."""
        met = []
        for code in (c.strip() for c in (text or "").split(",")):
            if not code:
                continue
            if code not in self.conditions:
                raise ServiceError(f"{who}: điều kiện «{code}» không có trong bộ tiêu chí của kỳ đánh giá.")
            met.append(self.conditions[code])
        return tuple(met)


def engine_inputs(version_id: int) -> EngineInputs:
    """Read a criteria version (nodes, levels, conditions) into the engine's plain data."""
    from dvcq.scoring.criteria.services import engine_conditions, engine_tree

    version = db.session.get(CriteriaVersion, version_id)
    if version is None:
        raise NotFound("Không tìm thấy bộ tiêu chí.")
    try:
        plain, rules = engine_tree(version)
        tree = engine.build_tree(plain)
        conditions = engine_conditions(version)
    except ValueError as exc:
        raise ServiceError(f"Bộ tiêu chí «{version.name}» chưa hợp lệ: {exc}") from exc
    infos = {
        n.code: NodeInfo(n.id, n.code, n.name, not tree.children[n.code], n.kind.value, tree.max_of[n.code])
        for n in version.nodes
    }
    leaf_ids = {info.id: code for code, info in infos.items() if info.is_leaf}
    required = frozenset(c for c in tree.leaves if tree.kind_of[c] == engine.KIND_NORMAL)
    return EngineInputs(version.id, tree, rules, conditions, infos, leaf_ids, required)


# ---- scores, read as columns in one query ----------------------------------------------------------------------

_POINTS_CACHE: dict[int, Decimal] = {}


def _points(hundredths: int | None) -> Decimal | None:
    """Stored hundredths → Decimal with two places. Scores take few distinct values, so they are cached."""
    if hundredths is None:
        return None
    value = _POINTS_CACHE.get(hundredths)
    if value is None:
        if len(_POINTS_CACHE) > 100_000:
            _POINTS_CACHE.clear()
        value = _POINTS_CACHE[hundredths] = Decimal(hundredths).scaleb(-2)
    return value


def _raw(column):
    """The integer hundredths as stored: skips the per-row Decimal conversion of the Points type."""
    return type_coerce(column, Integer)


def _result_scores(assessment_id: int, inputs: EngineInputs) -> dict[str, Decimal]:
    """One assessment's result score per leaf (final if fixed, else appraised); leaves without one are absent."""
    result = func.coalesce(_raw(ItemScore.final_score), _raw(ItemScore.appraised_score))
    rows = db.session.execute(
        select(ItemScore.node_id, result).where(ItemScore.assessment_id == assessment_id, result.is_not(None))
    ).all()
    return {inputs.code_of_leaf[n]: _points(v) for n, v in rows if n in inputs.code_of_leaf}


# ---- a campaign's scores, summed by the database per criterion ----------------------------------------------------
#
# A national campaign is 3,321 units × ~100 leaves. Reading every leaf into Python and totalling it there costs
# several seconds, so the database sums the leaves of each criterion whose children are all normal leaves, and the
# engine totals a "collapsed" tree in which those criteria are leaves. The totals, area totals, levels and ranks are
# the same as the full tree's (a normal parent is the plain sum of its children); bonus and penalty groups, whose caps
# apply per node, keep their leaves individually.


@dataclass(frozen=True)
class Collapsed:
    tree: engine.CriteriaTree
    bucket_of_parent: dict[int, str]  # node id of a collapsed criterion → its code
    leaf_of_id: dict[int, str]  # node id of a leaf kept individually → its code
    individual_parents: tuple[int, ...]  # parents (not collapsed) whose leaves are kept individually
    required: dict[str, int]  # bucket code → how many normal leaves must have a result score in it


def collapse(inputs: EngineInputs) -> Collapsed:
    tree = inputs.tree
    leaves = set(tree.leaves)

    def collapsible(code: str) -> bool:
        kids = tree.children[code]
        return bool(kids) and all(k in leaves and tree.kind_of[k] == engine.KIND_NORMAL for k in kids)

    collapsed = {code for code in tree.order if collapsible(code)}
    plain = []
    for code in tree.order:
        node = tree.nodes[code]
        if node.parent_code in collapsed:
            continue
        plain.append(engine.CriteriaNode(code, node.parent_code, node.name, tree.max_of[code], tree.kind_of[code]))
    kept = [c for c in tree.leaves if tree.nodes[c].parent_code not in collapsed]
    required = {code: len(tree.children[code]) for code in collapsed}
    required.update({c: 1 for c in kept if tree.kind_of[c] == engine.KIND_NORMAL})
    parents = {tree.nodes[c].parent_code for c in kept} - {None}
    return Collapsed(
        tree=engine.build_tree(plain),
        bucket_of_parent={inputs.nodes[c].id: c for c in collapsed},
        leaf_of_id={inputs.nodes[c].id: c for c in kept},
        individual_parents=tuple(sorted(inputs.nodes[c].id for c in parents)),
        required=required,
    )


@dataclass
class CampaignScores:
    selfs: dict[int, dict[str, Decimal]]  # assessment id → bucket code → self points
    results: dict[int, dict[str, Decimal]]  # assessment id → bucket code → result points
    counts: dict[int, dict[str, int]]  # assessment id → bucket code → leaves with a result score


def campaign_scores(campaign_id: int, shape: Collapsed) -> CampaignScores:
    """Every item score of the campaign in ONE query, summed per assessment and bucket (collapsed criterion or
    individual leaf). Through the session, so the tenancy guard filters it like any read."""
    result = func.coalesce(_raw(ItemScore.final_score), _raw(ItemScore.appraised_score))
    keys = [ItemScore.assessment_id, CriteriaNode.parent_id]
    if shape.leaf_of_id:
        # Some leaves are kept individually (top-level leaves, or leaves of a bonus/penalty criterion): their node id
        # is part of the key. A version whose leaves all sit in collapsed criteria (the usual shape) does without it.
        individual = CriteriaNode.parent_id.is_(None)
        if shape.individual_parents:
            individual = individual | CriteriaNode.parent_id.in_(shape.individual_parents)
        keys.append(case((individual, ItemScore.node_id), else_=None))
    stmt = (
        select(
            *keys,
            func.sum(_raw(ItemScore.self_score)),  # NULL when no leaf of the bucket has a self score
            func.sum(result),
            func.count(result),
        )
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .where(Assessment.campaign_id == campaign_id)
        .group_by(*keys)
    )
    selfs: dict[int, dict[str, Decimal]] = defaultdict(dict)
    results: dict[int, dict[str, Decimal]] = defaultdict(dict)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    bucket_of_parent, leaf_of_id = shape.bucket_of_parent, shape.leaf_of_id
    for row in db.session.execute(stmt):
        if leaf_of_id:
            assessment_id, parent_id, leaf_id, self_sum, result_sum, result_count = row
            code = leaf_of_id.get(leaf_id) if leaf_id is not None else bucket_of_parent.get(parent_id)
        else:
            assessment_id, parent_id, self_sum, result_sum, result_count = row
            code = bucket_of_parent.get(parent_id)
        if code is None:
            continue
        if self_sum is not None:
            selfs[assessment_id][code] = _points(self_sum)
        if result_count:
            results[assessment_id][code] = _points(result_sum)
            counts[assessment_id][code] = result_count
    return CampaignScores(selfs, results, counts)


# ---- compute ---------------------------------------------------------------------------------------------------


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.execute(select(Campaign).where(Campaign.id == campaign_id)).scalar_one_or_none()
    scope = current_scope()
    if campaign is None or (scope is not None and not scope.system and campaign.authority_id != scope.authority_id):
        raise NotFound("Không tìm thấy kỳ đánh giá.")
    return campaign


def _groups(authority_id: int) -> dict[int, UnitGroup]:
    return {
        g.id: g for g in db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == authority_id)).scalars()
    }


@dataclass(frozen=True)
class Computed:
    """What a computation did: units of the campaign, units ranked (complete appraisal), rows written or removed."""

    campaign_id: int
    units: int
    ranked: int
    changed: int


class _AreaJson:
    """`by_area` as stored: the same text as ``json.dumps({area: "8.50", …})``, built without json per unit."""

    def __init__(self, areas: Iterable[str]):
        self.key = {a: json.dumps(a) for a in areas}

    def __call__(self, by_area: Mapping[str, Decimal]) -> str:
        key = self.key
        return "{" + ", ".join(f'{key[a]}: "{v:.2f}"' for a, v in by_area.items()) + "}"


def compute(campaign_id: int, *, actor=None, commit: bool = True) -> Computed:
    """Total, classify and rank every unit of the campaign into `UnitResult` (one row per unit and year).

    Self totals come from self scores; appraised totals from each leaf's result score (final if fixed, else
    appraised) and only when every normal leaf has one (otherwise None, unranked). The level comes from the version's
    inclusive thresholds and the assessment's conditions; ranks are per group, ties shared unless the version sets a
    tie-break. Idempotent: rows that did not change are not touched. Refused once the campaign is published.
    The rows themselves: `campaign_results`.
    """
    if actor is not None:
        require(actor, *COMPUTE_ROLES)
    scope = current_scope()
    if scope is not None and not scope.system and scope.unit_id is not None:
        raise Forbidden("Chỉ cơ quan đánh giá mới tính được kết quả của kỳ đánh giá.")
    campaign = _campaign(campaign_id)
    if campaign.published:
        raise Conflict(PUBLISHED_REFUSAL.format(year=campaign.year))
    inputs = engine_inputs(campaign.criteria_version_id)
    shape = collapse(inputs)
    members = db.session.execute(
        select(
            Assessment.id,
            Assessment.unit_id,
            Assessment.group_id,
            Assessment.conditions_met,
            Unit.code,
            Unit.name,
            Unit.group_id,
        )
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.campaign_id == campaign.id)
    ).all()
    scores = campaign_scores(campaign.id, shape)
    group_names = {g.id: g.name for g in _groups(campaign.authority_id).values()}

    values: dict[int, dict] = {}
    code_of: dict[int, str] = {}
    by_group: dict[str, dict[str, tuple]] = defaultdict(dict)
    code_to_unit: dict[str, int] = {}
    required = shape.required.items()
    for assessment_id, unit_id, group_id, conditions_text, unit_code, unit_name, unit_group_id in members:
        code_of[unit_id] = unit_code
        group_name = group_names.get(group_id or unit_group_id, NO_GROUP)
        conditions = inputs.conditions_met(conditions_text, unit_name) if conditions_text else ()
        own_selfs = scores.selfs.get(assessment_id)
        try:
            self_total = engine.unit_result(shape.tree, own_selfs).total if own_selfs else None
        except ValueError as exc:
            raise ServiceError(f"{unit_name}: {exc}") from exc
        values[unit_id] = {
            "campaign_id": campaign.id,
            "group_name": group_name,
            "self_total": self_total,
            "appraised_total": None,
            "level_order": None,
            "level_name": "",
            "disqualified": any(c.effect == engine.EFFECT_DISQUALIFY for c in conditions),
            "rank": None,
            "rank_of": None,
            "by_area": "{}",
            "source": SOURCE_CAMPAIGN,
            "published": False,
        }
        counts = scores.counts.get(assessment_id, {})
        if all(counts.get(code, 0) == needed for code, needed in required):
            by_group[group_name][unit_code] = (scores.results.get(assessment_id, {}), conditions)
            code_to_unit[unit_code] = unit_id

    area_json = _AreaJson(shape.tree.areas)
    for members_of_group in by_group.values():
        try:
            outcomes = engine.evaluate_group(shape.tree, inputs.rules, members_of_group)
        except ValueError as exc:
            raise ServiceError(f"Không tính được kết quả: {exc}") from exc
        for code, outcome in outcomes.items():
            level = outcome.classification.level
            values[code_to_unit[code]].update(
                appraised_total=outcome.totals.total,
                level_order=level.order if level else None,
                level_name=outcome.classification.label,
                disqualified=outcome.classification.disqualified,
                rank=outcome.rank.rank,
                rank_of=outcome.rank.of,
                by_area=area_json(outcome.totals.by_area),
            )

    changes = _upsert(campaign, values, code_of)
    audit.record(
        "results.computed",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={code: change["before"] for code, change in changes.items()},
        after={
            "units": len(values),
            "ranked": len(code_to_unit),
            "changed": {code: change["after"] for code, change in changes.items()},
        },
    )
    if commit:
        db.session.commit()
    return Computed(campaign.id, len(values), len(code_to_unit), len(changes))


def campaign_results(campaign_id: int) -> list[UnitResult]:
    """The campaign's rows in table order: groups in their order, then rank (unranked last), then unit code."""
    campaign = _campaign(campaign_id)
    rows = db.session.execute(
        select(UnitResult, Unit.code)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.authority_id == campaign.authority_id, UnitResult.year == campaign.year)
    ).all()
    return [row for row, _ in sort_rows(rows, group_positions(campaign.authority_id), key=tuple)]


_COMPARED = (
    "campaign_id",
    "group_name",
    "self_total",
    "appraised_total",
    "level_order",
    "level_name",
    "disqualified",
    "rank",
    "rank_of",
    "by_area",
    "source",
    "published",
)


def _state(fields) -> dict:
    return {key: fields[key] for key in ("self_total", "appraised_total", "level_name", "rank", "rank_of")}


def _upsert(campaign: Campaign, values: dict[int, dict], code_of: dict[int, str]) -> dict[str, dict]:
    """Write the campaign's rows: insert the new, update the changed, delete those of units no longer in it (or
    rows imported for that year before the campaign existed). Unchanged rows are not touched, so re-computing writes
    nothing. The stored rows are compared as columns; only the rows to change are loaded as objects."""
    columns = [getattr(UnitResult, key) for key in _COMPARED]
    stored = {
        row.unit_id: row
        for row in db.session.execute(
            select(UnitResult.id, UnitResult.unit_id, *columns).where(
                UnitResult.authority_id == campaign.authority_id, UnitResult.year == campaign.year
            )
        ).all()
    }
    now = _now()
    changes: dict[str, dict] = {}
    to_update: dict[int, dict] = {}
    to_insert: list[dict] = []
    for unit_id, fields in values.items():
        old = stored.pop(unit_id, None)
        if old is None:
            to_insert.append(
                {"authority_id": campaign.authority_id, "year": campaign.year, "unit_id": unit_id, "computed_at": now}
                | fields
            )
            changes[code_of[unit_id]] = {"before": None, "after": _state(fields)}
        elif any(getattr(old, key) != fields[key] for key in _COMPARED):
            to_update[old.id] = fields
            changes[code_of[unit_id]] = {"before": _state(old._mapping), "after": _state(fields)}
    gone = {row.id: row for row in stored.values()}
    for row in gone.values():
        changes[code_of.get(row.unit_id, str(row.unit_id))] = {"before": _state(row._mapping), "after": None}
    if to_update or gone:
        ids = [*to_update, *gone]
        for row in db.session.execute(select(UnitResult).where(UnitResult.id.in_(ids))).scalars():
            if row.id in gone:
                db.session.delete(row)
                continue
            for key, value in to_update[row.id].items():
                setattr(row, key, value)
            row.computed_at = now
    if to_insert:
        # One COPY (PostgreSQL) or executemany instead of an ORM object per unit (3,321 for a national campaign). The
        # tenancy guard's write check does not see these rows: every unit here came from `campaign.authority_id`, and
        # the campaign was loaded through the guard, so the rows are in scope by construction. The audit record is
        # the caller's.
        insert_rows(db.session, UnitResult.__table__, to_insert)
    db.session.flush()
    return changes


def group_positions(authority_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(UnitGroup.name, UnitGroup.position).where(UnitGroup.authority_id == authority_id)
        ).all()
    )


def sort_rows(rows: list, groups: Mapping[str, int] | Iterable[UnitGroup], key) -> list:
    """Groups in their order, then rank (unranked last), then unit code. `key(item)` → (UnitResult, unit code).
    `groups`: the authority's UnitGroup rows, or {group name: position}."""
    position = dict(groups) if isinstance(groups, Mapping) else {g.name: g.position for g in groups}

    def order(item):
        row, code = key(item)
        return (
            position.get(row.group_name, 10_000),
            row.group_name,
            row.rank is None,
            row.rank or 0,
            code,
        )

    return sorted(rows, key=order)


# ---- a unit's breakdown and what-if ----------------------------------------------------------------------------


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
    inputs = engine_inputs(assessment.campaign.criteria_version_id)
    rows = db.session.execute(
        select(
            ItemScore.node_id,
            ItemScore.self_score,
            ItemScore.appraised_score,
            ItemScore.final_score,
            ItemScore.deduction_reasons,
            ItemScore.appraisal_note,
            ItemScore.final_note,
        ).where(ItemScore.assessment_id == assessment.id)
    ).all()
    selfs: dict[str, Decimal] = {}
    results: dict[str, Decimal] = {}
    notes: dict[str, tuple] = {}
    for node_id, self_score, appraised, final, reasons, note, final_note in rows:
        code = inputs.code_of_leaf.get(node_id)
        if code is None:
            continue
        if self_score is not None:
            selfs[code] = self_score
        result = final if final is not None else appraised
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
    inputs = engine_inputs(campaign.criteria_version_id)
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


# ---- who may read what -----------------------------------------------------------------------------------------


def readable(stmt, *, published: bool):
    """THE one place where a unit's user may read other units' results: only those of a published year.

    For authority staff the option changes nothing (their scope is already the authority); for a commune it opens the
    authority's results — so it is applied only when `published` is true."""
    if published:
        return stmt.execution_options(authority_wide=True)
    return stmt


def authority_of(user) -> int:
    return Scope.for_unit(user.unit).authority_id


def is_staff(user) -> bool:
    return user.role.in_authority


def year_state(authority_id: int, year: int) -> tuple[Campaign | None, bool]:
    """The year's campaign (if any) and whether its results are public: a campaign's once published; a year without
    a campaign holds imported results of published decisions."""
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == authority_id, Campaign.year == year)
    ).scalar_one_or_none()
    return campaign, (campaign.published if campaign is not None else True)


def _year_rows(authority_id: int, year: int, published: bool) -> list[tuple[UnitResult, Unit]]:
    stmt = (
        select(UnitResult, Unit)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.authority_id == authority_id, UnitResult.year == year)
    )
    rows = [tuple(r) for r in db.session.execute(readable(stmt, published=published)).all()]
    return sort_rows(rows, group_positions(authority_id), key=lambda item: (item[0], item[1].code))


def rank_change(current: UnitResult, previous: UnitResult | None) -> str:
    """ "▲2" (rose two places), "▼1", "—" (same), "mới" (no result last year), "" (either year unranked)."""
    if previous is None:
        return "mới"
    if previous.rank is None or current.rank is None:
        return ""
    diff = previous.rank - current.rank
    return f"▲{diff}" if diff > 0 else (f"▼{-diff}" if diff < 0 else "—")


def _level_value(row: UnitResult) -> int | None:
    """A level's order; "Không đủ điều kiện xếp loại" and "Chưa xếp loại" below every level; None: not classified
    yet (the appraisal was incomplete)."""
    if row.level_order is not None:
        return row.level_order
    return 1000 if (row.disqualified or row.level_name) else None


def level_change(current: UnitResult, previous: UnitResult | None) -> str:
    """ "▲" (a better level than last year), "▼", "—" (the same), "mới", "" (either year not classified)."""
    if previous is None:
        return "mới"
    now, before = _level_value(current), _level_value(previous)
    if now is None or before is None:
        return ""
    return "▲" if now < before else ("▼" if now > before else "—")


@dataclass(frozen=True)
class TableRow:
    unit_id: int
    unit_code: str
    unit_name: str
    group_name: str
    self_total: Decimal | None
    appraised_total: Decimal | None
    gap: Decimal | None
    level_name: str
    level_order: int | None
    disqualified: bool
    rank: int | None
    rank_of: int | None
    rank_display: str
    rank_change: str
    level_change: str
    previous_level: str


@dataclass(frozen=True)
class YearTable:
    authority_id: int
    year: int
    campaign: Campaign | None
    published: bool
    computed_at: datetime | None
    groups: tuple[tuple[str, tuple[TableRow, ...]], ...]

    @property
    def rows(self) -> list[TableRow]:
        return [row for _, rows in self.groups for row in rows]

    @property
    def source_label(self) -> str:
        if self.campaign is None:
            return "Số liệu các năm trước (nhập từ tệp)"
        return self.campaign.status.label


def gap(self_total: Decimal | None, appraised_total: Decimal | None) -> Decimal | None:
    if self_total is None or appraised_total is None:
        return None
    return self_total - appraised_total


def _table_row(row: UnitResult, unit: Unit, previous: UnitResult | None) -> TableRow:
    return TableRow(
        unit_id=unit.id,
        unit_code=unit.code,
        unit_name=unit.name,
        group_name=row.group_name,
        self_total=row.self_total,
        appraised_total=row.appraised_total,
        gap=gap(row.self_total, row.appraised_total),
        level_name=row.level_name,
        level_order=row.level_order,
        disqualified=row.disqualified,
        rank=row.rank,
        rank_of=row.rank_of,
        rank_display=engine.format_rank(row.rank, row.rank_of) if row.rank and row.rank_of else "",
        rank_change=rank_change(row, previous),
        level_change=level_change(row, previous),
        previous_level=previous.level_name if previous else "",
    )


def year_table(authority_id: int, year: int, *, staff: bool) -> YearTable | None:
    """The year's table per group in rank order, with the change since last year. None when the viewer may not see
    it (a unit's user before publication) or the year has no results at all."""
    campaign, published = year_state(authority_id, year)
    if not staff and not published:
        return None
    rows = _year_rows(authority_id, year, published)
    if not rows and campaign is None:
        return None
    _, previous_published = year_state(authority_id, year - 1)
    previous: dict[int, UnitResult] = {}
    if staff or previous_published:
        previous = {r.unit_id: r for r, _ in _year_rows(authority_id, year - 1, previous_published)}
    groups: dict[str, list[TableRow]] = {}
    for row, unit in rows:
        groups.setdefault(row.group_name, []).append(_table_row(row, unit, previous.get(unit.id)))
    computed = max((r.computed_at for r, _ in rows), default=None)
    return YearTable(
        authority_id, year, campaign, published, computed, tuple((n, tuple(rs)) for n, rs in groups.items())
    )


@dataclass(frozen=True)
class YearEntry:
    year: int
    label: str
    table: bool  # the viewer may open the year's table
    own: UnitResult | None  # a unit's user: its own result that year (when visible)
    own_page: bool = False  # a unit's user: its own result page exists


def years(user) -> list[YearEntry]:
    """The years the user may look at, newest first."""
    authority_id = authority_of(user)
    staff = is_staff(user)
    campaigns = {
        c.year: c for c in db.session.execute(select(Campaign).where(Campaign.authority_id == authority_id)).scalars()
    }
    result_years = set(
        db.session.execute(select(UnitResult.year).where(UnitResult.authority_id == authority_id).distinct()).scalars()
    )
    own: dict[int, UnitResult] = {}
    released: set[int] = set()
    if not staff:
        own = {
            r.year: r
            for r in db.session.execute(
                select(UnitResult).where(UnitResult.authority_id == authority_id, UnitResult.unit_id == user.unit_id)
            ).scalars()
        }
        released = set(
            db.session.execute(
                select(Campaign.year)
                .join(Assessment, Assessment.campaign_id == Campaign.id)
                .where(Campaign.authority_id == authority_id, Assessment.status.in_(RELEASED))
            ).scalars()
        )
    entries = []
    for year in sorted(set(campaigns) | result_years, reverse=True):
        campaign = campaigns.get(year)
        published = campaign.published if campaign else True
        label = campaign.status.label if campaign else "Số liệu nhập từ các năm trước"
        if staff:
            entries.append(YearEntry(year, label, True, None))
        elif published or year in released:
            entries.append(YearEntry(year, label, published, own.get(year), year in own or year in released))
    return entries


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    year: int
    campaign: Campaign | None
    published: bool
    show_rank: bool
    result: UnitResult | None
    previous: UnitResult | None
    assessment: Assessment | None
    breakdown: Breakdown | None
    answer: WhatIfAnswer | None
    self_level: str

    @property
    def rank_display(self) -> str:
        r = self.result
        return engine.format_rank(r.rank, r.rank_of) if r and r.rank and r.rank_of else ""

    @property
    def self_total(self) -> Decimal | None:
        """Live from the scores for a campaign year (the stored row may predate the last change), else stored."""
        if self.breakdown is not None:
            return self.breakdown.self_total
        return self.result.self_total if self.result else None

    @property
    def appraised_total(self) -> Decimal | None:
        if self.breakdown is not None:
            return self.breakdown.appraised_total
        return self.result.appraised_total if self.result else None

    @property
    def gap(self) -> Decimal | None:
        return gap(self.self_total, self.appraised_total)

    @property
    def level_label(self) -> str:
        if self.answer is not None and self.answer.state != "incomplete":
            return self.answer.current_label
        if self.answer is None and self.result is not None and self.result.level_name:
            return self.result.level_name
        return "Chưa thẩm định xong"


def unit_page(user, year: int, unit_id: int) -> UnitPage | None:
    """A unit's result for a year. Authority staff: any unit of the authority. A unit's user: its own unit only,
    once its assessment is released (or the year is published). None — answered as 404 — otherwise."""
    authority_id = authority_of(user)
    staff = is_staff(user)
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.authority_id != authority_id or unit.id == authority_id:
        return None
    if not staff and unit.id != user.unit_id:
        return None
    campaign, published = year_state(authority_id, year)
    assessment = None
    if campaign is not None:
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
        ).scalar_one_or_none()
        if not staff and not published and (assessment is None or assessment.status not in RELEASED):
            return None
    result = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == authority_id, UnitResult.year == year, UnitResult.unit_id == unit.id
        )
    ).scalar_one_or_none()
    if result is None and assessment is None:
        return None
    previous = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == authority_id, UnitResult.year == year - 1, UnitResult.unit_id == unit.id
        )
    ).scalar_one_or_none()
    show_rank = staff or published
    breakdown = answer = None
    self_level = ""
    if assessment is not None:
        breakdown = unit_breakdown(assessment.id)
        answer = what_if(assessment.id, include_rank=show_rank)
        if breakdown.self_total is not None:
            inputs = engine_inputs(campaign.criteria_version_id)
            self_level = engine.classify(breakdown.self_total, inputs.rules).label
    return UnitPage(
        unit, year, campaign, published, show_rank, result, previous, assessment, breakdown, answer, self_level
    )


def compute_year(user, year: int) -> Computed:
    """The results page's "compute" button: the campaign of that year of the user's authority."""
    require(user, *COMPUTE_ROLES)
    campaign, _ = year_state(authority_of(user), year)
    if campaign is None:
        raise NotFound(f"Năm {year} chưa có kỳ đánh giá trên hệ thống.")
    return compute(campaign.id, actor=user)
