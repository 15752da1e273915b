"""Fixtures that read like the users' actions: an app on a freshly migrated database, a small district with two
communes and a user for every role, and a client that logs in and submits forms with their CSRF token.

The schema always comes from the migrations (upgraded once per run): SQLite tests copy the migrated file, PostgreSQL
tests (DVCQ_TEST_DATABASE_URL) truncate every table between tests.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from dvcq.app import create_app
from dvcq.platform.extensions import db, limiter
from dvcq.platform.tenancy import SYSTEM, scoped
from tests import factories

PG_URL = os.environ.get("DVCQ_TEST_DATABASE_URL")  # postgresql+psycopg://user@host:port/postgres
REDIS_URL = os.environ.get("DVCQ_TEST_REDIS_URL")


def _config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "STORAGE_URL": f"file://{instance / 'evidence'}",
        "JOBS_INLINE": True,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }


def _upgrade(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(url, instance))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated database for the whole run: a template file (SQLite) or a fresh PostgreSQL database."""
    instance = tmp_path_factory.mktemp("instance")
    if PG_URL:
        name = f"dvcq_test_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        _upgrade(url, instance)
        yield SimpleNamespace(kind="postgresql", url=url, template=None)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = instance / "template.sqlite3"
        _upgrade(f"sqlite:///{template}", instance)
        yield SimpleNamespace(kind="sqlite", url=None, template=template)


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in production, even though
    the test itself holds an app context for its own queries."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    if database.kind == "sqlite":
        path = tmp_path / "dvcq.sqlite3"
        shutil.copyfile(database.template, path)
        url = f"sqlite:///{path}"
    else:
        _truncate_all(database.url)
        url = database.url
    app = create_app(_config(url, instance))
    app.test_client_class = FreshContextClient
    with app.app_context():
        # Rate-limit counters live in the limiter's storage, keyed by token id, account and address: ids repeat from
        # one test's fresh database to the next, so counts must not carry over (an API test could otherwise get 429).
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def system(app):
    """Run service code as the CLI does: the system scope."""
    with scoped(SYSTEM):
        yield


@pytest.fixture
def world(app):
    """A province, a district (the authority) with communes A and B and an agency, and a user for every role."""
    with scoped(SYSTEM):
        w = factories.build_world()
    db.session.remove()
    return w


class Browser:
    """A test client that acts like a person: logs in, reads the CSRF token from the page, submits forms."""

    def __init__(self, client):
        self.client = client

    def csrf(self) -> str:
        page = self.client.get("/dang-nhap" if not self._logged_in() else "/", follow_redirects=True)
        page = page.get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def _logged_in(self) -> bool:
        with self.client.session_transaction() as sess:
            return "_user_id" in sess

    def login(self, login: str, password: str = factories.PASSWORD, follow: bool = False):
        return self.client.post(
            "/dang-nhap",
            data={"login": login, "password": password, "csrf_token": self.csrf()},
            follow_redirects=follow,
        )

    def logout(self):
        return self.client.post("/dang-xuat", data={"csrf_token": self.csrf()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=data, **kwargs)

    def post_json(self, url: str, payload, method: str = "POST", **kwargs):
        return self.client.open(
            url,
            method=method,
            json=payload,
            headers={"X-CSRFToken": self.csrf(), "Accept": "application/json"},
            **kwargs,
        )

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app):
    """Several people at once, each with their own cookies."""
    return lambda: Browser(app.test_client())


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
