"""Appraisal scoring: the verified score of each leaf with its reasons, «Đồng ý điểm tự chấm», and how far each
dossier's appraisal has got. Who may score what lives in `assignments.py`; release and final review in `release.py`.

Every change: permission check → change → audit record, in one transaction. Optimistic locking on ItemScore.version:
two appraisers on one item get a conflict, never a lost update.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import MESSAGES, Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import one_or_missing
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring import engine
from dvcq.scoring.appraisal.assignments import may_appraise
from dvcq.scoring.models import Assessment, AssessmentStatus, CampaignStatus, CriteriaNode, ItemScore
from dvcq.scoring.selfassessment.rules import extension_running

# Reason codes for a deduction (lý do trừ điểm); the appraiser picks one or more and may add free text.
DEDUCTION_REASONS = {
    "thieu_kiem_chung": "Thiếu tài liệu kiểm chứng",
    "ngoai_thoi_gian": "Tài liệu kiểm chứng ngoài thời gian đánh giá",
    "khong_dat_noi_dung": "Nội dung thực hiện không đạt yêu cầu",
    "chua_day_du": "Thực hiện chưa đầy đủ, chưa kịp thời",
    "sai_huong_dan": "Tự chấm không đúng hướng dẫn",
    "khac": "Lý do khác (ghi rõ)",
}
APPRAISABLE = (
    AssessmentStatus.DRAFT,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.APPRAISING,
    AssessmentStatus.APPRAISED,
)
NOT_SUBMITTED_YET = "Đơn vị chưa nộp hồ sơ tự đánh giá; hồ sơ mở để thẩm định ngay khi đơn vị nộp."


def open_for_appraisal(assessment: Assessment) -> bool:
    """Rolling appraisal: a unit's dossier may be appraised as soon as the unit submits, while other units are still
    drafting; once the campaign is in appraisal, every dossier may (one never submitted is appraised on what it
    holds) — except one still inside its individual extension, which waits until the unit submits or its extension
    is over. After release, scores change only through the explanation round."""
    if assessment.status not in APPRAISABLE:
        return False
    stage = assessment.campaign.status
    if stage == CampaignStatus.SELF_ASSESSMENT:
        return assessment.status != AssessmentStatus.DRAFT
    return stage in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION) and not extension_running(assessment)


def reason_labels(codes: str) -> list[str]:
    return [DEDUCTION_REASONS.get(c, c) for c in codes.split(",") if c]


def _item(item_id: int) -> ItemScore:
    return one_or_missing(ItemScore, item_id, "Không tìm thấy tiêu chí cần thẩm định.")


def item_of(assessment: Assessment, item_id: int) -> ItemScore | None:
    """The item if it is one of this dossier's (an item of another dossier is as missing as one that never was)."""
    return db.session.execute(
        select(ItemScore).where(ItemScore.id == item_id, ItemScore.assessment_id == assessment.id)
    ).scalar_one_or_none()


def validate_score(node: CriteriaNode, text: str | Decimal) -> Decimal:
    """A leaf score checked against the node's maximum, step and method; ServiceError in Vietnamese otherwise."""
    try:
        return engine.check_score(text, node.max_points, node.step, node.method)
    except ValueError as err:
        raise ServiceError(f"Tiêu chí {node.code}: {err}") from None


def _assert_open(assessment: Assessment) -> None:
    if assessment.status not in APPRAISABLE:
        raise Conflict("Kết quả sơ bộ của đơn vị đã được công bố; điểm chỉ thay đổi qua giải trình.")
    if not open_for_appraisal(assessment):
        if assessment.campaign.status == CampaignStatus.SELF_ASSESSMENT or extension_running(assessment):
            raise Conflict(NOT_SUBMITTED_YET)
        raise Conflict("Kỳ đánh giá không còn ở giai đoạn chấm thẩm định.")


class ItemConflict(Conflict):
    """Somebody saved the item since this appraiser loaded it; carries the item as it is now."""

    def __init__(self, item: ItemScore):
        super().__init__(
            f"Tiêu chí {item.node.code} vừa được người khác lưu (điểm thẩm định hiện tại: "
            f"{_shown(item.appraised_score)}). Giá trị bạn vừa nhập chưa được lưu; hãy xem lại rồi lưu lại nếu cần."
        )
        self.item = item


def _appraisable_item(actor, item: ItemScore) -> None:
    if not may_appraise(actor, item.assessment, item.node.code):
        raise NotFound(MESSAGES[404][1])  # not assigned: as missing as an item that never was, byte for byte
    _assert_open(item.assessment)


def _record(actor, item: ItemScore, value: Decimal, reasons: list[str], note: str, *, agreed: bool = False) -> None:
    """Write one leaf's appraised score with its audit record; the caller commits."""
    before = {"score": item.appraised_score, "reasons": item.deduction_reasons, "note": item.appraisal_note}
    item.appraised_score = value
    item.deduction_reasons = ",".join(reasons)
    item.appraisal_note = note
    item.appraised_by_id = actor.id
    item.appraised_at = clock.now()
    after = {"score": value, "reasons": item.deduction_reasons, "note": note, "code": item.node.code}
    if agreed:
        after["agreed_with_self_score"] = True
    audit.record("appraisal.scored", actor=actor, target=item, before=before, after=after)


