"""Finding a campaign (kỳ đánh giá) and its participants, and the helpers the campaign services share. Campaigns are
authority-owned rows: every lookup names the actor's authority as well, so another authority's campaign is missing
whatever the scope (a request, a job, or the system scope of the CLI and demo)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import MESSAGES, Conflict, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN
from dvcq.platform.notifications import notify
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, CriteriaVersion

NOT_FOUND = MESSAGES[404][1]  # the same words as a missing page, so a foreign campaign answers byte for byte alike
READ_ROLES = (Role.SECRETARIAT, Role.LEADERSHIP, Role.APPRAISER, Role.ADMIN)
CAMPAIGN_CONFLICT = (
    "Kỳ đánh giá vừa được người khác thay đổi nên thao tác của bạn chưa được thực hiện. Vui lòng xem lại."
)
CONFIRM_UNSUBMITTED = "chuyển dù còn đơn vị chưa nộp"

# The deadline that closes each stage, by the stage it closes.
DEADLINE_FIELDS = {
    CampaignStatus.SELF_ASSESSMENT: "self_assessment_deadline",
    CampaignStatus.APPRAISAL: "appraisal_deadline",
    CampaignStatus.EXPLANATION: "explanation_deadline",
    CampaignStatus.FINAL_REVIEW: "final_review_deadline",
}
DEADLINE_LABELS = {
    CampaignStatus.SELF_ASSESSMENT: "Hạn tự đánh giá",
    CampaignStatus.APPRAISAL: "Hạn thẩm định",
    CampaignStatus.EXPLANATION: "Hạn giải trình",
    CampaignStatus.FINAL_REVIEW: "Hạn rà soát cuối",
}


# ---- small helpers ----------------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """A deadline day means the end of that day in Vietnam; stored as naive UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=VN).astimezone(UTC).replace(tzinfo=None)


def vn_day(instant: datetime | None) -> date | None:
    """The Vietnamese calendar day of a stored (naive UTC) instant."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(VN).date()


def path_for(endpoint: str, **values) -> str:
    """A site-relative link for a notification; works in a request, a job or the CLI alike."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def authority_of(actor) -> int:
    return actor.unit.authority_id


def _check_version(obj, version: int | None, message: str) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(message)


def unit_users(unit_ids, roles=(Role.OFFICER, Role.LEADER)) -> list[User]:
    if not unit_ids:
        return []
    stmt = select(User).where(User.unit_id.in_(list(unit_ids)), User.role.in_(list(roles)), User.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def notify_units(assessments: list[Assessment], kind: str, text: str) -> None:
    """Tell the officers and leaders of these units, each with a link to their own assessment."""
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in unit_users([a.unit_id for a in assessments]):
        by_unit[user.unit_id].append(user)
    for assessment in assessments:
        link = path_for("selfassessment.page", assessment_id=assessment.id)
        notify(by_unit.get(assessment.unit_id, []), kind, text, link)


# ---- reading ----------------------------------------------------------------------------------------------------


def campaign_for(actor, campaign_id: int) -> Campaign:
    """A campaign of the actor's authority; another authority's campaign is as missing as one that never was."""
    stmt = select(Campaign).where(Campaign.id == campaign_id, Campaign.authority_id == authority_of(actor))
    campaign = db.session.execute(stmt).scalar_one_or_none()
    if campaign is None:
        raise NotFound(NOT_FOUND)
    return campaign


def campaigns_of(actor) -> list[Campaign]:
    stmt = select(Campaign).where(Campaign.authority_id == authority_of(actor)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def current_campaign(authority_id: int, include_draft: bool = True) -> Campaign | None:
    """The campaign the authority is working on: the newest not yet published, else the newest."""
    stmt = select(Campaign).where(Campaign.authority_id == authority_id)
    if not include_draft:
        stmt = stmt.where(Campaign.status != CampaignStatus.DRAFT)
    campaigns = list(db.session.execute(stmt.order_by(Campaign.year.desc())).scalars())
    running = [c for c in campaigns if c.status != CampaignStatus.PUBLISHED]
    return (running or campaigns or [None])[0]


def previous_criteria(authority_id: int) -> dict[int, int]:
    """{group id: version id} of the authority's newest campaign: what a new campaign's form proposes."""
    stmt = select(Campaign).where(Campaign.authority_id == authority_id).order_by(Campaign.year.desc()).limit(1)
    latest = db.session.execute(stmt).scalar_one_or_none()
    return {c.group_id: c.version_id for c in latest.criteria} if latest else {}


def versions_of(actor) -> list[CriteriaVersion]:
    stmt = (
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == authority_of(actor))
        .order_by(CriteriaVersion.created_at.desc(), CriteriaVersion.id.desc())
    )
    return list(db.session.execute(stmt).scalars())


def participants(campaign: Campaign) -> list[Assessment]:
    """The campaign's assessments, by unit name (Vietnamese alphabetical order), then unit code."""
    stmt = select(Assessment).where(Assessment.campaign_id == campaign.id).options(selectinload(Assessment.unit))
    return sorted(db.session.execute(stmt).scalars(), key=lambda assessment: assessment.unit.sort_key())
