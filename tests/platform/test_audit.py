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
