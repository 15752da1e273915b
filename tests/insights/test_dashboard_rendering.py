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
