"""What the pages say about plans and results once they are settled: no "Kết quả sơ bộ" after publication, no "Chưa
có kế hoạch" on a profile whose plans the viewer may not read, and the year report kept on the commune's home page
until its due date even when next year's plan exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dvcq.plans import editing, handovers
from dvcq.plans.models import ImprovementPlan, PlanStatus
from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Assessment
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user


@pytest.fixture(autouse=True)
def _setup(app):
    app.config["DECISIONS_PDF"] = False


@pytest.fixture
def in_force(world) -> int:
    """Commune A's 2026 plan, acknowledged."""
    published = published_2025(world)
    with as_unit(world, world.a_id):
        plan = editing.draft_plan(user(world.leader_a), world.a_id)
        handovers.submit_plan(user(world.leader_a), plan.id, plan.version)
        plan_id, version = plan.id, plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    db.session.remove()
    world.published = published
    return plan_id


def next_years_plan(plan_id: int) -> None:
    """The 2027 plan, as drafted once the 2026 results are published (only its existence matters here)."""
    with scoped(SYSTEM):
        plan = db.session.get(ImprovementPlan, plan_id)
        db.session.add(
            ImprovementPlan(
                unit_id=plan.unit_id,
                source_campaign_id=plan.source_campaign_id,
                year=2027,
                status=PlanStatus.DRAFT,
                created_at=datetime(2026, 12, 1),
            )
        )
        db.session.commit()
    db.session.remove()


def at(monkeypatch, *when: int) -> None:
    monkeypatch.setattr(clock, "utc", lambda: datetime(*when, tzinfo=UTC))


def test_the_open_year_report_stays_on_the_home_page_until_its_due_date_after_next_years_plan(
    world, make_browser, in_force, monkeypatch
):
    next_years_plan(in_force)
    at(monkeypatch, 2026, 12, 1, 3)
    leader = make_browser()
    leader.login(world.leader_a)
    home = leader.get("/").get_data(as_text=True)
    assert "Kế hoạch cải thiện năm 2027" in home
    assert "Kế hoạch cải thiện năm 2026" in home and "Báo cáo kỳ tới: Cả năm, hạn 15/12/2026 (Đang mở)" in home
    at(monkeypatch, 2026, 12, 20, 3)  # a new day, a new session
    leader = make_browser()
    leader.login(world.leader_a)
    home = leader.get("/").get_data(as_text=True)
    assert "Kế hoạch cải thiện năm 2027" in home and "Kế hoạch cải thiện năm 2026" not in home


def test_a_profile_never_says_no_plan_when_the_unit_has_one(world, make_browser, in_force):
    own, other, district = make_browser(), make_browser(), make_browser()
    own.login(world.officer_a)
    other.login(world.officer_b)
    district.login(world.leadership)
    url = f"/tong-quan/don-vi/{world.a_id}"
    for browser in (own, district):
        page = browser.get(url).get_data(as_text=True)
        assert "Kế hoạch cải thiện năm 2026" in page and "Chưa có kế hoạch" not in page
    seen_by_b = other.get(url)  # A's published results are public to B; A's plans are not
    assert seen_by_b.status_code == 200
    page = seen_by_b.get_data(as_text=True)
    assert "Chưa có kế hoạch" not in page and 'data-testid="plans"' not in page


def test_after_publication_the_unit_and_the_appraisers_read_no_preliminary_banner(world, make_browser, in_force):
    with scoped(SYSTEM):
        assessment_id = db.session.execute(
            select(Assessment.id).where(
                Assessment.campaign_id == world.published.campaign_id, Assessment.unit_id == world.a_id
            )
        ).scalar_one()
    officer = make_browser()
    officer.login(world.officer_a)
    page = officer.get(f"/giai-trinh/{assessment_id}").get_data(as_text=True)
    assert "sơ bộ" not in page
    assert "Kết quả đã được công bố chính thức" in page and "/ket-qua/2025/don-vi/" in page
    results = officer.get(f"/ket-qua/2025/don-vi/{world.a_id}").get_data(as_text=True)
    assert "Kết quả sơ bộ" not in results
