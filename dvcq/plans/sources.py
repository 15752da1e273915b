"""Which result a unit's next plan is drafted from: its authority's last published campaign, or — for a unit whose
newest result was decided before the platform and imported (last year's, or this year's) — that imported year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dvcq.plans import imported
from dvcq.plans.services import latest_published
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.scoring.models import Assessment, Campaign, UnitResult
from dvcq.tenants.models import Unit


@dataclass(frozen=True)
class Source:
    """The result of `year` a plan for `year + 1` starts from: a campaign's assessment, or an imported result."""

    year: int
    campaign: Campaign | None = None
    assessment: Assessment | None = None
    result: UnitResult | None = None

    @property
    def plan_year(self) -> int:
        return self.year + 1

    @property
    def summary(self) -> str:
        return imported.summary(self.result) if self.result is not None else ""

    @property
    def decision_missing(self) -> bool:
        return self.result is not None and not imported.decision_recorded(self.result)

    @property
    def offer(self) -> str:
        """The button on the plans page."""
        if self.result is not None:
            return imported.offer(self.result)
        return f"Lập kế hoạch năm {self.plan_year}"


def draft_source(unit: Unit, on: date) -> Source:
    """The result the unit's next plan starts from; ServiceError saying why when there is none."""
    if unit.valid_to is not None and unit.valid_to < on:
        raise ServiceError(
            f"{unit.name} hoạt động đến hết ngày {vn_date(unit.valid_to)} nên không lập kế hoạch mới; "
            "các kế hoạch đã lập vẫn xem được."
        )
    campaign = latest_published(unit.authority_id)
    assessment = None
    if campaign is not None:
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
        ).scalar_one_or_none()
    result = imported.latest_imported(unit.id)
    # An imported year counts while a plan from it still makes sense (last year's result, or this year's decided in
    # December), and only when no campaign of the platform has given the unit a newer result.
    if result is not None and result.year >= on.year - 1 and (assessment is None or result.year > campaign.year):
        return Source(result.year, result=result)
    if campaign is None:
        raise ServiceError("Chưa có kết quả đánh giá nào được công bố nên chưa thể lập kế hoạch.")
    if assessment is None:
        raise ServiceError(f"Đơn vị không tham gia đánh giá năm {campaign.year} nên không có kết quả để lập kế hoạch.")
    return Source(campaign.year, campaign=campaign, assessment=assessment)
