"""A request that only read ends with COMMIT (so PostgreSQL keeps psycopg's prepared statements); any request that
wrote — flushed, ran a Core or text statement that is not a SELECT, or holds a pending change — and did not commit
itself is still rolled back, nothing of it saved."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event, func, select, text

from dvcq.platform.auth.models import User
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification

MARK = "ghi-roi-loi"


def _notification(user_id: int) -> Notification:
    return Notification(user_id=user_id, kind="test", text=MARK, created_at=datetime(2026, 11, 26, 11, 0))


def _saved() -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(Notification.text == MARK)).scalar()


@pytest.fixture
def ends(app):
    """How each request's transaction ended: a list of "commit"/"rollback"."""
    seen: list[str] = []
    on_commit, on_rollback = (lambda conn: seen.append("commit")), (lambda conn: seen.append("rollback"))
    event.listen(db.engine, "commit", on_commit)
    event.listen(db.engine, "rollback", on_rollback)
    yield seen
    event.remove(db.engine, "commit", on_commit)
    event.remove(db.engine, "rollback", on_rollback)


@pytest.fixture
def routes(app, world):
    user_id = db.session.execute(select(User.id).where(User.login == world.officer_a)).scalar_one()
    db.session.remove()

    def flushed_then_refused():
        db.session.add(_notification(user_id))
        db.session.flush()
        raise ServiceError("Không lưu được.")  # rendered as an error page: the request itself raises nothing

    def pending_then_refused():
        db.session.add(_notification(user_id))
        raise ServiceError("Không lưu được.")

    def core_write_then_answered():
        db.session.execute(
            text(
                "INSERT INTO notifications (user_id, kind, text, link, created_at, read) "
                "VALUES (:u, 't', :m, '', :at, false)"
            ),
            {"u": user_id, "m": MARK, "at": datetime(2026, 11, 26)},
        )
        return "ok"

    def only_reads():
        db.session.execute(select(User.id)).all()
        return "ok"

    for name, view in (
        ("flushed", flushed_then_refused),
        ("pending", pending_then_refused),
        ("core", core_write_then_answered),
        ("reads", only_reads),
    ):
        app.add_url_rule(f"/_test/{name}", name, view)
    return app.test_client()


def test_a_request_that_only_read_commits(routes, ends):
    assert routes.get("/_test/reads").status_code == 200
    assert ends == ["commit"]


@pytest.mark.parametrize("name", ["flushed", "pending", "core"])
def test_a_request_that_wrote_without_committing_is_rolled_back(routes, ends, name):
    routes.get(f"/_test/{name}")
    assert "commit" not in ends
    assert _saved() == 0


def test_a_logged_in_page_commits_its_reads(world, browser, ends):
    browser.login(world.officer_a)
    ends.clear()
    assert browser.get("/doi-mat-khau").status_code == 200
    assert ends == ["commit"]
