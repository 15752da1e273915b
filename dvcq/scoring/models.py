"""The assessment's tables, in one place so that the rooms of `scoring/` share one schema.

Criteria versions and campaigns belong to the authority (AuthorityScoped: every unit of the authority may read them);
assessments, item scores and evidence belong to a unit (TenantScoped: before publication a unit sees only its own).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from dvcq.platform.extensions import db
from dvcq.platform.formatting import points
from dvcq.platform.tenancy import AuthorityScoped, TenantScoped
from dvcq.platform.types import Points


def _values(enum_class) -> list[str]:
    return [member.value for member in enum_class]


def _enum(enum_class, length: int = 20):
    return Enum(enum_class, native_enum=False, length=length, values_callable=_values)


class Method(enum.StrEnum):
    """How a leaf is scored (Cách chấm)."""

    RANGE = "khoang"  # any value 0..max in steps
    YES_NO = "co_khong"  # 0 or max
    DEDUCTION = "tru_diem"  # max minus deductions

    @property
    def label(self) -> str:
        return {"khoang": "khoảng", "co_khong": "có/không", "tru_diem": "trừ điểm"}[self.value]


class NodeKind(enum.StrEnum):
    NORMAL = "normal"
    BONUS = "bonus"  # điểm thưởng, outside the maximum
    PENALTY = "penalty"  # điểm trừ, deducted from the total

    @property
    def label(self) -> str:
        return {"normal": "", "bonus": "thưởng", "penalty": "trừ"}[self.value]


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # may be edited or re-imported
    IN_USE = "in_use"  # pinned by a campaign: frozen

    @property
    def label(self) -> str:
        return {"draft": "Bản nháp", "in_use": "Đang áp dụng (đã khoá)"}[self.value]


class CriteriaVersion(AuthorityScoped, db.Model):
    """A versioned criteria set (bộ tiêu chí). Frozen once a campaign pins it; a new version starts as a copy."""

    __tablename__ = "criteria_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VersionStatus] = mapped_column(_enum(VersionStatus), default=VersionStatus.DRAFT)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("criteria_versions.id"))
    tie_break: Mapped[str | None] = mapped_column(String(20))  # None: ties share a rank; "areas": by area order
    max_total: Mapped[Decimal] = mapped_column(Points, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    nodes: Mapped[list[CriteriaNode]] = relationship(
        back_populates="criteria_version", order_by="CriteriaNode.position", cascade="all, delete-orphan"
    )
    levels: Mapped[list[ClassificationLevel]] = relationship(
        order_by="ClassificationLevel.order", cascade="all, delete-orphan"
    )
    conditions: Mapped[list[DisqualifyingCondition]] = relationship(
        order_by="DisqualifyingCondition.code", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def frozen(self) -> bool:
        return self.status == VersionStatus.IN_USE

    @property
    def caption(self) -> str:
        """How the results, the decision's annex and the exports name the set a group was scored on."""
        return f"{self.name}, tối đa {points(self.max_total)} điểm"


class CriteriaNode(db.Model):
    """A node of the tree: area (lĩnh vực) → criterion (tiêu chí) → sub-criterion (tiêu chí thành phần). Leaves carry
    the method, step and evidence rule; parents' maxima are the sums of their children's."""

    __tablename__ = "criteria_nodes"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("criteria_versions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("criteria_nodes.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)  # tree order: parent before children
    depth: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Points)
    is_leaf: Mapped[bool] = mapped_column(Boolean, default=True)
    method: Mapped[Method | None] = mapped_column(_enum(Method))
    step: Mapped[Decimal | None] = mapped_column(Points)
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    guidance: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[NodeKind] = mapped_column(_enum(NodeKind), default=NodeKind.NORMAL)
    authority_only: Mapped[bool] = mapped_column(Boolean, default=False)  # cấp trên chấm: scored by appraisers

    criteria_version: Mapped[CriteriaVersion] = relationship(back_populates="nodes")
    parent: Mapped[CriteriaNode | None] = relationship(remote_side=[id])


