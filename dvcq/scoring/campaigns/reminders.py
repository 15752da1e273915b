"""Reminding units to submit (nhắc nộp): from the campaign page the secretariat reminds one unit, or every unit that
has not submitted its self-assessment. At most one reminder a unit a day: the notifications' dedupe key makes a
second click that day change nothing, and the page says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring.campaigns.services import NOT_FOUND, campaign_for, participants, path_for, unit_users, vn_day
from dvcq.scoring.models import Assessment, AssessmentStatus, CampaignStatus, ItemScore
from dvcq.scoring.selfassessment.rules import self_deadline, time_left


@dataclass
class Reminded:
    sent: list[Assessment] = field(default_factory=list)  # reminded now
    already: list[Assessment] = field(default_factory=list)  # reminded earlier today: not again

    @property
    def message(self) -> str:
        names = ", ".join(a.unit.name for a in self.sent)
        text = f"Đã nhắc nộp hồ sơ: {names}." if self.sent else "Chưa gửi thêm lời nhắc nào."
        if self.already:
            text += f" Hôm nay đã nhắc {', '.join(a.unit.name for a in self.already)} rồi nên không nhắc lại."
        return text


def _scored(assessment_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(ItemScore.assessment_id, func.count(ItemScore.self_score))
        .where(ItemScore.assessment_id.in_(assessment_ids))
        .group_by(ItemScore.assessment_id)
    ).all()
    return dict(rows)


def remind_unsubmitted(
    actor, campaign_id: int, assessment_id: int | None = None, now: datetime | None = None
) -> Reminded:
    """Tell the officers and leader of one unit (`assessment_id`) or of every unit not yet submitted that their
    self-assessment waits, with their deadline and what they have scored so far."""
    require(actor, Role.SECRETARIAT)
    now = now or clock.now()
    campaign = campaign_for(actor, campaign_id)
    if campaign.status != CampaignStatus.SELF_ASSESSMENT:
        raise Conflict("Chỉ nhắc nộp khi kỳ đánh giá đang ở giai đoạn tự đánh giá.")
    members = participants(campaign)
    if assessment_id is not None:
        members = [a for a in members if a.id == assessment_id]
        if not members:
            raise NotFound(NOT_FOUND)
        if members[0].status != AssessmentStatus.DRAFT:
            raise Conflict(f"{members[0].unit.name} đã nộp hồ sơ tự đánh giá; không cần nhắc.")
    targets = [a for a in members if a.status == AssessmentStatus.DRAFT]
    if not targets:
        raise Conflict("Mọi đơn vị đã nộp hồ sơ tự đánh giá; không cần nhắc.")
    scored = _scored([a.id for a in targets])
    day = vn_day(now).isoformat()
    result = Reminded()
    people: dict[int, list] = {}
    for user in unit_users([a.unit_id for a in targets]):
        people.setdefault(user.unit_id, []).append(user)
    for assessment in targets:
        deadline = self_deadline(assessment)
        text = (
            f"Nhắc nộp hồ sơ tự đánh giá {campaign.name}: hạn {vn_datetime(deadline)} ({time_left(deadline, now)}); "
            f"đơn vị đã chấm {scored.get(assessment.id, 0)} tiêu chí. Lãnh đạo đơn vị kiểm tra rồi nộp hồ sơ."
        )
        sent = notify(
            people.get(assessment.unit_id, []),
            "campaign.remind",
            text,
            path_for("selfassessment.page", assessment_id=assessment.id),
            dedupe_key=f"remind:{assessment.id}:{day}",
        )
        (result.sent if sent else result.already).append(assessment)
    if result.sent:
        audit.record(
            "campaign.remind",
            actor=actor,
            unit_id=campaign.authority_id,
            target=campaign,
            after={"units": [a.unit.code for a in result.sent]},
        )
    db.session.commit()
    return result
