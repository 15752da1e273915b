"""Scheduled reminders of the assessment's deadlines: 3 days before, and when missed. Idempotent through the
notifications' dedupe keys, so a repeated tick never reminds twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus
from dvcq.scoring.selfassessment.rules import self_deadline

SOON = timedelta(days=3)


def _unit_users(unit_id: int) -> list[User]:
    return list(db.session.execute(select(User).where(User.unit_id == unit_id, User.active.is_(True))).scalars())


def _secretariat(authority_id: int) -> list[User]:
    return list(
        db.session.execute(
            select(User).where(User.unit_id == authority_id, User.role == Role.SECRETARIAT, User.active.is_(True))
        ).scalars()
    )


def _sent(users: list[User], kind: str, text: str, link: str, dedupe_key: str) -> int:
    """How many were reminded: nobody twice for the same `dedupe_key`."""
    return len(notify(users, kind, text, link=link, dedupe_key=dedupe_key))


def _open(status: CampaignStatus):
    return (
        select(Assessment, Campaign)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Campaign.status == status)
        .execution_options(all_tenants=True)
    )


def self_assessment_deadlines(now: datetime) -> int:
    sent = 0
    for assessment, campaign in db.session.execute(_open(CampaignStatus.SELF_ASSESSMENT)).all():
        if assessment.status != AssessmentStatus.DRAFT:
            continue
        deadline = self_deadline(assessment)  # the later of the campaign's and the unit's extension
        if deadline is None:
            continue
        key, link = f"self:{assessment.id}:{deadline.isoformat()}", f"/tu-danh-gia/{assessment.id}"
        due = vn_datetime(deadline)
        if now <= deadline <= now + SOON:
            text = f"Còn dưới 3 ngày để nộp hồ sơ tự đánh giá (hạn {due})."
            sent += _sent(_unit_users(assessment.unit_id), "deadline_soon", text, link, key + ":soon")
        elif deadline < now:
            text = f"Đã quá hạn nộp hồ sơ tự đánh giá ({due})."
            sent += _sent(_unit_users(assessment.unit_id), "deadline_missed", text, link, key + ":missed")
            text = f"{assessment.unit.name} chưa nộp hồ sơ tự đánh giá, đã quá hạn {due}."
            secretariat, campaign_link = _secretariat(campaign.authority_id), f"/ky-danh-gia/{campaign.id}"
            sent += _sent(secretariat, "deadline_missed", text, campaign_link, key + ":missed-authority")
    return sent


def explanation_deadlines(now: datetime) -> int:
    sent = 0
    for status in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        for assessment, campaign in db.session.execute(_open(status)).all():
            deadline = assessment.explanation_deadline or campaign.explanation_deadline
            if assessment.status != AssessmentStatus.RELEASED or deadline is None:
                continue
            if now <= deadline <= now + SOON:
                text = f"Còn dưới 3 ngày để giải trình kết quả thẩm định (hạn {vn_datetime(deadline)})."
                key, link = f"explain:{assessment.id}:{deadline.isoformat()}:soon", f"/giai-trinh/{assessment.id}"
                sent += _sent(_unit_users(assessment.unit_id), "deadline_soon", text, link, key)
    return sent
