"""Self-assessment (tự đánh giá, tự chấm điểm): the unit's page, saving one item at a time, the pre-submission check,
submission by the unit leader and withdrawal. Every change goes through `rules.assert_editable` (or `assert_open`),
is checked against the item's method and step, and leaves an audit record with the value before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.notifications import notify
from dvcq.platform.permissions import require
from dvcq.platform.transactions import commit_keeping_loaded, commit_or_conflict
from dvcq.scoring import engine
from dvcq.scoring.campaigns.services import NOT_FOUND, path_for
from dvcq.scoring.criteria import tree
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    ItemScore,
)
from dvcq.scoring.results.access import self_scores_private
from dvcq.scoring.selfassessment.rules import (
    assert_editable,
    assert_open,
    self_deadline,
    time_left,
)

UNIT_ROLES = (Role.OFFICER, Role.LEADER)
VIEW_ROLES = (Role.OFFICER, Role.LEADER, Role.SECRETARIAT, Role.LEADERSHIP)
ITEM_CONFLICT = (
    "Mục này vừa được người khác lưu nên giá trị bạn vừa nhập CHƯA được lưu (không ghi đè lên giá trị của họ). "
    "Hãy xem giá trị hiện tại rồi nhập lại nếu cần."
)
NOTE_LIMIT = 5000


class ItemConflict(Conflict):
    """Somebody saved the item since this user loaded it; carries the item as it is now."""

    def __init__(self, item: ItemScore):
        super().__init__(ITEM_CONFLICT)
        self.item = item


# ---- reading ----------------------------------------------------------------------------------------------------


def assessment_for(actor, assessment_id: int, *, lock: bool = False) -> Assessment:
    """One assessment the actor may see: their own unit's (the tenancy guard filters), or any of the authority's
    for its staff — except a dossier that is still the unit's private draft (`access.self_scores_private`: its
    self-scores are its own until it submits). A unit sees nothing of a campaign still being prepared. Anything else
    is missing (404, like an assessment that never was).
    `lock` holds the row until commit (PostgreSQL), so a save cannot slip in beside a submission."""
    require(actor, *VIEW_ROLES)
    stmt = select(Assessment).where(Assessment.id == assessment_id)
    if lock:
        stmt = stmt.with_for_update()
    assessment = db.session.execute(stmt).scalar_one_or_none()
    if assessment is None or assessment.campaign.authority_id != actor.unit.authority_id:
        raise NotFound(NOT_FOUND)
    if actor.role in UNIT_ROLES and assessment.campaign.status == CampaignStatus.DRAFT:
        raise NotFound(NOT_FOUND)
    if actor.role not in UNIT_ROLES and self_scores_private(assessment):
        raise NotFound(NOT_FOUND)
    return assessment


def unit_assessments(actor) -> list[Assessment]:
    """The actor's unit's assessments in opened campaigns, newest campaign first."""
    stmt = (
        select(Assessment)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Assessment.unit_id == actor.unit_id, Campaign.status != CampaignStatus.DRAFT)
        .order_by(Campaign.year.desc())
    )
    return list(db.session.execute(stmt).scalars())


def editable_assessment(actor) -> Assessment | None:
    """The actor's unit's assessment it may still change (its evidence links included), if any."""
    for assessment in unit_assessments(actor):
        try:
            assert_editable(assessment)
        except Conflict:
            continue
        return assessment
    return None


def _node_rows(version_id: int) -> list:
    """Just what the totals need of each node, without loading whole ORM objects (a save recomputes totals)."""
    n = CriteriaNode
    stmt = (
        select(n.id, n.code, n.parent_id, n.name, n.max_points, n.kind, n.authority_only)
        .where(n.version_id == version_id)
        .order_by(n.position)
    )
    return list(db.session.execute(stmt).all())


def _tree(nodes) -> engine.CriteriaTree:
    code_of = {n.id: n.code for n in nodes}
    return engine.build_tree(
        [
            engine.CriteriaNode(
                code=n.code,
                parent_code=code_of.get(n.parent_id),
                name=n.name,
                max_points=n.max_points,
                kind=n.kind.value,
            )
            for n in nodes
        ]
    )


@dataclass
class Totals:
    """A unit's self-scored points: every parent node's sum, the total (base + bonus − penalty), and progress."""

    total: Decimal
    base: Decimal
    bonus: Decimal
    penalty: Decimal
    max_base: Decimal  # the points of the normal areas (usually 100); bonus comes on top
    by_node: dict[str, Decimal]
    scored: int
    scorable: int

    def as_json(self) -> dict:
        fmt = engine.format_points
        return {
            "total": fmt(self.total),
            "base": fmt(self.base),
            "bonus": fmt(self.bonus),
            "penalty": fmt(self.penalty),
            "nodes": {code: fmt(value) for code, value in self.by_node.items()},
            "scored": self.scored,
            "scorable": self.scorable,
        }


def _totals(nodes, scores: dict[int, Decimal | None]) -> Totals:
    """Totals from the version's nodes and the self-scores by node id (the pure engine does the arithmetic)."""
    tree = _tree(nodes)
    by_id = {n.id: n for n in nodes}
    result = engine.unit_result(tree, {by_id[node_id].code: score for node_id, score in scores.items()})
    scorable = [node_id for node_id in scores if not by_id[node_id].authority_only]
    return Totals(
        total=result.total,
        base=result.base_total,
        bonus=result.bonus,
        penalty=result.penalty,
        max_base=sum((tree.max_of[a] for a in tree.normal_areas), engine.ZERO),
        by_node=result.by_node,
        scored=sum(1 for node_id in scorable if scores[node_id] is not None),
        scorable=len(scorable),
    )


