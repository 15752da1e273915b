"""What-if answers: the fewest points to the next better level (and which lost items to win back), or rank."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .points import CENT, ZERO, format_points, to_points
from .results import EFFECT_CAP, Condition, Level, RankEntry, Rules, classify, rank
from .tree import KIND_NORMAL, CriteriaNode, CriteriaTree, build_tree, unit_result


@dataclass(frozen=True)
class WhatIf:
    """To reach ``target`` the unit needs ``needed`` more points; ``items`` (leaf code, points to recover),
    largest loss first, add up to at least ``needed`` — unless ``reachable`` is False (then they are all the
    lost points there are, and still not enough)."""

    target: Level
    needed: Decimal
    items: tuple[tuple[str, Decimal], ...]
    reachable: bool


def points_to_next_level(
    tree: Sequence[CriteriaNode] | CriteriaTree,
    rules: Rules,
    scores: Mapping[str, Decimal | None],
    lost: Mapping[str, Decimal] | None = None,
    conditions_met: Iterable[Condition] = (),
) -> WhatIf | None:
    """The fewest extra points to the next better level, with the lost items to recover for it.

    ``lost`` defaults to max − score for every normal leaf (a missing score loses the whole maximum); the
    caller may pass its own (e.g. self-score − appraised score). Items are taken greedily, largest loss first
    (ties in tree order), each recovered whole, until they cover ``needed`` — the fewest items that can.
    Returns None when the unit already has the best level, is disqualified, or is held by a cap that points
    cannot lift.
    """
    checked = build_tree(tree)
    totals = unit_result(checked, scores)
    conditions = tuple(conditions_met)
    current = classify(totals.total, rules, conditions)
    if current.disqualified or not rules.levels:
        return None
    if current.level is None:
        target = rules.levels[-1]
    else:
        position = rules.levels.index(current.level)
        if position == 0:
            return None
        target = rules.levels[position - 1]
    caps = [c.cap_order for c in conditions if c.effect == EFFECT_CAP and c.cap_order is not None]
    if caps and target.order < max(caps):
        return None
    needed = target.min_points - totals.raw_total  # recovered points count before the floor at 0

    if lost is None:
        losses = {
            code: checked.max_of[code] - to_points(scores.get(code) or 0)
            for code in checked.leaves
            if checked.kind_of[code] == KIND_NORMAL
        }
    else:
        losses = {}
        for code, value in lost.items():
            if code not in checked.leaves:
                raise ValueError(f"Không có tiêu chí cuối cùng mã {code} trong bộ tiêu chí")
            points = to_points(value, f"Điểm bị mất ở tiêu chí {code}")
            if points < 0:
                raise ValueError(f"Điểm bị mất ở tiêu chí {code} không được âm ({format_points(points)})")
            losses[code] = points
    position_of = {code: i for i, code in enumerate(checked.leaves)}
    candidates = sorted(
        ((code, points) for code, points in losses.items() if points > 0),
        key=lambda item: (-item[1], position_of[item[0]]),
    )
    items: list[tuple[str, Decimal]] = []
    recovered = ZERO
    for code, points in candidates:
        if recovered >= needed:
            break
        items.append((code, to_points(points)))
        recovered += points
    return WhatIf(target=target, needed=needed, items=tuple(items), reachable=recovered >= needed)


def points_to_next_rank(entries: Sequence[RankEntry], key: Hashable, rules: Rules) -> Decimal | None:
    """Points the unit needs to strictly overtake the unit(s) directly above it; None when it ranks first.

    That is the gap to their total plus 0,01 (gaining just the gap would only tie with them).
    """
    results = rank(entries, rules)
    if key not in results:
        raise ValueError(f"Không có đơn vị {key} trong nhóm xếp hạng")
    mine = results[key].rank
    if mine == 1:
        return None
    above = max(result.rank for result in results.values() if result.rank < mine)
    total_of = {entry.key: entry.total for entry in entries}
    above_total = next(total_of[k] for k, result in results.items() if result.rank == above)
    return above_total - total_of[key] + CENT
