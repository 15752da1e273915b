"""Appraisal services: who appraises what, the verified score of each leaf with reasons, release, final review.

Every change: permission check → change → audit record, in one transaction. Optimistic locking on ItemScore.version:
two appraisers on one item get a conflict, never a lost update.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.scoring import engine
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    ItemScore,
)

# Reason codes for a deduction (lý do trừ điểm); the appraiser picks one or more and may add free text.
from dvcq.tenants.models import Unit

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


def area_code(code: str) -> str:
    """The top-level area of a node: the part of its code before the first dot."""
    return code.split(".", 1)[0]


def reason_labels(codes: str) -> list[str]:
    return [DEDUCTION_REASONS.get(c, c) for c in codes.split(",") if c]


# --- assignments -----------------------------------------------------------------------------------------------


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.execute(select(Campaign).where(Campaign.id == campaign_id)).scalar_one_or_none()
    if campaign is None:
        raise NotFound("Không tìm thấy kỳ đánh giá.")
    return campaign


def assign(actor, campaign_id: int, appraiser_id: int, unit_id: int | None, area_id: int | None):
    """Assign an appraiser to a unit, an area, or an area of one unit. Never to their own unit."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    campaign = _campaign(campaign_id)
    if campaign.status == CampaignStatus.PUBLISHED:
        raise Conflict("Kỳ đánh giá đã công bố kết quả; không thể phân công thêm.")
    appraiser = db.session.get(User, appraiser_id)
    if appraiser is None or appraiser.role != Role.APPRAISER or appraiser.unit.authority_id != campaign.authority_id:
        raise ServiceError("Người được phân công phải là thành viên tổ thẩm định của cơ quan đánh giá.")
    if unit_id is None and area_id is None:
        raise ServiceError("Hãy chọn đơn vị hoặc lĩnh vực để phân công.")
    if unit_id is not None:
        if unit_id == appraiser.unit_id:
            raise ServiceError("Không phân công thành viên thẩm định đơn vị của chính mình.")
        participating = db.session.execute(
            select(Assessment.id).where(Assessment.campaign_id == campaign_id, Assessment.unit_id == unit_id)
        ).first()
        if participating is None:
            raise ServiceError("Đơn vị này không tham gia kỳ đánh giá.")
    if area_id is not None:
        area = db.session.get(CriteriaNode, area_id)
        if area is None or area.version_id != campaign.criteria_version_id or area.parent_id is not None:
            raise ServiceError("Lĩnh vực không thuộc bộ tiêu chí của kỳ đánh giá.")
    exists = db.session.execute(
        select(AppraisalAssignment).where(
            AppraisalAssignment.campaign_id == campaign_id,
            AppraisalAssignment.appraiser_id == appraiser_id,
            AppraisalAssignment.unit_id.is_(None) if unit_id is None else AppraisalAssignment.unit_id == unit_id,
            AppraisalAssignment.area_id.is_(None) if area_id is None else AppraisalAssignment.area_id == area_id,
        )
    ).scalar_one_or_none()
    if exists is not None:
        raise ServiceError("Phân công này đã có.")
    assignment = AppraisalAssignment(
        authority_id=campaign.authority_id,
        campaign_id=campaign_id,
        appraiser_id=appraiser_id,
        unit_id=unit_id,
        area_id=area_id,
        created_at=clock.now(),
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "appraisal.assigned",
        actor=actor,
        unit_id=unit_id or campaign.authority_id,
        target=assignment,
        after={"appraiser": appraiser.login, "unit_id": unit_id, "area_id": area_id},
    )
    db.session.commit()
    return assignment


def unassign(actor, assignment_id: int) -> None:
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    assignment = db.session.execute(
        select(AppraisalAssignment).where(AppraisalAssignment.id == assignment_id)
    ).scalar_one_or_none()
    if assignment is None:
        raise NotFound("Không tìm thấy phân công.")
    audit.record(
        "appraisal.unassigned",
        actor=actor,
        unit_id=assignment.unit_id or assignment.authority_id,
        target=assignment,
        before={"appraiser_id": assignment.appraiser_id, "unit_id": assignment.unit_id, "area_id": assignment.area_id},
    )
    db.session.delete(assignment)
    db.session.commit()


