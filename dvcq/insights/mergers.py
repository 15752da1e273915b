"""Merged units (UnitLineage, the 2025 reform): a unit's predecessors, transitively, and its successors; their
published results, the one read of results across authorities; on the dashboard, a merged unit's series carries its
predecessors' rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select

from dvcq.insights.services import _frame, _results_select, unit_results_frame
from dvcq.platform.collation import vn_key
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_date
from dvcq.scoring.models import UnitResult
from dvcq.tenants.models import Unit, UnitLineage

PREDECESSOR_MARK = "(đơn vị tiền thân: {name})"


@dataclass(frozen=True)
class Predecessor:
    """A unit that became (part of) `successor_id`, directly or through an earlier merger."""

    unit_id: int
    code: str
    name: str
    successor_id: int
    effective_on: date
    authority_id: int | None

    @property
    def mark(self) -> str:
        return PREDECESSOR_MARK.format(name=self.name)

    @property
    def before(self) -> str:
        """ "Xã Ba Nam (trước 01/07/2025)": the predecessor as its successor's profile names its years."""
        return f"{self.name} (trước {vn_date(self.effective_on)})"


def predecessors_map(successor_ids: list[int] | None = None) -> dict[int, list[Predecessor]]:
    """successor id → its predecessors, transitively (a commune merged twice keeps both generations), nearest first."""
    rows = db.session.execute(
        select(UnitLineage.predecessor_id, UnitLineage.successor_id, UnitLineage.effective_on).order_by(
            UnitLineage.effective_on.desc(), UnitLineage.id
        )
    ).all()
    if not rows:
        return {}
    direct: dict[int, list[tuple[int, date]]] = {}
    for pred, succ, when in rows:
        direct.setdefault(succ, []).append((pred, when))
    units = {
        u.id: u
        for u in db.session.execute(
            select(Unit).where(Unit.id.in_({r[0] for r in rows} | {r[1] for r in rows}))
        ).scalars()
    }
    wanted = successor_ids if successor_ids is not None else list(direct)
    result: dict[int, list[Predecessor]] = {}
    for succ in wanted:
        seen, queue, found = {succ}, [succ], []
        while queue:
            current = queue.pop(0)
            for pred, when in direct.get(current, []):
                if pred in seen:
                    continue
                seen.add(pred)
                queue.append(pred)
                unit = units[pred]
                found.append(Predecessor(pred, unit.code, unit.name, succ, when, unit.authority_id))
        if found:
            result[succ] = found
    return result


def successors_of(unit_id: int) -> list[tuple[Unit, date]]:
    stmt = (
        select(Unit, UnitLineage.effective_on)
        .join(UnitLineage, UnitLineage.successor_id == Unit.id)
        .where(UnitLineage.predecessor_id == unit_id)
    )
    pairs = [(u, when) for u, when in db.session.execute(stmt).all()]
    return sorted(pairs, key=lambda pair: (pair[1], vn_key(pair[0].name)))


def predecessors_frame(lineage: Iterable[Predecessor]) -> pd.DataFrame:
    """Published results of a unit's predecessors, whichever authority they belonged to. The one read of results that
    crosses authorities (`all_tenants`, platform/tenancy.py): a predecessor may have belonged to a district the 2025
    reform dissolved, whose rows the viewer's scope (the province) does not cover. So it reads nothing but the units a
    UnitLineage row names as predecessors (`predecessors_map`), and of them only published results."""
    ids = sorted({p.unit_id for p in lineage})
    if not ids:
        return _frame([])
    stmt = _results_select().where(UnitResult.unit_id.in_(ids)).execution_options(all_tenants=True)
    return _frame(db.session.execute(stmt).mappings())


def history_frame(unit_id: int, lineage: list[Predecessor]) -> pd.DataFrame:
    """A unit's published results (read within the viewer's authority) and its predecessors' (`predecessors_frame`)."""
    own, theirs = unit_results_frame(unit_id), predecessors_frame(lineage)
    if not len(theirs) or not len(own):
        return theirs if len(theirs) else own
    return pd.concat([own, theirs], ignore_index=True)


def with_series(frame: pd.DataFrame, authority_id: int, merge: bool) -> pd.DataFrame:
    """Add the series each row belongs to: `series_id`/`series_name` (the unit a line is drawn for), `label` (what
    the row is called) and `predecessor_of`. With `merge`, a merged unit's series also holds its predecessors' rows,
    labelled "Xã Mới (đơn vị tiền thân: Xã Cũ)", and those predecessors get no line of their own."""
    frame = frame.copy()
    frame["series_id"] = frame["unit_id"]
    frame["series_name"] = frame["unit_name"]
    frame["label"] = frame["unit_name"]
    frame["predecessor_of"] = None
    if not merge:
        return frame
    members = db.session.execute(select(Unit.id, Unit.name).where(Unit.authority_id == authority_id)).all()
    names = dict(members)
    lineage = predecessors_map([uid for uid, _ in members])
    if not lineage:
        return frame
    shown = set(frame["unit_id"])
    extra = [p for preds in lineage.values() for p in preds if p.unit_id not in shown]
    if extra:
        frame = pd.concat([frame, with_series(predecessors_frame(extra), authority_id, False)], ignore_index=True)
    for succ, preds in lineage.items():
        for pred in preds:
            rows = frame["unit_id"] == pred.unit_id
            frame.loc[rows, "series_id"] = succ
            frame.loc[rows, "series_name"] = names[succ]
            frame.loc[rows, "label"] = f"{names[succ]} {pred.mark}"
            frame.loc[rows, "predecessor_of"] = succ
    return frame
