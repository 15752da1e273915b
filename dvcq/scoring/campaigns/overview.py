"""What the campaign pages show: the units eligible to take part, each participant's status and progress by group
(with the group's criteria set), and the history of deadline extensions."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from dvcq.platform import clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.scoring.campaigns.services import READ_ROLES, campaign_for, participants, vn_day
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CriteriaNode, CriteriaVersion, ItemScore
from dvcq.scoring.selfassessment.rules import self_deadline
from dvcq.tenants.models import Unit, UnitGroup


@dataclass
class GroupOfUnits:
    group: UnitGroup
    units: list[Unit]


def eligible_units(authority_id: int, today: date | None = None) -> list[GroupOfUnits]:
    """The member units that may take part, by group in the group order: every unit of the authority that has a
    group and is in force today."""
    today = today or vn_day(clock.now())
    groups = sorted(
        db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == authority_id)).scalars(),
        key=UnitGroup.sort_key,
    )
    units = sorted(
        db.session.execute(
            select(Unit).where(Unit.authority_id == authority_id, Unit.id != authority_id, Unit.group_id.is_not(None))
        ).scalars(),
        key=Unit.sort_key,
    )
    by_group: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.active_on(today) and not unit.is_authority:
            by_group[unit.group_id].append(unit)
    return [GroupOfUnits(g, by_group[g.id]) for g in groups if by_group.get(g.id)]


@dataclass
class ParticipantRow:
    assessment: Assessment
    unit: Unit
    scored: int
    scorable: int
    deadline: datetime | None
    extended: bool

    @property
    def status_label(self) -> str:
        return self.assessment.status.label


@dataclass
class Extension:
    at: datetime
    who: str
    what: str
    reason: str


@dataclass
class GroupRows:
    name: str
    version: CriteriaVersion | None  # the group's criteria set in this campaign; None: not chosen yet
    rows: list[ParticipantRow]


@dataclass
class Overview:
    campaign: Campaign
    groups: list[GroupRows]
    extensions: list[Extension]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> list[ParticipantRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def unsubmitted(self) -> list[ParticipantRow]:
        return [r for r in self.rows if r.assessment.status == AssessmentStatus.DRAFT]

    @property
    def awaiting_appraisal(self) -> list[ParticipantRow]:
        """Submitted and not yet taken into appraisal: the units a «close early» would move on."""
        return [r for r in self.rows if r.assessment.status == AssessmentStatus.SUBMITTED]


def scorable_leaf_counts(version_ids) -> dict[int, int]:
    """Per version: the leaves a unit scores itself (the ones reserved for the authority are not)."""
    stmt = (
        select(CriteriaNode.version_id, func.count(CriteriaNode.id))
        .where(
            CriteriaNode.version_id.in_(list(version_ids)),
            CriteriaNode.is_leaf.is_(True),
            CriteriaNode.authority_only.is_(False),
        )
        .group_by(CriteriaNode.version_id)
    )
    return dict(db.session.execute(stmt).all())


def scored_counts(campaign_id: int) -> dict[int, int]:
    """Per assessment: how many self-scorable leaves have a self-score."""
    stmt = (
        select(ItemScore.assessment_id, func.count(ItemScore.self_score))
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id, CriteriaNode.authority_only.is_(False))
        .group_by(ItemScore.assessment_id)
    )
    return dict(db.session.execute(stmt).all())


def overview(actor, campaign_id: int) -> Overview:
    """The campaign page: every participant's status and progress by group, and the history of extensions."""
    require(actor, *READ_ROLES)
    campaign = campaign_for(actor, campaign_id)
    scorable = scorable_leaf_counts(c.version_id for c in campaign.criteria)
    scored = scored_counts(campaign.id)
    groups = {g.id: g for g in db.session.execute(select(UnitGroup)).scalars()}
    by_group: dict[int | None, list[ParticipantRow]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for assessment in participants(campaign):
        unit = assessment.unit
        group_id = assessment.group_id if assessment.group_id is not None else unit.group_id
        by_group[group_id].append(
            ParticipantRow(
                assessment=assessment,
                unit=unit,
                scored=scored.get(assessment.id, 0),
                scorable=scorable.get(campaign.version_id_for(group_id), 0),
                deadline=self_deadline(assessment),
                extended=assessment.self_deadline is not None,
            )
        )
        counts[assessment.status.value] += 1
    ordered = sorted(by_group, key=lambda gid: groups[gid].sort_key() if gid in groups else (99, vn_key("")))
    return Overview(
        campaign=campaign,
        groups=[
            GroupRows(groups[gid].name if gid in groups else "Chưa xếp khối", campaign.version_for(gid), by_group[gid])
            for gid in ordered
        ],
        extensions=extension_history(campaign),
        counts=dict(counts),
    )


def extension_history(campaign: Campaign) -> list[Extension]:
    """Every extension of this campaign, newest first, read back from the audit log (the one record of them)."""
    assessment_ids = [str(a.id) for a in participants(campaign)]
    stmt = (
        select(AuditRecord)
        .where(
            or_(
                (AuditRecord.action == "campaign.extend_deadline")
                & (AuditRecord.target_type == "Campaign")
                & (AuditRecord.target_id == str(campaign.id)),
                (AuditRecord.action == "assessment.extend_deadline")
                & (AuditRecord.target_type == "Assessment")
                & (AuditRecord.target_id.in_(assessment_ids)),
            )
        )
        .order_by(AuditRecord.seq.desc())
    )
    out = []
    for rec in db.session.execute(stmt).scalars():
        after = json.loads(rec.after or "null") or {}
        out.append(Extension(at=rec.at, who=rec.actor_login, what=after.get("summary", ""), reason=rec.reason))
    return out
