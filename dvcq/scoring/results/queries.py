"""The results pages' read models: a year's table per group with the change since last year, the years a user may
open, and a unit's result page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.scoring import engine
from dvcq.scoring.models import Assessment, Campaign, UnitResult
from dvcq.scoring.results.access import (
    RELEASED,
    authority_of,
    is_staff,
    private_drafts,
    readable,
    reads_result,
    sees_unpublished,
    self_scores_private,
    year_state,
)
from dvcq.scoring.results.compute import group_positions, sort_rows
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.scoring.results.past import ImportedYear, imported_decision, imported_years
from dvcq.scoring.results.whatif import Breakdown, WhatIfAnswer, unit_breakdown, what_if
from dvcq.tenants.models import Unit


def _year_rows(authority_id: int, year: int, published: bool) -> list[tuple[UnitResult, Unit]]:
    stmt = (
        select(UnitResult, Unit)
        .join(Unit, Unit.id == UnitResult.unit_id)
        .where(UnitResult.authority_id == authority_id, UnitResult.year == year)
    )
    rows = [tuple(r) for r in db.session.execute(readable(stmt, published=published)).all()]
    return sort_rows(rows, group_positions(authority_id), key=lambda item: (item[0], item[1].name, item[1].code))


def rank_change(current: UnitResult, previous: UnitResult | None) -> str:
    """ "▲2" (rose two places), "▼1", "—" (same), "mới" (no result last year), "" (either year unranked)."""
    if previous is None:
        return "mới"
    if previous.rank is None or current.rank is None:
        return ""
    diff = previous.rank - current.rank
    return f"▲{diff}" if diff > 0 else (f"▼{-diff}" if diff < 0 else "—")


def _level_value(row: UnitResult) -> int | None:
    """A level's order; "Không đủ điều kiện xếp loại" and "Chưa xếp loại" below every level; None: not classified
    yet (the appraisal was incomplete)."""
    if row.level_order is not None:
        return row.level_order
    return 1000 if (row.disqualified or row.level_name) else None


def level_change(current: UnitResult, previous: UnitResult | None) -> str:
    """ "▲" (a better level than last year), "▼", "—" (the same), "mới", "" (either year not classified)."""
    if previous is None:
        return "mới"
    now, before = _level_value(current), _level_value(previous)
    if now is None or before is None:
        return ""
    return "▲" if now < before else ("▼" if now > before else "—")


@dataclass(frozen=True)
class TableRow:
    unit_id: int
    unit_code: str
    unit_name: str
    group_name: str
    self_total: Decimal | None
    appraised_total: Decimal | None
    gap: Decimal | None
    level_name: str
    level_order: int | None
    disqualified: bool
    rank: int | None
    rank_of: int | None
    rank_display: str
    rank_change: str
    level_change: str
    previous_level: str


@dataclass(frozen=True)
class YearTable:
    authority_id: int
    year: int
    campaign: Campaign | None
    published: bool
    computed_at: datetime | None
    groups: tuple[tuple[str, tuple[TableRow, ...]], ...]
    captions: tuple[tuple[str, str], ...] = ()  # (group name, its criteria set and maximum): campaign years
    decision: str = ""  # an imported year: «Quyết định số 3807/QĐ-UBND ngày 29/12/2023» when the file gave it

    def caption(self, group_name: str) -> str:
        return dict(self.captions).get(group_name, "")

    @property
    def rows(self) -> list[TableRow]:
        return [row for _, rows in self.groups for row in rows]

    @property
    def source_label(self) -> str:
        if self.campaign is None:
            label = "Số liệu các năm trước (nhập từ tệp)"
            return f"{label} · {self.decision}" if self.decision else label
        return self.campaign.status.label


def gap(self_total: Decimal | None, appraised_total: Decimal | None) -> Decimal | None:
    if self_total is None or appraised_total is None:
        return None
    return self_total - appraised_total


def _table_row(row: UnitResult, unit: Unit, previous: UnitResult | None, *, draft: bool = False) -> TableRow:
    """`draft`: the unit's self-assessment is still its private draft — its self total is not shown."""
    self_total = None if draft else row.self_total
    return TableRow(
        unit_id=unit.id,
        unit_code=unit.code,
        unit_name=unit.name,
        group_name=row.group_name,
        self_total=self_total,
        appraised_total=row.appraised_total,
        gap=gap(self_total, row.appraised_total),
        level_name=row.level_name,
        level_order=row.level_order,
        disqualified=row.disqualified,
        rank=row.rank,
        rank_of=row.rank_of,
        rank_display=engine.format_rank(row.rank, row.rank_of) if row.rank and row.rank_of else "",
        rank_change=rank_change(row, previous),
        level_change=level_change(row, previous),
        previous_level=previous.level_name if previous else "",
    )


def year_table(authority_id: int, year: int, *, staff: bool) -> YearTable | None:
    """The year's table per group in rank order, with the change since last year. None when the viewer may not see
    it (a unit's user before publication) or the year has no results at all. The caller decides who may see a year
    before publication (`access.reads_year`). A unit whose dossier is still its private draft shows no self total."""
    campaign, published = year_state(authority_id, year)
    if not staff and not published:
        return None
    rows = _year_rows(authority_id, year, published)
    if not rows and campaign is None:
        return None
    _, previous_published = year_state(authority_id, year - 1)
    previous: dict[int, UnitResult] = {}
    if staff or previous_published:
        previous = {r.unit_id: r for r, _ in _year_rows(authority_id, year - 1, previous_published)}
    drafts = set(private_drafts(campaign).values())
    groups: dict[str, list[TableRow]] = {}
    for row, unit in rows:
        draft = unit.id in drafts
        groups.setdefault(row.group_name, []).append(_table_row(row, unit, previous.get(unit.id), draft=draft))
    computed = max((r.computed_at for r, _ in rows), default=None)
    captions = tuple(campaign.captions.items()) if campaign is not None else ()
    return YearTable(
        authority_id,
        year,
        campaign,
        published,
        computed,
        tuple((n, tuple(rs)) for n, rs in groups.items()),
        captions,
        imported_decision(r for r, _ in rows) if campaign is None else "",
    )


