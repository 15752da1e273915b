"""A criteria version as the pure engine wants it (`engine_inputs`), and stored points read as integer hundredths."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, type_coerce

from dvcq.platform.errors import NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import CriteriaVersion


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


# ---- scores, read as columns ----------------------------------------------------------------------------------

_POINTS_CACHE: dict[int, Decimal] = {}


def points(hundredths: int | None) -> Decimal | None:
    """Stored hundredths → Decimal with two places. Scores take few distinct values, so they are cached."""
    if hundredths is None:
        return None
    value = _POINTS_CACHE.get(hundredths)
    if value is None:
        if len(_POINTS_CACHE) > 100_000:
            _POINTS_CACHE.clear()
        value = _POINTS_CACHE[hundredths] = Decimal(hundredths).scaleb(-2)
    return value


def raw(column):
    """The integer hundredths as stored: skips the per-row Decimal conversion of the Points type."""
    return type_coerce(column, Integer)
