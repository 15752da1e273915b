"""Read models for the appraisal pages: the criteria tree of one assessment with every item's scores, reasons,
evidence and explanations, loaded in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dvcq.platform.extensions import db
from dvcq.scoring.appraisal.services import area_code, reason_labels
from dvcq.scoring.models import Assessment, CriteriaNode, EvidenceLink, Explanation, ItemScore

ZERO = Decimal("0.00")


@dataclass
class Row:
    node: CriteriaNode
    item: ItemScore | None = None
    links: list[EvidenceLink] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return reason_labels(self.item.deduction_reasons) if self.item else []

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
    self_total: Decimal = ZERO
    appraised_total: Decimal = ZERO
    appraised: int = 0


def sheet(assessment: Assessment, areas: set[str] | None = None) -> list[Area]:
    """The tree in order, leaves with their item; only the given area codes when `areas` is set."""
    nodes = (
        db.session.execute(
            select(CriteriaNode)
            .where(CriteriaNode.version_id == assessment.campaign.criteria_version_id)
            .order_by(CriteriaNode.position)
        )
        .scalars()
        .all()
    )
    items = {
        i.node_id: i
        for i in db.session.execute(
            select(ItemScore)
            .where(ItemScore.assessment_id == assessment.id)
            .options(selectinload(ItemScore.evidence_links).selectinload(EvidenceLink.evidence))
        ).scalars()
    }
    explanations: dict[int, list[Explanation]] = defaultdict(list)
    for e in db.session.execute(
        select(Explanation)
        .join(ItemScore, ItemScore.id == Explanation.item_id)
        .where(ItemScore.assessment_id == assessment.id)
        .order_by(Explanation.round)
    ).scalars():
        explanations[e.item_id].append(e)
    result: list[Area] = []
    for node in nodes:
        if node.parent_id is None:
            if areas is not None and node.code not in areas:
                continue
            result.append(Area(node=node, rows=[]))
            continue
        if areas is not None and area_code(node.code) not in areas:
            continue
        item = items.get(node.id)
        row = Row(
            node=node,
            item=item,
            links=list(item.evidence_links) if item else [],
            explanations=explanations.get(item.id, []) if item else [],
        )
        area = result[-1]
        area.rows.append(row)
        if item is not None:
            area.self_total += item.self_score or ZERO
            if item.result_score is not None:
                area.appraised_total += item.result_score
                area.appraised += 1
    return result
