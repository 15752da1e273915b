"""Campaigns for tests, made through the real services as the secretariat of the test world.

    version = campaign_version(world)              # 2 areas + bonus T + penalty P, 7 leaves (one authority-only)
    campaign_id = make_campaign(world, version)    # draft, communes A and B and agency C, deadline in 20 days
    campaign_id = open_campaign(world)             # the same, opened (self-assessment stage)
    item = item_of(world.a_id, campaign_id, "1.1.a")

Every helper runs in the system scope and commits, and returns ids or fresh rows, so tests may log in and post
through the browser in between.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns import drafting, services, stages
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, CriteriaNode, Evidence, ItemScore
from tests.scoring.criteria_factories import make_version

LEAVES = {
    "1.1.a": {"max": "3", "method": "khoang", "step": "0.5", "evidence": True},
    "1.1.b": {"max": "3", "method": "co_khong"},
    "1.2": {"max": "4", "method": "tru_diem", "step": "0.25"},
    "2.1": {"max": "4", "method": "khoang", "step": "0.25"},
    "2.2": {"max": "1", "method": "khoang", "step": "0.5", "authority_only": True},
    "T.1": {"max": "2", "method": "khoang", "step": "0.5", "kind": "bonus", "evidence": True},
    "P.1": {"max": "3", "method": "khoang", "step": "0.5", "kind": "penalty"},
}
SCORABLE = [code for code, spec in LEAVES.items() if not spec.get("authority_only")]


def today_vn() -> date:
    return services.vn_day(datetime.now(UTC).replace(tzinfo=None))


def user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def campaign_version(world, **kwargs):
    kwargs.setdefault("leaves", LEAVES)
    return make_version(world.district_id, **kwargs)


def make_campaign(
    world,
    version=None,
    *,
    year: int = 2026,
    units: list[int] | None = None,
    self_days: int | None = 20,
    name: str | None = None,
) -> int:
    version = version or campaign_version(world)
    with scoped(SYSTEM):
        deadlines = {CampaignStatus.SELF_ASSESSMENT: today_vn() + timedelta(days=self_days) if self_days else None}
        campaign = drafting.create_campaign(
            user(world.secretariat),
            year=year,
            name=name or f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
            criteria={world.group_communes_id: version.id, world.group_agencies_id: version.id},
            unit_ids=units if units is not None else [world.a_id, world.b_id, world.agency_id],
            deadlines=deadlines,
        )
        campaign_id = campaign.id
    db.session.remove()
    return campaign_id


def open_campaign(world, version=None, **kwargs) -> int:
    campaign_id = make_campaign(world, version, **kwargs)
    with scoped(SYSTEM):
        stages.advance(user(world.secretariat), campaign_id, None)
    db.session.remove()
    return campaign_id


def assessment_of(unit_id: int, campaign_id: int) -> Assessment:
    """The row as stored now (re-read even if this session holds it)."""
    with scoped(SYSTEM):
        return db.session.execute(
            select(Assessment)
            .where(Assessment.unit_id == unit_id, Assessment.campaign_id == campaign_id)
            .execution_options(populate_existing=True)
        ).scalar_one()


def item_of(unit_id: int, campaign_id: int, code: str) -> ItemScore:
    """The item as stored now (re-read even if this session holds it)."""
    with scoped(SYSTEM):
        return db.session.execute(
            select(ItemScore)
            .join(Assessment, Assessment.id == ItemScore.assessment_id)
            .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
            .where(Assessment.unit_id == unit_id, Assessment.campaign_id == campaign_id, CriteriaNode.code == code)
            .execution_options(populate_existing=True)
        ).scalar_one()


def set_campaign_deadline(campaign_id: int, when: datetime) -> None:
    """Freeze time the other way round: move the stored deadline (naive UTC) instead of the clock."""
    with scoped(SYSTEM):
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(self_assessment_deadline=when))
        db.session.commit()
    db.session.remove()


def past(hours: int = 1) -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=hours)


def make_evidence(unit_id: int, name: str = "Quyết định kiện toàn Ban Chỉ đạo.pdf") -> int:
    """A file in the unit's library (stored row only), as a citation needs it."""
    with scoped(SYSTEM):
        evidence = Evidence(
            unit_id=unit_id,
            storage_key=f"test/{unit_id}/{name}",
            sha256=f"{unit_id:064d}",
            size=10,
            content_type="application/pdf",
            original_name=name,
            uploaded_at=datetime(2026, 3, 1),
        )
        db.session.add(evidence)
        db.session.commit()
        return evidence.id
