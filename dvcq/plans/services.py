"""Reading improvement plans, the clock their deadlines use, and the checks the plan services share. Every change
elsewhere: permission check → change → one audit record → commit; a version the user did not see → 409."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, ProgressReport, ReportStatus
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import UNIT_STAFF, require
from dvcq.platform.transactions import check_version, commit_or_conflict
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, ClassificationLevel, UnitResult
from dvcq.scoring.results.access import NOT_FOUND, reads_unit

STALE = "Kế hoạch đã được người khác thay đổi sau khi bạn mở trang. Vui lòng tải lại trang rồi nhập lại."
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)

DEFAULT_GOALS = (
    "Khắc phục những hạn chế, tồn tại được chỉ ra qua kết quả đánh giá Chỉ số Dân vận chính quyền năm {source}; "
    "nâng cao chất lượng công tác dân vận chính quyền, phấn đấu năm {year} đạt các chỉ tiêu dưới đây."
)

DEFAULT_ORGANIZATION = (
    "Công chức được giao nhiệm vụ chủ động triển khai thực hiện; Văn phòng - Thống kê theo dõi, tổng hợp, báo cáo "
    "kết quả thực hiện định kỳ (Quý I, 6 tháng, 9 tháng, cả năm) về Thường trực Ban Chỉ đạo."
)


class Invalid(ServiceError):
    """A refused form: `fields` maps each input's name to what is wrong with it, so the page can show the form again
    as typed with the problem beside the input. Nothing was saved."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message, list(fields.values()))
        self.fields = fields


def _commit() -> None:
    commit_or_conflict(STALE)


def _check_version(row, version) -> None:
    check_version(row, version, STALE)


def _own_unit(actor, unit_id: int) -> None:
    require(actor, *UNIT_STAFF)
    if actor.unit_id != unit_id:
        raise NotFound("Không tìm thấy kế hoạch.")


def _editable(actor, plan: ImprovementPlan, version) -> None:
    _own_unit(actor, plan.unit_id)
    _check_version(plan, version)
    if plan.status not in EDITABLE:
        raise Conflict(f"Kế hoạch đang ở trạng thái «{plan.status.label}», không sửa được.")


def _version_id(plan: ImprovementPlan) -> int | None:
    """The criteria version the plan's unit was scored on in the baseline campaign (its group's), or for a plan from an
    imported year the one its year was classified on, kept in the baseline when the plan was drafted."""
    if plan.source_campaign_id is None:
        return baseline(plan).get("version_id")
    assessment = db.session.execute(
        select(Assessment).where(Assessment.campaign_id == plan.source_campaign_id, Assessment.unit_id == plan.unit_id)
    ).scalar_one_or_none()
    return assessment.criteria_version_id if assessment else None


# ---- reading ------------------------------------------------------------------------------------------------------


def get_plan(plan_id: int) -> ImprovementPlan:
    """Through the tenancy guard: another unit's plan is as missing as one that never was."""
    plan = db.session.execute(select(ImprovementPlan).where(ImprovementPlan.id == plan_id)).scalar_one_or_none()
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


def plan_for(actor, plan_id: int) -> ImprovementPlan:
    """A plan `actor` may read, with its period reports and documents (the one rule, `access.reads_unit`): the
    unit's own, every unit's for the secretariat, leadership and administrators, for an appraiser only a unit assigned
    to them in a campaign not yet published. Any other is as missing as a plan that never was (404, byte for byte)."""
    plan = db.session.execute(select(ImprovementPlan).where(ImprovementPlan.id == plan_id)).scalar_one_or_none()
    if plan is None or not reads_unit(actor, plan.unit_id):
        raise NotFound(NOT_FOUND)
    return plan


def plan_of(unit_id: int, year: int) -> ImprovementPlan | None:
    return db.session.execute(
        select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id, ImprovementPlan.year == year)
    ).scalar_one_or_none()


def plans_of_unit(unit_id: int) -> list[ImprovementPlan]:
    return list(
        db.session.execute(
            select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id).order_by(ImprovementPlan.year.desc())
        ).scalars()
    )


def baseline(plan: ImprovementPlan) -> dict:
    return json.loads(plan.baseline or "{}")


def area_targets(plan: ImprovementPlan) -> dict[str, Decimal]:
    return {code: Decimal(value) for code, value in json.loads(plan.area_targets or "{}").items()}


def latest_published(authority_id: int) -> Campaign | None:
    return db.session.execute(
        select(Campaign)
        .where(Campaign.authority_id == authority_id, Campaign.status == CampaignStatus.PUBLISHED)
        .order_by(Campaign.year.desc())
        .limit(1)
    ).scalar_one_or_none()


def _result(authority_id: int, year: int, unit_id: int, published_only: bool = True) -> UnitResult | None:
    stmt = select(UnitResult).where(
        UnitResult.authority_id == authority_id, UnitResult.year == year, UnitResult.unit_id == unit_id
    )
    if published_only:
        stmt = stmt.where(UnitResult.published.is_(True))
    return db.session.execute(stmt).scalar_one_or_none()


def _levels(version_id: int) -> list[ClassificationLevel]:
    return list(
        db.session.execute(
            select(ClassificationLevel)
            .where(ClassificationLevel.version_id == version_id)
            .order_by(ClassificationLevel.order)
        ).scalars()
    )


def levels_of(plan: ImprovementPlan) -> list[ClassificationLevel]:
    """The classification levels of the criteria version the plan's baseline campaign used, best first."""
    return _levels(_version_id(plan))


@dataclass(frozen=True)
class ReportLine:
    """What a report's state needs (`reports.report_state`): its period, status and when it was submitted."""

    period: Period
    status: ReportStatus
    submitted_at: datetime | None


@dataclass(frozen=True)
class PlanLine:
    year: int
    status: PlanStatus
    reports: list[ReportLine]


def plan_lines() -> list[PlanLine]:
    """Every plan the caller's scope may see (the authority's, for its staff) with its reports' states: two column
    queries, not whole rows — the secretariat's home card counts a province's five years, ~500 plans and their
    2,000 reports, on every visit."""
    reports: dict[int, list[ReportLine]] = {}
    columns = select(ProgressReport.plan_id, ProgressReport.period, ProgressReport.status, ProgressReport.submitted_at)
    for plan_id, period, status, submitted_at in db.session.execute(columns):
        reports.setdefault(plan_id, []).append(ReportLine(period, status, submitted_at))
    plans = db.session.execute(select(ImprovementPlan.id, ImprovementPlan.year, ImprovementPlan.status))
    return [PlanLine(year, status, reports.get(plan_id, [])) for plan_id, year, status in plans]


def users_of(unit_id: int, *roles: Role) -> list[User]:
    return list(
        db.session.execute(
            select(User).where(User.unit_id == unit_id, User.role.in_(roles), User.active.is_(True)).order_by(User.id)
        ).scalars()
    )


def _secretariat(authority_id: int) -> list[User]:
    return users_of(authority_id, Role.SECRETARIAT)
