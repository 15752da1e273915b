"""A campaign's totals, levels and ranks computed with the pure engine into `UnitResult` rows (one per unit and
year), idempotently, and the order those rows are listed in."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.bulk import insert_rows
from dvcq.platform.collation import vn_key
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import current_scope
from dvcq.scoring import engine
from dvcq.scoring.models import Assessment, Campaign, CriteriaNode, ItemScore, UnitResult
from dvcq.scoring.results.access import authority_of, private_drafts, year_state
from dvcq.scoring.results.inputs import EngineInputs, engine_inputs, points, raw
from dvcq.tenants.models import Unit, UnitGroup

COMPUTE_ROLES = (Role.SECRETARIAT, Role.ADMIN)
NO_GROUP = "Chưa xếp khối"
SOURCE_CAMPAIGN, SOURCE_IMPORT = "campaign", "import"
PUBLISHED_REFUSAL = (
    "Kỳ đánh giá năm {year} đã công bố kết quả; kết quả đã được khoá và không thể tính lại. "
    "Mọi điều chỉnh phải thực hiện bằng quyết định sửa đổi."
)


# ---- a campaign's scores, summed by the database per criterion ----------------------------------------------------
#
# A national campaign is 3,321 units × ~100 leaves. Reading every leaf into Python and totalling it there costs
# several seconds, so the database sums the leaves of each criterion whose children are all normal leaves, and the
# engine totals a "collapsed" tree in which those criteria are leaves. The totals, area totals, levels and ranks are
# the same as the full tree's (a normal parent is the plain sum of its children); bonus and penalty groups, whose caps
# apply per node, keep their leaves individually.


@dataclass(frozen=True)
class Collapsed:
    version_id: int
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
        version_id=inputs.version_id,
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
    """Every item score of the campaign on the shape's criteria version (the units of the groups scored on it) in ONE
    query, summed per assessment and bucket (collapsed criterion or individual leaf). Through the session, so the
    tenancy guard filters it like any read."""
    result = raw(ItemScore.result_score)
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
            func.sum(raw(ItemScore.self_score)),  # NULL when no leaf of the bucket has a self score
            func.sum(result),
            func.count(result),
        )
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .where(Assessment.campaign_id == campaign_id, CriteriaNode.version_id == shape.version_id)
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
            selfs[assessment_id][code] = points(self_sum)
        if result_count:
            results[assessment_id][code] = points(result_sum)
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

    Each unit is totalled on its group's criteria version. Self totals come from self scores (none while the dossier
    is still the unit's private draft: `access.self_scores_private`); appraised totals from
    each leaf's result score (final if fixed, else appraised) and only when every normal leaf has one (otherwise None,
    unranked). The level comes from the group's version's inclusive thresholds and the assessment's conditions; ranks
    are per group (one group, one version: units on different sets never share a rank), ties shared unless the
    version sets a tie-break. Idempotent: rows that did not change are not touched. Refused once the campaign is
    published.
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
    group_names = {g.id: g.name for g in _groups(campaign.authority_id).values()}
    sets: dict[int, tuple[EngineInputs, Collapsed, CampaignScores]] = {}  # version id → its inputs, shape, scores
    for version_id in {c.version_id for c in campaign.criteria}:
        inputs = engine_inputs(version_id)
        shape = collapse(inputs)
        sets[version_id] = (inputs, shape, campaign_scores(campaign.id, shape))

    drafts = private_drafts(campaign)  # their self-scores are the unit's own until it submits: no self total
    values: dict[int, dict] = {}
    code_of: dict[int, str] = {}
    by_group: dict[str, dict[str, tuple]] = defaultdict(dict)
    shape_of_group: dict[str, Collapsed] = {}
    rules_of_group: dict[str, engine.Rules] = {}
    code_to_unit: dict[str, int] = {}
    for assessment_id, unit_id, group_id, conditions_text, unit_code, unit_name, unit_group_id in members:
        code_of[unit_id] = unit_code
        group_id = group_id or unit_group_id
        group_name = group_names.get(group_id, NO_GROUP)
        version_id = campaign.version_id_for(group_id)
        if version_id not in sets:
            raise ServiceError(f"{unit_name}: «{group_name}» chưa có bộ tiêu chí trong kỳ đánh giá.")
        inputs, shape, scores = sets[version_id]
        shape_of_group[group_name], rules_of_group[group_name] = shape, inputs.rules
        conditions = inputs.conditions_met(conditions_text, unit_name) if conditions_text else ()
        own_selfs = scores.selfs.get(assessment_id) if assessment_id not in drafts else None
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
        if all(counts.get(code, 0) == needed for code, needed in shape.required.items()):
            by_group[group_name][unit_code] = (scores.results.get(assessment_id, {}), conditions)
            code_to_unit[unit_code] = unit_id

    for group_name, members_of_group in by_group.items():
        shape = shape_of_group[group_name]
        area_json = _AreaJson(shape.tree.areas)
        try:
            outcomes = engine.evaluate_group(shape.tree, rules_of_group[group_name], members_of_group)
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
    computed = Computed(campaign.id, len(values), len(code_to_unit), len(changes))  # before the commit expires it
    if commit:
        db.session.commit()
    return computed


def compute_year(user, year: int) -> Computed:
    """The results page's "compute" button: the campaign of that year of the user's authority."""
    require(user, *COMPUTE_ROLES)
    campaign, _ = year_state(authority_of(user), year)
    if campaign is None:
        raise NotFound(f"Năm {year} chưa có kỳ đánh giá trên hệ thống.")
    return compute(campaign.id, actor=user)


def campaign_results(campaign_id: int) -> list[UnitResult]:
    """The campaign's rows in table order: groups in their order, then rank (unranked last), then unit name."""
    campaign = _campaign(campaign_id)
    rows = db.session.execute(
        select(UnitResult, Unit.name, Unit.code)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.authority_id == campaign.authority_id, UnitResult.year == campaign.year)
    ).all()
    return [row for row, _, _ in sort_rows(rows, group_positions(campaign.authority_id), key=tuple)]


_COMPARED = (*UnitResult.FIGURES, "published")


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
    now = clock.now()
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
    """Groups in their order, then rank (unranked last), then the unit's name in Vietnamese alphabetical order (tied
    ranks), then its code. `key(item)` → (UnitResult, unit name, unit code). `groups`: the authority's UnitGroup
    rows, or {group name: position}."""
    position = dict(groups) if isinstance(groups, Mapping) else {g.name: g.position for g in groups}

    def order(item):
        row, name, code = key(item)
        return (
            position.get(row.group_name, 10_000),
            vn_key(row.group_name),
            row.rank is None,
            row.rank or 0,
            vn_key(name),
            code,
        )

    return sorted(rows, key=order)
