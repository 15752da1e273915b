"""What the appraisal pages list: the active campaigns, their dossiers, assignments, appraisers and areas, and the
results released to a unit. Reads only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from dvcq.platform.auth.models import Role, User
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
)
from dvcq.tenants.models import Unit

# Rolling appraisal: a dossier submitted during self-assessment is appraised at once.
ACTIVE = (CampaignStatus.SELF_ASSESSMENT, CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)
VISIBLE_TO_UNIT = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


def active_campaigns() -> list[Campaign]:
    """The campaigns in self-assessment (submitted dossiers are appraised at once), appraisal or the explanation
    round, newest year first."""
    stmt = select(Campaign).where(Campaign.status.in_(ACTIVE)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def assessments_of(campaign: Campaign) -> list[Assessment]:
    """The campaign's assessments by group, then unit name."""
    return _by_group_and_name(Assessment.campaign_id == campaign.id)


def _by_group_and_name(*where) -> list[Assessment]:
    """The assessments by group, then unit name in Vietnamese alphabetical order, then unit code."""
    rows = list(
        db.session.execute(
            select(Assessment)
            .join(Unit, Unit.id == Assessment.unit_id)
            .options(contains_eager(Assessment.unit))  # the lists show each unit: one statement, not one per unit
            .where(*where)
        ).scalars()
    )
    rows.sort(key=lambda a: (a.group_id or 0, vn_key(a.unit.name), a.unit.code))
    return rows


def released_to_unit() -> list[Assessment]:
    """The unit's assessments whose appraisal it may see (released or final) in campaigns not yet published, each
    with its campaign, in ONE statement."""
    stmt = (
        select(Assessment)
        .join(Assessment.campaign)
        .options(contains_eager(Assessment.campaign))
        .where(Assessment.status.in_(VISIBLE_TO_UNIT), Campaign.status != CampaignStatus.PUBLISHED)
    )
    return list(db.session.execute(stmt).scalars())


def assignments(campaign: Campaign) -> list[AppraisalAssignment]:
    stmt = (
        select(AppraisalAssignment)
        .where(AppraisalAssignment.campaign_id == campaign.id)
        .order_by(AppraisalAssignment.appraiser_id)
    )
    return list(db.session.execute(stmt).scalars())


def appraisers_of(campaign: Campaign) -> list[User]:
    """The authority's active appraisers, by name."""
    stmt = select(User).where(User.unit_id == campaign.authority_id, User.role == Role.APPRAISER, User.active.is_(True))
    return _by_name(db.session.execute(stmt).scalars())


def _by_name(users) -> list[User]:
    """People by full name in Vietnamese alphabetical order (then by id)."""
    return sorted(users, key=lambda user: (vn_key(user.full_name), user.id))


def areas_of(campaign: Campaign) -> list[tuple[CriteriaVersion, list[CriteriaNode]]]:
    """The top-level criteria (areas) of each criteria version the campaign uses, in order."""
    out = []
    for version in campaign.versions:
        stmt = (
            select(CriteriaNode)
            .where(CriteriaNode.version_id == version.id, CriteriaNode.parent_id.is_(None))
            .order_by(CriteriaNode.position)
        )
        out.append((version, list(db.session.execute(stmt).scalars())))
    return out
