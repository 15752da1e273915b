"""Reading an authority's campaigns for the command line, each with the criteria version of each of its groups."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dvcq.platform.extensions import db
from dvcq.scoring.models import Campaign, CampaignCriteria


def campaigns_with_criteria(authority_id: int) -> list[Campaign]:
    """The authority's campaigns, oldest year first, with their groups' choices loaded (`Campaign.criteria_sets`)."""
    stmt = (
        select(Campaign)
        .where(Campaign.authority_id == authority_id)
        .order_by(Campaign.year)
        .options(
            selectinload(Campaign.criteria).selectinload(CampaignCriteria.group),
            selectinload(Campaign.criteria).selectinload(CampaignCriteria.criteria_version),
        )
    )
    return list(db.session.execute(stmt).scalars())
