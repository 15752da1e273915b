"""Release of the preliminary result (one unit, or every unit whose appraisal is complete), each unit's explanation
window, and the final review that closes the appraisal and fixes every final score."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import one_or_missing
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring.appraisal.assignments import _campaign
from dvcq.scoring.appraisal.queries import _by_group_and_name
from dvcq.scoring.appraisal.services import progress
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    EvidenceLink,
    Explanation,
    ItemScore,
)
from dvcq.scoring.selfassessment.rules import extension_running, self_deadline
from dvcq.tenants.models import Unit


def _assessment(assessment_id: int) -> Assessment:
    return one_or_missing(Assessment, assessment_id, "Không tìm thấy hồ sơ đánh giá.")


RELEASE_STAGES = (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)


def _release(actor, assessment: Assessment) -> None:
    """Show one appraised unit its preliminary result (the caller checked it may be released) and tell its staff."""
    assessment.status = AssessmentStatus.RELEASED
    assessment.released_at = clock.now()
    if assessment.explanation_deadline is None:
        assessment.explanation_deadline = assessment.campaign.explanation_deadline
    audit.record("appraisal.released", actor=actor, target=assessment, after={"status": "released"})
    unit_users = db.session.execute(
        select(User).where(User.unit_id == assessment.unit_id, User.active.is_(True))
    ).scalars()
    notify(
        unit_users,
        "released",
        f"Đã có kết quả thẩm định sơ bộ {assessment.campaign.name}. Đơn vị có thể xem và giải trình.",
        link=f"/giai-trinh/{assessment.id}",
    )


def release(actor, assessment_id: int, version: int) -> Assessment:
    """The secretariat releases a unit's complete appraisal: the unit sees its preliminary result."""
    require(actor, Role.SECRETARIAT)
    assessment = _assessment(assessment_id)
    if assessment.version != version:
        raise Conflict("Hồ sơ vừa được thay đổi. Vui lòng tải lại trang.")
    if assessment.campaign.status not in RELEASE_STAGES:
        raise Conflict("Chỉ công bố kết quả sơ bộ trong giai đoạn thẩm định hoặc giải trình.")
    if assessment.status != AssessmentStatus.APPRAISED:
        done, total = progress(assessment.campaign_id).get(assessment.id, (0, 0))
        raise Conflict(
            f"Chưa thể công bố kết quả sơ bộ của {assessment.unit.name}: mới thẩm định {done}/{total} tiêu chí."
        )
    _release(actor, assessment)
    db.session.commit()
    return assessment


def release_all(actor, campaign_id: int, version: int) -> list[Assessment]:
    """Release, in one action, every unit of the campaign whose appraisal is complete; the others are left as they
    are. `version` is the campaign's as the secretariat saw it; a campaign changed since is a conflict."""
    require(actor, Role.SECRETARIAT)
    campaign = _campaign(campaign_id)
    if campaign.version != version:
        raise Conflict("Kỳ đánh giá vừa được thay đổi. Vui lòng tải lại trang.")
    if campaign.status not in RELEASE_STAGES:
        raise Conflict("Chỉ công bố kết quả sơ bộ trong giai đoạn thẩm định hoặc giải trình.")
    ready = list(
        db.session.execute(
            select(Assessment)
            .join(Unit, Unit.id == Assessment.unit_id)
            .where(Assessment.campaign_id == campaign.id, Assessment.status == AssessmentStatus.APPRAISED)
            .order_by(Unit.code)
        ).scalars()
    )
    if not ready:
        raise Conflict("Chưa có đơn vị nào được thẩm định xong để công bố kết quả sơ bộ.")
    for assessment in ready:
        _release(actor, assessment)
    audit.record(
        "appraisal.released_all",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        after={"units": [a.unit.code for a in ready]},
    )
    commit_or_conflict("Hồ sơ của một đơn vị vừa thay đổi nên chưa công bố được. Vui lòng tải lại trang.")
    return ready


@dataclass
class UnitState:
    assessment: Assessment
    appraised: int
    items: int
    open_explanations: int


def review_board(campaign_id: int) -> list[UnitState]:
    """Every participating unit's state for the secretariat's final review."""
    done = progress(campaign_id)
    open_by_assessment: dict[int, int] = defaultdict(int)
    for (assessment_id,) in db.session.execute(
        select(ItemScore.assessment_id)
        .join(Explanation, Explanation.item_id == ItemScore.id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id, Explanation.answered_at.is_(None), Explanation.draft.is_(False))
    ):
        open_by_assessment[assessment_id] += 1
    assessments = _by_group_and_name(Assessment.campaign_id == campaign_id)
    return [
        UnitState(a, *done.get(a.id, (0, 0)), open_explanations=open_by_assessment.get(a.id, 0)) for a in assessments
    ]