def reassign(actor, assignment_id: int, new_appraiser_id: int):
    """Rebalance: hand one assignment to another appraiser."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    assignment = db.session.execute(
        select(AppraisalAssignment).where(AppraisalAssignment.id == assignment_id)
    ).scalar_one_or_none()
    if assignment is None:
        raise NotFound("Không tìm thấy phân công.")
    campaign_id, unit_id, area_id = assignment.campaign_id, assignment.unit_id, assignment.area_id
    unassign(actor, assignment_id)
    return assign(actor, campaign_id, new_appraiser_id, unit_id, area_id)


def assignments_of(campaign_id: int, appraiser_id: int) -> list[AppraisalAssignment]:
    return list(
        db.session.execute(
            select(AppraisalAssignment).where(
                AppraisalAssignment.campaign_id == campaign_id, AppraisalAssignment.appraiser_id == appraiser_id
            )
        ).scalars()
    )


def _covers(assignment: AppraisalAssignment, unit_id: int, area: str, area_ids: dict[int, str]) -> bool:
    unit_ok = assignment.unit_id is None or assignment.unit_id == unit_id
    area_ok = assignment.area_id is None or area_ids.get(assignment.area_id) == area
    return unit_ok and area_ok


def _area_codes(campaign: Campaign) -> dict[int, str]:
    rows = db.session.execute(
        select(CriteriaNode.id, CriteriaNode.code).where(
            CriteriaNode.version_id == campaign.criteria_version_id, CriteriaNode.parent_id.is_(None)
        )
    ).all()
    return {row.id: row.code for row in rows}


def may_appraise(user, assessment: Assessment, node_code: str | None = None) -> bool:
    """Whether `user` may score this unit (and this leaf's area, when given)."""
    if user.role != Role.APPRAISER or assessment.unit_id == user.unit_id:
        return False
    area_ids = _area_codes(assessment.campaign)
    for assignment in assignments_of(assessment.campaign_id, user.id):
        if node_code is None:
            if assignment.unit_id is None or assignment.unit_id == assessment.unit_id:
                return True
        elif _covers(assignment, assessment.unit_id, area_code(node_code), area_ids):
            return True
    return False


def appraisable_areas(user, assessment: Assessment) -> set[str] | None:
    """The area codes `user` may score in this assessment; None means every area."""
    area_ids = _area_codes(assessment.campaign)
    areas: set[str] = set()
    for assignment in assignments_of(assessment.campaign_id, user.id):
        if assignment.unit_id not in (None, assessment.unit_id):
            continue
        if assignment.area_id is None:
            return None
        areas.add(area_ids[assignment.area_id])
    return areas


@dataclass
class Workload:
    appraiser: User
    units: int
    items: int
    appraised: int

    @property
    def remaining(self) -> int:
        return self.items - self.appraised


def workload(campaign_id: int) -> list[Workload]:
    """Per appraiser: units covered, leaves to appraise and how many are done — for rebalancing."""
    campaign = _campaign(campaign_id)
    area_ids = _area_codes(campaign)
    appraisers = db.session.execute(
        select(User)
        .join(Unit, User.unit_id == Unit.id)
        .where(User.role == Role.APPRAISER, User.active.is_(True), Unit.id == campaign.authority_id)
        .order_by(User.full_name)
    ).scalars()
    items = db.session.execute(
        select(Assessment.unit_id, CriteriaNode.code, ItemScore.appraised_score)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .where(Assessment.campaign_id == campaign_id)
    ).all()
    loads = []
    for appraiser in appraisers:
        mine = assignments_of(campaign_id, appraiser.id)
        units, total, done = set(), 0, 0
        for unit_id, code, appraised in items:
            if any(_covers(a, unit_id, area_code(code), area_ids) for a in mine):
                units.add(unit_id)
                total += 1
                done += appraised is not None
        loads.append(Workload(appraiser, len(units), total, done))
    return loads


# --- scoring ---------------------------------------------------------------------------------------------------


def _item(item_id: int) -> ItemScore:
    item = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one_or_none()
    if item is None:
        raise NotFound("Không tìm thấy tiêu chí cần thẩm định.")
    return item


def validate_score(node: CriteriaNode, text: str | Decimal) -> Decimal:
    """A leaf score checked against the node's maximum, step and method; ServiceError in Vietnamese otherwise."""
    try:
        return engine.check_score(text, node.max_points, node.step, node.method)
    except ValueError as err:
        raise ServiceError(f"Tiêu chí {node.code}: {err}") from None


def save_appraisal(actor, item_id: int, version: int, score: str | Decimal, reasons: list[str], note: str) -> ItemScore:
    """Record the appraised score of one leaf. A score below what the unit claimed needs at least one reason (and
    the free text when the reason is «Lý do khác»)."""
    require(actor, Role.APPRAISER)
    item = _item(item_id)
    assessment, node = item.assessment, item.node
    campaign = assessment.campaign
    if not may_appraise(actor, assessment, node.code):
        raise Forbidden("Bạn không được phân công thẩm định tiêu chí này của đơn vị.")
    if campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Chỉ chấm thẩm định khi kỳ đánh giá đang ở giai đoạn thẩm định hoặc giải trình.")
    if assessment.status not in APPRAISABLE:
        raise Conflict("Kết quả sơ bộ của đơn vị đã được công bố; điểm chỉ thay đổi qua giải trình.")
    if item.version != version:
        raise Conflict(
            f"Tiêu chí {node.code} vừa được người khác lưu (điểm thẩm định hiện tại: "
            f"{_shown(item.appraised_score)}). Vui lòng tải lại để xem trước khi sửa."
        )
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
    before = {"score": item.appraised_score, "reasons": item.deduction_reasons, "note": item.appraisal_note}
    item.appraised_score = value
    item.deduction_reasons = ",".join(reasons)
    item.appraisal_note = note
    item.appraised_by_id = actor.id
    item.appraised_at = clock.now()
    if assessment.status in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
        assessment.status = AssessmentStatus.APPRAISING
    db.session.flush()
    if _all_appraised(assessment.id):
        assessment.status = AssessmentStatus.APPRAISED
    audit.record(
        "appraisal.scored",
        actor=actor,
        target=item,
        before=before,
        after={"score": value, "reasons": item.deduction_reasons, "note": note, "code": node.code},
    )
    db.session.commit()
    return item


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


# --- release and final review ----------------------------------------------------------------------------------


def _assessment(assessment_id: int) -> Assessment:
    assessment = db.session.execute(select(Assessment).where(Assessment.id == assessment_id)).scalar_one_or_none()
    if assessment is None:
        raise NotFound("Không tìm thấy hồ sơ đánh giá.")
    return assessment


def release(actor, assessment_id: int, version: int) -> Assessment:
    """The secretariat releases a unit's complete appraisal: the unit sees its preliminary result."""
    require(actor, Role.SECRETARIAT)
    assessment = _assessment(assessment_id)
    if assessment.version != version:
        raise Conflict("Hồ sơ vừa được thay đổi. Vui lòng tải lại trang.")
    if assessment.campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Chỉ công bố kết quả sơ bộ trong giai đoạn thẩm định hoặc giải trình.")
    if assessment.status != AssessmentStatus.APPRAISED:
        done, total = progress(assessment.campaign_id).get(assessment.id, (0, 0))
        raise Conflict(
            f"Chưa thể công bố kết quả sơ bộ của {assessment.unit.name}: mới thẩm định {done}/{total} tiêu chí."
        )
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
    db.session.commit()
    return assessment


@dataclass
class UnitState:
    assessment: Assessment
    appraised: int
    items: int
    open_explanations: int


def review_board(campaign_id: int) -> list[UnitState]:
    """Every participating unit's state for the secretariat's final review."""
    from dvcq.scoring.models import Explanation

    done = progress(campaign_id)
    open_by_assessment: dict[int, int] = defaultdict(int)
    for (assessment_id,) in db.session.execute(
        select(ItemScore.assessment_id)
        .join(Explanation, Explanation.item_id == ItemScore.id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign_id, Explanation.answered_at.is_(None))
    ):
        open_by_assessment[assessment_id] += 1
    assessments = db.session.execute(
        select(Assessment)
        .where(Assessment.campaign_id == campaign_id)
        .join(Unit, Unit.id == Assessment.unit_id)
        .order_by(Assessment.group_id, Unit.code)
    ).scalars()
    return [
        UnitState(a, *done.get(a.id, (0, 0)), open_explanations=open_by_assessment.get(a.id, 0)) for a in assessments
    ]


def close_appraisal(actor, campaign_id: int, version: int) -> Campaign:
    """Final review: every unit released, every explanation answered → fix every final score and move the campaign
    to final review (the decision follows)."""
    require(actor, Role.SECRETARIAT)
    campaign = _campaign(campaign_id)
    if campaign.version != version:
        raise Conflict("Kỳ đánh giá vừa được thay đổi. Vui lòng tải lại trang.")
    if campaign.status not in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION):
        raise Conflict("Chỉ kết thúc thẩm định khi kỳ đánh giá đang ở giai đoạn thẩm định hoặc giải trình.")
    board = review_board(campaign_id)
    problems = []
    for state in board:
        name = state.assessment.unit.name
        if state.assessment.status not in (AssessmentStatus.RELEASED, AssessmentStatus.FINAL):
            problems.append(f"{name}: chưa công bố kết quả sơ bộ ({state.appraised}/{state.items} tiêu chí)")
        if state.open_explanations:
            problems.append(f"{name}: còn {state.open_explanations} nội dung giải trình chưa trả lời")
    if problems:
        raise Conflict("Chưa thể kết thúc thẩm định:", problems)
    now = clock.now()
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