def totals(assessment: Assessment) -> Totals:
    scores = db.session.execute(
        select(ItemScore.node_id, ItemScore.self_score).where(ItemScore.assessment_id == assessment.id)
    ).all()
    return _totals(_node_rows(assessment.criteria_version_id), dict(scores))


@dataclass
class Problem:
    item: ItemScore
    node: CriteriaNode
    kind: str  # "unscored" | "evidence"

    @property
    def message(self) -> str:
        if self.kind == "unscored":
            return f"Tiêu chí {self.node.code}: chưa chấm điểm."
        return (
            f"Tiêu chí {self.node.code}: tự chấm {engine.format_points(self.item.self_score)} điểm nhưng chưa "
            "dẫn tài liệu kiểm chứng (tiêu chí này bắt buộc có tài liệu kiểm chứng)."
        )


@dataclass
class Page:
    assessment: Assessment
    areas: list[tree.Area]
    totals: Totals
    deadline: datetime | None
    time_left: str
    can_edit: bool  # the actor may edit now
    locked_reason: str  # why not, when a unit user cannot edit
    problems: list[Problem]

    @property
    def campaign(self) -> Campaign:
        return self.assessment.campaign


def _problems(items: list[ItemScore]) -> list[Problem]:
    problems = []
    for item in items:
        node = item.node
        if node.authority_only:
            continue
        if item.self_score is None:
            problems.append(Problem(item, node, "unscored"))
        elif node.evidence_required and item.self_score > 0 and not item.evidence_links:
            problems.append(Problem(item, node, "evidence"))
    return problems


def precheck(actor, assessment_id: int) -> list[Problem]:
    """What stops submission: unscored leaves, and leaves claiming points without the evidence they require."""
    assessment = assessment_for(actor, assessment_id)
    return _problems(tree.items_of(assessment))


def page(actor, assessment_id: int, now: datetime | None = None) -> Page:
    assessment = assessment_for(actor, assessment_id)
    nodes = tree.nodes_of(assessment.criteria_version_id)
    items = tree.items_of(assessment)
    can_edit, reason = False, ""
    if actor.role in UNIT_ROLES:
        try:
            assert_editable(assessment, now)
            can_edit = True
        except Conflict as err:
            reason = err.message
    deadline = self_deadline(assessment)
    return Page(
        assessment=assessment,
        areas=tree.areas(nodes, items),
        totals=_totals(nodes, {i.node_id: i.self_score for i in items}),
        deadline=deadline,
        time_left=time_left(deadline, now),
        can_edit=can_edit,
        locked_reason=reason,
        problems=_problems(items),
    )


# ---- saving one item --------------------------------------------------------------------------------------------


