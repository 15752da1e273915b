"""The explanation round (giải trình): the unit contests items of its preliminary result before its deadline — the
officer drafts, the unit leader sends, either may attach files (from the unit's library or a new upload) — and the
appraiser answers each with a final score and a rationale. Each side sees when the other has read it.

The deadline is the server's: nothing is drafted, sent or attached after it, nor after the leader has ended the unit's
round (`finish`), and the secretariat cannot close the round while a unit is still inside its window
(`release.units_in_window`, checked by `release.close_appraisal`). A draft is the unit's own: the authority sees an
explanation, and the files attached to it, only once it is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import MESSAGES, Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import one_or_missing
from dvcq.scoring import engine
from dvcq.scoring.appraisal.assignments import may_appraise
from dvcq.scoring.appraisal.release import explanation_deadline
from dvcq.scoring.appraisal.services import validate_score
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
MAX_TEXT = 5000
UNIT_ROLES = (Role.OFFICER, Role.LEADER)
ROUND_STAGES = (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)
ONLY_LEADER_SENDS = (
    "Chỉ lãnh đạo đơn vị gửi giải trình tới tổ thẩm định. Cán bộ đầu mối lưu bản nháp để lãnh đạo xem và gửi."
)
EXPLANATION_CONFLICT = "Nội dung giải trình vừa được người khác thay đổi. Vui lòng tải lại trang."


def _item(item_id: int) -> ItemScore:
    return one_or_missing(ItemScore, item_id, "Không tìm thấy tiêu chí.")


def assert_open(assessment, now: datetime | None = None) -> None:
    """The unit may still explain: its preliminary result is released, the campaign is in appraisal or explanation,
    its leader has not ended its round, and its deadline has not passed."""
    now = now or clock.now()
    if assessment.status != AssessmentStatus.RELEASED:
        raise Conflict("Đơn vị chỉ giải trình sau khi có kết quả thẩm định sơ bộ và trước khi chốt điểm.")
    if assessment.campaign.status not in ROUND_STAGES:
        raise Conflict("Kỳ đánh giá không còn nhận giải trình.")
    if assessment.explanation_closed_at is not None:
        raise Conflict(f"Đơn vị đã kết thúc giải trình lúc {vn_datetime(assessment.explanation_closed_at)}.")
    deadline = explanation_deadline(assessment)
    if deadline is not None and now > deadline:
        raise Conflict(f"Đã hết hạn giải trình ({vn_datetime(deadline)}).")


def _text(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) < MIN_TEXT:
        raise ServiceError(f"Nội dung giải trình quá ngắn (ít nhất {MIN_TEXT} ký tự).")
    if len(text) > MAX_TEXT:
        raise ServiceError(f"Nội dung giải trình dài quá {MAX_TEXT} ký tự.")
    return text


def _latest(item: ItemScore) -> Explanation | None:
    return db.session.execute(
        select(Explanation).where(Explanation.item_id == item.id).order_by(Explanation.round.desc()).limit(1)
    ).scalar_one_or_none()


def _draft(actor, item: ItemScore, text: str | None, requested_score: str | None) -> Explanation:
    """Create this item's draft, or change the one there is; the caller commits."""
    assessment = item.assessment
    assert_open(assessment)
    text = _text(text)
    requested = validate_score(item.node, requested_score) if requested_score not in (None, "") else None
    previous = _latest(item)
    if previous is not None and previous.draft:
        before = {"text": previous.text, "requested": previous.requested_score}
        previous.text, previous.requested_score = text, requested
        audit.record(
            "explanation.drafted",
            actor=actor,
            target=previous,
            before=before,
            after={"code": item.node.code, "text": text, "requested": requested},
        )
        return previous
    if previous is not None and previous.answered_at is None:
        raise Conflict(f"Tiêu chí {item.node.code} đang chờ tổ thẩm định trả lời giải trình trước.")
    round_no = 1 if previous is None else previous.round + 1
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
        draft=True,
    )
    audit.record_new(
        explanation,
        "explanation.drafted",
        actor=actor,
        after={"code": item.node.code, "round": round_no, "text": text, "requested": requested},
    )
    return explanation


def _send(actor, explanation: Explanation) -> None:
    """The leader sends a draft: the authority sees it (and its files) from now; the caller commits."""
    item = explanation.item
    explanation.draft = False
    explanation.created_at = clock.now()
    explanation.sent_by_id = actor.id
    audit.record(
        "explanation.created",
        actor=actor,
        target=explanation,
        after={
            "code": item.node.code,
            "round": explanation.round,
            "text": explanation.text,
            "requested": explanation.requested_score,
            "files": len(explanation.attachments),
        },
    )
    notify(
        _appraisers_for(item),
        "contested",
        f"{item.assessment.unit.name} giải trình tiêu chí {item.node.code}.",
        link=f"/tham-dinh/giai-trinh/{explanation.id}",
    )


