"""Logging in and out: argon2id, one answer for every failure, rate limits, revoked sessions, CSRF, headers."""

import json

from argon2 import PasswordHasher
from sqlalchemy import select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.auth.passwords import cost_of, hash_password, verify_password
from dvcq.platform.extensions import db
from tests.factories import PASSWORD

BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def test_officer_login_lands_on_the_officer_home(world, browser):
    response = browser.login(world.officer_a, follow=True)
    page = response.get_data(as_text=True)
    assert 'data-role="officer"' in page
    assert "Trang làm việc của cán bộ đầu mối" in page
    assert "Xã An Bình" in page


def test_appraiser_login_lands_on_the_appraiser_home(world, browser):
    page = browser.login(world.appraiser, follow=True).get_data(as_text=True)
    assert 'data-role="appraiser"' in page


def test_unknown_login_wrong_password_and_disabled_account_answer_the_same(world, browser):
    with db.session.begin():
        db.session.execute(select(User).where(User.login == world.officer_b)).scalar_one().active = False
    answers = [
        browser.login("khong.ton.tai", PASSWORD),
        browser.login(world.officer_a, "sai-mat-khau-1"),
        browser.login(world.officer_b, PASSWORD),
    ]
    bodies = set()
    for response in answers:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert BAD_LOGIN in body
        bodies.add(body.split('name="csrf-token"')[0])  # same page but for the token
    assert len(bodies) == 1


def test_passwords_are_stored_as_argon2id(world):
    user = db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()
    assert user.password_hash.startswith("$argon2id$")


def test_login_is_limited_per_account_with_a_vietnamese_429(world, app, make_browser):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        assert make_browser().login(world.officer_a, "sai-mat-khau-1").status_code == 200
    blocked = make_browser().login(world.officer_a, PASSWORD)  # even the right password, from a new client
    assert blocked.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by the account limit
    assert make_browser().login(world.officer_b, PASSWORD).status_code == 302


def test_login_is_limited_per_address(world, app, browser):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for i in range(4):
        assert browser.login(f"nguoi.{i}", "sai-mat-khau-1").status_code == 200
    assert browser.login(world.officer_a, PASSWORD).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(world, app, make_browser):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(4):
        assert make_browser().login(world.officer_a).status_code == 302


def test_a_cookie_replayed_after_logout_is_refused(world, app, browser):
    browser.login(world.officer_a)
    cookie = browser.client.get_cookie("dvcq_session").value
    assert browser.get("/").status_code == 200
    browser.logout()
    thief = app.test_client()
    thief.set_cookie("dvcq_session", cookie)
    response = thief.get("/")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_login_starts_a_new_session(world, app, browser):
    browser.get("/dang-nhap")
    before = browser.client.get_cookie("dvcq_session").value
    browser.login(world.officer_a)
    assert browser.client.get_cookie("dvcq_session").value != before


def test_password_change_revokes_other_sessions_but_keeps_this_one(world, make_browser):
    here, elsewhere = make_browser(), make_browser()
    here.login(world.officer_a)
    elsewhere.login(world.officer_a)
    response = here.post("/doi-mat-khau", {"current": PASSWORD, "new": "MatKhauMoi#2027", "confirm": "MatKhauMoi#2027"})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert make_browser().login(world.officer_a, "MatKhauMoi#2027").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(world, browser):
    browser.login(world.officer_a)
    page = browser.post(
        "/doi-mat-khau",
        {"current": "sai-mat-khau-1", "new": "MatKhauMoi#2027", "confirm": "MatKhauMoi#2027"},
        follow_redirects=True,
    )
    assert "Mật khẩu hiện tại không đúng." in page.get_data(as_text=True)
    browser.logout()
    assert browser.login(world.officer_a, PASSWORD).status_code == 302


def test_a_form_without_csrf_token_is_refused(world, browser):
    response = browser.client.post("/dang-nhap", data={"login": world.officer_a, "password": PASSWORD})
    assert response.status_code == 400
    assert browser.get("/").status_code == 302  # not logged in
    browser.login(world.officer_a)
    refused = browser.client.post("/dang-xuat", data={})
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in refused.get_data(as_text=True)


def test_a_csrf_token_from_another_session_is_refused(world, make_browser):
    mallory, alice = make_browser(), make_browser()
    mallory.login(world.officer_b)
    token = mallory.csrf()
    alice.login(world.officer_a)
    assert alice.client.post("/dang-xuat", data={"csrf_token": token}).status_code == 400


def test_security_headers_are_sent(world, browser):
    response = browser.get("/dang-nhap")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(world, browser):
    response = browser.login(world.officer_a)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "dvcq_session" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_cannot_send_the_user_elsewhere(world, browser):
    response = browser.client.post(
        "/dang-nhap?next=//evil.example/x",
        data={"login": world.officer_a, "password": PASSWORD, "csrf_token": browser.csrf()},
    )
    assert response.headers["Location"] == "/"


def _stored_hash(login: str) -> str:
    db.session.expire_all()
    return db.session.execute(select(User.password_hash).where(User.login == login)).scalar_one()


def test_new_hashes_use_owasps_argon2id_minimum(app):
    assert cost_of(hash_password("MatKhau@2026x")) == {"m": 19456, "t": 2, "p": 1}


def test_an_old_cost_hash_verifies_and_is_replaced_at_the_next_login(world, browser):
    old = PasswordHasher().hash(PASSWORD)  # argon2-cffi's defaults: 64 MiB, t=3, p=4, as stored before
    with db.session.begin():
        db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one().password_hash = old
    assert browser.login(world.officer_a).status_code == 302
    stored = _stored_hash(world.officer_a)
    assert stored != old and cost_of(stored) == {"m": 19456, "t": 2, "p": 1}
    assert verify_password(stored, PASSWORD)
    record = db.session.execute(select(AuditRecord).where(AuditRecord.action == "auth.password_rehashed")).scalar_one()
    assert json.loads(record.before) == {"m": 65536, "p": 4, "t": 3}
    assert stored not in record.after
    browser.logout()
    assert browser.login(world.officer_a).status_code == 302
    assert _stored_hash(world.officer_a) == stored  # rehashed once, not at every login


def test_a_wrong_password_never_rehashes(world, browser):
    old = PasswordHasher().hash(PASSWORD)
    with db.session.begin():
        db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one().password_hash = old
    assert browser.login(world.officer_a, "sai-mat-khau-1").status_code == 200
    assert _stored_hash(world.officer_a) == old


def test_the_hash_cost_is_a_setting(app):
    app.config.update(PASSWORD_HASH_MEMORY_KIB=12288, PASSWORD_HASH_TIME_COST=3)
    stored = hash_password("MatKhau@2026x")
    assert cost_of(stored) == {"m": 12288, "t": 3, "p": 1}
    assert verify_password(stored, "MatKhau@2026x")