@dataclass(frozen=True)
class YearEntry:
    year: int
    label: str
    table: bool  # the viewer may open the year's table
    own: UnitResult | None  # a unit's user: its own result that year (when visible)
    own_page: bool = False  # a unit's user: its own result page exists


def years(user) -> list[YearEntry]:
    """The years the user may look at, newest first."""
    authority_id = authority_of(user)
    staff = is_staff(user)
    campaigns = {
        c.year: c for c in db.session.execute(select(Campaign).where(Campaign.authority_id == authority_id)).scalars()
    }
    result_years = set(
        db.session.execute(select(UnitResult.year).where(UnitResult.authority_id == authority_id).distinct()).scalars()
    )
    own: dict[int, UnitResult] = {}
    released: set[int] = set()
    if not staff:
        own = {
            r.year: r
            for r in db.session.execute(
                select(UnitResult).where(UnitResult.authority_id == authority_id, UnitResult.unit_id == user.unit_id)
            ).scalars()
        }
        released = set(
            db.session.execute(
                select(Campaign.year)
                .join(Assessment, Assessment.campaign_id == Campaign.id)
                .where(Campaign.authority_id == authority_id, Assessment.status.in_(RELEASED))
            ).scalars()
        )
    entries = []
    for year in sorted(set(campaigns) | result_years, reverse=True):
        campaign = campaigns.get(year)
        published = campaign.published if campaign else True
        label = campaign.status.label if campaign else "Số liệu nhập từ các năm trước"
        if staff:  # the table of a year not yet published: the board's only (access.reads_year)
            entries.append(YearEntry(year, label, published or sees_unpublished(user), None))
        elif published or year in released:
            entries.append(YearEntry(year, label, published, own.get(year), year in own or year in released))
    return entries


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    year: int
    campaign: Campaign | None
    published: bool
    show_rank: bool
    result: UnitResult | None
    previous: UnitResult | None
    assessment: Assessment | None
    breakdown: Breakdown | None
    answer: WhatIfAnswer | None
    self_level: str
    self_hidden: bool = False  # the unit's self-assessment is still its private draft
    imported: ImportedYear | None = None  # an imported year's decision and points per area, when the file gave them

    @property
    def rank_display(self) -> str:
        r = self.result
        return engine.format_rank(r.rank, r.rank_of) if r and r.rank and r.rank_of else ""

    @property
    def self_total(self) -> Decimal | None:
        """Live from the scores for a campaign year (the stored row may predate the last change), else stored."""
        if self.self_hidden:
            return None
        if self.breakdown is not None:
            return self.breakdown.self_total
        return self.result.self_total if self.result else None

    @property
    def appraised_total(self) -> Decimal | None:
        if self.breakdown is not None:
            return self.breakdown.appraised_total
        return self.result.appraised_total if self.result else None

    @property
    def gap(self) -> Decimal | None:
        return gap(self.self_total, self.appraised_total)

    @property
    def level_label(self) -> str:
        if self.answer is not None and self.answer.state != "incomplete":
            return self.answer.current_label
        if self.answer is None and self.result is not None and self.result.level_name:
            return self.result.level_name
        return "Chưa thẩm định xong"


def unit_page(user, year: int, unit_id: int) -> UnitPage | None:
    """A unit's result for a year. Authority staff: as `access.reads_result` says (before publication the board, and
    an appraiser the units assigned to them in every area). A unit's user: its own unit only, once its assessment is
    released (or the year is published). None — answered as 404, like a missing page — otherwise. A dossier that is
    still the unit's private draft shows the district neither its self-scores nor their total."""
    authority_id = authority_of(user)
    staff = is_staff(user)
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.authority_id != authority_id or unit.id == authority_id:
        return None
    if not staff and unit.id != user.unit_id:
        return None
    campaign, published = year_state(authority_id, year)
    if staff and not reads_result(user, unit.id, campaign):
        return None
    assessment = None
    if campaign is not None:
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == unit.id)
        ).scalar_one_or_none()
        if not staff and not published and (assessment is None or assessment.status not in RELEASED):
            return None
    self_hidden = staff and assessment is not None and self_scores_private(assessment)
    if self_hidden:
        assessment = None  # a draft's breakdown is nothing but its self-scores
    result = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == authority_id, UnitResult.year == year, UnitResult.unit_id == unit.id
        )
    ).scalar_one_or_none()
    if result is None and assessment is None:
        return None
    previous = db.session.execute(
        select(UnitResult).where(
            UnitResult.authority_id == authority_id, UnitResult.year == year - 1, UnitResult.unit_id == unit.id
        )
    ).scalar_one_or_none()
    show_rank = published or sees_unpublished(user)
    breakdown = answer = None
    self_level = ""
    if assessment is not None:
        breakdown = unit_breakdown(assessment.id)
        answer = what_if(assessment.id, include_rank=show_rank)
        if breakdown.self_total is not None:
            inputs = engine_inputs(assessment.criteria_version_id)
            self_level = engine.classify(breakdown.self_total, inputs.rules).label
    return UnitPage(
        unit,
        year,
        campaign,
        published,
        show_rank,
        result,
        previous,
        assessment,
        breakdown,
        answer,
        self_level,
        self_hidden=self_hidden,
        imported=next(iter(imported_years([result])), None) if campaign is None and result is not None else None,
    )