def save_draft(actor, item_id: int, text: str, requested_score: str | None = None) -> Explanation:
    """The officer (or the leader) writes the item's explanation as a draft; the leader is told there is one to send."""
    require(actor, *UNIT_ROLES)
    item = _item(item_id)  # another unit's item is not found (tenancy guard)
    explanation = _draft(actor, item, text, requested_score)
    if actor.role == Role.OFFICER:
        leaders = db.session.execute(
            select(User).where(User.unit_id == item.unit_id, User.role == Role.LEADER, User.active.is_(True))
        ).scalars()
        notify(
            leaders,
            "explanation.drafted",
            f"{actor.full_name} đã soạn giải trình tiêu chí {item.node.code}; lãnh đạo đơn vị xem và gửi tổ thẩm định.",
            link=f"/giai-trinh/{item.assessment_id}#item-{item.id}",
            dedupe_key=f"explanation-draft:{explanation.id}",
        )
    db.session.commit()
    return explanation


def contest(actor, item_id: int, text: str, requested_score: str | None = None) -> Explanation:
    """The unit leader writes and sends an explanation in one step (a draft of the item is sent as now written)."""
    require(actor, *UNIT_ROLES)
    if actor.role != Role.LEADER:
        raise Forbidden(ONLY_LEADER_SENDS)
    item = _item(item_id)
    explanation = _draft(actor, item, text, requested_score)
    _send(actor, explanation)
    db.session.commit()
    return explanation


def _unit_explanation(explanation_id: int) -> Explanation:
    """One of the actor's unit's explanations (the tenancy guard hides other units')."""
    return one_or_missing(Explanation, explanation_id, "Không tìm thấy nội dung giải trình.")


def send(actor, explanation_id: int, version: int) -> Explanation:
    """The unit leader sends a draft the officer prepared."""
    require(actor, *UNIT_ROLES)
    if actor.role != Role.LEADER:
        raise Forbidden(ONLY_LEADER_SENDS)
    explanation = _unit_explanation(explanation_id)
    assert_open(explanation.item.assessment)
    if not explanation.draft:
        raise Conflict("Giải trình này đã được gửi.")
    if explanation.version != version:
        raise Conflict(EXPLANATION_CONFLICT)
    _send(actor, explanation)
    db.session.commit()
    return explanation


def discard_draft(actor, explanation_id: int) -> None:
    """Delete a draft never sent, with the files attached to it (they stay in the unit's library)."""
    require(actor, *UNIT_ROLES)
    explanation = _unit_explanation(explanation_id)
    if not explanation.draft:
        raise Conflict("Giải trình đã gửi thì không xoá được.")
    assert_open(explanation.item.assessment)
    for link in list(explanation.attachments):
        db.session.delete(link)
    audit.record(
        "explanation.discarded",
        actor=actor,
        target=explanation,
        before={"code": explanation.item.node.code, "text": explanation.text},
    )
    db.session.delete(explanation)
    db.session.commit()


def attach_evidence(actor, explanation_id: int, evidence_id: int, page_ref: str) -> EvidenceLink:
    """Attach a file of the unit's library to an explanation not yet answered (cited on the contested item with stage
    "explanation"); the authority sees it once the explanation is sent."""
    require(actor, *UNIT_ROLES)
    explanation = _unit_explanation(explanation_id)
    assert_open(explanation.item.assessment)
    if explanation.answered_at is not None:
        raise Conflict("Giải trình này đã được trả lời.")
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if evidence is None or evidence.unit_id != explanation.unit_id:
        raise NotFound("Không tìm thấy tài liệu.")
    exists = db.session.execute(
        select(EvidenceLink).where(EvidenceLink.item_id == explanation.item_id, EvidenceLink.evidence_id == evidence_id)
    ).scalar_one_or_none()
    if exists is not None:
        raise ServiceError(f"Tài liệu «{evidence.original_name}» đã được dẫn cho tiêu chí này.")
    page_ref = (page_ref or "").strip()
    if len(page_ref) > 200:
        raise ServiceError("Trang/mục dẫn chứng dài quá 200 ký tự.")
    link = EvidenceLink(
        unit_id=explanation.unit_id,
        item_id=explanation.item_id,
        evidence_id=evidence_id,
        page_ref=page_ref,
        added_by_id=actor.id,
        added_at=clock.now(),
        stage="explanation",
        explanation_id=explanation.id,
    )
    audit.record_new(
        link,
        "explanation.evidence_added",
        actor=actor,
        after={"evidence": evidence.original_name, "explanation_id": explanation.id, "page_ref": page_ref},
    )
    db.session.commit()
    return link


