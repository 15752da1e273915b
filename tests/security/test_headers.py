"""Security headers on every kind of response: HTML pages, error pages, JSON (the API and job status), spreadsheet
exports and redirects — not only the login page (tests/platform/test_auth.py::test_security_headers_are_sent)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dvcq.insights import tokens
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import Scope, scoped


def _check(response) -> None:
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("login", "url", "status", "mimetype"),
    [
        (None, "/dang-nhap", 200, "text/html"),
        (None, "/", 302, "text/html"),
        (None, "/healthz", 200, None),
        (None, "/api/v1/years", 401, "application/json"),
        (None, "/api/v1/openapi.json", 200, "application/json"),
        ("officer_a", "/khong-co-trang-nay", 404, "text/html"),
        ("officer_a", "/quan-tri/tai-khoan", 403, "text/html"),
        ("officer_a", "/cong-viec/0000", 404, None),
        ("secretariat", "/tong-quan/xuat.xlsx", None, None),  # a download (or its 404 without data)
        ("secretariat", "/static/app.css", None, None),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(world, browser, login, url, status, mimetype):
    if login:
        browser.login(getattr(world, login))
    response = browser.get(url)
    if status is not None:
        assert response.status_code == status
    if mimetype is not None:
        assert response.mimetype == mimetype
    _check(response)


def test_an_api_answer_with_a_token_carries_them_too(world, app):
    admin = db.session.execute(select(User).where(User.login == world.admin)).scalar_one()
    with scoped(Scope.for_unit(admin.unit)):
        _, plain = tokens.issue(admin, "Cổng thông tin tỉnh")
    response = app.test_client().get("/api/v1/years", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    _check(response)
