"""The tenancy guard: every ORM statement on a tenant-owned table is filtered to the current scope, fail-closed.

The scope lives in a ContextVar: set from the logged-in user for a request, from a job's record in a worker, from a
`--unit`/system option in the CLI. Opting out is explicit and greppable:
  .execution_options(authority_wide=True)  the whole authority of the scope (e.g. published results to communes)
  .execution_options(all_tenants=True)     no filter at all (system tasks: backup, audit, the demo seeder)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ForeignKey, Integer, cast, column, event, func, literal_column, select, table
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from dvcq.platform.extensions import db
from dvcq.platform.params import ID_MAX


class TenancyError(RuntimeError):
    """A tenant-owned table was touched with no scope, or a write left the scope."""


@dataclass(frozen=True)
class Scope:
    """Who is looking: `unit_id` set → one member unit; `unit_id` None → the whole authority. `system` sees all."""

    authority_id: int | None
    unit_id: int | None = None
    system: bool = False

    @classmethod
    def for_unit(cls, unit) -> Scope:
        if unit.is_authority:
            return cls(authority_id=unit.id)
        return cls(authority_id=unit.authority_id, unit_id=unit.id)


SYSTEM = Scope(authority_id=None, system=True)
_current: ContextVar[Scope | None] = ContextVar("dvcq_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


def set_scope(scope: Scope | None):
    return _current.set(scope)


def reset_scope(token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def scoped(scope: Scope | None) -> Iterator[Scope | None]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


class TenantScoped:
    """Mixin for tenant-owned tables: an indexed `unit_id` the guard filters and stamps."""

    @declared_attr
    def unit_id(cls) -> Mapped[int]:  # noqa: N805 — declared_attr receives the class
        return mapped_column(ForeignKey("units.id"), index=True)


class AuthorityScoped:
    """Mixin for tables the authority owns and all its units may read (criteria versions, campaigns): an indexed
    `authority_id` that the guard filters to the scope's authority."""

    @declared_attr
    def authority_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("units.id"), index=True)


# The guard needs only which authority a unit belongs to: a lightweight view of the tenants' table, so that the
# ground floor imports no area.
UNITS = table("units", column("id"), column("code"), column("name"), column("kind"), column("authority_id"))


def _in_authority(unit_id, authority_id: int):
    """`unit_id` is one of the authority's units: a row is kept exactly when `unit_id IN (its units)` is true (false
    and NULL both drop it), written so that PostgreSQL neither joins `units` into the statement nor lets the check
    change the statement's plan.

    A bare `unit_id IN (SELECT …)` becomes a semi-join: one more table per tenant entity for the planner to order, and
    each entity's row estimate multiplied by the authority's share of all units. The check is nearly always redundant
    with the statement's own filters (a campaign, an assessment), so with 34 authorities the planner expected 1 row
    where there were thousands and chose nested loops. Wrapped in an expression it stays a subplan run once and
    hashed (one lookup per row), and compared with `!= 0` it is estimated to keep ~all rows: the statement is planned
    as it would be without the guard."""
    Unit = UNITS.c  # noqa: N806 — reads like the model it stands for

    units = select(Unit.id).where(Unit.authority_id == authority_id).scalar_subquery()
    zero = literal_column("0")
    return func.coalesce(cast(unit_id.in_(units), Integer), zero) != zero


@lru_cache(maxsize=4096)
def _criteria(authority_id: int | None, unit_id: int | None) -> tuple:
    """The two options that keep a statement inside a scope: tenant-owned rows of the unit (`unit_id` None: of the
    authority's units), authority-owned rows of the authority. They filter each such entity wherever it appears in the
    statement and leave other tables alone.

    Built once per scope and reused: a new with_loader_criteria per statement cost ~0.1 ms of Python on every read
    (its lambda's closure tracked, its part of the statement's cache key computed afresh). Each option closes over its
    own ids (bound parameters of the cached SQL), so scopes never share one. Bounded: an option is ~2 KB, a whole
    country has ~3,400 units."""
    if unit_id is not None:
        rows = with_loader_criteria(TenantScoped, lambda cls: cls.unit_id == unit_id, include_aliases=True)
    else:
        rows = with_loader_criteria(
            TenantScoped, lambda cls: _in_authority(cls.unit_id, authority_id), include_aliases=True
        )
    owned = with_loader_criteria(AuthorityScoped, lambda cls: cls.authority_id == authority_id, include_aliases=True)
    return rows, owned


