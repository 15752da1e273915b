"""What-if answers: the fewest points to the next better level (and which lost items to win back), or rank.

Points are won back in steps (a leaf's score moves by its step: 0,25 unless the criteria say otherwise), so an
answer is always a multiple of the step; equal totals share a rank, so reaching the unit above means equalling it,
not passing it by 0,01; and no answer asks for more than the unit can still gain (the maximum less its total)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .points import CENT, DEFAULT_STEP, METHOD_YES_NO, ZERO, format_points, to_points
from .results import EFFECT_CAP, TIE_BREAK_AREAS, Condition, Level, RankEntry, Rules, classify, rank
from .tree import KIND_NORMAL, CriteriaNode, CriteriaTree, build_tree, unit_result


def leaf_step(max_points: Decimal, step: Decimal | None = None, method: str | None = None) -> Decimal:
    """The least change of one leaf's score: its whole maximum for có/không, else the greatest common divisor of
    its step (0,25 when none is stored) and its maximum (the maximum itself is always a valid score)."""
    limit = to_points(max_points, "Điểm tối đa")
    if method == METHOD_YES_NO:
        return limit if limit > 0 else DEFAULT_STEP
    return common_step([DEFAULT_STEP if step is None else to_points(step, "Bước điểm"), limit])


def common_step(steps: Iterable[Decimal]) -> Decimal:
    """The least change of a total made of scores moving by these steps (their greatest common divisor); 0,25 when
    there are none."""
    hundredths = [int(to_points(s, "Bước điểm") / CENT) for s in steps]
    found = math.gcd(*[h for h in hundredths if h > 0])
    return to_points(Decimal(found) * CENT) if found else DEFAULT_STEP


@dataclass(frozen=True)
class Reach:
    """What it takes to reach a total: ``needed`` more points, a multiple of the step; not ``reachable`` when that
    is more than ``available``, the points the unit can still gain (None: not bounded)."""

    needed: Decimal
    reachable: bool
    available: Decimal | None = None


def points_to_reach(
    total: Decimal,
    goal: Decimal,
    *,
    step: Decimal = DEFAULT_STEP,
    maximum: Decimal | None = None,
    strictly: bool = False,
) -> Reach:
    """The fewest points, in whole steps, that bring ``total`` to ``goal`` (or above it when ``strictly``), and
    whether the unit can still gain that many: ``maximum`` − ``total`` (the criteria's maximum less its total)."""
    total, goal, step = to_points(total, "Tổng điểm"), to_points(goal, "Điểm cần đạt"), to_points(step, "Bước điểm")
    if step <= 0:
        raise ValueError(f"Bước điểm phải lớn hơn 0 (đang là {format_points(step)})")
    steps = max(0, math.ceil((goal - total) / step))
    if strictly and total + steps * step <= goal:
        steps += 1
    needed = to_points(steps * step)
    available = None if maximum is None else max(ZERO, to_points(maximum, "Điểm tối đa") - total)
    return Reach(needed, available is None or needed <= available, available)


@dataclass(frozen=True)
class WhatIf:
    """To reach ``target`` the unit needs ``needed`` more points (the gap to its threshold in whole steps);
    ``items`` (leaf code, points to recover), largest loss first, add up to at least ``needed`` — unless
    ``reachable`` is False (then they are all the lost points there are, and still not enough)."""

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
    step: Decimal = DEFAULT_STEP,
) -> WhatIf | None:
    """The fewest extra points to the next better level, in whole ``step``s, with the lost items to recover for it.

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
    needed = points_to_reach(totals.raw_total, target.min_points, step=step).needed  # before the floor at 0

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


@dataclass(frozen=True)
class RankWhatIf:
    """To reach rank ``target`` of ``of`` (the rank of the unit(s) directly above) the unit needs ``needed`` more
    points; not ``reachable`` when that is more than the ``available`` points it can still gain."""

    target: int
    of: int
    needed: Decimal
    reachable: bool
    available: Decimal | None = None


def points_to_next_rank(
    entries: Sequence[RankEntry],
    key: Hashable,
    rules: Rules,
    *,
    step: Decimal = DEFAULT_STEP,
    maximum: Decimal | None = None,
) -> RankWhatIf | None:
    """What the unit needs to reach the rank of the unit(s) directly above it; None when it ranks first.

    Equal totals share a rank, so that is the gap to their total, in whole ``step``s: 3,25 behind is 3,25, never
    3,26. Under the "areas" tie-break equal totals may not share, so it is one step more than equalling them. Not
    reachable when it is more than ``maximum`` − the unit's total (``maximum`` None: not bounded).
    """
    results = rank(entries, rules)
    if key not in results:
        raise ValueError(f"Không có đơn vị {key} trong nhóm xếp hạng")
    mine = results[key]
    if mine.rank == 1:
        return None
    above = max(result.rank for result in results.values() if result.rank < mine.rank)
    total_of = {entry.key: entry.total for entry in entries}
    above_total = next(total_of[k] for k, result in results.items() if result.rank == above)
    strictly = rules.tie_break == TIE_BREAK_AREAS
    reach = points_to_reach(total_of[key], above_total, step=step, maximum=maximum, strictly=strictly)
    return RankWhatIf(above, mine.of, reach.needed, reach.reachable, reach.available)
