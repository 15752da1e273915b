"""The improvement plan's tables: the plan (kế hoạch khắc phục, cải thiện) a unit makes after a published campaign,
its tasks, and its progress reports per period of the plan year."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import TenantScoped
from dvcq.platform.types import Points


def _values(enum_class) -> list[str]:
    return [member.value for member in enum_class]


def _enum(enum_class, length: int = 20):
    return Enum(enum_class, native_enum=False, length=length, values_callable=_values)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            "draft": "Đang soạn",
            "submitted": "Đã gửi, chờ tiếp nhận",
            "acknowledged": "Đã tiếp nhận",
            "returned": "Bị trả lại",
        }[self.value]


class TaskKind(enum.StrEnum):
    FOCUS = "focus"  # nhiệm vụ trọng tâm
    SOLUTION = "solution"  # nhiệm vụ, giải pháp cụ thể

    @property
    def label(self) -> str:
        return "Nhiệm vụ trọng tâm" if self is TaskKind.FOCUS else "Giải pháp cụ thể"


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"todo": "Chưa thực hiện", "doing": "Đang thực hiện", "done": "Hoàn thành"}[self.value]


class Period(enum.StrEnum):
    Q1 = "q1"
    H1 = "h1"
    M9 = "m9"
    YEAR = "year"

    @property
    def label(self) -> str:
        return {"q1": "Quý I", "h1": "6 tháng", "m9": "9 tháng", "year": "Cả năm"}[self.value]

    def due_on(self, year: int) -> date:
        month = {"q1": 4, "h1": 7, "m9": 10, "year": 12}[self.value]
        return date(year, month, 15)

    def span(self, year: int) -> str:
        """The time a report covers, as its title says it: "Quý I năm 2026", "6 tháng đầu năm 2026", "9 tháng đầu
        năm 2026", "năm 2026" (never "Cả năm năm 2026")."""
        return {"q1": "Quý I năm {y}", "h1": "6 tháng đầu năm {y}", "m9": "9 tháng đầu năm {y}", "year": "năm {y}"}[
            self.value
        ].format(y=year)

    @property
    def slug(self) -> str:
        """The period in addresses, in the officials' words: /bao-cao/quy-1, /bao-cao/ca-nam."""
        return _SLUGS[self.value]

    @classmethod
    def from_slug(cls, text: str) -> Period | None:
        """The period of an address; the stored value (q1, year) of addresses made before is read too."""
        for period in cls:
            if text in (period.slug, period.value):
                return period
        return None


_SLUGS = {"q1": "quy-1", "h1": "6-thang", "m9": "9-thang", "year": "ca-nam"}


class ReportStatus(enum.StrEnum):
    """A period report's hand-over, as for the plan: the unit's leader submits it; the secretariat acknowledges it or
    returns it with a reason, and a returned report is edited and submitted again."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            "draft": "Đang soạn",
            "submitted": "Đã gửi, chờ tiếp nhận",
            "acknowledged": "Đã tiếp nhận",
            "returned": "Bị trả lại",
        }[self.value]


class ImprovementPlan(TenantScoped, db.Model):
    """A unit's plan for year N+1 after its result of year N: the result it starts from (`baseline`, JSON), its targets
    (rank, level, total, per area as JSON {area code: "12.50"}), the narrative sections and its tasks.

    The result of year N is a published campaign of the platform (`source_campaign_id`) or a year imported from before
    it (`source_result_year` = N, see `plans.imported`), never both. The imported result is found by unit and year,
    not by its row id: re-importing a year replaces its rows."""

    __tablename__ = "improvement_plans"
    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        CheckConstraint("(source_campaign_id IS NULL) <> (source_result_year IS NULL)", name="one_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    source_result_year: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus), default=PlanStatus.DRAFT, index=True)
    number: Mapped[str] = mapped_column(String(60), default="")  # "12/KH-UBND"
    baseline: Mapped[str] = mapped_column(Text, default="{}")
    target_rank: Mapped[int | None] = mapped_column(Integer)
    target_level_order: Mapped[int | None] = mapped_column(Integer)
    target_level_name: Mapped[str] = mapped_column(String(200), default="")
    target_total: Mapped[Decimal | None] = mapped_column(Points)
    area_targets: Mapped[str] = mapped_column(Text, default="{}")
    # Other documents the plan carries out, one a line as printed before the decision ("Căn cứ Công văn số …").
    bases: Mapped[str] = mapped_column(Text, default="", server_default="")
    goals: Mapped[str] = mapped_column(Text, default="")  # I. Mục tiêu
    organization: Mapped[str] = mapped_column(Text, default="")  # III. Tổ chức thực hiện
    signer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")  # the chairman who signs
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit = relationship("Unit", foreign_keys="ImprovementPlan.unit_id")
    tasks: Mapped[list[PlanTask]] = relationship(
        back_populates="plan", order_by="PlanTask.position", cascade="all, delete-orphan"
    )
    reports: Mapped[list[ProgressReport]] = relationship(back_populates="plan", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class PlanTask(TenantScoped, db.Model):
    """One task of a plan: a focus task or a concrete solution, the criteria items it answers, who carries it (a user
    or a post such as "Công chức Văn phòng - Thống kê"), a due date within the plan year, its status and percent."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plans.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind), default=TaskKind.SOLUTION)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    item_codes: Mapped[str] = mapped_column(String(300), default="")  # comma-separated criteria codes
    reasons: Mapped[str] = mapped_column(Text, default="")  # the appraiser's reasons it was drafted from
    points_lost: Mapped[Decimal | None] = mapped_column(Points)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_post: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), default=TaskStatus.TODO)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[ImprovementPlan] = relationship(back_populates="tasks")
    responsible_user = relationship("User", foreign_keys="PlanTask.responsible_user_id")

    __mapper_args__ = {"version_id_col": version}


class ProgressReport(TenantScoped, db.Model):
    """The plan's report for one period (Quý I, 6 tháng, 9 tháng, Cả năm): a narrative, each task's status and percent
    (`progress`, JSON {task id: {"status", "percent"}}), evidence from the unit's library (comma-separated ids)."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("plan_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plans.id"), index=True)
    period: Mapped[Period] = mapped_column(_enum(Period, 8))
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.DRAFT)
    narrative: Mapped[str] = mapped_column(Text, default="")  # I. Kết quả thực hiện
    # The report's other sections; the document writes them from the tasks when they are left empty.
    shortcomings: Mapped[str] = mapped_column(Text, default="", server_default="")  # II. Tồn tại, hạn chế, nguyên nhân
    next_tasks: Mapped[str] = mapped_column(Text, default="", server_default="")  # III. Nhiệm vụ, giải pháp kỳ tới
    proposals: Mapped[str] = mapped_column(Text, default="", server_default="")  # IV. Kiến nghị, đề xuất
    progress: Mapped[str] = mapped_column(Text, default="{}")
    evidence_ids: Mapped[str] = mapped_column(String(500), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[ImprovementPlan] = relationship(back_populates="reports")
    acknowledged_by = relationship("User", foreign_keys="ProgressReport.acknowledged_by_id")

    __mapper_args__ = {"version_id_col": version}
