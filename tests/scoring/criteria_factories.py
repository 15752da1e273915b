"""Criteria versions for tests: a small hand-built version, or the shipped sample imported through the importer.

Both run in the system scope themselves and commit, so a test (or another area's factory) can call them anywhere.

    version = make_version(world.district_id)                      # 1 (1.1, 1.2) + 2 (2.1): 10 points
    version = make_version(world.district_id, leaves={"1.1": "6", "1.2": {"max": "4", "method": "co_khong"}},
                           status=VersionStatus.IN_USE)
    version = load_sample_version(world.district_id)               # 8 areas, 49 leaves, 100 points
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import (
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    DisqualifyingCondition,
    Method,
    NodeKind,
    VersionStatus,
)

DEFAULT_LEAVES = {
    "1.1": {"max": "4", "method": "khoang", "step": "0.25", "evidence": True},
    "1.2": {"max": "2", "method": "co_khong"},
    "2.1": {"max": "4", "method": "tru_diem", "step": "0.5", "evidence": True},
}
DEFAULT_LEVELS = (
    ("Hoàn thành xuất sắc nhiệm vụ", "9"),
    ("Hoàn thành tốt nhiệm vụ", "7"),
    ("Hoàn thành nhiệm vụ", "5"),
    ("Không hoàn thành nhiệm vụ", "0"),
)


def _spec(value) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    return {"max": value}


def make_version(
    authority_id: int,
    *,
    leaves: Mapping[str, object] | None = None,
    levels: Sequence[tuple[str, object]] = DEFAULT_LEVELS,
    status: VersionStatus = VersionStatus.DRAFT,
    conditions: Sequence[tuple[str, str, str, int | None]] = (),
    name: str = "Bộ tiêu chí thử nghiệm",
    is_sample: bool = False,
) -> CriteriaVersion:
    """A version built straight from models. `leaves` maps a leaf code to its maximum, or to a dict with `max`,
    `method` ("khoang", "co_khong", "tru_diem"), `step`, `evidence`, `kind` ("normal", "bonus", "penalty"),
    `authority_only`, `name`, `guidance`. Parents come from the dots in the codes (named "Lĩnh vực 1", …) with
    their maximum summed; a parent inherits a bonus/penalty kind from its leaves. `levels` are (name, lower bound),
    best first; `conditions` are (code, name, "disqualify"|"cap", cap_order)."""
    specs = {code: _spec(v) for code, v in (leaves or DEFAULT_LEAVES).items()}
    codes: list[str] = []
    for code in specs:
        parts = code.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix not in codes:
                codes.append(prefix)
    children = {c: [d for d in codes if d.rsplit(".", 1)[0] == c and "." in d] for c in codes}
    ordered: list[str] = []

    def walk(code: str) -> None:
        ordered.append(code)
        for child in children[code]:
            walk(child)

    for code in codes:
        if "." not in code:
            walk(code)

    with scoped(SYSTEM):
        version = CriteriaVersion(
            authority_id=authority_id,
            name=name,
            description="",
            status=status,
            is_sample=is_sample,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        made: dict[str, CriteriaNode] = {}
        maxima: dict[str, Decimal] = {}
        kinds: dict[str, NodeKind] = {}
        for code in reversed(ordered):
            if code in specs:
                maxima[code] = Decimal(str(specs[code]["max"]))
                kinds[code] = NodeKind(specs[code].get("kind", "normal"))
            else:
                maxima[code] = sum((maxima[c] for c in children[code]), Decimal(0))
                kinds[code] = kinds[children[code][0]]
        for position, code in enumerate(ordered, start=1):
            spec = specs.get(code)
            leaf = spec is not None
            method = Method(spec.get("method", "khoang")) if leaf else None
            step = None
            if leaf and method != Method.YES_NO:
                step = Decimal(str(spec.get("step", "0.25")))
            node = CriteriaNode(
                code=code,
                position=position,
                depth=code.count("."),
                name=(spec or {}).get("name") or (f"Tiêu chí {code}" if "." in code else f"Lĩnh vực {code}"),
                max_points=maxima[code],
                is_leaf=leaf,
                method=method,
                step=step,
                evidence_required=bool(leaf and spec.get("evidence", False)),
                guidance=(spec or {}).get("guidance", f"Hướng dẫn chấm {code}" if leaf else ""),
                kind=kinds[code],
                authority_only=bool(leaf and spec.get("authority_only", False)),
            )
            node.parent = made.get(code.rsplit(".", 1)[0]) if "." in code else None
            made[code] = node
            version.nodes.append(node)
        for order, (level_name, lower) in enumerate(levels, start=1):
            version.levels.append(ClassificationLevel(order=order, name=level_name, min_points=Decimal(str(lower))))
        for code, cond_name, effect, cap in conditions:
            version.conditions.append(DisqualifyingCondition(code=code, name=cond_name, effect=effect, cap_order=cap))
        version.max_total = sum(
            (maxima[c] for c in ordered if "." not in c and kinds[c] == NodeKind.NORMAL), Decimal(0)
        )
        db.session.add(version)
        db.session.commit()
        return version


def load_sample_version(authority_id: int, actor=None) -> CriteriaVersion:
    """The shipped sample imported through the real importer (8 areas, 49 leaves, 100 points, bonus T, penalty P,
    4 levels, 3 conditions)."""
    from dvcq.scoring.criteria import services

    with scoped(SYSTEM):
        return services.load_sample(authority_id, actor)
