"""Reading what a page shows: a figure's JSON from its data block, a table's cells, and the database's own numbers
to compare them with (computed here independently of dvcq.insights)."""

from __future__ import annotations

import html
import json
import re
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import UnitResult
from dvcq.tenants.models import Unit


def figure(page: str, figure_id: str) -> dict:
    """The plotly figure that the page hands to the browser in <script type="application/json" id=…>."""
    match = re.search(rf'<script type="application/json" id="{re.escape(figure_id)}">(.*?)</script>', page, re.S)
    assert match, f"no figure {figure_id} on the page"
    return json.loads(match.group(1))


def figure_ids(page: str) -> list[str]:
    return re.findall(r'<script type="application/json" id="([^"]+)">', page)


def table(page: str, testid: str) -> list[list[str]]:
    """The table's rows as the user reads them (header first)."""
    match = re.search(rf'<table data-testid="{re.escape(testid)}"[^>]*>(.*?)</table>', page, re.S)
    assert match, f"no table {testid} on the page"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def published_rows(authority_id: int) -> list[dict]:
    """Every published result of the authority, straight from the table."""
    with scoped(SYSTEM):
        stmt = (
            select(UnitResult, Unit.name)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.authority_id == authority_id, UnitResult.published.is_(True))
        )
        rows = [
            {
                "unit_id": r.unit_id,
                "name": name,
                "year": r.year,
                "group": r.group_name,
                "self": r.self_total,
                "appraised": r.appraised_total,
                "rank": r.rank,
                "rank_of": r.rank_of,
                "level": r.level_name,
                "by_area": {k: Decimal(v) for k, v in json.loads(r.by_area).items()},
            }
            for r, name in db.session.execute(stmt).all()
        ]
    return rows


def percent(obtained: Decimal, maximum: Decimal) -> Decimal:
    return (obtained * 100 / maximum).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def vn(value: Decimal) -> str:
    """85.5 → "85,50" (no thousands in these tests)."""
    return f"{value:.2f}".replace(".", ",")