def _after_scoring(assessment: Assessment) -> None:
    if assessment.status in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
        assessment.status = AssessmentStatus.APPRAISING
    db.session.flush()
    if _all_appraised(assessment.id):
        assessment.status = AssessmentStatus.APPRAISED


def _commit_items() -> None:
    commit_or_conflict("Tiêu chí vừa được người khác lưu nên chưa lưu được. Vui lòng tải lại trang.")


def save_appraisal(actor, item_id: int, version: int, score: str | Decimal, reasons: list[str], note: str) -> ItemScore:
    """Record the appraised score of one leaf. A score below what the unit claimed needs at least one reason (and
    the free text when the reason is «Lý do khác»). A save made on a stale version raises ItemConflict."""
    require(actor, Role.APPRAISER)
    item = _item(item_id)
    assessment, node = item.assessment, item.node
    _appraisable_item(actor, item)
    if item.version != version:
        raise ItemConflict(item)
    value = validate_score(node, score)
    reasons = [r for r in dict.fromkeys(reasons) if r]
    unknown = [r for r in reasons if r not in DEDUCTION_REASONS]
    if unknown:
        raise ServiceError("Lý do trừ điểm không hợp lệ: " + ", ".join(unknown))
    note = (note or "").strip()
    claimed = item.self_score if item.self_score is not None else node.max_points
    if value < claimed and not reasons:
        raise ServiceError(
            f"Tiêu chí {node.code}: điểm thẩm định {engine.format_points(value)} thấp hơn điểm tự chấm "
            f"{engine.format_points(claimed)} — hãy chọn ít nhất một lý do trừ điểm."
        )
    if "khac" in reasons and not note:
        raise ServiceError(f"Tiêu chí {node.code}: đã chọn «Lý do khác» thì phải ghi rõ lý do.")
    _record(actor, item, value, reasons, note)
    _after_scoring(assessment)
    _commit_items()
    return item


@dataclass
class Agreement:
    """What «Đồng ý điểm tự chấm» did: the items now scored as the unit scored them, and the ones left for the
    appraiser with why (no self-score to agree with, or already appraised)."""

    agreed: list[ItemScore]
    skipped: list[tuple[ItemScore, str]]


def agree_with_self_scores(
    actor, assessment_id: int, versions: dict[int, int], *, overwrite: bool = False
) -> Agreement:
    """«Đồng ý điểm tự chấm» for the items in `versions` ({item id: version the appraiser saw}): each takes the unit's
    self-score as its appraised score, audited like any save. All or nothing: an item of another dossier is missing
    (404), so is one outside the appraiser's areas (404, as missing), one saved by somebody since is a conflict (409).
    Items already appraised keep their score unless `overwrite` (the one-item button), and items without a
    self-score (those the authority alone scores) are left for the appraiser to score."""
    require(actor, Role.APPRAISER)
    if not versions:
        raise ServiceError("Không có tiêu chí nào để đồng ý điểm tự chấm.")
    items = list(
        db.session.execute(
            select(ItemScore).where(ItemScore.id.in_(list(versions)), ItemScore.assessment_id == assessment_id)
        ).scalars()
    )
    if len(items) != len(versions):
        raise NotFound("Không tìm thấy tiêu chí cần thẩm định.")
    items.sort(key=lambda i: i.node_position)
    for item in items:
        _appraisable_item(actor, item)
    stale = [item for item in items if item.version != versions[item.id]]
    if len(stale) == 1:
        raise ItemConflict(stale[0])
    if stale:
        codes = ", ".join(item.node.code for item in stale)
        raise Conflict(
            f"Các tiêu chí {codes} vừa được người khác lưu nên chưa đồng ý được tiêu chí nào. Vui lòng tải lại trang."
        )
    result = Agreement([], [])
    for item in items:
        if item.self_score is None:
            result.skipped.append((item, "không có điểm tự chấm"))
        elif item.appraised_score is not None and not overwrite:
            result.skipped.append((item, "đã có điểm thẩm định"))
        else:
            _record(actor, item, item.self_score, [], "", agreed=True)
            result.agreed.append(item)
    if result.agreed:
        _after_scoring(items[0].assessment)
        _commit_items()
    return result


def _shown(value: Decimal | None) -> str:
    return "chưa chấm" if value is None else engine.format_points(value)


def _all_appraised(assessment_id: int) -> bool:
    missing = db.session.execute(
        select(func.count(ItemScore.id)).where(
            ItemScore.assessment_id == assessment_id, ItemScore.appraised_score.is_(None)
        )
    ).scalar_one()
    return missing == 0


def progress(campaign_id: int) -> dict[int, tuple[int, int]]:
    """Per assessment: (appraised leaves, all leaves)."""
    rows = db.session.execute(
        select(
            ItemScore.assessment_id,
            func.count(ItemScore.id),
            func.count(ItemScore.appraised_score),
        )
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id)
        .group_by(ItemScore.assessment_id)
    ).all()
    return {assessment_id: (done, total) for assessment_id, total, done in rows}
