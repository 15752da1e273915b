"""The rendered results table of a published year, kept per process and keyed by its data.

A published year's table changes only by an amendment (the results are frozen by the flush listener and, on
PostgreSQL, by triggers), yet every view of it loaded two years of results with their units and rendered a row per
unit. So the rendered rows are kept in a small in-process LRU, keyed by:

  * the authority, the year and the audience (staff or a unit's user: they see different links and, for the change
    since last year, possibly a different previous year) — one authority's table is never served to another, and a
    table built for staff is never served to a unit's user;
  * `data_key(authority, year)`: ONE statement of cheap aggregates over everything the table shows — the results of
    the year and of the year before (count, newest `computed_at`, sum of ids, published rows), both years' campaign
    status and version, the newest decision of the authority (issuing and amending add one), the version counters of
    the units in those results (a rename or a new code bumps them) and the authority's groups with their order.
    An amendment rewrites the changed results with a new `computed_at` and adds a decision; a publication changes
    the campaign's status: either makes a new key, so a stale table is never served — the old entry just ages out.
    An imported year's decision, recorded or corrected from its page, is in the key too (its heading names it).

Only published years are cached (a year's table before publication is for the authority's staff, and changes with
every recomputation). Who may see the year is decided before the cache is asked (`visible`), exactly as
`queries.year_table` decides it: a unit's user never gets a year that is not published. The rows are kept in both
forms a viewer may need — plain, and as the viewer's own unit (highlighted, linked) — so one entry serves every unit
of the authority; the page around the table (navigation, name, bell, buttons with the CSRF token) is rendered per
request. Each gunicorn worker keeps its own cache (on the app object); nothing needs to be told to invalidate it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from markupsafe import Markup
from sqlalchemy import String, bindparam, cast, func, select

from dvcq.platform.cache import SingleFlightLRU
from dvcq.platform.extensions import db
from dvcq.scoring.models import Campaign, CampaignStatus, Decision, UnitResult
from dvcq.tenants.models import Unit, UnitGroup

CACHE_SIZE = 128
ROWS_TEMPLATE = "results/_year_rows.html"


EXTENSION = "dvcq.results_table_cache"


def cache_of(app=None) -> SingleFlightLRU:
    """The application's cache: one per app object (a process serves one app; each test builds its own app, so a
    table from another test's database can never be served)."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get(EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(EXTENSION, SingleFlightLRU(CACHE_SIZE))
    return cache


@dataclass(frozen=True)
class DataKey:
    campaign_status: str | None  # the year's campaign; None: a year of imported results (published by nature)
    fingerprint: tuple

    @property
    def published(self) -> bool:
        """As `access.year_state` has it: a campaign's results once published; imported years always."""
        return self.campaign_status is None or self.campaign_status == CampaignStatus.PUBLISHED.value


def _key_statement():
    """Built once (bound parameters): constructing this many SQL expressions per request costs more than running them.
    The results of both years and their units are summed in ONE pass (aggregates with FILTER)."""
    authority, year, previous = bindparam("authority_id"), bindparam("year"), bindparam("previous")

    def per_year(y):
        this = UnitResult.year == y
        return [
            func.count(UnitResult.id).filter(this),
            func.max(UnitResult.computed_at).filter(this),
            func.sum(UnitResult.id).filter(this),
            func.count(UnitResult.id).filter(this, UnitResult.published.is_(True)),
            func.max(UnitResult.decision_number).filter(this),  # an imported year's decision, recorded later
            func.max(UnitResult.decision_date).filter(this),
        ]

    results = (
        select(*per_year(year), *per_year(previous), func.sum(Unit.version), func.count(Unit.id))
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.authority_id == authority, UnitResult.year.in_([year, previous]))
        .subquery()
    )

    def campaign(y, column):
        return select(column).where(Campaign.authority_id == authority, Campaign.year == y).scalar_subquery()

    return select(
        campaign(year, cast(Campaign.status, String)),
        campaign(year, Campaign.version),
        campaign(previous, cast(Campaign.status, String)),
        campaign(previous, Campaign.version),
        select(func.max(Decision.id)).where(Decision.authority_id == authority).scalar_subquery(),
        select(func.aggregate_strings(UnitGroup.name + "=" + cast(UnitGroup.position, String), "|"))
        .where(UnitGroup.authority_id == authority)
        .scalar_subquery(),
        *results.c,
    )


