"""How a transaction ends: a service's change commits or, if somebody saved first, is refused as a Conflict in the
service's own words (`check_version` before changing, `commit_or_conflict` at the end); a request that only read ends
with COMMIT instead of ROLLBACK.

Why commit a read: psycopg forgets every prepared statement on ROLLBACK (the rolled-back transaction might have dropped
and recreated what they refer to). Flask-SQLAlchemy ends each request by closing the session, which rolls back; so on
PostgreSQL the statements every page repeats (the session lookup, the cache keys, the pages' own queries) were parsed
and planned afresh on every request and never reached psycopg's automatic preparation (from a statement's 5th execution
on a connection). Committing a transaction that wrote nothing is the same as rolling it back, and keeps them.

"Only read" is decided conservatively: nothing but SELECT statements went to the database in this transaction
(flushes, Core INSERT/UPDATE/DELETE, and any text statement that is not a plain SELECT count as writes), the session
holds no pending change, the request raised nothing, and the session was opened by this request. Anything else is
left to the usual rollback.
"""

from __future__ import annotations

from flask import Flask, g, request_started
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db


def commit_or_conflict(message: str) -> None:
    """Commit the service's change; a versioned row that changed since it was read (somebody else saved first) rolls
    the whole change back and answers Conflict with `message`, which tells the user what was not saved."""
    try:
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise Conflict(message) from err


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: for a service that answers from the rows it has just written
    (their values and new version counters are already on the objects), so the answer needs no second read. Only for
    the end of a request's change: other writers' later changes are not seen through these objects."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def check_version(row, version, message: str) -> None:
    """Refuse a change made on a version of `row` the user did not see: `version`, as the form sent it, must be the
    row's version counter (missing or malformed counts as stale) — else Conflict with `message`, and nothing changed."""
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = None
    if seen != row.version:
        raise Conflict(message)


WROTE = "dvcq_wrote"  # Connection.info: a statement other than SELECT ran in the current transaction
CONNECTIONS = "dvcq_connections"  # Session.info: the connections of the session's current transaction


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_writes(conn) -> None:
    conn.info.pop(WROTE, None)


@event.listens_for(Session, "after_begin")
def _remember_connection(session, transaction, connection) -> None:
    session.info.setdefault(CONNECTIONS, []).append(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: its connections are given back
        session.info.pop(CONNECTIONS, None)


def only_read(session: Session) -> bool:
    """True when the session's transaction has connections, none of which wrote, and nothing is pending."""
    if session.new or session.dirty or session.deleted:
        return False
    connections = session.info.get(CONNECTIONS)
    return bool(connections) and not any(conn.info.get(WROTE) for conn in connections)


def init_app(app: Flask) -> None:
    def note_session_is_ours(sender, **extra) -> None:
        # Only a session this request opens is ours to end: a test (or a script) that holds an app context around a
        # request shares its session with it, and committing that would expire the caller's objects.
        g._dvcq_session_is_ours = not db.session.registry.has()

    request_started.connect(note_session_is_ours, app, weak=False)

    @app.teardown_request
    def _commit_reads(exc=None):
        ours = g.pop("_dvcq_session_is_ours", False)
        if not ours or exc is not None or not db.session.registry.has():
            return
        session = db.session()
        if only_read(session):
            session.commit()