def _touches(statement, *kinds: type) -> bool:
    """Whether a statement reads or changes a table of these kinds anywhere in it: selected, joined or selected from."""
    names = {m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, kinds)}
    found = find_tables(statement, check_columns=True, include_aliases=True, include_joins=True, include_crud=True)
    return any(getattr(t, "name", None) in names for t in found)


@event.listens_for(Session, "do_orm_execute")
def _filter_tenant_rows(state) -> None:
    """Every ORM select, update and delete in a scope gets the scope's criteria, whatever its result columns are: a
    tenant table that is only joined or selected from (`select(func.count()).select_from(Assessment)`) is filtered too.
    Without a scope, a statement that touches tenant data anywhere is refused."""
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement already propagate to these loads
    options = state.execution_options
    if not state.is_orm_statement or options.get("all_tenants"):
        return
    scope = _current.get()
    if scope is None:
        if _touches(state.statement, TenantScoped, AuthorityScoped):
            raise TenancyError("Truy vấn dữ liệu của đơn vị mà không có phạm vi (scope) — từ chối")
        return
    if scope.system:
        return
    unit_id = None if options.get("authority_wide") else scope.unit_id
    if unit_id is None and scope.authority_id is None and _touches(state.statement, TenantScoped):
        raise TenancyError("Phạm vi không có cơ quan đánh giá")
    state.statement = state.statement.options(*_criteria(scope.authority_id, unit_id))


@event.listens_for(Session, "before_flush")
def _stamp_and_check_writes(session, flush_context, instances) -> None:
    changed = [*session.new, *session.dirty]
    touched = [o for o in changed if isinstance(o, TenantScoped)]
    owned = [o for o in changed if isinstance(o, AuthorityScoped)]
    if not touched and not owned:
        return
    scope = _current.get()
    if scope is None:
        raise TenancyError("Ghi dữ liệu của đơn vị mà không có phạm vi (scope) — từ chối")
    if scope.system:
        return
    for obj in touched:
        if obj.unit_id is None:
            if scope.unit_id is None:
                raise TenancyError(f"{type(obj).__name__} thiếu unit_id trong phạm vi cơ quan đánh giá")
            obj.unit_id = scope.unit_id
    allowed = _units_in_scope(session, scope, {obj.unit_id for obj in touched})
    for obj in touched:
        if obj.unit_id not in allowed:
            raise TenancyError(f"{type(obj).__name__} thuộc đơn vị {obj.unit_id}, ngoài phạm vi hiện tại")
    for obj in owned:
        if obj.authority_id is None:
            obj.authority_id = scope.authority_id
        if obj.authority_id != scope.authority_id:
            raise TenancyError(f"{type(obj).__name__} thuộc cơ quan {obj.authority_id}, ngoài phạm vi hiện tại")


_IN_SCOPE_CACHE = "dvcq_units_in_scope"  # session.info: {(authority_id, unit_id)} already checked in this transaction


def _units_in_scope(session, scope: Scope, unit_ids: set[int]) -> set[int]:
    """The subset of `unit_ids` a write in `scope` may touch: ONE query for every unit of the flush (not one per row),
    and units already checked in this transaction are not asked again (a unit's authority does not change under a
    request)."""
    if scope.unit_id is not None:
        return {scope.unit_id} & unit_ids
    Unit = UNITS.c  # noqa: N806

    checked = session.info.setdefault(_IN_SCOPE_CACHE, set())
    allowed = {u for u in unit_ids if (scope.authority_id, u) in checked}
    missing = unit_ids - allowed
    if missing:
        with session.no_autoflush:
            found = session.execute(
                select(Unit.id).where(Unit.id.in_(missing), Unit.authority_id == scope.authority_id)
            ).scalars()
            found = set(found)
        checked.update((scope.authority_id, u) for u in found)
        allowed |= found
    return allowed


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_checked_units(session, *args) -> None:
    session.info.pop(_IN_SCOPE_CACHE, None)


def one_or_missing(model, ident: int, message: str):
    """A service's lookup of one tenant-aware row by id through the guard: another unit's row, like a row that never
    was, raises NotFound with `message`."""
    from dvcq.platform.errors import NotFound

    obj = db.session.execute(select(model).where(model.id == ident)).scalar_one_or_none()
    if obj is None:
        raise NotFound(message)
    return obj


def get_or_404(model, ident, **options):
    """Load one tenant-aware row through the guard; another unit's row is as missing as a row that never was, and an
    integer id no row can have (negative, beyond ID_MAX) is missing without asking the database."""
    from flask import abort

    if isinstance(ident, int) and not 0 <= ident <= ID_MAX:
        abort(404)
    stmt = select(model).where(model.id == ident)
    if options:
        stmt = stmt.execution_options(**options)
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj
