"""When a unit may still change its self-assessment (tự đánh giá): the one rule every edit goes through — scores,
notes, evidence links, submission and withdrawal.

A unit's deadline is the campaign's self-assessment deadline, or its own extension (Assessment.self_deadline) when
that is later; an extension never shortens the time a unit has when the whole campaign is extended afterwards.
Deadlines are instants stored as naive UTC; a day entered by the secretariat means the end of that day in Vietnam.

An individual extension (gia hạn riêng, e.g. after floods) may run into the appraisal stage: the secretariat may start
appraisal while such a unit is still inside it, and the unit keeps self-scoring, citing evidence and may submit until
its own deadline; its dossier is appraised once it submits (or, never submitted, once its extension is over).
"""

from __future__ import annotations

from datetime import datetime

from dvcq.platform import clock
from dvcq.platform.errors import Conflict
from dvcq.platform.formatting import vn_datetime
from dvcq.scoring.models import Assessment, AssessmentStatus, CampaignStatus

# The stages an individual extension may run into (not final review: closing the appraisal waits for the unit).
EXTENSION_STAGES = (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)


def self_deadline(assessment: Assessment) -> datetime | None:
    """The unit's effective self-assessment deadline: the later of the campaign's and its own extension."""
    candidates = [d for d in (assessment.self_deadline, assessment.campaign.self_assessment_deadline) if d]
    return max(candidates) if candidates else None


def deadline_passed(assessment: Assessment, now: datetime | None = None) -> bool:
    deadline = self_deadline(assessment)
    return deadline is not None and (now or clock.now()) > deadline


def has_extension(assessment: Assessment) -> bool:
    """The unit holds an individual extension beyond the campaign's self-assessment deadline."""
    own, everyone = assessment.self_deadline, assessment.campaign.self_assessment_deadline
    return own is not None and (everyone is None or own > everyone)


def extension_running(assessment: Assessment, now: datetime | None = None) -> bool:
    """Not submitted and inside its individual extension: the unit still self-assesses, even once the campaign is in
    appraisal, and its dossier is not appraised until it submits."""
    return (
        assessment.status == AssessmentStatus.DRAFT
        and has_extension(assessment)
        and not deadline_passed(assessment, now)
    )


def extension_note(assessment: Assessment) -> str:
    """How the secretariat's pages name a unit drafting inside its extension."""
    return (
        f"{assessment.unit.name} đang trong thời hạn gia hạn riêng đến {vn_datetime(self_deadline(assessment))}; "
        "đơn vị vẫn tự chấm và nộp, hồ sơ được thẩm định khi nộp"
    )


def assert_open(assessment: Assessment, now: datetime | None = None) -> None:
    """THE rule of whether a unit may still change, cite evidence for or submit its self-assessment (Conflict, with
    the Vietnamese reason, otherwise): the campaign is in its self-assessment stage and the unit's deadline has not
    passed — or, a dossier not yet submitted that holds an individual extension, the campaign is in appraisal or
    explanation and the extension has not passed."""
    campaign = assessment.campaign
    extended = assessment.status == AssessmentStatus.DRAFT and has_extension(assessment)
    if campaign.status not in ((CampaignStatus.SELF_ASSESSMENT,) + (EXTENSION_STAGES if extended else ())):
        raise Conflict(
            f"Kỳ đánh giá đang ở giai đoạn «{campaign.status.label}», không còn ở giai đoạn đơn vị tự đánh giá; "
            "hồ sơ tự đánh giá không thay đổi được nữa."
        )
    if deadline_passed(assessment, now):
        ask = (
            " Nếu cần thêm thời gian, đề nghị Thường trực Ban Chỉ đạo gia hạn cho đơn vị."
            if campaign.status == CampaignStatus.SELF_ASSESSMENT
            else " Hồ sơ được thẩm định theo những gì đơn vị đã chấm."
        )
        raise Conflict(
            f"Đã hết hạn tự đánh giá ({vn_datetime(self_deadline(assessment))}); hồ sơ không thay đổi được nữa.{ask}"
        )


def assert_editable(assessment: Assessment, now: datetime | None = None) -> None:
    """Raise Conflict (409, Vietnamese reason) unless the unit may change its self-scores, notes and evidence links:
    the assessment is a draft and `assert_open` lets it change (self-assessment stage, or its running extension)."""
    assert_open(assessment, now)
    if assessment.status == AssessmentStatus.SUBMITTED:
        raise Conflict(
            "Hồ sơ tự đánh giá đã nộp nên đã khoá. Lãnh đạo đơn vị có thể rút hồ sơ về để sửa khi còn trong hạn."
        )
    if assessment.status != AssessmentStatus.DRAFT:
        raise Conflict(f"Hồ sơ tự đánh giá đang ở trạng thái «{assessment.status.label}», không sửa được.")


def time_left(deadline: datetime | None, now: datetime | None = None) -> str:
    """ "còn 3 ngày", "còn 5 giờ", "còn 20 phút", "đã hết hạn" — for a deadline stored as naive UTC."""
    if deadline is None:
        return ""
    seconds = (deadline - (now or clock.now())).total_seconds()
    if seconds <= 0:
        return "đã hết hạn"
    if seconds >= 86400:
        return f"còn {int(seconds // 86400)} ngày"
    if seconds >= 3600:
        return f"còn {int(seconds // 3600)} giờ"
    return f"còn {max(1, int(seconds // 60))} phút"