# ---- what the appraisal pages list ------------------------------------------------------------------------------

ACTIVE = (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)
VISIBLE_TO_UNIT = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


def active_campaigns() -> list[Campaign]:
    """The campaigns in appraisal or in the explanation round, newest year first."""
    stmt = select(Campaign).where(Campaign.status.in_(ACTIVE)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def assessments_of(campaign: Campaign) -> list[Assessment]:
    """The campaign's assessments by group, then unit code."""
    stmt = (
        select(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.campaign_id == campaign.id)
        .order_by(Assessment.group_id, Unit.code)
    )
    return list(db.session.execute(stmt).scalars())


def released_to_unit() -> list[Assessment]:
    """The unit's assessments whose appraisal it may see (released or final) in campaigns not yet published, each
    with its campaign, in ONE statement."""
    stmt = (
        select(Assessment)
        .join(Assessment.campaign)
        .options(contains_eager(Assessment.campaign))
        .where(Assessment.status.in_(VISIBLE_TO_UNIT), Campaign.status != CampaignStatus.PUBLISHED)
    )
    return list(db.session.execute(stmt).scalars())


def assignments(campaign: Campaign) -> list[AppraisalAssignment]:
    stmt = (
        select(AppraisalAssignment)
        .where(AppraisalAssignment.campaign_id == campaign.id)
        .order_by(AppraisalAssignment.appraiser_id)
    )
    return list(db.session.execute(stmt).scalars())


def appraisers_of(campaign: Campaign) -> list[User]:
    """The authority's active appraisers, by name."""
    stmt = (
        select(User)
        .where(User.unit_id == campaign.authority_id, User.role == Role.APPRAISER, User.active.is_(True))
        .order_by(User.full_name)
    )
    return list(db.session.execute(stmt).scalars())


def areas_of(campaign: Campaign) -> list[CriteriaNode]:
    """The top-level criteria (areas) of the campaign's version, in order."""
    stmt = (
        select(CriteriaNode)
        .where(CriteriaNode.version_id == campaign.criteria_version_id, CriteriaNode.parent_id.is_(None))
        .order_by(CriteriaNode.position)
    )
    return list(db.session.execute(stmt).scalars())
