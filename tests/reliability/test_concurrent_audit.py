"""Two requests appending to the audit chain at the same moment both succeed, one after the other (on SQLite the
head used to be read before the write lock was held, and the second request failed on the unique seq — a 500 found by
the load run)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from dvcq.platform import audit
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped


def test_two_simultaneous_audited_changes_both_commit_and_the_chain_stays_whole(app, world):
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(n: int) -> None:
        with app.app_context(), scoped(SYSTEM):
            try:
                start.wait(5)
                audit.record("test.concurrent", target_type="Thử", target_id=n, after={"n": n})
                time.sleep(0.3)  # the other request reads the head meanwhile
                db.session.commit()
            except BaseException as err:  # noqa: BLE001 — reported below
                errors.append(err)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=change, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with scoped(SYSTEM):
        count, bad, why = audit.verify()
        rows = db.session.execute(select(AuditRecord).where(AuditRecord.action == "test.concurrent")).scalars().all()
    assert bad is None, why
    assert sorted(r.target_id for r in rows) == ["1", "2"]
