"""The explanation round (giải trình): the unit contests items of its preliminary result before its deadline; the
appraiser answers each with a final score and a rationale. Each side sees when the other has read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring import engine
from dvcq.scoring.appraisal.services import may_appraise, validate_score
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    Evidence,
    EvidenceLink,
    Explanation,
    ItemScore,
)

MIN_TEXT = 10


def _item(item_id: int) -> ItemScore:
    item = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one_or_none()
    if item is None:
        raise NotFound("Không tìm thấy tiêu chí.")
    return item


def deadline_of(assessment) -> datetime | None:
    return assessment.explanation_deadline or assessment.campaign.explanation_deadline


def assert_open(assessment, now: datetime | None = None) -> None:
    """The unit may contest: its preliminary result is released, the campaign is in appraisal or explanation, and its
    explanation deadline has not passed."""
    now = now or clock.now()
    if assessment.status != AssessmentStatus.RELEASED:
        raise Conflict("Đơn vị chỉ giải trình sau khi có kết quả thẩm định sơ bộ và trước khi chốt điểm.")
    if assessment.campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Kỳ đánh giá không còn nhận giải trình.")
    deadline = deadline_of(assessment)
    if deadline is not None and now > deadline:
        raise Conflict(f"Đã hết hạn giải trình ({vn_datetime(deadline)}).")


def contest(actor, item_id: int, text: str, requested_score: str | None = None) -> Explanation:
    require(actor, Role.OFFICER, Role.LEADER)
    item = _item(item_id)  # another unit's item is not found (tenancy guard)
    assessment = item.assessment
    assert_open(assessment)
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        raise ServiceError(f"Nội dung giải trình quá ngắn (ít nhất {MIN_TEXT} ký tự).")
    requested = validate_score(item.node, requested_score) if requested_score not in (None, "") else None
    previous = db.session.execute(
        select(Explanation).where(Explanation.item_id == item.id).order_by(Explanation.round.desc()).limit(1)
    ).scalar_one_or_none()
    round_no = 1 if previous is None else previous.round + 1
    if previous is not None and previous.answered_at is None:
        raise Conflict(f"Tiêu chí {item.node.code} đang chờ tổ thẩm định trả lời giải trình trước.")
    if round_no > assessment.campaign.explanation_rounds:
        raise Conflict(
            f"Tiêu chí {item.node.code} đã giải trình đủ {assessment.campaign.explanation_rounds} lần cho phép."
        )
    explanation = Explanation(
        unit_id=item.unit_id,
        item_id=item.id,
        round=round_no,
        text=text,
        requested_score=requested,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(explanation)
    db.session.flush()
    audit.record(
        "explanation.created",
        actor=actor,
        target=explanation,
        after={"code": item.node.code, "round": round_no, "text": text, "requested": requested},
    )
    notify(
        _appraisers_for(item),
        "contested",
        f"{assessment.unit.name} giải trình tiêu chí {item.node.code}.",
        link=f"/tham-dinh/giai-trinh/{explanation.id}",
    )
    db.session.commit()
    return explanation


def attach_evidence(actor, explanation_id: int, evidence_id: int, page_ref: str) -> EvidenceLink:
    """More evidence for an explanation (cited with stage "explanation" on the contested item)."""
    require(actor, Role.OFFICER, Role.LEADER)
    explanation = _explanation(explanation_id)
    assert_open(explanation.item.assessment)
    if explanation.answered_at is not None:
        raise Conflict("Giải trình này đã được trả lời.")
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if evidence is None:
        raise NotFound("Không tìm thấy tài liệu.")
    exists = db.session.execute(
        select(EvidenceLink).where(EvidenceLink.item_id == explanation.item_id, EvidenceLink.evidence_id == evidence_id)
    ).scalar_one_or_none()
    if exists is not None:
        raise ServiceError("Tài liệu này đã được dẫn cho tiêu chí.")
    link = EvidenceLink(
        unit_id=explanation.unit_id,
        item_id=explanation.item_id,
        evidence_id=evidence_id,
        page_ref=(page_ref or "").strip()[:200],
        added_by_id=actor.id,
        added_at=clock.now(),
        stage="explanation",
    )
    db.session.add(link)
    db.session.flush()
    audit.record("explanation.evidence_added", actor=actor, target=link, after={"evidence": evidence.original_name})
    db.session.commit()
    return link


def _explanation(explanation_id: int) -> Explanation:
    explanation = db.session.execute(select(Explanation).where(Explanation.id == explanation_id)).scalar_one_or_none()
    if explanation is None:
        raise NotFound("Không tìm thấy nội dung giải trình.")
    return explanation


def answer(actor, explanation_id: int, version: int, final_score: str, rationale: str) -> Explanation:
    """The appraiser fixes the item's final score. A final score different from the preliminary one needs a
    rationale."""
    require(actor, Role.APPRAISER)
    explanation = _explanation(explanation_id)
    item = explanation.item
    assessment = item.assessment
    if not may_appraise(actor, assessment, item.node.code):
        raise Forbidden("Bạn không được phân công thẩm định tiêu chí này của đơn vị.")
    if assessment.campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Kỳ đánh giá không còn ở giai đoạn giải trình.")
    if explanation.version != version:
        raise Conflict("Giải trình này vừa được trả lời hoặc thay đổi. Vui lòng tải lại trang.")
    if explanation.answered_at is not None:
        raise Conflict("Giải trình này đã được trả lời.")
    value = validate_score(item.node, final_score)
    rationale = (rationale or "").strip()
    if value != item.appraised_score and not rationale:
        raise ServiceError(
            f"Điểm cuối cùng {engine.format_points(value)} khác điểm sơ bộ "
            f"{engine.format_points(item.appraised_score)}: phải nêu căn cứ."
        )
    if not rationale:
        rationale = "Giữ nguyên điểm thẩm định sơ bộ."
    now = clock.now()
    before = {"final_score": item.final_score, "appraised_score": item.appraised_score}
    explanation.answer, explanation.answered_score = rationale, value
    explanation.answered_by_id, explanation.answered_at = actor.id, now
    explanation.read_by_authority_at = explanation.read_by_authority_at or now
    item.final_score, item.final_note = value, rationale
    item.finalized_by_id, item.finalized_at = actor.id, now
    audit.record(
        "explanation.answered",
        actor=actor,
        target=explanation,
        before=before,
        after={"final_score": value, "rationale": rationale, "code": item.node.code},
    )
    notify(
        db.session.execute(select(User).where(User.unit_id == assessment.unit_id, User.active.is_(True))).scalars(),
        "answered",
        f"Tổ thẩm định đã trả lời giải trình tiêu chí {item.node.code}: điểm cuối cùng {engine.format_points(value)}.",
        link=f"/giai-trinh/{assessment.id}",
    )
    db.session.commit()
    return explanation


def mark_read(actor, explanation: Explanation) -> None:
    """Record that the other side has opened it (the unit reads answers; the authority reads explanations). A plain
    UPDATE, so that a read receipt never bumps the row's version under someone's open form. Nothing is written once
    the campaign is published: its rows are frozen, and merely viewing must not answer 409."""
    published = db.session.execute(
        select(Campaign.status)
        .join(Assessment, Assessment.campaign_id == Campaign.id)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .where(ItemScore.id == explanation.item_id)
    ).scalar_one_or_none()
    if published == CampaignStatus.PUBLISHED:
        return
    now = clock.now()
    stmt = update(Explanation).where(Explanation.id == explanation.id)
    if actor.role in (Role.OFFICER, Role.LEADER):
        if explanation.answered_at is None or explanation.read_by_unit_at is not None:
            return
        stmt = stmt.values(read_by_unit_at=now)
    elif explanation.read_by_authority_at is None:
        stmt = stmt.values(read_by_authority_at=now)
    else:
        return
    db.session.execute(stmt.execution_options(synchronize_session="fetch"))
    db.session.commit()


def _appraisers_for(item: ItemScore) -> list[User]:
    assessment = item.assessment
    appraiser_ids = db.session.execute(
        select(AppraisalAssignment.appraiser_id).where(AppraisalAssignment.campaign_id == assessment.campaign_id)
    ).scalars()
    users = db.session.execute(select(User).where(User.id.in_(list(appraiser_ids)))).scalars()
    return [u for u in users if may_appraise(u, assessment, item.node.code)]


def unanswered_count(campaign_id: int) -> int:
    from dvcq.scoring.models import Assessment

    return db.session.execute(
        select(func.count(Explanation.id))
        .join(ItemScore, ItemScore.id == Explanation.item_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id, Explanation.answered_at.is_(None))
    ).scalar_one()


def for_staff(user) -> list[Explanation]:
    """The explanations of the campaigns in appraisal or in the explanation round, unanswered first; an appraiser
    sees only those of the units and areas assigned to them."""
    active = (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)
    rows = db.session.execute(select(Explanation).order_by(Explanation.answered_at.is_not(None), Explanation.id))
    found = [e for e in rows.scalars() if e.item.assessment.campaign.status in active]
    if user.role == Role.APPRAISER:
        found = [e for e in found if may_appraise(user, e.item.assessment, e.item.node.code)]
    return found