def attachable(actor, explanation_id: int) -> Explanation:
    """The explanation, if the actor may attach a file to it now (checked before an upload is stored)."""
    require(actor, *UNIT_ROLES)
    explanation = _unit_explanation(explanation_id)
    assert_open(explanation.item.assessment)
    if explanation.answered_at is not None:
        raise Conflict("Giải trình này đã được trả lời.")
    return explanation


def finish(actor, assessment_id: int, now: datetime | None = None) -> Assessment:
    """The unit leader ends the unit's explanation round before the deadline: everything is sent, or there is nothing
    to contest. Refused while a draft is left unsent."""
    require(actor, *UNIT_ROLES)
    if actor.role != Role.LEADER:
        raise Forbidden("Chỉ lãnh đạo đơn vị kết thúc giải trình của đơn vị.")
    now = now or clock.now()
    assessment = db.session.execute(select(Assessment).where(Assessment.id == assessment_id)).scalar_one_or_none()
    if assessment is None or assessment.status not in (AssessmentStatus.RELEASED, AssessmentStatus.FINAL):
        raise NotFound("Không tìm thấy hồ sơ đánh giá.")
    assert_open(assessment, now)
    drafts = db.session.execute(
        select(func.count(Explanation.id))
        .join(ItemScore, ItemScore.id == Explanation.item_id)
        .where(ItemScore.assessment_id == assessment.id, Explanation.draft.is_(True))
    ).scalar_one()
    if drafts:
        raise Conflict(
            f"Còn {drafts} bản nháp giải trình chưa gửi. Hãy gửi hoặc xoá các bản nháp trước khi kết thúc giải trình."
        )
    assessment.explanation_closed_at = now
    audit.record(
        "explanation.round_closed",
        actor=actor,
        target=assessment,
        before={"explanation_closed_at": None},
        after={"explanation_closed_at": now},
    )
    secretariat = db.session.execute(
        select(User).where(
            User.unit_id == assessment.campaign.authority_id, User.role == Role.SECRETARIAT, User.active.is_(True)
        )
    ).scalars()
    notify(
        secretariat,
        "explanation.round_closed",
        f"{assessment.unit.name} đã kết thúc giải trình {assessment.campaign.name}.",
        link=f"/tham-dinh/ra-soat/{assessment.campaign_id}",
    )
    db.session.commit()
    return assessment


def sent_explanation(explanation_id: int) -> Explanation:
    """An explanation the authority may see: a draft is as missing as one that never was."""
    explanation = db.session.execute(
        select(Explanation).where(Explanation.id == explanation_id, Explanation.draft.is_(False))
    ).scalar_one_or_none()
    if explanation is None:
        raise NotFound("Không tìm thấy nội dung giải trình.")
    return explanation


def answer(actor, explanation_id: int, version: int, final_score: str, rationale: str) -> Explanation:
    """The appraiser fixes the item's final score. A final score different from the preliminary one needs a
    rationale."""
    require(actor, Role.APPRAISER)
    explanation = sent_explanation(explanation_id)
    item = explanation.item
    assessment = item.assessment
    if not may_appraise(actor, assessment, item.node.code):
        raise NotFound(MESSAGES[404][1])  # not assigned: as missing as an explanation that never was
    if assessment.campaign.status not in ROUND_STAGES:
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
    item.finalize(value, rationale, actor.id, now)
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
    if explanation.draft:
        return
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
    if actor.role in UNIT_ROLES:
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
    return db.session.execute(
        select(func.count(Explanation.id))
        .join(ItemScore, ItemScore.id == Explanation.item_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(
            Assessment.campaign_id == campaign_id,
            Explanation.answered_at.is_(None),
            Explanation.draft.is_(False),
        )
    ).scalar_one()


def for_staff(user) -> list[Explanation]:
    """The sent explanations of the campaigns in appraisal or in the explanation round, unanswered first; an appraiser
    sees only those of the units and areas assigned to them."""
    rows = db.session.execute(
        select(Explanation)
        .where(Explanation.draft.is_(False))
        .order_by(Explanation.answered_at.is_not(None), Explanation.id)
    )
    found = [e for e in rows.scalars() if e.item.assessment.campaign.status in ROUND_STAGES]
    if user.role == Role.APPRAISER:
        found = [e for e in found if may_appraise(user, e.item.assessment, e.item.node.code)]
    return found
