"""The demo's 2026 campaign: Huyện Ba Tơ in the self-assessment stage, every commune and agency taking part, about
half the communes part-way or done (three submitted with their evidence, one with its own extension); seeding twice
changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from dvcq.platform import clock, demo, registry
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns import overview, services
from dvcq.scoring.campaigns.demo import seed_campaign_2026
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    EvidenceLink,
    ItemScore,
)
from dvcq.scoring.selfassessment import services as selfassessment
from dvcq.tenants import demo as tenants_demo
from dvcq.tenants.models import Unit


def _state():
    db.session.expire_all()
    return {
        "items": db.session.execute(
            select(ItemScore.id, ItemScore.self_score, ItemScore.version).order_by(ItemScore.id)
        ).all(),
        "assessments": db.session.execute(
            select(Assessment.id, Assessment.status, Assessment.self_deadline).order_by(Assessment.id)
        ).all(),
        "audit": db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    }


def test_the_demo_opens_2026_for_every_unit_with_half_the_communes_under_way(app, monkeypatch):
    monkeypatch.setattr(
        registry.of(app), "demo_seeders", [tenants_demo.seed, seed_campaign_2026]
    )  # the sample criteria load on demand
    with scoped(SYSTEM):
        demo.seed()
        district = db.session.execute(select(Unit).where(Unit.code == "BATO")).scalar_one()
        campaign = db.session.execute(
            select(Campaign).where(Campaign.authority_id == district.id, Campaign.year == 2026)
        ).scalar_one()
        assert campaign.status == CampaignStatus.SELF_ASSESSMENT
        sets = {c.group.name: c.criteria_version for c in campaign.criteria}
        assert all(v.is_sample for v in sets.values()) and sets["Khối xã"].max_total == 100
        assert sets["Khối cơ quan"].max_total == 90  # the agencies on their own set
        today = services.vn_day(clock.now())
        assert campaign.self_assessment_deadline == services.end_of_day(today + timedelta(days=21))
        rows = services.participants(campaign)
        assert len(rows) == 24
        scored = overview.scored_counts(campaign.id)
        started = [a for a in rows if scored.get(a.id)]
        assert 9 <= len(started) <= 10 and all(a.unit.kind.value != "co_quan" for a in started)
        submitted = [a for a in rows if a.status != AssessmentStatus.DRAFT]
        assert len(submitted) == 3
        # rolling appraisal: one appraised, one under way, one waiting — while the campaign is in self-assessment
        assert sorted(a.status for a in submitted) == sorted(
            [AssessmentStatus.APPRAISED, AssessmentStatus.APPRAISING, AssessmentStatus.SUBMITTED]
        )
        assert db.session.execute(select(func.count(AppraisalAssignment.id))).scalar_one() > 0
        secretariat = db.session.execute(select(User).where(User.login == "thuongtruc")).scalar_one()
        for assessment in submitted:  # submitted through the real check: nothing missing
            assert selfassessment.precheck(secretariat, assessment.id) == []
        extended = [a for a in rows if a.self_deadline is not None]
        assert len(extended) == 1 and "mưa lũ" in extended[0].self_deadline_reason
        ba_dong = next(a for a in rows if a.unit.code == "BATO-BDO")
        assert ba_dong.status == AssessmentStatus.DRAFT and 0 < scored[ba_dong.id] < 51
        assert db.session.execute(select(func.count(EvidenceLink.id))).scalar_one() > 50
        before = _state()
        demo.seed()
        assert _state() == before
