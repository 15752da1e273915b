"""Appraisal services: who appraises what, the verified score of each leaf with reasons, release, final review.

Every change: permission check → change → audit record, in one transaction. Optimistic locking on ItemScore.version:
two appraisers on one item get a conflict, never a lost update.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.collation import vn_key
from dvcq.platform.errors import MESSAGES, Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import one_or_missing
from dvcq.platform.transactions import commit_or_conflict
from dvcq.scoring import engine
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    EvidenceLink,
    Explanation,
    ItemScore,
)
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
NOT_SUBMITTED_YET = "Đơn vị chưa nộp hồ sơ tự đánh giá; hồ sơ mở để thẩm định ngay khi đơn vị nộp."


def open_for_appraisal(assessment: Assessment) -> bool:
    """Rolling appraisal: a unit's dossier may be appraised as soon as the unit submits, while other units are still
    drafting; once the campaign is in appraisal, every dossier may (one never submitted is appraised on what it
    holds). After release, scores change only through the explanation round."""
    if assessment.status not in APPRAISABLE:
        return False
    stage = assessment.campaign.status
    if stage == CampaignStatus.SELF_ASSESSMENT:
        return assessment.status != AssessmentStatus.DRAFT
    return stage in (CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)


def area_code(code: str) -> str:
    """The top-level area of a node: the part of its code before the first dot."""
    return code.split(".", 1)[0]


def reason_labels(codes: str) -> list[str]:
    return [DEDUCTION_REASONS.get(c, c) for c in codes.split(",") if c]


# --- assignments -----------------------------------------------------------------------------------------------


def _campaign(campaign_id: int) -> Campaign:
    return one_or_missing(Campaign, campaign_id, "Không tìm thấy kỳ đánh giá.")


def check_assignment(campaign: Campaign, appraiser_id: int | None, unit_id: int | None, area_id: int | None) -> User:
    """The appraiser, if `appraiser_id` may be assigned this unit (None: every unit) and area (None: every area) of
    the campaign; ServiceError in Vietnamese otherwise. Never their own unit."""
    if campaign.status == CampaignStatus.PUBLISHED:
        raise Conflict("Kỳ đánh giá đã công bố kết quả; không thể phân công thêm.")
    appraiser = db.session.get(User, appraiser_id) if appraiser_id else None
    if appraiser is None or appraiser.role != Role.APPRAISER or appraiser.unit.authority_id != campaign.authority_id:
        raise ServiceError("Người được phân công phải là thành viên tổ thẩm định của cơ quan đánh giá.")
    if unit_id is not None:
        if unit_id == appraiser.unit_id:
            raise ServiceError("Không phân công thành viên thẩm định đơn vị của chính mình.")
        participating = db.session.execute(
            select(Assessment.id).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit_id)
        ).first()
        if participating is None:
            raise ServiceError("Đơn vị này không tham gia kỳ đánh giá.")
    if area_id is not None:
        area = db.session.get(CriteriaNode, area_id)
        if area is None or area.version_id not in {c.version_id for c in campaign.criteria} or area.parent_id:
            raise ServiceError("Lĩnh vực không thuộc bộ tiêu chí của kỳ đánh giá.")
        if unit_id is not None and area.version_id != _unit_version_id(campaign, unit_id):
            raise ServiceError("Lĩnh vực không thuộc bộ tiêu chí mà đơn vị này được chấm.")
    return appraiser


def existing_assignment(
    campaign_id: int, appraiser_id: int, unit_id: int | None, area_id: int | None
) -> AppraisalAssignment | None:
    return db.session.execute(
        select(AppraisalAssignment).where(
            AppraisalAssignment.campaign_id == campaign_id,
            AppraisalAssignment.appraiser_id == appraiser_id,
            AppraisalAssignment.unit_id.is_(None) if unit_id is None else AppraisalAssignment.unit_id == unit_id,
            AppraisalAssignment.area_id.is_(None) if area_id is None else AppraisalAssignment.area_id == area_id,
        )
    ).scalar_one_or_none()


def add_assignment(
    actor, campaign: Campaign, appraiser: User, unit_id: int | None, area_id: int | None
) -> AppraisalAssignment:
    """Write one checked assignment with its audit record; the caller commits."""
    assignment = AppraisalAssignment(
        authority_id=campaign.authority_id,
        campaign_id=campaign.id,
        appraiser_id=appraiser.id,
        unit_id=unit_id,
        area_id=area_id,
        created_at=clock.now(),
    )
    audit.record_new(
        assignment,
        "appraisal.assigned",
        actor=actor,
        unit_id=unit_id or campaign.authority_id,
        after={"appraiser": appraiser.login, "unit_id": unit_id, "area_id": area_id},
    )
    return assignment


def assign(actor, campaign_id: int, appraiser_id: int, unit_id: int | None, area_id: int | None):
    """Assign an appraiser to a unit, an area, an area of one unit, or (both None) every unit and every area."""
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    campaign = _campaign(campaign_id)
    appraiser = check_assignment(campaign, appraiser_id, unit_id, area_id)
    if existing_assignment(campaign_id, appraiser.id, unit_id, area_id) is not None:
        raise ServiceError("Phân công này đã có.")
    assignment = add_assignment(actor, campaign, appraiser, unit_id, area_id)
    db.session.commit()
    return assignment


def unassign(actor, assignment_id: int) -> None:
    require(actor, Role.SECRETARIAT, Role.ADMIN)
    assignment = one_or_missing(AppraisalAssignment, assignment_id, "Không tìm thấy phân công.")
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
    assignment = one_or_missing(AppraisalAssignment, assignment_id, "Không tìm thấy phân công.")
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


def _unit_version_id(campaign: Campaign, unit_id: int) -> int | None:
    group_id = db.session.execute(
        select(Assessment.group_id).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit_id)
    ).scalar_one_or_none()
    return campaign.version_id_for(group_id)


AreaIds = dict[int, tuple[int, str]]  # area node id → (its criteria version, its code)


def _covers(
    assignment: AppraisalAssignment, unit_id: int, version_id: int | None, area: str, area_ids: AreaIds
) -> bool:
    """The assignment covers this leaf's area of this unit (scored on `version_id`)."""
    unit_ok = assignment.unit_id is None or assignment.unit_id == unit_id
    area_ok = assignment.area_id is None or area_ids.get(assignment.area_id) == (version_id, area)
    return unit_ok and area_ok


