"""The demo's criteria: the two shipped samples, the communes' (100 points) and the agencies' (90 points), loaded once
for each authority of the story — Huyện Ba Tơ for its cycles until 2024, Tỉnh Quảng Ngãi for 2025 and 2026 (re-running
the demo adds nothing)."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.scoring.models import CriteriaVersion
from dvcq.tenants.demo import DISTRICT, PROVINCE
from dvcq.tenants.models import Unit


def sample_sets(authority: Unit) -> tuple[CriteriaVersion, CriteriaVersion]:
    """(the communes' set, the agencies' set) of the authority, each loaded if missing — the communes' first: the
    demo's seeders take the authority's oldest sample as the communes'."""
    from dvcq.scoring.criteria import services

    communes = db.session.execute(
        select(CriteriaVersion)
        .where(CriteriaVersion.authority_id == authority.id, CriteriaVersion.is_sample.is_(True))
        .order_by(CriteriaVersion.id)
        .limit(1)
    ).scalar_one_or_none()
    if communes is None:
        communes = services.load_sample(authority.id, actor=None, kind=services.COMMUNE_SAMPLE)
    agencies = services.sample_version(authority.id, services.AGENCY_SAMPLE)
    if agencies is None:
        agencies = services.load_sample(authority.id, actor=None, kind=services.AGENCY_SAMPLE)
    return communes, agencies


def seed_sample_criteria() -> None:
    for code in (DISTRICT[0], PROVINCE[0]):
        authority = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        if authority is not None:
            sample_sets(authority)
