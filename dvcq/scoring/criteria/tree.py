"""The criteria tree of one assessment as its pages show it — areas in order, each with its headings and scored items
— loaded in a handful of queries. The self-assessment page and the appraisal sheets read it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import Assessment, CriteriaNode, EvidenceLink, Explanation, ItemScore, NodeKind


@dataclass
class Row:
    node: CriteriaNode
    item: ItemScore | None = None  # None for a heading (a criterion with criteria below it)
    explanations: list[Explanation] = field(default_factory=list)  # only when loaded with the explanations

    @property
    def links(self) -> list[EvidenceLink]:
        return list(self.item.evidence_links) if self.item else []

    @property
    def gap(self) -> Decimal | None:
        """Self-score minus the score that counts (positive: the unit over-scored itself)."""
        if self.item is None or self.item.self_score is None or self.item.result_score is None:
            return None
        return self.item.self_score - self.item.result_score

    @property
    def open_explanation(self) -> Explanation | None:
        return next((e for e in self.explanations if e.answered_at is None), None)


@dataclass
class Area:
    node: CriteriaNode
    rows: list[Row]

    @property
    def is_bonus(self) -> bool:
        return self.node.kind == NodeKind.BONUS

    @property
    def is_penalty(self) -> bool:
        return self.node.kind == NodeKind.PENALTY

    @property
    def self_total(self) -> Decimal:
        return sum((row.item.self_score or engine.ZERO for row in self.rows if row.item), engine.ZERO)

    @property
    def appraised_total(self) -> Decimal:
        """The sum of the scores that count (final, else appraised) of the items that have one."""
        scores = (row.item.result_score for row in self.rows if row.item)
        return sum((score for score in scores if score is not None), engine.ZERO)

    @property
    def appraised(self) -> int:
        return sum(1 for row in self.rows if row.item and row.item.result_score is not None)

    @property
    def item_count(self) -> int:
        return sum(1 for row in self.rows if row.item)

    @property
    def scorable(self) -> int:
        """The items the unit scores itself (not those reserved for the authority)."""
        return sum(1 for row in self.rows if row.item and not row.node.authority_only)

    @property
    def self_scored(self) -> int:
        return sum(
            1 for row in self.rows if row.item and not row.node.authority_only and row.item.self_score is not None
        )


def nodes_of(version_id: int) -> list[CriteriaNode]:
    """The version's nodes in tree order (a parent before its children)."""
    stmt = select(CriteriaNode).where(CriteriaNode.version_id == version_id).order_by(CriteriaNode.position)
    return list(db.session.execute(stmt).scalars())


def items_of(assessment: Assessment) -> list[ItemScore]:
    """The assessment's items in tree order, each with its evidence links and their files."""
    stmt = (
        select(ItemScore)
        .where(ItemScore.assessment_id == assessment.id)
        .order_by(ItemScore.node_position)
        .options(selectinload(ItemScore.evidence_links).selectinload(EvidenceLink.evidence))
    )
    return list(db.session.execute(stmt).scalars())


def explanations_of(assessment: Assessment) -> dict[int, list[Explanation]]:
    """The assessment's explanations by item id, in round order."""
    by_item: dict[int, list[Explanation]] = defaultdict(list)
    for explanation in db.session.execute(
        select(Explanation)
        .join(ItemScore, ItemScore.id == Explanation.item_id)
        .where(ItemScore.assessment_id == assessment.id)
        .order_by(Explanation.round)
    ).scalars():
        by_item[explanation.item_id].append(explanation)
    return by_item


def areas(
    nodes: list[CriteriaNode],
    items: list[ItemScore],
    explanations: dict[int, list[Explanation]] | None = None,
    *,
    only: set[str] | None = None,
    row: type[Row] = Row,
) -> list[Area]:
    """The areas in tree order with their rows: every criterion below an area, a leaf with its item. An area with no
    criteria below it is scored itself, so it is also its own row. `only`: just these area codes."""
    item_of = {i.node_id: i for i in items}
    explanations = explanations or {}
    result: list[Area] = []
    keep = False
    for node in nodes:
        if node.parent_id is None:
            keep = only is None or node.code in only
            if keep:
                result.append(Area(node, []))
        if not keep or not result:
            continue
        if node.parent_id is not None or node.is_leaf:
            item = item_of.get(node.id) if node.is_leaf else None
            result[-1].rows.append(row(node, item, explanations.get(item.id, []) if item else []))
    return result


def tree(
    assessment: Assessment, *, only: set[str] | None = None, explanations: bool = False, row: type[Row] = Row
) -> list[Area]:
    """Load and build the assessment's areas (see `areas`); `explanations` loads each item's explanations too."""
    return areas(
        nodes_of(assessment.criteria_version_id),
        items_of(assessment),
        explanations_of(assessment) if explanations else None,
        only=only,
        row=row,
    )