def _area_codes(campaign: Campaign) -> AreaIds:
    """The areas of every criteria version the campaign's groups use: an area assignment covers the units scored on
    its own version only (area "1" of the communes' set is not area "1" of the agencies')."""
    rows = db.session.execute(
        select(CriteriaNode.id, CriteriaNode.version_id, CriteriaNode.code).where(
            CriteriaNode.version_id.in_([c.version_id for c in campaign.criteria]), CriteriaNode.parent_id.is_(None)
        )
    ).all()
    return {row.id: (row.version_id, row.code) for row in rows}


def may_appraise(user, assessment: Assessment, node_code: str | None = None) -> bool:
    """Whether `user` may score this unit (and this leaf's area, when given)."""
    if user.role != Role.APPRAISER or assessment.unit_id == user.unit_id:
        return False
    area_ids = _area_codes(assessment.campaign)
    version_id = assessment.criteria_version_id
    for assignment in assignments_of(assessment.campaign_id, user.id):
        if node_code is None:
            on_version = assignment.area_id is None or area_ids.get(assignment.area_id, (None,))[0] == version_id
            if (assignment.unit_id is None or assignment.unit_id == assessment.unit_id) and on_version:
                return True
        elif _covers(assignment, assessment.unit_id, version_id, area_code(node_code), area_ids):
            return True
    return False


