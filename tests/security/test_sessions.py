"""Sessions and login under attack. Already pinned in tests/platform/test_auth.py and not repeated here:
- brute force stopped at the limit with a Vietnamese 429: test_login_is_limited_per_account_with_a_vietnamese_429,
  test_login_is_limited_per_address;
- a cookie replayed after logout refused: test_a_cookie_replayed_after_logout_is_refused;
- a password change revoking the other sessions: test_password_change_revokes_other_sessions_but_keeps_this_one;
- CSRF missing or from another session refused: test_a_form_without_csrf_token_is_refused,
  test_a_csrf_token_from_another_session_is_refused.
This file adds the one-time password that must be changed first, and the trusted-proxy setting."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dvcq.app import create_app
from dvcq.platform.auth.models import User
from dvcq.platform.auth.passwords import hash_password
from dvcq.platform.extensions import db, limiter
from tests.conftest import FreshContextClient

ONE_TIME = "Kx7m-P3qa-9zTe"
NEW = "MatKhauMoi#2027"


def _token(browser) -> str:
    page = browser.get("/doi-mat-khau").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


@pytest.fixture
def one_time(world):
    """canbo.a was just given a one-time password by the administrator."""
    with db.session.begin():
        user = db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()
        user.password_hash = hash_password(ONE_TIME)
        user.must_change_password = True
    return world.officer_a


def test_a_one_time_password_login_lands_on_the_password_change(one_time, browser):
    response = browser.login(one_time, ONE_TIME)
    assert response.status_code == 302 and response.headers["Location"].endswith("/doi-mat-khau")
    page = browser.get("/doi-mat-khau").get_data(as_text=True)
    assert "mật khẩu dùng một lần" in page


@pytest.mark.parametrize("url", ["/", "/tu-danh-gia/", "/tai-lieu/", "/thong-bao", "/tong-quan/", "/ket-qua/"])
def test_every_other_page_redirects_to_the_password_change_until_it_is_done(one_time, browser, url):
    browser.login(one_time, ONE_TIME)
    response = browser.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/doi-mat-khau")


def test_a_form_posted_before_changing_is_not_acted_on(one_time, browser):
    browser.login(one_time, ONE_TIME)
    response = browser.post("/thong-bao/da-doc", {"csrf_token": _token(browser)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/doi-mat-khau")


def test_after_the_change_pages_open_and_the_flag_is_cleared(one_time, browser):
    browser.login(one_time, ONE_TIME)
    response = browser.post(
        "/doi-mat-khau", {"csrf_token": _token(browser), "current": ONE_TIME, "new": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    db.session.expire_all()
    user = db.session.execute(select(User).where(User.login == one_time)).scalar_one()
    assert user.must_change_password is False


def test_logout_stays_possible_with_a_one_time_password(one_time, browser):
    browser.login(one_time, ONE_TIME)
    response = browser.client.post("/dang-xuat", data={"csrf_token": _token(browser)})
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def _app_with_proxies(app, hops: int):
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "STORAGE_URL", "RATELIMIT_STORAGE_URI")
    }
    config.update(TESTING=True, JOBS_INLINE=True, REDIS_URL=None, SERVER_NAME=None, TRUSTED_PROXIES=hops)
    config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    other = create_app(config)
    other.test_client_class = FreshContextClient
    return other


def _fail_login(client, name: str, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    page = client.get("/dang-nhap", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    data = {"login": name, "password": "sai-mat-khau-1", "csrf_token": token}
    return client.post("/dang-nhap", data=data, headers=headers).status_code


@pytest.mark.parametrize(("hops", "other_address_blocked"), [(1, False), (0, True)])
def test_the_per_address_limit_keys_on_x_forwarded_for_only_behind_a_trusted_proxy(
    world, app, hops, other_address_blocked
):
    other = _app_with_proxies(app, hops)
    try:
        limiter.reset()
        client = other.test_client()
        assert _fail_login(client, "nguoi.1", "203.0.113.7") == 200
        assert _fail_login(client, "nguoi.2", "203.0.113.7") == 200
        assert _fail_login(client, "nguoi.3", "203.0.113.7") == 429
        # another client address, forged or real, behind the same proxy
        answer = _fail_login(other.test_client(), "nguoi.4", "198.51.100.9")
        assert answer == (429 if other_address_blocked else 200)
    finally:
        with other.app_context():
            db.session.remove()
        limiter.reset()
