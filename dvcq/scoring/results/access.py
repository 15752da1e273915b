"""Who may read which unit's data — THE rule, in one place, for results, dossiers, explanations, evidence, plans,
period reports and decisions.

Before publication a unit sees only its own data, and its draft is its own until it submits. An appraiser sees only
the units (and areas) assigned to them; the unpublished ranking, every unit's running results and draft decisions are
for the secretariat (thường trực), leadership and administrators (`BOARD`). After publication, what is published — the
year's results and its decision — is readable by all staff (and the table by every unit).

  reads_unit(user, unit_id, campaign=, area=)   a unit's dossier, explanations, evidence, plans and reports
  reads_result(user, unit_id, campaign)          a unit's result of a campaign year (staff; units: queries.unit_page)
  sees_unpublished(user) / reads_year(...)       the unpublished ranking and exports, draft decisions
  readable_units(user)                           which units a list may show (None: all the scope holds)
  self_scores_private(assessment)                a draft's self-scores and totals stay the unit's own
  readable(stmt, published=)                     the one opening of other units' rows to a unit's user

A refusal answers 404 with the generic text (`NOT_FOUND`), byte for byte what a missing object answers: who is
assigned to what must not be learnt from the difference between "forbidden" and "missing".
"""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import MESSAGES
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import Scope
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    CriteriaNode,
)
from dvcq.scoring.selfassessment.rules import EXTENSION_STAGES, extension_running
from dvcq.tenants.models import Unit

RELEASED = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)
BOARD = (Role.SECRETARIAT, Role.LEADERSHIP, Role.ADMIN)  # the unpublished ranking, draft decisions, every unit
UNIT_ROLES = (Role.OFFICER, Role.LEADER)
NOT_FOUND = MESSAGES[404][1]
PRIVATE_STAGES = (CampaignStatus.DRAFT, CampaignStatus.SELF_ASSESSMENT)


def readable(stmt, *, published: bool):
    """THE one place where a unit's user may read other units' results: only those of a published year.

    For authority staff the option changes nothing (their scope is already the authority); for a commune it opens the
    authority's results — so it is applied only when `published` is true."""
    if published:
        return stmt.execution_options(authority_wide=True)
    return stmt


def authority_of(user) -> int:
    return Scope.for_unit(user.unit).authority_id


def is_staff(user) -> bool:
    return user.role.in_authority


def year_state(authority_id: int, year: int) -> tuple[Campaign | None, bool]:
    """The year's campaign (if any) and whether its results are public: a campaign's once published; a year without
    a campaign holds imported results of published decisions."""
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == authority_id, Campaign.year == year)
    ).scalar_one_or_none()
    return campaign, (campaign.published if campaign is not None else True)


# ---- the rule ------------------------------------------------------------------------------------------------------


def sees_unpublished(user) -> bool:
    """The unpublished ranking, every unit's results before publication, draft decisions and their previews: the
    secretariat, leadership and administrators only."""
    return user.role in BOARD


def reads_year(user, authority_id: int, year: int) -> bool:
    """The year's whole table (and its exports): published (or imported) years for everyone, others for `BOARD`."""
    _, published = year_state(authority_id, year)
    return published or sees_unpublished(user)


def _member(user, unit_id: int) -> bool:
    unit = db.session.get(Unit, unit_id)
    return unit is not None and not unit.is_authority and unit.authority_id == authority_of(user)


def _assessments(unit_id: int, campaign: Campaign | None) -> list[Assessment]:
    """The unit's assessment in `campaign`, or in every campaign not yet published."""
    stmt = select(Assessment).where(Assessment.unit_id == unit_id)
    if campaign is not None:
        stmt = stmt.where(Assessment.campaign_id == campaign.id)
    else:
        stmt = stmt.join(Campaign, Campaign.id == Assessment.campaign_id).where(
            Campaign.status != CampaignStatus.PUBLISHED
        )
    return list(db.session.execute(stmt).scalars())


def reads_unit(user, unit_id: int, *, campaign: Campaign | None = None, area: str | None = None) -> bool:
    """THE rule for a unit's dossier, explanations, evidence, plans and period reports.

    A unit's officer or leader: their own unit only. Secretariat, leadership, administrators: every member unit of
    their authority. An appraiser: a unit assigned to them in `campaign` — covering `area` (a node's code) when given —
    or, for what belongs to no campaign (the evidence library, plans, reports), in a campaign not yet published."""
    from dvcq.scoring.appraisal.assignments import may_appraise

    if user.role in UNIT_ROLES:
        return unit_id == user.unit_id
    if not _member(user, unit_id):
        return False
    if user.role in BOARD:
        return True
    if user.role != Role.APPRAISER:
        return False
    return any(may_appraise(user, a, area) for a in _assessments(unit_id, campaign))


