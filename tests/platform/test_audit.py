"""The audit log: hash-chained, append-only in the database, verified by `dvcq audit verify`."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from dvcq.platform import audit
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db


def _three_records():
    for i in range(3):
        audit.record(
            "test.change",
            target_type="Thing",
            target_id=i,
            before={"v": i},
            after={"v": i + 1},
            reason="thử nghiệm có dấu",
        )
    db.session.commit()


def test_records_form_a_chain_that_verifies(world, system):
    _three_records()
    count, bad, _ = audit.verify()
    assert bad is None and count >= 3
    rows = db.session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars().all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.prev_hash == p.hash for p, r in zip(rows, rows[1:], strict=False))


def test_the_database_refuses_update_and_delete_of_audit_records(world, system):
    _three_records()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE audit_log SET reason = 'sửa' WHERE seq = 1"))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    db.session.rollback()


def _tamper(sql: str) -> None:
    """What an intruder with database access could do: switch the guard off, alter, switch it back on."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        db.session.execute(text(sql))
        db.session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_log_no_update"))
        db.session.execute(text("DROP TRIGGER audit_log_no_delete"))
        db.session.execute(text(sql))
    db.session.commit()


def test_verify_names_the_first_altered_record(world, system, runner):
    _three_records()
    target = db.session.execute(
        select(AuditRecord).where(AuditRecord.action == "test.change").order_by(AuditRecord.seq).offset(1).limit(1)
    ).scalar_one()
    seq = target.seq
    _tamper(f"UPDATE audit_log SET after = replace(after, '2', '3') WHERE seq = {seq}")
    result = runner.invoke(args=["dvcq", "audit", "verify"])
    assert result.exit_code == 1
    assert f"bản ghi số {seq}" in result.output
    assert "bị sửa" in result.output


def test_verify_names_a_deleted_record(world, system, runner):
    _three_records()
    _tamper("DELETE FROM audit_log WHERE seq = 2")
    result = runner.invoke(args=["dvcq", "audit", "verify"])
    assert result.exit_code == 1
    assert "thiếu bản ghi số 2" in result.output


def test_verify_passes_on_an_intact_chain(world, system, runner):
    _three_records()
    result = runner.invoke(args=["dvcq", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Nhật ký toàn vẹn" in result.output


def test_a_failed_change_leaves_no_audit_record(world, system):
    before = db.session.execute(select(db.func.count(AuditRecord.id))).scalar_one()
    audit.record("test.change", target_type="Thing", target_id=1)
    db.session.rollback()
    assert db.session.execute(select(db.func.count(AuditRecord.id))).scalar_one() == before


def test_quotes_backslashes_control_characters_and_emoji_hash_alike_in_python_and_in_the_database(world, system):
    """On PostgreSQL the chain's hashes are computed by dvcq_audit_append from the JSON the app writes; verify
    recomputes them in Python: the two must agree byte for byte on any text an official can type."""
    awkward = 'Trích «dẫn» "ngoặc kép" \\ gạch chéo\nxuống dòng\ttab \x01 😀 Đ\u0110 e\u0301'
    audit.record("test.awkward", target_type="Thing", target_id=awkward[:20], before={"k": awkward}, reason=awkward)
    audit.record("test.awkward", actor=None, unit_id=None, after=None)
    db.session.commit()
    count, bad, why = audit.verify()
    assert bad is None, why
    rows = db.session.execute(select(AuditRecord).where(AuditRecord.action == "test.awkward")).scalars().all()
    assert [r.reason for r in rows] == [awkward, ""]
    assert rows[1].seq == rows[0].seq + 1 and rows[1].prev_hash == rows[0].hash


def test_an_open_transaction_that_recorded_does_not_hold_the_chain_on_postgresql(app, world, system):
    """PostgreSQL appends a transaction's records just before its COMMIT: another request's audited change commits
    while this one is still working (before, the chain's lock was taken at the first record and held to the end)."""
    import threading

    from dvcq.platform.tenancy import SYSTEM, scoped

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: the Python path keeps its lock from the first record")
    other_done, first_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow() -> None:
        with app.app_context(), scoped(SYSTEM):
            try:
                audit.record("test.open", target_type="Thing", target_id="slow")
                db.session.execute(text("SELECT 1"))  # the request goes on working in its transaction
                first_may_commit.wait(30)
                db.session.commit()
            except BaseException as err:  # noqa: BLE001 — reported below
                errors.append(err)
            finally:
                db.session.remove()

    def quick() -> None:
        with app.app_context(), scoped(SYSTEM):
            try:
                audit.record("test.open", target_type="Thing", target_id="quick")
                db.session.commit()
                other_done.set()
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
            finally:
                db.session.remove()

    first = threading.Thread(target=slow)
    first.start()
    second = threading.Thread(target=quick)
    second.start()
    committed_meanwhile = other_done.wait(20)
    first_may_commit.set()
    first.join(30)
    second.join(30)
    assert errors == []
    assert committed_meanwhile, "the quick request waited for the slow one's transaction"
    count, bad, why = audit.verify()
    assert bad is None, why
    rows = db.session.execute(select(AuditRecord).where(AuditRecord.action == "test.open").order_by(AuditRecord.seq))
    assert [r.target_id for r in rows.scalars()] == ["quick", "slow"]


def test_records_of_a_closed_transaction_are_not_appended_by_the_next_one(world, system):
    audit.record("test.closed", target_type="Thing", target_id="gone")
    db.session.close()  # ends the transaction without commit or rollback() (a script, a job)
    audit.record("test.closed", target_type="Thing", target_id="kept")
    db.session.commit()
    rows = db.session.execute(select(AuditRecord.target_id).where(AuditRecord.action == "test.closed")).scalars()
    assert list(rows) == ["kept"]