def explanation_deadline(assessment: Assessment) -> datetime | None:
    """The unit's explanation deadline: its own, set when its result was released, else the campaign's."""
    return assessment.explanation_deadline or assessment.campaign.explanation_deadline


def units_in_window(campaign_id: int, now: datetime | None = None) -> list[Assessment]:
    """The released units still inside their explanation window — their leader has not ended it and its deadline has
    not passed (no deadline: open) — over whom the secretariat may not close the round."""
    now = now or clock.now()
    campaign = _campaign(campaign_id)
    if campaign.status not in RELEASE_STAGES:
        return []
    released = db.session.execute(
        select(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(
            Assessment.campaign_id == campaign_id,
            Assessment.status == AssessmentStatus.RELEASED,
            Assessment.explanation_closed_at.is_(None),
        )
        .order_by(Unit.code)
    ).scalars()
    return [a for a in released if explanation_deadline(a) is None or now <= explanation_deadline(a)]


def close_appraisal(actor, campaign_id: int, version: int, now: datetime | None = None) -> Campaign:
    """Final review: every unit released, every explanation answered, and no unit still inside its explanation window
    (the deadline is the server's: before it, only when every unit has ended its round) → fix every final score and
    move the campaign to final review (the decision follows). Drafts never sent go: they never reached the authority."""
    require(actor, Role.SECRETARIAT)
    now = now or clock.now()
    campaign = _campaign(campaign_id)
    if campaign.version != version:
        raise Conflict("Kỳ đánh giá vừa được thay đổi. Vui lòng tải lại trang.")
    if campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Chỉ kết thúc thẩm định khi kỳ đánh giá đang ở giai đoạn thẩm định hoặc giải trình.")
    board = review_board(campaign_id)
    problems = []
    for state in board:
        name = state.assessment.unit.name
        if extension_running(state.assessment, now):
            problems.append(
                f"{name}: chưa nộp hồ sơ tự đánh giá và đang trong thời hạn gia hạn riêng đến "
                f"{vn_datetime(self_deadline(state.assessment))}; chỉ kết thúc thẩm định khi đơn vị đã nộp, được "
                "thẩm định và công bố kết quả sơ bộ, hoặc khi hết thời hạn gia hạn"
            )
        elif state.assessment.status not in (AssessmentStatus.RELEASED, AssessmentStatus.FINAL):
            problems.append(f"{name}: chưa công bố kết quả sơ bộ ({state.appraised}/{state.items} tiêu chí)")
        if state.open_explanations:
            problems.append(f"{name}: còn {state.open_explanations} nội dung giải trình chưa trả lời")
    waiting = units_in_window(campaign_id, now)
    if waiting:
        problems.append(
            f"Còn {len(waiting)} đơn vị đang trong hạn giải trình: "
            + ", ".join(f"{a.unit.name} (hạn {vn_datetime(explanation_deadline(a)) or 'chưa đặt'})" for a in waiting)
            + ". Chỉ kết thúc trước hạn khi mọi đơn vị đã kết thúc giải trình."
        )
    if problems:
        raise Conflict("Chưa thể kết thúc thẩm định:", problems)
    _drop_drafts(campaign_id)
    for state in board:
        assessment = state.assessment
        for item in assessment.items:
            if item.final_score is None:
                item.final_score = item.appraised_score
                item.finalized_at = now
        assessment.status = AssessmentStatus.FINAL
    before = campaign.status
    campaign.status = CampaignStatus.FINAL_REVIEW
    audit.record(
        "campaign.appraisal_closed",
        actor=actor,
        unit_id=campaign.authority_id,
        target=campaign,
        before={"status": before},
        after={"status": CampaignStatus.FINAL_REVIEW, "units": len(board)},
    )
    db.session.commit()
    return campaign


def _drop_drafts(campaign_id: int) -> None:
    """Explanations still drafts when the round closes never reached the authority: they go, with their files' links
    (the files stay in the unit's library)."""
    drafts = list(
        db.session.execute(
            select(Explanation)
            .join(ItemScore, ItemScore.id == Explanation.item_id)
            .join(Assessment, Assessment.id == ItemScore.assessment_id)
            .where(Assessment.campaign_id == campaign_id, Explanation.draft.is_(True))
        ).scalars()
    )
    for draft in drafts:
        for link in db.session.execute(select(EvidenceLink).where(EvidenceLink.explanation_id == draft.id)).scalars():
            db.session.delete(link)
        db.session.delete(draft)
    db.session.flush()
