"""Read model for the appraisal pages: the assessment's criteria tree (`dvcq.scoring.criteria.tree`) with every
item's scores, deduction reasons, evidence and explanations, and the per-area summary the unit's preliminary result
opens with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dvcq.scoring import engine
from dvcq.scoring.appraisal.services import reason_labels
from dvcq.scoring.criteria import tree
from dvcq.scoring.models import Assessment, EvidenceLink, NodeKind


class Row(tree.Row):
    @property
    def reasons(self) -> list[str]:
        return reason_labels(self.item.deduction_reasons) if self.item else []

    @property
    def effect(self) -> Decimal | None:
        """What the appraisal did to the unit's total on this item against its self-score: appraised − self, so a
        negative number is points lost; on a penalty item (its score is the deduction) the sign is turned round so
        that it still reads as the effect on the total. None on an item the unit does not score itself."""
        if self.item is None or self.item.self_score is None or self.item.result_score is None:
            return None
        change = self.item.result_score - self.item.self_score
        return -change if self.node.kind == NodeKind.PENALTY else change

    @property
    def draft(self):
        """The unit's explanation of this item not yet sent, if any."""
        return next((e for e in self.explanations if e.draft), None)

    @property
    def sent(self) -> list:
        return [e for e in self.explanations if not e.draft]

    @property
    def authority_links(self) -> list[EvidenceLink]:
        """What the authority may see: every file but those attached to an explanation not yet sent."""
        drafts = {e.id for e in self.explanations if e.draft}
        return [link for link in self.links if link.explanation_id not in drafts]

    @property
    def original_links(self) -> list[EvidenceLink]:
        """The files cited at self-assessment (those attached to explanations are shown with them)."""
        return [link for link in self.links if link.explanation_id is None]


def sheet(assessment: Assessment, areas: set[str] | None = None) -> list[tree.Area]:
    """The tree in order, leaves with their item and explanations; only the given area codes when `areas` is set."""
    return tree.tree(assessment, only=areas, explanations=True, row=Row)


@dataclass
class AreaSummary:
    """One line of the preliminary result's summary: the items the unit scores itself (self, appraised, effect), and
    apart from them the items the appraisers alone score (never a loss against a self-score)."""

    code: str
    name: str
    kind: NodeKind
    max_points: Decimal
    self_points: Decimal
    appraised_points: Decimal
    effect: Decimal  # the sum of the items' effects: negative = points lost against the self-score
    authority_points: Decimal | None  # None: no item of this area is scored by the appraisers alone
    authority_max: Decimal


@dataclass
class AuthorityItem:
    code: str
    name: str
    max_points: Decimal
    score: Decimal | None

    @property
    def score_or_zero(self) -> Decimal:
        return self.score if self.score is not None else engine.ZERO


def summary(areas: list[tree.Area]) -> tuple[list[AreaSummary], list[AuthorityItem]]:
    """Per area, what the appraisal did to the unit's own scores; and the items only the appraisers score."""
    lines, reserved = [], []
    for area in areas:
        own = [r for r in area.rows if r.item and not r.node.authority_only]
        theirs = [r for r in area.rows if r.item and r.node.authority_only]
        reserved += [AuthorityItem(r.node.code, r.node.name, r.node.max_points, r.item.result_score) for r in theirs]
        lines.append(
            AreaSummary(
                code=area.node.code,
                name=area.node.name,
                kind=area.node.kind,
                max_points=area.node.max_points,
                self_points=sum((r.item.self_score or engine.ZERO for r in own), engine.ZERO),
                appraised_points=sum((r.item.result_score or engine.ZERO for r in own), engine.ZERO),
                effect=sum((r.effect or engine.ZERO for r in own), engine.ZERO),
                authority_points=(
                    sum((r.item.result_score or engine.ZERO for r in theirs), engine.ZERO) if theirs else None
                ),
                authority_max=sum((r.node.max_points for r in theirs), engine.ZERO),
            )
        )
    return lines, reserved
