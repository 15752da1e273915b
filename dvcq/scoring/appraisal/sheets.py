"""Read model for the appraisal pages: the assessment's criteria tree (`dvcq.scoring.criteria.tree`) with every
item's scores, deduction reasons, evidence and explanations."""

from __future__ import annotations

from dvcq.scoring.appraisal.services import reason_labels
from dvcq.scoring.criteria import tree
from dvcq.scoring.models import Assessment


class Row(tree.Row):
    @property
    def reasons(self) -> list[str]:
        return reason_labels(self.item.deduction_reasons) if self.item else []


def sheet(assessment: Assessment, areas: set[str] | None = None) -> list[tree.Area]:
    """The tree in order, leaves with their item and explanations; only the given area codes when `areas` is set."""
    return tree.tree(assessment, only=areas, explanations=True, row=Row)