def appraisable_areas(user, assessment: Assessment) -> set[str] | None:
    """The area codes `user` may score in this assessment; None means every area."""
    area_ids = _area_codes(assessment.campaign)
    version_id = assessment.criteria_version_id
    areas: set[str] = set()
    for assignment in assignments_of(assessment.campaign_id, user.id):
        if assignment.unit_id not in (None, assessment.unit_id):
            continue
        if assignment.area_id is None:
            return None
        area_version, code = area_ids[assignment.area_id]
        if area_version == version_id:
            areas.add(code)
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
    appraisers = _by_name(
        db.session.execute(
            select(User)
            .join(Unit, User.unit_id == Unit.id)
            .where(User.role == Role.APPRAISER, User.active.is_(True), Unit.id == campaign.authority_id)
        ).scalars()
    )
    items = db.session.execute(
        select(Assessment.unit_id, CriteriaNode.version_id, CriteriaNode.code, ItemScore.appraised_score)
        .join(ItemScore, ItemScore.assessment_id == Assessment.id)
        .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
        .where(Assessment.campaign_id == campaign_id)
    ).all()
    loads = []
    for appraiser in appraisers:
        mine = assignments_of(campaign_id, appraiser.id)
        units, total, done = set(), 0, 0
        for unit_id, version_id, code, appraised in items:
            if any(_covers(a, unit_id, version_id, area_code(code), area_ids) for a in mine):
                units.add(unit_id)
                total += 1
                done += appraised is not None
        loads.append(Workload(appraiser, len(units), total, done))
    return loads


# --- scoring ---------------------------------------------------------------------------------------------------


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
        if assessment.campaign.status == CampaignStatus.SELF_ASSESSMENT:
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


# --- release and final review ----------------------------------------------------------------------------------


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
        if state.assessment.status not in (AssessmentStatus.RELEASED, AssessmentStatus.FINAL):
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


# ---- what the appraisal pages list ------------------------------------------------------------------------------

# Rolling appraisal: a dossier submitted during self-assessment is appraised at once.
ACTIVE = (CampaignStatus.SELF_ASSESSMENT, CampaignStatus.APPRAISAL, CampaignStatus.EXPLANATION)
VISIBLE_TO_UNIT = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


def active_campaigns() -> list[Campaign]:
    """The campaigns in self-assessment (submitted dossiers are appraised at once), appraisal or the explanation
    round, newest year first."""
    stmt = select(Campaign).where(Campaign.status.in_(ACTIVE)).order_by(Campaign.year.desc())
    return list(db.session.execute(stmt).scalars())


def assessments_of(campaign: Campaign) -> list[Assessment]:
    """The campaign's assessments by group, then unit name."""
    return _by_group_and_name(Assessment.campaign_id == campaign.id)


def _by_group_and_name(*where) -> list[Assessment]:
    """The assessments by group, then unit name in Vietnamese alphabetical order, then unit code."""
    rows = db.session.execute(
        select(Assessment, Unit.name, Unit.code).join(Unit, Unit.id == Assessment.unit_id).where(*where)
    ).all()
    rows.sort(key=lambda row: (row[0].group_id or 0, vn_key(row[1]), row[2]))
    return [assessment for assessment, _, _ in rows]


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
    stmt = select(User).where(User.unit_id == campaign.authority_id, User.role == Role.APPRAISER, User.active.is_(True))
    return _by_name(db.session.execute(stmt).scalars())


def _by_name(users) -> list[User]:
    """People by full name in Vietnamese alphabetical order (then by id)."""
    return sorted(users, key=lambda user: (vn_key(user.full_name), user.id))


def areas_of(campaign: Campaign) -> list[tuple[CriteriaVersion, list[CriteriaNode]]]:
    """The top-level criteria (areas) of each criteria version the campaign uses, in order."""
    out = []
    for version in campaign.versions:
        stmt = (
            select(CriteriaNode)
            .where(CriteriaNode.version_id == version.id, CriteriaNode.parent_id.is_(None))
            .order_by(CriteriaNode.position)
        )
        out.append((version, list(db.session.execute(stmt).scalars())))
    return out
