"""The status machine draft → self_assessment → appraisal → explanation → final_review (publishing comes with the
decision). Opening the campaign snapshots each unit's group and creates one ItemScore per leaf, in one bulk insert."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, literal, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.permissions import require
from dvcq.scoring.campaigns.services import (
    CAMPAIGN_CONFLICT,
    CONFIRM_UNSUBMITTED,
    _check_version,
    _commit,
    campaign_for,
    notify_units,
    participants,
)
from dvcq.scoring.models import (
    CAMPAIGN_ORDER,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    ItemScore,
    VersionStatus,
)
from dvcq.scoring.selfassessment.rules import self_deadline


def next_status(status: CampaignStatus) -> CampaignStatus | None:
    index = CAMPAIGN_ORDER.index(status)
    return CAMPAIGN_ORDER[index + 1] if index + 1 < len(CAMPAIGN_ORDER) else None


def _names(rows: list[Assessment], limit: int = 30) -> str:
    names = [a.unit.name for a in rows]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" và {more} đơn vị khác" if more > 0 else "")


def _refuse_open(campaign: Campaign, now: datetime) -> list[str]:
    problems = []
    if campaign.criteria_version.status != VersionStatus.IN_USE:
        problems.append("Bộ tiêu chí của kỳ đánh giá chưa được khoá.")
    if not participants(campaign):
        problems.append("Kỳ đánh giá chưa có đơn vị tham gia nào.")
    deadline = campaign.self_assessment_deadline
    if deadline is None:
        problems.append("Chưa đặt hạn tự đánh giá.")
    elif deadline <= now:
        problems.append(f"Hạn tự đánh giá ({vn_datetime(deadline)}) đã qua; hãy đặt hạn mới.")
    return problems


def _refuse_appraisal(campaign: Campaign, now: datetime, confirm_unsubmitted: bool) -> list[str]:
    """Appraisal starts when every unit has submitted, or when every unit that has not is past its deadline and the
    secretariat confirms moving on without them."""
    unsubmitted = [a for a in participants(campaign) if a.status == AssessmentStatus.DRAFT]
    if not unsubmitted:
        return []
    running = [a for a in unsubmitted if not (self_deadline(a) and now > self_deadline(a))]
    if running:
        return [
            f"Còn {len(running)} đơn vị chưa nộp và chưa hết hạn tự đánh giá: {_names(running)}. "
            "Chỉ chuyển sang thẩm định khi mọi đơn vị đã nộp hoặc đã hết hạn."
        ]
    if not confirm_unsubmitted:
        return [
            f"Còn {len(unsubmitted)} đơn vị chưa nộp hồ sơ tự đánh giá: {_names(unsubmitted)}. "
            f"Đánh dấu ô «{CONFIRM_UNSUBMITTED}» để chuyển sang thẩm định."
        ]
    return []


def _refuse_explanation(campaign: Campaign, now: datetime) -> list[str]:
    """The explanation round starts when every leaf of every unit has an appraised score and its deadline is set."""
    stmt = (
        select(Assessment)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .where(Assessment.campaign_id == campaign.id, ItemScore.appraised_score.is_(None))
        .distinct()
    )
    pending = list(db.session.execute(stmt).scalars())
    problems = []
    if pending:
        problems.append(f"Còn {len(pending)} đơn vị chưa được thẩm định đủ mọi tiêu chí: {_names(pending)}.")
    if campaign.explanation_deadline is None:
        problems.append("Chưa đặt hạn giải trình.")
    elif campaign.explanation_deadline <= now:
        problems.append(f"Hạn giải trình ({vn_datetime(campaign.explanation_deadline)}) đã qua; hãy gia hạn trước.")
    return problems


CLOSE_FROM_REVIEW = (
    "Chuyển sang rà soát cuối bằng nút «Kết thúc thẩm định» tại trang «Rà soát thẩm định»: việc này chốt điểm "
    "cuối cùng của mọi đơn vị cùng lúc với việc chuyển giai đoạn."
)


def advance(
    actor, campaign_id: int, version: int | None, *, confirm_unsubmitted: bool = False, now: datetime | None = None
) -> Campaign:
    """Move the campaign one stage on, or refuse with every reason. Publishing is not a stage move: it happens when
    the decision approving the results is issued."""
    require(actor, Role.SECRETARIAT)
    now = now or clock.now()
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    current = campaign.status
    target = next_status(current)
    if current == CampaignStatus.FINAL_REVIEW:
        raise ServiceError(
            "Công bố kết quả bằng việc ban hành quyết định phê duyệt kết quả đánh giá, phân loại; "
            "không chuyển giai đoạn tại đây."
        )
    if target is None:
        raise Conflict("Kỳ đánh giá đã công bố kết quả; không chuyển giai đoạn được nữa.")
    if current == CampaignStatus.EXPLANATION:
        # One path to final review: closing the appraisal fixes every unit's final scores as it moves the campaign.
        raise ServiceError(CLOSE_FROM_REVIEW)
    problems = {
        CampaignStatus.DRAFT: lambda: _refuse_open(campaign, now),
        CampaignStatus.SELF_ASSESSMENT: lambda: _refuse_appraisal(campaign, now, confirm_unsubmitted),
        CampaignStatus.APPRAISAL: lambda: _refuse_explanation(campaign, now),
    }[current]()
    if problems:
        raise ServiceError(f"Chưa chuyển được sang giai đoạn «{target.label}»:", problems)

    after = {"status": target}
    if current == CampaignStatus.DRAFT:
        after["items_created"] = _open(campaign)
    if current == CampaignStatus.SELF_ASSESSMENT:
        unsubmitted = [a.unit.code for a in participants(campaign) if a.status == AssessmentStatus.DRAFT]
        if unsubmitted:
            after["unsubmitted"] = unsubmitted
    campaign.status = target
    audit.record(
        "campaign.advance",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={"status": current},
        after=after,
        reason=CONFIRM_UNSUBMITTED if after.get("unsubmitted") else "",
    )
    if current == CampaignStatus.DRAFT:
        _notify_opened(campaign)
    _commit(CAMPAIGN_CONFLICT)
    return campaign


def _open(campaign: Campaign) -> int:
    """Snapshot each participant's group and create its item scores: one row per leaf of the pinned version for every
    participant that has none yet, in one INSERT … SELECT (6 000 rows stay well under a second on either database)."""
    for assessment in participants(campaign):
        if assessment.unit.group_id is not None:
            assessment.group_id = assessment.unit.group_id
    db.session.flush()
    items = ItemScore.__table__
    already = select(items.c.id).where(items.c.assessment_id == Assessment.id).exists()
    source = (
        select(Assessment.id, Assessment.unit_id, CriteriaNode.id, CriteriaNode.position, literal(1))
        .join(CriteriaNode, CriteriaNode.version_id == campaign.criteria_version_id)
        .where(Assessment.campaign_id == campaign.id, CriteriaNode.is_leaf.is_(True), ~already)
    )
    columns = ["assessment_id", "unit_id", "node_id", "node_position", "version"]
    result = db.session.execute(insert(items).from_select(columns, source))
    return result.rowcount


def _notify_opened(campaign: Campaign) -> None:
    deadline = vn_datetime(campaign.self_assessment_deadline)
    notify_units(
        participants(campaign),
        "campaign.opened",
        f"{campaign.name} đã mở. Đơn vị tự đánh giá, tự chấm điểm và nộp hồ sơ trước {deadline}.",
    )
