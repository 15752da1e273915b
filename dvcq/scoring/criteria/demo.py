"""The demo district's criteria: the two shipped samples, the communes' and the agencies', each loaded once
(re-running the demo adds nothing)."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.scoring.models import CriteriaVersion
from dvcq.tenants.demo import DISTRICT
from dvcq.tenants.models import Unit


def seed_sample_criteria() -> None:
    from dvcq.scoring.criteria import services

    district = db.session.execute(select(Unit).where(Unit.code == DISTRICT[0])).scalar_one_or_none()
    if district is None:
        return
    any_sample = db.session.execute(
        select(CriteriaVersion.id).where(CriteriaVersion.authority_id == district.id, CriteriaVersion.is_sample)
    ).first()
    if any_sample is None:  # the communes' first: the demo's other seeders take the oldest sample as theirs
        services.load_sample(district.id, actor=None, kind=services.COMMUNE_SAMPLE)
    if services.sample_version(district.id, services.AGENCY_SAMPLE) is None:
        services.load_sample(district.id, actor=None, kind=services.AGENCY_SAMPLE)
