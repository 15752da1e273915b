"""The audit log: one append-only, hash-chained record per change, written in the same transaction as the change.

Each record's hash covers its fields and the previous record's hash, so altering or deleting any record breaks the
chain from there on; `dvcq audit verify` names the first record that does not match. Triggers (see the migration)
refuse UPDATE and DELETE on the table on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from dvcq.platform import clock
from dvcq.platform.extensions import db

GENESIS = "0" * 64


class AuditRecord(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_login: Mapped[str] = mapped_column(String(80), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(80), default="")
    target_id: Mapped[str] = mapped_column(String(80), default="", index=True)
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def _hashed_fields(self) -> list:
        """What the hash covers between the record's number and the previous record's hash."""
        return [
            self.at.replace(tzinfo=None).isoformat(timespec="microseconds"),
            self.actor_id,
            self.actor_login,
            self.unit_id,
            self.action,
            self.target_type,
            self.target_id,
            self.before,
            self.after,
            self.reason,
        ]

    def compute_hash(self) -> str:
        payload = json.dumps(
            [self.seq, *self._hashed_fields(), self.prev_hash], ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def hashed_middle(self) -> bytes:
        """The payload between «[seq,» and «,"prev_hash"]», as UTF-8: what PostgreSQL's dvcq_audit_append hashes
        around the number and the previous hash it reads under the chain's lock."""
        return json.dumps(self._hashed_fields(), ensure_ascii=False, separators=(",", ":"))[1:-1].encode()


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _dump(value) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def _appended_at_commit(session) -> bool:
    """PostgreSQL appends a transaction's records in one call just before its COMMIT (migration 0017): the chain's
    lock is then held for that call and the COMMIT only, not for whatever the request does in between."""
    return session.get_bind().dialect.name == "postgresql"


def _lock_chain(session) -> None:
    """Serialise writers of the chain before reading its head (the Python path: SQLite). SQLite serialises writers,
    but the head is read before the caller's pending changes are flushed, so the transaction may not be writing yet:
    two requests then read the same head and the second fails on the unique `seq` (found by the load run). A no-op
    UPDATE takes SQLite's write lock first (waiting busy_timeout)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0"))


def record(
    action: str,
    *,
    actor=None,
    unit_id: int | None = None,
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    before=None,
    after=None,
    reason: str = "",
) -> AuditRecord:
    """Append one record to the chain in the current transaction. The caller commits (with its change)."""
    session = db.session
    if target is not None:
        target_type = target_type or type(target).__name__
        target_id = target_id or getattr(target, "id", "")
        if unit_id is None:
            unit_id = getattr(target, "unit_id", None)
    rec = AuditRecord(
        at=clock.now(),
        actor_id=getattr(actor, "id", None),
        actor_login=getattr(actor, "login", "") or "",
        unit_id=unit_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        before=_dump(before),
        after=_dump(after),
        reason=reason or "",
    )
    if _appended_at_commit(session):
        session.connection()  # the records belong to this transaction: begun now if not yet, so its end drops them
        session.info.setdefault(_PENDING, []).append(rec)
        return rec
    last = session.info.get(_LAST)  # records added earlier in this same transaction, not yet flushed
    if last is None:
        _lock_chain(session)
        with session.no_autoflush:
            last = session.execute(
                select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
            ).first()
        last = tuple(last) if last else (0, GENESIS)
    rec.seq, rec.prev_hash = last[0] + 1, last[1]
    rec.hash = rec.compute_hash()
    session.add(rec)
    session.info[_LAST] = (rec.seq, rec.hash)
    return rec


def record_new(obj, action: str, **fields) -> AuditRecord:
    """Add the new row `obj` to the session and flush it, so that the record that names it as its target has its id;
    then record its creation (`fields` as `record` takes them). The caller commits."""
    db.session.add(obj)
    db.session.flush()
    return record(action, target=obj, **fields)


_LAST = "dvcq_audit_last"
_PENDING = "dvcq_audit_pending"  # PostgreSQL: this transaction's records, appended just before its COMMIT
_APPEND = text(  # cast: psycopg types a list of small ints as smallint[], a list of None as unknown
    "SELECT dvcq_audit_append(CAST(:ats AS timestamp[]), CAST(:actor_ids AS integer[]), CAST(:actor_logins AS text[]),"
    " CAST(:unit_ids AS integer[]), CAST(:actions AS text[]), CAST(:target_types AS text[]),"
    " CAST(:target_ids AS text[]), CAST(:befores AS text[]), CAST(:afters AS text[]), CAST(:reasons AS text[]),"
    " CAST(:middles AS bytea[]))"
)


@event.listens_for(Session, "before_commit")
def _append_pending(session) -> None:
    """The change is flushed first (a save that lost its race fails there, before the chain's lock is taken), then
    the transaction's records go to dvcq_audit_append in one call, in the order they were recorded."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    session.execute(
        _APPEND,
        {
            "ats": [r.at.replace(tzinfo=None) for r in pending],
            "actor_ids": [r.actor_id for r in pending],
            "actor_logins": [r.actor_login for r in pending],
            "unit_ids": [r.unit_id for r in pending],
            "actions": [r.action for r in pending],
            "target_types": [r.target_type for r in pending],
            "target_ids": [r.target_id for r in pending],
            "befores": [r.before for r in pending],
            "afters": [r.after for r in pending],
            "reasons": [r.reason for r in pending],
            "middles": [r.hashed_middle() for r in pending],
        },
    )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_chain_head(session, *args) -> None:
    session.info.pop(_LAST, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session, transaction) -> None:
    """However the outermost transaction ends (a rollback, a close), records it did not append go with it: a session
    used again (a script's, a job's) never appends another transaction's records."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def verify() -> tuple[int, AuditRecord | None, str]:
    """Walk the chain in order. Returns (records checked, first bad record or None, what is wrong)."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    stmt = select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=2000)
    for rec in db.session.execute(stmt).scalars():
        if rec.seq != expected_seq:
            return count, rec, f"thiếu bản ghi số {expected_seq} (gặp số {rec.seq})"
        if rec.prev_hash != prev_hash:
            return count, rec, "mã băm của bản ghi trước không khớp (bản ghi trước đã bị sửa hoặc xoá)"
        if rec.compute_hash() != rec.hash:
            return count, rec, "nội dung bản ghi đã bị sửa sau khi ghi"
        prev_hash, expected_seq, count = rec.hash, expected_seq + 1, count + 1
    return count, None, ""
