"""The criteria tree and one unit's totals: leaves summed up to areas, bonus added, penalty deducted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .points import CENT, ZERO, format_points, to_points

KIND_NORMAL = "normal"
KIND_BONUS = "bonus"
KIND_PENALTY = "penalty"
KINDS = (KIND_NORMAL, KIND_BONUS, KIND_PENALTY)
_KIND_NAMES = {KIND_NORMAL: "tiêu chí thường", KIND_BONUS: "điểm thưởng", KIND_PENALTY: "điểm trừ"}


@dataclass(frozen=True)
class CriteriaNode:
    """One node of a criteria version: an area (``parent_code`` None), a criterion or a sub-criterion.

    ``max_points`` is required on leaves; on a parent it may be None (then it is the sum of its children).
    ``kind``: ``normal`` (part of the 100), ``bonus`` (added, up to its max) or ``penalty`` (deducted, up to
    its max; the score given is the deduction as a positive number). Children inherit a bonus/penalty kind.
    """

    code: str
    parent_code: str | None
    name: str
    max_points: Decimal | None
    kind: str = KIND_NORMAL

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("Mã tiêu chí không được để trống")
        if self.kind not in KINDS:
            raise ValueError(f"Loại của tiêu chí {self.code} (“{self.kind}”) không hợp lệ: {'/'.join(KINDS)}")
        if self.max_points is not None:
            limit = to_points(self.max_points, f"Điểm tối đa của tiêu chí {self.code}")
            if limit < 0:
                raise ValueError(f"Điểm tối đa của tiêu chí {self.code} bị âm ({format_points(limit)})")
            object.__setattr__(self, "max_points", limit)


@dataclass(frozen=True)
class CriteriaTree:
    """A checked criteria tree, built once by :func:`build_tree` and reusable for many units."""

    nodes: dict[str, CriteriaNode]
    children: dict[str, tuple[str, ...]]
    order: tuple[str, ...]  # every code, pre-order (parents before children, siblings as given)
    leaves: tuple[str, ...]  # leaf codes in tree order
    areas: tuple[str, ...]  # top-level codes in tree order
    kind_of: dict[str, str]  # effective kind (inherited from the nearest bonus/penalty ancestor)
    max_of: dict[str, Decimal]  # normal parent: sum of its normal children; bonus/penalty: capped by its max
    roots_of_kind: dict[str, tuple[str, ...]]  # the outermost nodes of each kind

    @property
    def max_total(self) -> Decimal:
        """The highest possible total: every normal leaf at its maximum plus every bonus at its maximum."""
        base = sum((self.max_of[c] for c in self.leaves if self.kind_of[c] == KIND_NORMAL), ZERO)
        return base + sum((self.max_of[c] for c in self.roots_of_kind[KIND_BONUS]), ZERO)

    @property
    def normal_areas(self) -> tuple[str, ...]:
        """The areas that are part of the base points (used for the "areas" tie-break)."""
        return tuple(a for a in self.areas if self.kind_of[a] == KIND_NORMAL)

    @cached_property
    def totalling(self) -> _Totalling:
        """What :func:`unit_result` walks for every unit, worked out once per tree (a national campaign totals
        thousands of units over the same tree)."""
        parents = []
        for code in reversed(self.order):
            kids = self.children[code]
            if kids:
                kind = self.kind_of[code]
                same_kind = tuple(c for c in kids if self.kind_of[c] == kind)
                parents.append((code, same_kind, None if kind == KIND_NORMAL else self.max_of[code]))
        return _Totalling(
            parents=tuple(parents),
            normal_leaves=tuple(c for c in self.leaves if self.kind_of[c] == KIND_NORMAL),
            non_leaves=tuple(c for c in self.order if self.children[c]),
        )


@dataclass(frozen=True)
class _Totalling:
    parents: tuple[tuple[str, tuple[str, ...], Decimal | None], ...]  # bottom-up: code, same-kind children, cap
    normal_leaves: tuple[str, ...]
    non_leaves: tuple[str, ...]  # tree order


def build_tree(nodes: Sequence[CriteriaNode] | CriteriaTree) -> CriteriaTree:
    """Check a flat list of nodes and return the tree. Raises ValueError (Vietnamese) on any inconsistency."""
    if isinstance(nodes, CriteriaTree):
        return nodes
    by_code: dict[str, CriteriaNode] = {}
    for node in nodes:
        if not isinstance(node, CriteriaNode):
            raise TypeError(f"expected CriteriaNode, not {type(node).__name__}")
        if node.code in by_code:
            raise ValueError(f"Mã tiêu chí {node.code} bị trùng")
        by_code[node.code] = node
    children: dict[str, list[str]] = {code: [] for code in by_code}
    areas: list[str] = []
    for node in by_code.values():
        if node.parent_code is None:
            areas.append(node.code)
        elif node.parent_code not in by_code:
            raise ValueError(f"Tiêu chí {node.code} có mã cấp trên {node.parent_code} không tồn tại")
        else:
            children[node.parent_code].append(node.code)
    if not areas:
        raise ValueError("Bộ tiêu chí không có lĩnh vực nào")

    order: list[str] = []
    stack = list(reversed(areas))
    while stack:
        code = stack.pop()
        order.append(code)
        stack.extend(reversed(children[code]))
    if len(order) != len(by_code):
        reached = set(order)
        loop = ", ".join(code for code in by_code if code not in reached)
        raise ValueError(f"Các tiêu chí {loop} tạo thành vòng lặp cấp trên – cấp dưới")

    kind_of: dict[str, str] = {}
    for code in order:
        node = by_code[code]
        inherited = KIND_NORMAL if node.parent_code is None else kind_of[node.parent_code]
        if node.kind == KIND_NORMAL or inherited in (KIND_NORMAL, node.kind):
            kind_of[code] = node.kind if node.kind != KIND_NORMAL else inherited
        else:
            raise ValueError(
                f"Tiêu chí {code} ({_KIND_NAMES[node.kind]}) không thể nằm trong mục {_KIND_NAMES[inherited]}"
            )

    max_of: dict[str, Decimal] = {}
    for code in reversed(order):
        node = by_code[code]
        if not children[code]:
            if node.max_points is None:
                raise ValueError(f"Tiêu chí {code} chưa có điểm tối đa")
            max_of[code] = node.max_points
            continue
        summed = sum((max_of[c] for c in children[code] if kind_of[c] == kind_of[code]), ZERO)
        stated = node.max_points
        if stated is None:
            max_of[code] = summed
        elif kind_of[code] == KIND_NORMAL and stated != summed:
            raise ValueError(
                f"Điểm tối đa của tiêu chí {code} ({format_points(stated)}) khác tổng điểm tối đa "
                f"các tiêu chí thành phần ({format_points(summed)})"
            )
        else:  # a bonus/penalty group may state a lower cap than the sum of its items
            max_of[code] = min(stated, summed)

    def is_root_of_its_kind(code: str) -> bool:
        parent = by_code[code].parent_code
        return parent is None or kind_of[parent] != kind_of[code]

    roots_of_kind = {kind: tuple(c for c in order if kind_of[c] == kind and is_root_of_its_kind(c)) for kind in KINDS}
    return CriteriaTree(
        nodes=by_code,
        children={code: tuple(kids) for code, kids in children.items()},
        order=tuple(order),
        leaves=tuple(code for code in order if not children[code]),
        areas=tuple(areas),
        kind_of=kind_of,
        max_of=max_of,
        roots_of_kind=roots_of_kind,
    )


def max_total(tree: Sequence[CriteriaNode] | CriteriaTree) -> Decimal:
    """The highest total a unit can reach with this tree (normal maximum plus bonus maximum)."""
    return build_tree(tree).max_total


@dataclass(frozen=True)
class UnitTotals:
    """One unit's points. ``total`` = base + bonus − penalty, never below 0; all values have two places."""

    total: Decimal
    base_total: Decimal  # normal leaves only
    bonus: Decimal
    penalty: Decimal  # deducted, as a positive number
    by_node: dict[str, Decimal]  # every non-leaf node, tree order
    by_area: dict[str, Decimal]  # every top-level node, tree order
    missing: tuple[str, ...]  # leaves with no score (counted as 0)

    @property
    def raw_total(self) -> Decimal:
        """base + bonus − penalty before the floor at 0."""
        return self.base_total + self.bonus - self.penalty


