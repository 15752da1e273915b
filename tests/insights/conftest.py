"""Fixtures for insights: four years of results in the test district (see factories.build_history), a clean
dashboard cache per test, and the browser fixtures of tests/e2e (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

from dvcq.insights import dashboard
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.e2e.conftest import chromium, live_server, page, traffic  # noqa: F401 — fixtures reused as they are
from tests.insights import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    dashboard.cache.clear()
    yield
    dashboard.cache.clear()


@pytest.fixture
def history(world):
    with scoped(SYSTEM):
        h = factories.build_history(world)
    db.session.remove()
    return h