class ClassificationLevel(db.Model):
    """A level (mức xếp loại) with its inclusive lower bound: order 1 is the best."""

    __tablename__ = "classification_levels"
    __table_args__ = (UniqueConstraint("version_id", "order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("criteria_versions.id"), index=True)
    order: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    min_points: Mapped[Decimal] = mapped_column(Points)


class DisqualifyingCondition(db.Model):
    """A named condition that makes a unit "không đủ điều kiện xếp loại" (disqualify) or caps its level (cap)."""

    __tablename__ = "disqualifying_conditions"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("criteria_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    effect: Mapped[str] = mapped_column(String(16))  # "disqualify" | "cap"
    cap_order: Mapped[int | None] = mapped_column(Integer)


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SELF_ASSESSMENT = "self_assessment"
    APPRAISAL = "appraisal"
    EXPLANATION = "explanation"
    FINAL_REVIEW = "final_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return CAMPAIGN_STATUS_LABELS[self]


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: "Đang chuẩn bị",
    CampaignStatus.SELF_ASSESSMENT: "Đơn vị tự đánh giá",
    CampaignStatus.APPRAISAL: "Thẩm định",
    CampaignStatus.EXPLANATION: "Giải trình",
    CampaignStatus.FINAL_REVIEW: "Rà soát cuối",
    CampaignStatus.PUBLISHED: "Đã công bố",
}
CAMPAIGN_ORDER = list(CampaignStatus)


class Campaign(AuthorityScoped, db.Model):
    """The assessment of year N (kỳ đánh giá). Each group (khối) of its units is scored on its own criteria version
    (`criteria`: communes and agencies on different sets, ranked apart, approved by one decision). Deadlines are
    instants (stored UTC); a unit may have its own extension on its Assessment."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("authority_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus), default=CampaignStatus.DRAFT, index=True)
    self_assessment_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    appraisal_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    explanation_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    final_review_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    explanation_rounds: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    criteria: Mapped[list[CampaignCriteria]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignCriteria.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def published(self) -> bool:
        return self.status == CampaignStatus.PUBLISHED

    @property
    def criteria_sets(self) -> list[CampaignCriteria]:
        """The groups' choices in the groups' order (position, then name)."""
        return sorted(self.criteria, key=lambda c: c.group.sort_key())

    def version_for(self, group_id: int | None) -> CriteriaVersion | None:
        """The criteria version the units of this group are scored on; None for a group left without one."""
        return next((c.criteria_version for c in self.criteria if c.group_id == group_id), None)

    def version_id_for(self, group_id: int | None) -> int | None:
        return next((c.version_id for c in self.criteria if c.group_id == group_id), None)

    @property
    def captions(self) -> dict[str, str]:
        """{group name: "its set, tối đa N điểm"}: how results, annex and exports name each group's set."""
        return {c.group.name: c.criteria_version.caption for c in self.criteria_sets}

    @property
    def versions(self) -> list[CriteriaVersion]:
        """Each version the campaign uses once, in the order of the first group that uses it."""
        seen: dict[int, CriteriaVersion] = {}
        for choice in self.criteria_sets:
            seen.setdefault(choice.version_id, choice.criteria_version)
        return list(seen.values())


class CampaignCriteria(AuthorityScoped, db.Model):
    """The criteria version one group (khối) of a campaign is scored on. Chosen while the campaign is a draft; fixed
    once it opens, because each unit's items are made from its group's version then. The only record of which version
    a campaign uses: an assessment reaches its version through (campaign, its group)."""

    __tablename__ = "campaign_criteria"
    __table_args__ = (UniqueConstraint("campaign_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("unit_groups.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("criteria_versions.id"), index=True)

    campaign: Mapped[Campaign] = relationship(back_populates="criteria")
    # Loaded with the mapping row: a page that reads a campaign's groups and their sets issues one statement, not one
    # per group (tests/bench/test_statement_counts.py).
    group = relationship("UnitGroup", lazy="joined")
    criteria_version: Mapped[CriteriaVersion] = relationship(lazy="joined")


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"  # the unit is filling in its self-assessment
    SUBMITTED = "submitted"  # locked; the leader may withdraw until appraisal starts
    APPRAISING = "appraising"
    APPRAISED = "appraised"  # every leaf has an appraised score
    RELEASED = "released"  # the preliminary result is visible to the unit
    FINAL = "final"  # explanation answered; final scores fixed

    @property
    def label(self) -> str:
        return ASSESSMENT_STATUS_LABELS[self]


ASSESSMENT_STATUS_LABELS = {
    AssessmentStatus.DRAFT: "Đang tự chấm",
    AssessmentStatus.SUBMITTED: "Đã nộp",
    AssessmentStatus.APPRAISING: "Đang thẩm định",
    AssessmentStatus.APPRAISED: "Đã thẩm định xong",
    AssessmentStatus.RELEASED: "Đã công bố kết quả sơ bộ",
    AssessmentStatus.FINAL: "Đã chốt điểm",
}


class Assessment(TenantScoped, db.Model):
    """One unit's file in one campaign (hồ sơ tự đánh giá): its status, group, own deadline extension."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("unit_groups.id"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(_enum(AssessmentStatus), default=AssessmentStatus.DRAFT)
    self_deadline: Mapped[datetime | None] = mapped_column(DateTime)  # this unit's extension, if any
    self_deadline_reason: Mapped[str] = mapped_column(Text, default="")
    explanation_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    # The unit's leader ended its explanation round before the deadline (all sent, or nothing to contest).
    explanation_closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    conditions_met: Mapped[str] = mapped_column(String(300), default="")  # comma-separated condition codes
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()
    unit = relationship("Unit", foreign_keys="Assessment.unit_id")
    items: Mapped[list[ItemScore]] = relationship(back_populates="assessment", order_by="ItemScore.node_position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def criteria_version_id(self) -> int | None:
        """The version this unit is scored on: its group's in the campaign."""
        return self.campaign.version_id_for(self.group_id)


class ItemScore(TenantScoped, db.Model):
    """One leaf of one unit's assessment: the self-score and how it was scored, the appraised score with the reasons
    for a deduction, and the final score after the explanation round. `version` guards against lost updates."""

    __tablename__ = "item_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "node_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("criteria_nodes.id"), index=True)
    node_position: Mapped[int] = mapped_column(Integer)
    self_score: Mapped[Decimal | None] = mapped_column(Points)
    self_note: Mapped[str] = mapped_column(Text, default="")
    self_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    self_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appraised_score: Mapped[Decimal | None] = mapped_column(Points)
    deduction_reasons: Mapped[str] = mapped_column(String(200), default="")  # comma-separated reason codes
    appraisal_note: Mapped[str] = mapped_column(Text, default="")
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appraised_at: Mapped[datetime | None] = mapped_column(DateTime)
    final_score: Mapped[Decimal | None] = mapped_column(Points)
    final_note: Mapped[str] = mapped_column(Text, default="")
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalized_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    node: Mapped[CriteriaNode] = relationship()
    evidence_links: Mapped[list[EvidenceLink]] = relationship(back_populates="item", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def result_score(self) -> Decimal | None:
        """The score that counts: final if fixed, else appraised, else none — on a row here, in SQL below."""
        return self.final_score if self.final_score is not None else self.appraised_score

    @result_score.inplace.expression
    @classmethod
    def _result_score_expression(cls) -> ColumnElement[Decimal | None]:
        return func.coalesce(cls.final_score, cls.appraised_score)

    def finalize(self, score: Decimal, note: str, by_id: int, at: datetime) -> None:
        """Fix the score that counts from now on (an answered explanation, an amendment), with why, by whom and when."""
        self.final_score, self.final_note = score, note
        self.finalized_by_id, self.finalized_at = by_id, at


class Evidence(TenantScoped, db.Model):
    """A file in the unit's evidence library (tài liệu kiểm chứng), reusable across campaigns. The bytes live in
    storage under a random key; the original Vietnamese name is kept here, NFC-normalised."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(120))
    original_name: Mapped[str] = mapped_column(String(1000))  # as the user named it: shown, never used as a path
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    doc_date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)

    links: Mapped[list[EvidenceLink]] = relationship(back_populates="evidence")


class EvidenceLink(TenantScoped, db.Model):
    """Evidence cited for one item, with the page or section (trang/mục) where the proof is."""

    __tablename__ = "evidence_links"
    __table_args__ = (UniqueConstraint("item_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item_scores.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    page_ref: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime)
    stage: Mapped[str] = mapped_column(String(20), default="self")  # "self" or "explanation"
    # The explanation this file supports (stage "explanation"); the authority sees it once the explanation is sent.
    explanation_id: Mapped[int | None] = mapped_column(ForeignKey("explanations.id"), index=True)

    item: Mapped[ItemScore] = relationship(back_populates="evidence_links")
    evidence: Mapped[Evidence] = relationship(back_populates="links")


class AppraisalAssignment(AuthorityScoped, db.Model):
    """Who appraises what in a campaign: a unit, an area (top-level node) for every unit, or an area of one unit.
    An appraiser is never assigned to their own unit."""

    __tablename__ = "appraisal_assignments"
    __table_args__ = (UniqueConstraint("campaign_id", "appraiser_id", "unit_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    appraiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # None: every unit
    area_id: Mapped[int | None] = mapped_column(ForeignKey("criteria_nodes.id"))  # None: every area
    created_at: Mapped[datetime] = mapped_column(DateTime)

    appraiser = relationship("User", foreign_keys="AppraisalAssignment.appraiser_id")
    unit = relationship("Unit", foreign_keys="AppraisalAssignment.unit_id")
    area: Mapped[CriteriaNode | None] = relationship()


class Explanation(TenantScoped, db.Model):
    """The unit contests one item of its preliminary result (giải trình); the appraiser answers with a final score
    and a rationale. Each side sees when the other has read it. The officer may draft it (`draft`: the authority does
    not see it); the unit leader sends it (`created_at` is then when it was sent)."""

    __tablename__ = "explanations"
    __table_args__ = (UniqueConstraint("item_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item_scores.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    requested_score: Mapped[Decimal | None] = mapped_column(Points)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    draft: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    read_by_authority_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_score: Mapped[Decimal | None] = mapped_column(Points)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    read_by_unit_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    item: Mapped[ItemScore] = relationship()
    attachments: Mapped[list[EvidenceLink]] = relationship(order_by="EvidenceLink.id", viewonly=True)
    author = relationship("User", foreign_keys="Explanation.created_by_id", viewonly=True)
    sender = relationship("User", foreign_keys="Explanation.sent_by_id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class UnitResult(TenantScoped, db.Model):
    """A unit's result for one year: from a campaign of the platform (campaign_id set) or imported from the years
    before it (campaign_id None). Cross-year insights read only this table. `by_area` is JSON {area code: "12.50"}."""

    __tablename__ = "unit_results"
    __table_args__ = (UniqueConstraint("authority_id", "year", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(120))
    self_total: Mapped[Decimal | None] = mapped_column(Points)
    appraised_total: Mapped[Decimal | None] = mapped_column(Points)
    level_order: Mapped[int | None] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(200), default="")
    disqualified: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    rank_of: Mapped[int | None] = mapped_column(Integer)
    by_area: Mapped[str] = mapped_column(Text, default="{}")
    # The self-scores per area, as `by_area`: an imported year's TheoLinhVuc sheet («{}» when not given).
    # Server-side default only: the bulk insert of results (COPY on PostgreSQL) applies no Python-side default.
    self_by_area: Mapped[str] = mapped_column(Text, server_default="{}")
    source: Mapped[str] = mapped_column(String(16), default="campaign")  # "campaign" | "import"
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    # An imported year's decision (Số quyết định, Ngày quyết định), as the past-results file gives it.
    decision_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    decision_date: Mapped[date | None] = mapped_column(Date)

    unit = relationship("Unit", foreign_keys="UnitResult.unit_id")

    # A result's figures, in table order: what the results compute compares before writing, and what the insights read.
    FIGURES = (
        "campaign_id",
        "group_name",
        "self_total",
        "appraised_total",
        "level_order",
        "level_name",
        "disqualified",
        "rank",
        "rank_of",
        "by_area",
        "source",
    )


class DecisionStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class Decision(AuthorityScoped, db.Model):
    """The decision approving the results (Quyết định phê duyệt kết quả đánh giá, phân loại), in the state format of
    Decree 30/2020/NĐ-CP. Issuing it publishes and freezes the campaign; an amendment is a new decision that names the
    one it amends and why."""

    __tablename__ = "decisions"
    # Numbering restarts every year (Decree 30/2020/NĐ-CP): "05/QĐ-UBND" may come back next January.
    __table_args__ = (UniqueConstraint("authority_id", "number", "number_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    status: Mapped[DecisionStatus] = mapped_column(_enum(DecisionStatus), default=DecisionStatus.DRAFT)
    number: Mapped[str] = mapped_column(String(60))  # "05/QĐ-UBND"
    signed_on: Mapped[date | None] = mapped_column(Date)
    number_year: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # signed_on's year, 0 if none
    place: Mapped[str] = mapped_column(String(120), default="")
    issuer_parent: Mapped[str] = mapped_column(String(200), default="")  # "UBND TỈNH QUẢNG NGÃI" (may be empty)
    issuer: Mapped[str] = mapped_column(String(200), default="")  # "ỦY BAN NHÂN DÂN HUYỆN BA TƠ"
    summary: Mapped[str] = mapped_column(Text, default="")
    legal_bases: Mapped[str] = mapped_column(Text, default="")  # further bases, one a line, as printed ("Căn cứ …")
    articles: Mapped[str] = mapped_column(Text, default="")  # JSON list of article texts (Điều 1–3)
    signer_authority: Mapped[str] = mapped_column(String(120), default="TM. ỦY BAN NHÂN DÂN")
    signer_title: Mapped[str] = mapped_column(String(120), default="CHỦ TỊCH")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    # How the committee decides (signing.SignerMode): the authority line, signature block and annex follow from it.
    signer_mode: Mapped[str] = mapped_column(String(20), default="committee", server_default="committee")
    # The bases the authority cites every year, without the verb the document adds: the province's DVCQ regulation
    # and the authority's own guidance ("Căn cứ …"), party documents one a line ("Thực hiện …"), and the proposal
    # ("Theo đề nghị của {proposal_by} tại Tờ trình số {proposal_number} ngày {proposal_date}").
    regulation: Mapped[str] = mapped_column(Text, default="", server_default="")
    guidance: Mapped[str] = mapped_column(Text, default="", server_default="")
    party_bases: Mapped[str] = mapped_column(Text, default="", server_default="")
    proposal_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    proposal_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    proposal_date: Mapped[date | None] = mapped_column(Date)
    recipients: Mapped[str] = mapped_column(Text, default="")  # one recipient per line
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    docx_key: Mapped[str | None] = mapped_column(String(200))
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @validates("signed_on")
    def _keep_number_year(self, _key, value: date | None) -> date | None:
        self.number_year = value.year if value else 0
        return value
