"""Classification (inclusive thresholds, conditions), competition ranking with ties, group evaluation."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from .points import format_rank, to_points
from .tree import CriteriaNode, CriteriaTree, UnitTotals, build_tree, unit_result

LABEL_DISQUALIFIED = "Không đủ điều kiện xếp loại"
LABEL_UNCLASSIFIED = "Chưa xếp loại"
EFFECT_DISQUALIFY = "disqualify"
EFFECT_CAP = "cap"
TIE_BREAK_AREAS = "areas"


@dataclass(frozen=True)
class Level:
    """A classification level; ``order`` 1 is the best. ``min_points`` is an inclusive lower bound."""

    order: int
    name: str
    min_points: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.order, bool) or not isinstance(self.order, int) or self.order < 1:
            raise ValueError(f"Mức xếp loại phải là số nguyên từ 1 trở lên (đang là {self.order!r})")
        if not self.name:
            raise ValueError(f"Mức xếp loại {self.order} chưa có tên")
        object.__setattr__(self, "min_points", to_points(self.min_points, f"Điểm từ của mức {self.order}"))


@dataclass(frozen=True)
class Condition:
    """A condition a unit meets: ``disqualify`` (no level) or ``cap`` (level no better than ``cap_order``)."""

    code: str
    name: str
    effect: str
    cap_order: int | None = None

    def __post_init__(self) -> None:
        if self.effect not in (EFFECT_DISQUALIFY, EFFECT_CAP):
            raise ValueError(f"Điều kiện {self.code}: tác động “{self.effect}” không hợp lệ (disqualify/cap)")
        if self.effect == EFFECT_CAP and (not isinstance(self.cap_order, int) or self.cap_order < 1):
            raise ValueError(f"Điều kiện {self.code} giới hạn mức xếp loại nhưng chưa nêu mức tối đa")


@dataclass(frozen=True)
class Rules:
    """A criteria version's levels (kept sorted, best first) and tie-break: None (ties share) or "areas"."""

    levels: tuple[Level, ...]
    tie_break: str | None = None

    def __post_init__(self) -> None:
        levels = tuple(sorted(self.levels, key=lambda level: level.order))
        for better, worse in pairwise(levels):
            if better.order == worse.order:
                raise ValueError(f"Mức xếp loại {better.order} bị trùng")
            if better.min_points <= worse.min_points:
                raise ValueError(
                    f"Điểm từ của mức {better.order} ({better.name}) phải cao hơn của mức {worse.order} ({worse.name})"
                )
        if self.tie_break not in (None, TIE_BREAK_AREAS):
            raise ValueError(f"Cách phân định khi bằng điểm “{self.tie_break}” không hợp lệ (None, areas)")
        object.__setattr__(self, "levels", levels)

    def level(self, order: int) -> Level:
        """The level with this order; ValueError if the rules have none."""
        for level in self.levels:
            if level.order == order:
                return level
        raise ValueError(f"Không có mức xếp loại {order}")


@dataclass(frozen=True)
class Classification:
    """The level (None when disqualified or below every threshold), and the label to show.

    ``applied`` lists the codes of the conditions that changed the outcome (disqualified or capped it).
    """

    level: Level | None
    disqualified: bool
    label: str
    applied: tuple[str, ...] = ()


def classify(total: Decimal, rules: Rules, conditions_met: Iterable[Condition] = ()) -> Classification:
    """Classify a total: the best level whose threshold it reaches (inclusive), then apply conditions.

    Any disqualifying condition → level None, label "Không đủ điều kiện xếp loại". Caps lower the level to the
    strictest cap. A total below every threshold → level None, label "Chưa xếp loại".
    """
    points = to_points(total, "Tổng điểm")
    conditions = tuple(conditions_met)
    caps = [(c.code, c.cap_order) for c in conditions if c.effect == EFFECT_CAP and c.cap_order is not None]
    for _, cap_order in caps:
        rules.level(cap_order)  # a cap naming no level of these rules is a data error
    disqualifying = tuple(c.code for c in conditions if c.effect == EFFECT_DISQUALIFY)
    if disqualifying:
        return Classification(None, True, LABEL_DISQUALIFIED, disqualifying)
    level = next((lv for lv in rules.levels if points >= lv.min_points), None)
    if level is None:
        return Classification(None, False, LABEL_UNCLASSIFIED)
    lowering = [(code, cap_order) for code, cap_order in caps if cap_order > level.order]
    if lowering:
        capped = rules.level(max(cap_order for _, cap_order in lowering))
        return Classification(capped, False, capped.name, tuple(code for code, _ in lowering))
    return Classification(level, False, level.name)