def parse_score(node: CriteriaNode, text: str | None) -> Decimal | None:
    """A typed score checked against the leaf's maximum, method and step; empty means "not scored yet"."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return engine.check_score(text, node.max_points, node.step, node.method)
    except ValueError as err:
        raise ServiceError(f"Tiêu chí {node.code}: {err}. Điểm chưa được lưu.") from err


def _version(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise ServiceError("Thiếu hoặc sai số phiên bản của mục đang sửa; vui lòng tải lại trang.") from err


def save_item(
    actor,
    assessment_id: int,
    item_id: int,
    *,
    version,
    score: str | None,
    note: str | None,
    now: datetime | None = None,
) -> tuple[ItemScore, Totals]:
    """Save one leaf's self-score and "how it was scored" note. Refused (nothing saved) when the assessment is locked,
    the value breaks the leaf's rule, or somebody saved the item since `version` (ItemConflict, with their value)."""
    require(actor, *UNIT_ROLES)
    now = now or clock.now()
    assessment = assessment_for(actor, assessment_id, lock=True)
    item = db.session.execute(
        select(ItemScore).where(ItemScore.id == item_id, ItemScore.assessment_id == assessment.id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(NOT_FOUND)
    assert_editable(assessment, now)
    node = item.node
    if node.authority_only:
        raise ServiceError(f"Tiêu chí {node.code} do Tổ thẩm định cấp trên chấm; đơn vị không tự chấm tiêu chí này.")
    value = parse_score(node, score)
    note = (note or "").replace("\r\n", "\n")
    if len(note) > NOTE_LIMIT:
        raise ServiceError(f"Tiêu chí {node.code}: phần giải trình cách chấm dài quá {NOTE_LIMIT} ký tự.")
    if _version(version) != item.version:
        raise ItemConflict(item)
    if value == item.self_score and note == item.self_note:
        return item, totals(assessment)
    before = {"code": node.code, "score": item.self_score, "note": item.self_note}
    item.self_score = value
    item.self_note = note
    item.self_updated_at = now
    item.self_updated_by_id = actor.id
    try:  # the UPDATE first, with its version check: a save that lost the race fails here, not only at commit
        db.session.flush()
    except StaleDataError as err:
        db.session.rollback()
        fresh = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one()
        raise ItemConflict(fresh) from err
    # The totals as committed: the assessment's row lock keeps every other save of this unit out until the commit.
    # Read before the audit record, which serialises every writer of the platform until the commit (its hash chain).
    sums = totals(assessment)
    audit.record(
        "selfassessment.score",
        actor=actor,
        target=item,
        before=before,
        after={"code": node.code, "score": value, "note": note},
    )
    commit_keeping_loaded()  # the caller answers from the item as just written, without reading it back
    return item, sums


def item_state(item: ItemScore) -> dict:
    """What the page needs to show an item as it is stored now (after a save, or to show a conflict)."""
    who = db.session.get(User, item.self_updated_by_id) if item.self_updated_by_id else None
    return {
        "id": item.id,
        "version": item.version,
        "score": engine.format_points(item.self_score) if item.self_score is not None else "",
        "note": item.self_note,
        "by": who.full_name if who else "",
        "at": vn_datetime(item.self_updated_at),
    }


# ---- submission -------------------------------------------------------------------------------------------------


def _secretariat(assessment: Assessment) -> list[User]:
    stmt = select(User).where(
        User.unit_id == assessment.campaign.authority_id, User.role == Role.SECRETARIAT, User.active.is_(True)
    )
    return list(db.session.execute(stmt).scalars())


def submit(actor, assessment_id: int, *, confirmed: bool, now: datetime | None = None) -> Assessment:
    """The unit leader signs off: refused while any leaf is unscored or claims points without required evidence.
    Submission locks the assessment."""
    require(actor, Role.LEADER)
    now = now or clock.now()
    assessment = assessment_for(actor, assessment_id, lock=True)
    assert_editable(assessment, now)
    if not confirmed:
        raise ServiceError("Vui lòng đánh dấu ô xác nhận trước khi nộp hồ sơ tự đánh giá.")
    items = tree.items_of(assessment)
    problems = _problems(items)
    if problems:
        raise ServiceError(f"Chưa nộp được: hồ sơ còn {len(problems)} vấn đề cần xử lý.", [p.message for p in problems])
    result = _totals(_node_rows(assessment.criteria_version_id), {i.node_id: i.self_score for i in items})
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = now
    assessment.submitted_by_id = actor.id
    audit.record(
        "selfassessment.submit",
        actor=actor,
        target=assessment,
        before={"status": AssessmentStatus.DRAFT},
        after={"status": AssessmentStatus.SUBMITTED, "self_total": result.total},
    )
    notify(
        _secretariat(assessment),
        "selfassessment.submitted",
        f"{assessment.unit.name} đã nộp hồ sơ tự đánh giá {assessment.campaign.name} "
        f"(tự chấm {engine.format_points(result.total)} điểm).",
        path_for("campaigns.show", campaign_id=assessment.campaign_id),
    )
    _commit()
    return assessment


def withdraw(actor, assessment_id: int, now: datetime | None = None) -> Assessment:
    """The leader takes a submitted assessment back to edit it — only while the campaign is in self-assessment and
    the unit's deadline has not passed."""
    require(actor, Role.LEADER)
    now = now or clock.now()
    assessment = assessment_for(actor, assessment_id, lock=True)
    assert_open(assessment, now)
    if assessment.status == AssessmentStatus.DRAFT:
        raise Conflict("Hồ sơ tự đánh giá chưa nộp nên không có gì để rút.")
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise Conflict("Hồ sơ đã chuyển sang thẩm định nên không rút về được nữa.")
    before = {"status": assessment.status, "submitted_at": assessment.submitted_at}
    assessment.status = AssessmentStatus.DRAFT
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    audit.record(
        "selfassessment.withdraw",
        actor=actor,
        target=assessment,
        before=before,
        after={"status": AssessmentStatus.DRAFT},
    )
    notify(
        _secretariat(assessment),
        "selfassessment.withdrawn",
        f"{assessment.unit.name} đã rút hồ sơ tự đánh giá {assessment.campaign.name} về để chỉnh sửa.",
        path_for("campaigns.show", campaign_id=assessment.campaign_id),
    )
    _commit()
    return assessment


def _commit() -> None:
    commit_or_conflict("Hồ sơ vừa được người khác thay đổi nên thao tác chưa được thực hiện. Vui lòng tải lại trang.")
