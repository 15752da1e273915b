"""The status machine draft → self_assessment → appraisal → explanation → final_review (publishing comes with the
decision). Opening the campaign snapshots each unit's group and creates one ItemScore per leaf of its group's criteria
version, in one bulk insert; a group of participants without a version cannot be opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, literal, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.permissions import require
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring.campaigns.services import (
    CAMPAIGN_CONFLICT,
    CONFIRM_UNSUBMITTED,
    _check_version,
    campaign_for,
    notify_units,
    participants,
)
from dvcq.scoring.models import (
    CAMPAIGN_ORDER,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    CriteriaNode,
    ItemScore,
    VersionStatus,
)
from dvcq.scoring.selfassessment.rules import deadline_passed, extension_note, extension_running


def next_status(status: CampaignStatus) -> CampaignStatus | None:
    index = CAMPAIGN_ORDER.index(status)
    return CAMPAIGN_ORDER[index + 1] if index + 1 < len(CAMPAIGN_ORDER) else None


def _names(rows: list[Assessment], limit: int = 30) -> str:
    names = [a.unit.name for a in rows]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" và {more} đơn vị khác" if more > 0 else "")


def _criteria_problems(campaign: Campaign, members: list[Assessment]) -> list[str]:
    """Every group of the participants (as of now: opening snapshots them) needs its criteria version, locked."""
    problems = []
    groups = {}
    for assessment in members:
        group = assessment.unit.group
        if group is None:
            problems.append(f"{assessment.unit.name} chưa được xếp khối nên chưa xác định được bộ tiêu chí để chấm.")
        else:
            groups[group.id] = group
    for group in sorted(groups.values(), key=lambda g: g.sort_key()):
        version = campaign.version_for(group.id)
        if version is None:
            problems.append(
                f"«{group.name}» chưa được chọn bộ tiêu chí: hãy chọn bộ tiêu chí cho khối này (Sửa kỳ đánh giá) "
                "trước khi mở kỳ đánh giá."
            )
        elif version.status != VersionStatus.IN_USE:
            problems.append(f"Bộ tiêu chí «{version.name}» của «{group.name}» chưa được khoá.")
    return problems


def _refuse_open(campaign: Campaign, now: datetime) -> list[str]:
    members = participants(campaign)
    problems = _criteria_problems(campaign, members)
    if not members:
        problems.append("Kỳ đánh giá chưa có đơn vị tham gia nào.")
    deadline = campaign.self_assessment_deadline
    if deadline is None:
        problems.append("Chưa đặt hạn tự đánh giá.")
    elif deadline <= now:
        problems.append(f"Hạn tự đánh giá ({vn_datetime(deadline)}) đã qua; hãy đặt hạn mới.")
    return problems


def on_extension(campaign: Campaign, now: datetime | None = None) -> list[Assessment]:
    """The units that have not submitted and are inside an individual extension: they do not hold appraisal back, keep
    self-assessing into it and are appraised once they submit."""
    return [a for a in participants(campaign) if extension_running(a, now)]


def extension_notes(campaign: Campaign, now: datetime | None = None) -> list[str]:
    """«Xã … đang trong thời hạn gia hạn riêng đến …; đơn vị vẫn tự chấm và nộp, hồ sơ được thẩm định khi nộp»."""
    return [extension_note(a) for a in on_extension(campaign, now)]


def _refuse_appraisal(campaign: Campaign, now: datetime, confirm_unsubmitted: bool) -> list[str]:
    """Appraisal starts when every unit has submitted or is inside its individual extension, or when every other unit
    that has not is past its deadline and the secretariat confirms moving on without them."""
    unsubmitted = [
        a for a in participants(campaign) if a.status == AssessmentStatus.DRAFT and not extension_running(a, now)
    ]
    if not unsubmitted:
        return []
    running = [a for a in unsubmitted if not deadline_passed(a, now)]
    if running:
        return [
            f"Còn {len(running)} đơn vị chưa nộp và chưa hết hạn tự đánh giá: {_names(running)}. "
            "Chỉ chuyển sang thẩm định khi mọi đơn vị đã nộp, đã hết hạn hoặc đang trong thời hạn gia hạn riêng."
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
    problems = [
        f"{note}. Chỉ chuyển sang giải trình khi đơn vị đã nộp và được thẩm định."
        for note in extension_notes(campaign, now)
    ]
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
        extended = on_extension(campaign, now)
        unsubmitted = [
            a.unit.code for a in participants(campaign) if a.status == AssessmentStatus.DRAFT and a not in extended
        ]
        if unsubmitted:
            after["unsubmitted"] = unsubmitted
        if extended:
            after["on_extension"] = [a.unit.code for a in extended]
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
    commit_or_conflict(CAMPAIGN_CONFLICT)
    return campaign


def _open(campaign: Campaign) -> int:
    """Snapshot each participant's group and create its item scores: one row per leaf of its group's version for
    every participant that has none yet, in one INSERT … SELECT (6 000 rows stay well under a second on either
    database)."""
    for assessment in participants(campaign):
        if assessment.unit.group_id is not None:
            assessment.group_id = assessment.unit.group_id
    db.session.flush()
    items = ItemScore.__table__
    already = select(items.c.id).where(items.c.assessment_id == Assessment.id).exists()
    source = (
        select(Assessment.id, Assessment.unit_id, CriteriaNode.id, CriteriaNode.position, literal(1))
        .join(
            CampaignCriteria,
            (CampaignCriteria.campaign_id == Assessment.campaign_id)
            & (CampaignCriteria.group_id == Assessment.group_id),
        )
        .join(CriteriaNode, CriteriaNode.version_id == CampaignCriteria.version_id)
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


def close_for_submitted(actor, campaign_id: int, version: int | None) -> list[Assessment]:
    """Close self-assessment early for the units that have submitted: their dossiers go to appraisal now (no
    withdrawal any more) while the others keep their time. The campaign's stage does not move."""
    require(actor, Role.SECRETARIAT)
    campaign = campaign_for(actor, campaign_id)
    _check_version(campaign, version, CAMPAIGN_CONFLICT)
    if campaign.status != CampaignStatus.SELF_ASSESSMENT:
        raise Conflict("Chỉ đóng tự đánh giá sớm khi kỳ đánh giá đang ở giai đoạn tự đánh giá.")
    submitted = [a for a in participants(campaign) if a.status == AssessmentStatus.SUBMITTED]
    if not submitted:
        raise Conflict("Chưa có hồ sơ nào đã nộp đang chờ chuyển sang thẩm định.")
    for assessment in submitted:
        assessment.status = AssessmentStatus.APPRAISING
        audit.record(
            "assessment.appraisal_opened",
            actor=actor,
            target=assessment,
            before={"status": AssessmentStatus.SUBMITTED},
            after={"status": AssessmentStatus.APPRAISING},
            reason="Đóng tự đánh giá sớm cho đơn vị đã nộp",
        )
    notify_units(
        submitted,
        "assessment.appraisal_opened",
        f"{campaign.name}: hồ sơ tự đánh giá của đơn vị đã chuyển sang thẩm định; hồ sơ không rút về được nữa.",
    )
    commit_or_conflict("Hồ sơ của một đơn vị vừa thay đổi nên chưa chuyển được. Vui lòng tải lại trang.")
    return submitted
