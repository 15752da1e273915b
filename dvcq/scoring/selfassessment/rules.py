"""When a unit may still change its self-assessment (tự đánh giá): the one rule every edit goes through — scores,
notes, evidence links, submission and withdrawal.

A unit's deadline is the campaign's self-assessment deadline, or its own extension (Assessment.self_deadline) when
that is later; an extension never shortens the time a unit has when the whole campaign is extended afterwards.
Deadlines are instants stored as naive UTC; a day entered by the secretariat means the end of that day in Vietnam.
"""

from __future__ import annotations

from datetime import datetime

from dvcq.platform import clock
from dvcq.platform.errors import Conflict
from dvcq.platform.formatting import vn_datetime
from dvcq.scoring.models import Assessment, AssessmentStatus, CampaignStatus


def self_deadline(assessment: Assessment) -> datetime | None:
    """The unit's effective self-assessment deadline: the later of the campaign's and its own extension."""
    candidates = [d for d in (assessment.self_deadline, assessment.campaign.self_assessment_deadline) if d]
    return max(candidates) if candidates else None


def deadline_passed(assessment: Assessment, now: datetime | None = None) -> bool:
    deadline = self_deadline(assessment)
    return deadline is not None and (now or clock.now()) > deadline


def assert_open(assessment: Assessment, now: datetime | None = None) -> None:
    """The campaign is in its self-assessment stage and the unit's deadline has not passed (Conflict otherwise)."""
    campaign = assessment.campaign
    if campaign.status != CampaignStatus.SELF_ASSESSMENT:
        raise Conflict(
            f"Kỳ đánh giá đang ở giai đoạn «{campaign.status.label}», không còn ở giai đoạn đơn vị tự đánh giá; "
            "hồ sơ tự đánh giá không thay đổi được nữa."
        )
    if deadline_passed(assessment, now):
        raise Conflict(
            f"Đã hết hạn tự đánh giá ({vn_datetime(self_deadline(assessment))}); hồ sơ không thay đổi được nữa. "
            "Nếu cần thêm thời gian, đề nghị Thường trực Ban Chỉ đạo gia hạn cho đơn vị."
        )


def assert_editable(assessment: Assessment, now: datetime | None = None) -> None:
    """Raise Conflict (409, Vietnamese reason) unless the unit may change its self-scores, notes and evidence links:
    the assessment is a draft, the campaign is in self-assessment and the unit's deadline has not passed."""
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