_KEY_STATEMENT = None


def data_key(authority_id: int, year: int) -> DataKey:
    """One statement of aggregates over what the year's table shows (see the module's docstring). Every condition
    names the authority explicitly; only aggregates come back, and they only ever go into a cache key."""
    global _KEY_STATEMENT
    if _KEY_STATEMENT is None:
        _KEY_STATEMENT = _key_statement()
    # Core execution on the session's connection: only numbers come back, no ORM entity to load or filter (every
    # condition above names the authority itself).
    params = {"authority_id": authority_id, "year": year, "previous": year - 1}
    row = db.session.connection().execute(_KEY_STATEMENT, params).one()
    status = row[0]
    return DataKey(str(status) if status is not None else None, tuple(row))


@dataclass(frozen=True)
class YearPage:
    """What the year's page shows besides the buttons: the heading's facts and the rendered rows."""

    year: int
    source_label: str
    campaign_name: str | None
    campaign_published: bool | None  # None: no campaign that year
    published: bool
    computed_at: datetime | None
    has_rows: bool
    segments: tuple  # str, or (unit_id, plain row, the viewer's own unit's row)

    def body(self, own_unit_id: int | None) -> Markup:
        """The groups and their rows, the viewer's own unit highlighted (and linked, for a unit's user)."""
        return Markup(
            "".join(
                part if isinstance(part, str) else (part[2] if part[0] == own_unit_id else part[1])
                for part in self.segments
            )
        )


def build_page(table, staff: bool) -> YearPage:
    """Render a `queries.YearTable`'s rows (the macros of ROWS_TEMPLATE), each as plain and as the own unit."""
    macros = current_app.jinja_env.get_template(ROWS_TEMPLATE).module
    segments: list = []

    def text(markup) -> None:
        if segments and isinstance(segments[-1], str):
            segments[-1] += str(markup)
        else:
            segments.append(str(markup))

    for group_name, rows in table.groups:
        text(macros.group_start(group_name, len(rows), table.caption(group_name)))
        for r in rows:
            segments.append(
                (r.unit_id, str(macros.row(r, table.year, staff, False)), str(macros.row(r, table.year, staff, True)))
            )
        text(macros.group_end())
    campaign = table.campaign
    return YearPage(
        year=table.year,
        source_label=table.source_label,
        campaign_name=campaign.name if campaign is not None else None,
        campaign_published=campaign.published if campaign is not None else None,
        published=table.published,
        computed_at=table.computed_at,
        has_rows=bool(table.rows),
        segments=tuple(segments),
    )


def year_page(authority_id: int, year: int, *, staff: bool, unpublished: bool, load: Callable) -> YearPage | None:
    """The year's page for staff or for a unit's user, None when they may not see it: a year not yet published only
    if `unpublished` (`access.sees_unpublished`: the secretariat, leadership and administrators — not an appraiser,
    not a unit's user). `load()` builds the `queries.YearTable` (or None) on a miss; a year not yet published is never
    cached."""
    key = data_key(authority_id, year)
    if not unpublished and not key.published:
        return None  # decided before the cache is asked: the unpublished ranking is the board's only
    if not key.published:
        table = load()
        return build_page(table, staff) if table is not None else None

    def build() -> YearPage | None:
        table = load()
        return build_page(table, staff) if table is not None else None

    return cache_of().get_or_build((authority_id, year, staff, key), build)