def _exact(value: Decimal, code: str) -> Decimal:
    """A Decimal score with at most two places, as two places — `to_points` without building its message."""
    try:
        return to_points(value, "")
    except ValueError:
        return to_points(value, f"Điểm của tiêu chí {code}")


def unit_result(tree: Sequence[CriteriaNode] | CriteriaTree, scores: Mapping[str, Decimal | int | None]) -> UnitTotals:
    """Total one unit's leaf scores over the tree.

    A leaf absent from ``scores`` (or scored None) counts as 0 and is listed in ``missing``. A score for an
    unknown code or a non-leaf, a negative score or one above the leaf's maximum raises ValueError.
    """
    checked = build_tree(tree)
    nodes, children, max_of = checked.nodes, checked.children, checked.max_of
    given: dict[str, Decimal] = {}
    for code, value in scores.items():
        if code not in nodes:
            raise ValueError(f"Không có tiêu chí mã {code} trong bộ tiêu chí")
        if children[code]:
            raise ValueError(f"Tiêu chí {code} có tiêu chí thành phần; chỉ chấm điểm ở tiêu chí cuối cùng")
        if value is None:
            continue
        score = to_points(value, f"Điểm của tiêu chí {code}") if type(value) is not Decimal else _exact(value, code)
        if score < 0:
            raise ValueError(f"Điểm của tiêu chí {code} không được âm ({format_points(score)})")
        if score > max_of[code]:
            raise ValueError(f"Điểm của tiêu chí {code} vượt quá điểm tối đa {format_points(max_of[code])}")
        given[code] = score

    plan = checked.totalling
    value_of = dict.fromkeys(checked.leaves, ZERO)
    value_of.update(given)
    for code, kids, cap in plan.parents:
        summed = sum((value_of[c] for c in kids), ZERO)
        value_of[code] = summed if cap is None else min(summed, cap)

    base = sum((value_of[c] for c in plan.normal_leaves), ZERO)
    bonus = sum((value_of[c] for c in checked.roots_of_kind[KIND_BONUS]), ZERO)
    penalty = sum((value_of[c] for c in checked.roots_of_kind[KIND_PENALTY]), ZERO)
    return UnitTotals(
        total=max(base + bonus - penalty, ZERO).quantize(CENT),
        base_total=base,
        bonus=bonus,
        penalty=penalty,
        by_node={code: value_of[code] for code in plan.non_leaves},
        by_area={code: value_of[code] for code in checked.areas},
        missing=tuple(code for code in checked.leaves if code not in given),
    )
