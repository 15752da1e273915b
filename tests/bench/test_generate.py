"""The scale generator (bench/generate.py) at a tiny size: the rows it promises, published results, and users who can
log in and open the pages the load benchmark visits."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dvcq.plans.models import ImprovementPlan, PlanTask, ProgressReport
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Assessment, Campaign, CampaignStatus, Evidence, EvidenceLink, ItemScore, UnitResult
from dvcq.tenants.models import Unit

_spec = importlib.util.spec_from_file_location("bench_generate", Path(__file__).parents[2] / "bench" / "generate.py")
generate = sys.modules.setdefault("bench_generate", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(generate)

TINY = {"communes": 12, "groups": 1, "years": 2, "areas": 2, "leaves_per_area": 3, "unit_users": 2, "tasks_per_plan": 2}


@pytest.fixture
def tiny(app):
    return generate.populate(**TINY, evidence_per_unit=2)


def _count(model) -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_generator_writes_units_campaigns_scores_evidence_plans_and_users(tiny):
    assert tiny.units == 12
    assert _count(Unit) == 13  # the authority and its communes
    assert _count(Campaign) == 3  # two published years and the current one
    assert _count(Assessment) == 3 * 12
    assert _count(ItemScore) == tiny.item_scores == 3 * 12 * 6
    assert _count(Evidence) == tiny.evidence == 3 * 12 * 2
    assert _count(EvidenceLink) > 0
    assert _count(ImprovementPlan) == tiny.plans == 2 * 12
    assert _count(PlanTask) == 2 * 2 * 12
    assert _count(ProgressReport) == 2 * 2 * 12
    assert _count(User) == 4 + 2 * 2


def test_published_years_have_ranked_published_results_and_the_current_year_is_under_appraisal(tiny):
    with scoped(SYSTEM):
        campaigns = db.session.execute(select(Campaign).order_by(Campaign.year)).scalars().all()
        assert [c.status for c in campaigns] == [CampaignStatus.PUBLISHED] * 2 + [CampaignStatus.APPRAISAL]
        results = db.session.execute(select(UnitResult).where(UnitResult.year == campaigns[0].year)).scalars().all()
    assert len(results) == 12
    assert all(r.published and r.rank is not None and r.appraised_total is not None for r in results)
    assert {r.group_name for r in results} == {"Khối xã", "Khối phường"}


def test_generated_users_log_in_and_open_the_benchmarked_pages(tiny, make_browser):
    with scoped(SYSTEM):
        assessment_id = db.session.execute(
            select(Assessment.id)
            .join(User, User.unit_id == Assessment.unit_id)
            .where(User.login == "canbo.0001", Assessment.campaign_id == tiny.current_campaign_id)
        ).scalar_one()
        published_year = db.session.execute(select(func.max(Campaign.year)).where(Campaign.published_at.isnot(None)))
        published_year = published_year.scalar_one()
    officer, appraiser, leadership = make_browser(), make_browser(), make_browser()
    assert officer.login("canbo.0001", generate.BENCH_PASSWORD).status_code == 302
    assert appraiser.login("thamdinh", generate.BENCH_PASSWORD).status_code == 302
    assert leadership.login("lanhdao", generate.BENCH_PASSWORD).status_code == 302
    page = officer.client.get(f"/tu-danh-gia/{assessment_id}")
    assert page.status_code == 200
    assert "Tiêu chí 2.3" in page.get_data(as_text=True)
    assert appraiser.client.get(f"/tham-dinh/ho-so/{assessment_id}").status_code == 200
    table = leadership.client.get(f"/ket-qua/{published_year}")
    assert table.status_code == 200
    assert "Xã Số 0001" in table.get_data(as_text=True)
    assert leadership.client.get("/tong-quan/").status_code == 200
    assert officer.client.get("/").status_code == 200