def reads_result(user, unit_id: int, campaign: Campaign | None) -> bool:
    """A member unit's result of a year, for authority staff: a published (or imported) year's for all of them;
    before publication the board's, or an appraiser's assigned to that unit's every area in that campaign (the totals
    add up every area). A unit's users: see `queries.unit_page` (their own, once released or published)."""
    from dvcq.scoring.appraisal.assignments import appraisable_areas, may_appraise

    if user.role in UNIT_ROLES or not _member(user, unit_id):
        return False
    if campaign is None or campaign.published or user.role in BOARD:
        return True
    if user.role != Role.APPRAISER:
        return False
    for assessment in _assessments(unit_id, campaign):
        if not may_appraise(user, assessment):
            continue
        areas = appraisable_areas(user, assessment)
        if areas is None or areas >= _area_codes(assessment.criteria_version_id):
            return True
    return False


def _area_codes(version_id: int | None) -> set[str]:
    stmt = select(CriteriaNode.code).where(CriteriaNode.version_id == version_id, CriteriaNode.parent_id.is_(None))
    return set(db.session.execute(stmt).scalars())


def readable_units(user) -> set[int] | None:
    """The member units whose plans, reports and library a list may show `user`: None for every unit the scope holds
    (the board; a unit's users, whom the tenancy guard narrows to their own), else the units assigned to an appraiser
    in campaigns not yet published — as `reads_unit` decides one by one, in three statements."""
    if user.role != Role.APPRAISER:
        return None
    rows = db.session.execute(
        select(AppraisalAssignment.campaign_id, AppraisalAssignment.unit_id, AppraisalAssignment.area_id)
        .join(Campaign, Campaign.id == AppraisalAssignment.campaign_id)
        .where(AppraisalAssignment.appraiser_id == user.id, Campaign.status != CampaignStatus.PUBLISHED)
    ).all()
    units = {row.unit_id for row in rows if row.unit_id is not None}
    everywhere = [row for row in rows if row.unit_id is None]
    if everywhere:
        versions = dict(
            db.session.execute(
                select(CriteriaNode.id, CriteriaNode.version_id).where(
                    CriteriaNode.id.in_([r.area_id for r in everywhere if r.area_id is not None])
                )
            ).all()
        )
        choices = db.session.execute(
            select(CampaignCriteria.campaign_id, CampaignCriteria.group_id, CampaignCriteria.version_id).where(
                CampaignCriteria.campaign_id.in_({r.campaign_id for r in everywhere})
            )
        ).all()
        members = db.session.execute(
            select(Assessment.campaign_id, Assessment.unit_id, Assessment.group_id).where(
                Assessment.campaign_id.in_({r.campaign_id for r in everywhere})
            )
        ).all()
        version_of = {(c.campaign_id, c.group_id): c.version_id for c in choices}
        for row in everywhere:
            for member in members:
                if member.campaign_id != row.campaign_id:
                    continue
                on_version = version_of.get((member.campaign_id, member.group_id))
                if row.area_id is None or versions.get(row.area_id) == on_version:
                    units.add(member.unit_id)
    units.discard(user.unit_id)
    return units


# ---- a unit's draft is its own until it submits ----------------------------------------------------------------------


def self_scores_private(assessment: Assessment) -> bool:
    """A unit's self-scores (and their totals) are its own while its dossier is a draft it may still change: not
    submitted, and the campaign still in preparation or self-assessment — or the unit still inside an individual
    extension that runs into appraisal (`rules.extension_running`). Submitting shows them to the authority;
    withdrawing hides them again; once a unit's time is over a dossier never submitted is appraised on what it holds.
    Progress counts ("51/51 mục đã chấm") are not self-scores and stay visible to the secretariat."""
    if assessment.status != AssessmentStatus.DRAFT:
        return False
    return assessment.campaign.status in PRIVATE_STAGES or extension_running(assessment)


def private_drafts(campaign: Campaign | None) -> dict[int, int]:
    """{assessment id: unit id} of the campaign's dossiers whose self-scores are private (`self_scores_private`)."""
    if campaign is None or campaign.status not in PRIVATE_STAGES + EXTENSION_STAGES:
        return {}
    drafts = select(Assessment).where(
        Assessment.campaign_id == campaign.id, Assessment.status == AssessmentStatus.DRAFT
    )
    if campaign.status in PRIVATE_STAGES:
        return dict(db.session.execute(drafts.with_only_columns(Assessment.id, Assessment.unit_id)).all())
    return {a.id: a.unit_id for a in db.session.execute(drafts).scalars() if extension_running(a)}
