"""Reading published results into pandas frames, the cheap data version that tells when they changed, and the
number and label helpers the insights modules share.

Only published rows are insight material (`UnitResult.published`, item scores of campaigns whose status is
published). Frames are built from `session.execute(stmt).mappings()`, so every read passes the tenancy guard —
never `pd.read_sql` on an engine, which would bypass it. Points stay Decimal in the frames (object columns); a
float appears only inside a plotly figure (charts.py), which is display.

Merged units: a unit created by a merger (UnitLineage, the 2025 reform) carries its predecessors' history. Those rows
are the one read of results across authorities (a predecessor may have belonged to a district the reform dissolved):
`mergers.predecessors_frame`, by the ids of a lineage only, published rows only."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import bindparam, func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.collation import vn_positions
from dvcq.platform.demo import DATA_NOTE_ACTION
from dvcq.platform.extensions import db
from dvcq.scoring.models import Campaign, CampaignStatus, UnitResult
from dvcq.tenants.models import Unit, UnitLineage

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
NO_LEVEL, DISQUALIFIED_LEVEL = "Chưa xếp loại", "Không đủ điều kiện xếp loại"

RESULT_COLUMNS = ["unit_id", "unit_code", "unit_name", "year", *UnitResult.FIGURES, "decision_number", "decision_date"]
# The frames' columns that hold names: sorted in Vietnamese alphabetical order (platform.collation), not by code point.
NAME_COLUMNS = frozenset({"unit_name", "group_name", "series_name", "label"})


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share_percent(obtained: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """The share of an area's maximum obtained, in percent with two decimals (12,50 of 14 → 89,29)."""
    if obtained is None or not maximum:
        return None
    return q2(Decimal(obtained) * HUNDRED / Decimal(maximum))


def parse_areas(text: str | None) -> dict[str, Decimal]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(code): Decimal(str(value)) for code, value in raw.items() if value is not None and value != ""}


def sort_frame(frame: pd.DataFrame, by: list[str] | str, **options) -> pd.DataFrame:
    """`frame.sort_values(by, **options)` with the name columns in Vietnamese alphabetical order."""
    return frame.sort_values(by, key=_name_places, **options)


def _name_places(column: pd.Series) -> pd.Series:
    if column.name not in NAME_COLUMNS:
        return column
    names = [v if isinstance(v, str) else None for v in column]
    place = vn_positions(n for n in names if n is not None)
    return pd.Series([place[n] if n is not None else len(place) for n in names], index=column.index)


def level_label(level_name: str | None, disqualified: bool) -> str:
    if level_name:
        return level_name
    return DISQUALIFIED_LEVEL if disqualified else NO_LEVEL


def _natural(code: str) -> tuple:
    """Criteria codes in their natural order: "2" < "10" < "T" (numbers before letters, part by part)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(code).split("."))


# ---- reading published results ------------------------------------------------------------------------------------


def _results_select():
    return (
        select(
            UnitResult.unit_id,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            UnitResult.year,
            *(getattr(UnitResult, name) for name in UnitResult.FIGURES),
            UnitResult.decision_number,
            UnitResult.decision_date,
        )
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.published.is_(True))
    )


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame([dict(r) for r in rows], columns=RESULT_COLUMNS, dtype=object)
    frame["by_area"] = frame["by_area"].map(parse_areas)
    if len(frame):
        frame["year"] = frame["year"].astype(int)
    return sort_frame(frame, ["year", "group_name", "rank", "unit_name", "unit_code"], kind="stable").reset_index(
        drop=True
    )


def results_frame(authority_id: int) -> pd.DataFrame:
    """Every published result of the authority's units, all years: one row per unit and year."""
    stmt = _results_select().where(UnitResult.authority_id == authority_id).execution_options(authority_wide=True)
    return _frame(db.session.execute(stmt).mappings())


def unit_results_frame(unit_id: int) -> pd.DataFrame:
    """Every published result of one unit of the scope's authority, all years (its predecessors': see mergers)."""
    stmt = _results_select().where(UnitResult.unit_id == unit_id).execution_options(authority_wide=True)
    return _frame(db.session.execute(stmt).mappings())


def published_years(authority_id: int) -> list[int]:
    stmt = (
        select(UnitResult.year)
        .where(UnitResult.authority_id == authority_id, UnitResult.published.is_(True))
        .distinct()
        .order_by(UnitResult.year)
        .execution_options(authority_wide=True)
    )
    return list(db.session.execute(stmt).scalars())


def demo_note(authority_id: int) -> str | None:
    """What `dvcq demo` recorded its pages must say about the authority's data (the demo holds a part of the province
    only: ranks read over that part), or None — always None outside a demo database."""
    stmt = (
        select(AuditRecord.reason)
        .where(AuditRecord.action == DATA_NOTE_ACTION, AuditRecord.unit_id == authority_id)
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def member_unit(authority_id: int, code: str) -> Unit | None:
    """The authority's member unit of that code (never the authority itself), or None."""
    stmt = select(Unit).where(Unit.code == code, Unit.authority_id == authority_id, Unit.id != authority_id)
    return db.session.execute(stmt).scalar_one_or_none()


# ---- the data version (see cache.py) --------------------------------------------------------------------------


def _data_version_statement():
    authority = bindparam("authority_id")

    def results(column):
        return (
            select(column).where(UnitResult.authority_id == authority, UnitResult.published.is_(True)).scalar_subquery()
        )

    def campaigns(column):
        return (
            select(column)
            .where(Campaign.authority_id == authority, Campaign.status == CampaignStatus.PUBLISHED)
            .scalar_subquery()
        )

    def units(column):
        return select(column).where(Unit.authority_id == authority).scalar_subquery()

    return select(
        results(func.count(UnitResult.id)),
        results(func.max(UnitResult.computed_at)),
        results(func.coalesce(func.sum(UnitResult.id), 0)),
        campaigns(func.count(Campaign.id)),
        campaigns(func.max(Campaign.published_at)),
        units(func.count(Unit.id)),
        units(func.coalesce(func.sum(Unit.version), 0)),
        select(func.count(UnitLineage.id)).scalar_subquery(),
    )


_DATA_VERSION = None


def data_version(authority_id: int) -> tuple:
    """A cheap fingerprint of everything the dashboard reads: published results (count, newest computation, sum of
    ids — a result published, withdrawn, recomputed or imported changes it), published campaigns, the units' names
    (their version counters) and the lineage rows. ONE statement of small aggregates (built once, bound parameters:
    every dashboard view asks it), far cheaper than the frames."""
    global _DATA_VERSION
    if _DATA_VERSION is None:
        _DATA_VERSION = _data_version_statement()
    # Core execution on the session's connection: only numbers come back (every condition names the authority).
    return tuple(db.session.connection().execute(_DATA_VERSION, {"authority_id": authority_id}).one())
