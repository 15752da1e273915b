"""Who appraises what: one assignment at a time (an appraiser to a unit, an area, an area of one unit, or
everything), what an assignment covers (`may_appraise`, `appraisable_areas`) and each appraiser's workload. The
one-step team forms build on these in `teams.py`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import one_or_missing
from dvcq.scoring.appraisal.queries import _by_name
from dvcq.scoring.models import AppraisalAssignment, Assessment, Campaign, CampaignStatus, CriteriaNode, ItemScore
from dvcq.tenants.models import Unit


def area_code(code: str) -> str:
    """The top-level area of a node: the part of its code before the first dot."""
    return code.split(".", 1)[0]


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
    mine = assignments_of(assessment.campaign_id, user.id)
    return _may(assessment, node_code, mine, _area_codes(assessment.campaign))


def appraisable(user, assessments: list[Assessment]) -> list[Assessment]:
    """Those of `assessments` that `user` may score (`may_appraise` of each), reading the campaign's areas and the
    user's assignments once per campaign instead of twice per unit (an appraiser's list of a hundred communes)."""
    if user.role != Role.APPRAISER:
        return []
    read: dict[int, tuple[list[AppraisalAssignment], AreaIds]] = {}
    found = []
    for assessment in assessments:
        if assessment.unit_id == user.unit_id:
            continue
        if assessment.campaign_id not in read:
            read[assessment.campaign_id] = (
                assignments_of(assessment.campaign_id, user.id),
                _area_codes(assessment.campaign),
            )
        if _may(assessment, None, *read[assessment.campaign_id]):
            found.append(assessment)
    return found


def _may(assessment: Assessment, node_code: str | None, assignments, area_ids: AreaIds) -> bool:
    version_id = assessment.criteria_version_id
    for assignment in assignments:
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
