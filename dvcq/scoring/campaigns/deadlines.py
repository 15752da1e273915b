"""Extending deadlines: one stage of the whole campaign, or one unit's self-assessment, each with a reason kept in
the audit log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date, vn_datetime
from dvcq.platform.permissions import require
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring.campaigns.services import (
    CAMPAIGN_CONFLICT,
    DEADLINE_FIELDS,
    DEADLINE_LABELS,
    NOT_FOUND,
    _check_version,
    campaign_for,
    end_of_day,
    notify_units,
    participants,
)
from dvcq.scoring.models import CAMPAIGN_ORDER, Assessment, Campaign, CampaignStatus
from dvcq.scoring.selfassessment.rules import self_deadline


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Vui lòng nêu lý do gia hạn.")
    if len(reason) > 1000:
        raise ServiceError("Lý do gia hạn dài quá 1000 ký tự.")
    return reason


def extend_deadline(
    actor,
    campaign_id: int,
    version: int | None,
    *,
    stage: CampaignStatus,
    day: date,
    reason: str,
    now: datetime | None = None,
) -> Campaign:
    """Move one stage deadline of the whole campaign later, with a reason (recorded in the audit log)."""
    require(actor, Role.SECRETARIAT)
    now = now or clock.now()
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    reason = _reason(reason)
    if stage not in DEADLINE_FIELDS:
        raise ServiceError("Giai đoạn cần gia hạn không hợp lệ.")
    if campaign.status == CampaignStatus.PUBLISHED or CAMPAIGN_ORDER.index(campaign.status) > CAMPAIGN_ORDER.index(
        stage
    ):
        raise Conflict(f"Giai đoạn «{stage.label}» đã kết thúc; không gia hạn được nữa.")
    name = DEADLINE_FIELDS[stage]
    old, new = getattr(campaign, name), end_of_day(day)
    if new <= now:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải là một ngày chưa qua.")
    if old is not None and new <= old:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải sau hạn hiện tại ({vn_datetime(old)}).")
    following = [s for s in DEADLINE_FIELDS if CAMPAIGN_ORDER.index(s) > CAMPAIGN_ORDER.index(stage)]
    for later in following:
        later_value = getattr(campaign, DEADLINE_FIELDS[later])
        if later_value is not None and new >= later_value:
            raise ServiceError(
                f"Hạn mới ({vn_date(day)}) phải trước {DEADLINE_LABELS[later].lower()} ({vn_datetime(later_value)}); "
                "hãy gia hạn giai đoạn sau trước."
            )
    setattr(campaign, name, new)
    summary = f"{DEADLINE_LABELS[stage]} của cả kỳ: {vn_datetime(old) or 'chưa đặt'} → {vn_datetime(new)}"
    audit.record(
        "campaign.extend_deadline",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={name: old},
        after={name: new, "summary": summary},
        reason=reason,
    )
    unit_facing = stage in (CampaignStatus.SELF_ASSESSMENT, CampaignStatus.EXPLANATION)
    if unit_facing and campaign.status != CampaignStatus.DRAFT:
        notify_units(
            participants(campaign),
            "campaign.extended",
            f"{campaign.name}: {DEADLINE_LABELS[stage].lower()} được gia hạn đến {vn_datetime(new)}. Lý do: {reason}",
        )
    commit_or_conflict(CAMPAIGN_CONFLICT)
    return campaign


def extend_unit_deadline(
    actor, campaign_id: int, assessment_id: int, *, day: date, reason: str, now: datetime | None = None
) -> Assessment:
    """Give one unit more time to self-assess (Assessment.self_deadline), with a reason."""
    require(actor, Role.SECRETARIAT)
    now = now or clock.now()
    campaign = campaign_for(actor, campaign_id)
    assessment = db.session.execute(
        select(Assessment).where(Assessment.id == assessment_id, Assessment.campaign_id == campaign.id)
    ).scalar_one_or_none()
    if assessment is None:
        raise NotFound(NOT_FOUND)
    reason = _reason(reason)
    if campaign.status != CampaignStatus.SELF_ASSESSMENT:
        raise Conflict(
            f"Chỉ gia hạn tự đánh giá cho từng đơn vị khi kỳ đánh giá đang ở giai đoạn tự đánh giá "
            f"(hiện tại: {campaign.status.label})."
        )
    old, new = self_deadline(assessment), end_of_day(day)
    if new <= now:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải là một ngày chưa qua.")
    if old is not None and new <= old:
        raise ServiceError(f"Hạn mới ({vn_date(day)}) phải sau hạn hiện tại của đơn vị ({vn_datetime(old)}).")
    before = {"self_deadline": assessment.self_deadline, "reason": assessment.self_deadline_reason}
    assessment.self_deadline = new
    assessment.self_deadline_reason = reason
    summary = f"Hạn tự đánh giá của {assessment.unit.name}: {vn_datetime(old) or 'chưa đặt'} → {vn_datetime(new)}"
    audit.record(
        "assessment.extend_deadline",
        actor=actor,
        target=assessment,
        before=before,
        after={"self_deadline": new, "summary": summary},
        reason=reason,
    )
    notify_units(
        [assessment],
        "assessment.extended",
        f"{campaign.name}: đơn vị được gia hạn tự đánh giá đến {vn_datetime(new)}. Lý do: {reason}",
    )
    commit_or_conflict("Hồ sơ của đơn vị vừa thay đổi nên chưa gia hạn được. Vui lòng thử lại.")
    return assessment