@dataclass(frozen=True)
class RankEntry:
    """A unit to rank: its key, total and (for the "areas" tie-break) its area totals in tree order."""

    key: Hashable
    total: Decimal
    by_area: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", to_points(self.total, f"Tổng điểm của đơn vị {self.key}"))
        what = f"Điểm lĩnh vực của đơn vị {self.key}"
        object.__setattr__(self, "by_area", tuple([to_points(a, what) for a in self.by_area]))


@dataclass(frozen=True)
class RankResult:
    """Competition rank (1, 2, 2, 4) among ``of`` units, the units sharing it, and ``display`` ("02/19")."""

    rank: int
    of: int
    tied_with: tuple[Hashable, ...]
    display: str


def _rank_key(entry: RankEntry, rules: Rules) -> tuple[Decimal, tuple[Decimal, ...]]:
    return (entry.total, entry.by_area if rules.tie_break == TIE_BREAK_AREAS else ())


def rank(entries: Sequence[RankEntry], rules: Rules) -> dict[Hashable, RankResult]:
    """Rank units by total, best first; equal totals share a rank unless the rules' tie-break separates them.

    Tie-break "areas" compares area totals in order (first area first); units still equal share the rank.
    Returns results keyed by unit key, in rank order (ties in input order).
    """
    seen: set[Hashable] = set()
    for entry in entries:
        if entry.key in seen:
            raise ValueError(f"Đơn vị {entry.key} xuất hiện hai lần trong nhóm xếp hạng")
        seen.add(entry.key)
    if rules.tie_break == TIE_BREAK_AREAS and len({len(e.by_area) for e in entries}) > 1:
        raise ValueError("Các đơn vị phải có cùng số lĩnh vực để phân định khi bằng điểm")
    ordered = sorted(entries, key=lambda e: _rank_key(e, rules), reverse=True)  # stable for equal keys
    count = len(ordered)
    results: dict[Hashable, RankResult] = {}
    start = 0
    while start < count:
        stop = start + 1
        while stop < count and _rank_key(ordered[stop], rules) == _rank_key(ordered[start], rules):
            stop += 1
        group = ordered[start:stop]
        for i, entry in enumerate(group):
            others = tuple(other.key for j, other in enumerate(group) if j != i)
            results[entry.key] = RankResult(start + 1, count, others, format_rank(start + 1, count))
        start = stop
    return results


@dataclass(frozen=True)
class UnitOutcome:
    """Everything the engine says about one unit of a group."""

    key: Hashable
    totals: UnitTotals
    classification: Classification
    rank: RankResult


def evaluate_group(
    tree: Sequence[CriteriaNode] | CriteriaTree,
    rules: Rules,
    units: Mapping[Hashable, tuple[Mapping[str, Decimal | None], Iterable[Condition]]],
) -> dict[Hashable, UnitOutcome]:
    """Total, classify and rank a group of units: ``units[key] = (scores, conditions_met)``.

    Disqualified units are still ranked by their score. Errors name the unit. Results come in rank order.
    """
    checked = build_tree(tree)
    areas = checked.normal_areas
    computed: dict[Hashable, tuple[UnitTotals, Classification]] = {}
    for key, (scores, conditions_met) in units.items():
        try:
            totals = unit_result(checked, scores)
            computed[key] = (totals, classify(totals.total, rules, conditions_met))
        except ValueError as exc:
            raise ValueError(f"Đơn vị {key}: {exc}") from exc
    entries = [
        RankEntry(key, totals.total, tuple(totals.by_area[a] for a in areas)) for key, (totals, _) in computed.items()
    ]
    return {
        key: UnitOutcome(key, computed[key][0], computed[key][1], result)
        for key, result in rank(entries, rules).items()
    }
