"""The database away for a moment: a clear Vietnamese 503 page, nothing half written, and pages work again after."""

from __future__ import annotations

import contextlib
import io
import os

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Evidence

AWAY = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu"


def _refuse(*args, **kwargs):
    raise OperationalError("connect", {}, ConnectionRefusedError("connection refused (database stopped)"))


@contextlib.contextmanager
def database_stopped(engine):
    """Every new connection is refused, as when the server is stopped; pooled connections are dropped first."""
    engine.dispose()
    event.listen(engine, "do_connect", _refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", _refuse)
        engine.dispose()


@contextlib.contextmanager
def connection_lost_at(engine, statement_start: str):
    """The connection drops when a statement starting with `statement_start` is sent (mid-transaction)."""

    def lose(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(statement_start):
            raise OperationalError(statement, parameters, ConnectionResetError("server closed the connection"))

    event.listen(engine, "before_cursor_execute", lose)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", lose)


def test_pages_answer_a_vietnamese_503_while_the_database_is_stopped_and_work_again_after(
    app, world, browser, make_browser
):
    assert browser.login(world.officer_a).status_code == 302
    with database_stopped(db.engine):
        home = browser.get("/")
        assert home.status_code == 503
        text = home.get_data(as_text=True)
        assert "Tạm thời gián đoạn" in text and AWAY in text and "Traceback" not in text
        visitor = make_browser()
        assert visitor.get("/dang-nhap").status_code == 200  # the login form itself needs no database
        refused = visitor.login("canbo.b")
        assert refused.status_code == 503 and AWAY in refused.get_data(as_text=True)
        api = browser.get("/cong-viec/khong-co", headers={"Accept": "application/json"})
        assert api.status_code == 503 and AWAY in api.get_json()["error"]
    assert browser.get("/").status_code == 200  # back: the same session goes on


def test_an_upload_cut_by_the_database_going_away_leaves_no_file_no_row_no_audit_record(app, world, browser):
    browser.login(world.officer_a)
    storage = get_storage()
    with scoped(SYSTEM):
        audit_before = db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    data = b"%PDF-1.7\n" + os.urandom(5000)
    # the row is flushed, then the audit record fails (PostgreSQL appends it through dvcq_audit_append at commit)
    audit_write = "SELECT DVCQ_AUDIT_APPEND" if db.engine.dialect.name == "postgresql" else "INSERT INTO AUDIT_LOG"
    with connection_lost_at(db.engine, audit_write):
        answer = browser.post(
            "/tai-lieu/tai-len", {"file": (io.BytesIO(data), "Kế hoạch.pdf")}, content_type="multipart/form-data"
        )
    assert answer.status_code == 503 and AWAY in answer.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count()).select_from(Evidence)).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(AuditRecord)).scalar_one() == audit_before
    assert storage.keys() == []

    again = browser.post(
        "/tai-lieu/tai-len", {"file": (io.BytesIO(data), "Kế hoạch.pdf")}, content_type="multipart/form-data"
    )
    assert again.status_code == 302
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count()).select_from(Evidence)).scalar_one() == 1
    assert len(storage.keys()) == 1
