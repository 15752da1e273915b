"""Who may read which results: a commune its own once released, the authority's staff all of theirs, and everyone
the whole table of a published year — with THE one place that opens other units' results (`readable`)."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import Scope
from dvcq.scoring.models import AssessmentStatus, Campaign

RELEASED = (AssessmentStatus.RELEASED, AssessmentStatus.FINAL)


def readable(stmt, *, published: bool):
    """THE one place where a unit's user may read other units' results: only those of a published year.

    For authority staff the option changes nothing (their scope is already the authority); for a commune it opens the
    authority's results — so it is applied only when `published` is true."""
    if published:
        return stmt.execution_options(authority_wide=True)
    return stmt


def authority_of(user) -> int:
    return Scope.for_unit(user.unit).authority_id


def is_staff(user) -> bool:
    return user.role.in_authority


def year_state(authority_id: int, year: int) -> tuple[Campaign | None, bool]:
    """The year's campaign (if any) and whether its results are public: a campaign's once published; a year without
    a campaign holds imported results of published decisions."""
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == authority_id, Campaign.year == year)
    ).scalar_one_or_none()
    return campaign, (campaign.published if campaign is not None else True)
