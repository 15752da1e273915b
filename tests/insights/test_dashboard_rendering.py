"""A view of the dashboard costs the page around the cached sections, not the sections again: their HTML (seven
figures' JSON, a dozen tables) is rendered on the first view of each cached Dashboard, and a new data version
renders anew. The page around them stays the viewer's own."""

from __future__ import annotations

from flask import template_rendered

from dvcq.insights import dashboard
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.insights import factories
from tests.insights.helpers import figure


def _rendered(app):
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    return names, lambda: template_rendered.disconnect(record, app)


def test_the_sections_are_rendered_once_per_data_version_and_the_page_around_them_per_viewer(
    app, make_browser, world, history
):
    leadership, secretariat = make_browser(), make_browser()
    leadership.login(world.leadership)
    secretariat.login(world.secretariat)
    names, stop = _rendered(app)
    try:
        first = leadership.get("/tong-quan/").get_data(as_text=True)
        second = secretariat.get("/tong-quan/").get_data(as_text=True)
        assert names.count("insights/_sections.html") == 1
        assert names.count("insights/dashboard.html") == 2
        assert dashboard.cache.hits == 1
        section = first[first.index('<nav class="jump"') : first.index("</main>")]
        assert section in second  # the same sections for both
        assert first.count('data-testid="section-') == second.count('data-testid="section-') == 6
        with scoped(SYSTEM):  # a new year is imported: a new data version renders the sections anew
            factories.result(
                world.agency_id,
                2021,
                authority_id=world.district_id,
                appraised="70.00",
                rank=1,
                rank_of=1,
                group="Khối cơ quan",
            )
            db.session.commit()
        page = leadership.get("/tong-quan/?khoi=tat-ca").get_data(as_text=True)
        assert names.count("insights/_sections.html") == 2
        assert figure(page, "fig-box")["data"][0]["x"][0] == "2021"
    finally:
        stop()


def test_lost_items_summed_by_the_database_count_only_the_chosen_units_and_years(app, world, history):
    """The per-item sums come from one GROUP BY; a frame that leaves out one unit's year (not every unit in every
    year) must leave out its item scores too, exactly as summing the rows one by one."""
    from collections import Counter, defaultdict
    from decimal import Decimal

    from sqlalchemy import select

    from dvcq.insights import frames, services
    from dvcq.scoring.models import Assessment, Campaign, CriteriaNode, ItemScore, NodeKind

    with scoped(SYSTEM):
        frame = services.results_frame(world.district_id)
        scored = db.session.execute(
            select(Assessment.unit_id, Campaign.year)
            .join(Campaign, Campaign.id == Assessment.campaign_id)
            .where(Campaign.status == "published")
        ).all()
        dropped = scored[0]
        part = frame[~((frame["unit_id"] == dropped[0]) & (frame["year"] == dropped[1]))]
        assert len(part) == len(frame) - 1
        lost, units = defaultdict(Decimal), Counter()
        rows = db.session.execute(
            select(Assessment.unit_id, Campaign.year, CriteriaNode.code, CriteriaNode.max_points, ItemScore.final_score)
            .join(ItemScore.node)
            .join(Assessment, Assessment.id == ItemScore.assessment_id)
            .join(Campaign, Campaign.id == Assessment.campaign_id)
            .where(CriteriaNode.kind != NodeKind.BONUS, Campaign.status == "published")
        ).all()
        for unit_id, year, code, maximum, final in rows:
            if (unit_id, year) != tuple(dropped) and final is not None:
                lost[code] += maximum - final
                units[code] += 1
        table = frames.lost_items_frame(world.district_id, part)
    assert table.to_dict("records"), "the history has lost points"
    for record in table.to_dict("records"):
        assert record["total_lost"] == lost[record["code"]]
        assert record["units"] == units[record["code"]]
