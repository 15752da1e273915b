"""A session ends on the server: after SESSION_IDLE_MINUTES without a request (default 2 hours) and
SESSION_LIFETIME_HOURS after its login (default 12), whatever the cookie says; the browser is then signed out and the
login page says why. The periodic tick deletes the rows that can no longer be used. Time is `clock.utc`, frozen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dvcq.platform import clock
from dvcq.platform.auth.models import UserSession
from dvcq.platform.extensions import db
from dvcq.platform.schedule import tick

START = datetime(2026, 4, 20, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


class Clock:
    def __init__(self):
        self.at = START

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def time(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr(clock, "utc", lambda: frozen.at)
    return frozen


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def _rows() -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.execute(select(UserSession).order_by(UserSession.id)).scalars())


def test_defaults_are_two_hours_idle_and_twelve_hours_in_all(app):
    assert app.config["SESSION_IDLE_MINUTES"] == 120
    assert app.config["SESSION_LIFETIME_HOURS"] == 12


def test_a_session_idle_for_two_hours_is_signed_out_with_a_polite_message(world, browser, time):
    browser.login(world.officer_a)
    time.advance(minutes=119)
    assert browser.get("/thong-bao").status_code == 200
    time.advance(minutes=119)  # the request above counted as activity
    assert browser.get("/thong-bao").status_code == 200
    time.advance(hours=2)
    response = browser.get("/thong-bao")
    assert _signed_out(response)
    assert "next=/thong-bao" in response.headers["Location"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã kết thúc vì không có thao tác nào trong 2 giờ" in page
    assert "Vui lòng đăng nhập lại để tiếp tục." in page
    assert 'name="password"' in page
    time.advance(minutes=1)
    assert _signed_out(browser.get("/"))  # signed out for good, not only for one request
    assert "đã kết thúc" not in browser.get("/dang-nhap").get_data(as_text=True)  # said once


def test_a_session_in_use_ends_twelve_hours_after_its_login(world, browser, time):
    browser.login(world.officer_a)
    for _ in range(23):
        time.advance(minutes=30)
        assert browser.get("/thong-bao").status_code == 200
    time.advance(minutes=30)  # 12 h after the login, active all along
    response = browser.get("/thong-bao")
    assert _signed_out(response)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã kết thúc vì đã mở quá 12 giờ" in page


def test_the_old_cookie_replayed_after_expiry_stays_refused(world, app, browser, time):
    browser.login(world.officer_a)
    cookie = browser.client.get_cookie("dvcq_session").value
    time.advance(hours=2)
    assert _signed_out(browser.get("/"))
    thief = app.test_client()
    thief.set_cookie("dvcq_session", cookie)
    assert _signed_out(thief.get("/"))


def test_signing_in_again_after_expiry_works(world, browser, time):
    browser.login(world.officer_a)
    time.advance(hours=3)
    assert _signed_out(browser.get("/"))
    assert browser.login(world.officer_a).status_code == 302
    assert browser.get("/").status_code == 200


def test_idle_time_and_lifetime_are_settings(world, app, browser, time):
    app.config.update(SESSION_IDLE_MINUTES=15, SESSION_LIFETIME_HOURS=1)
    browser.login(world.officer_a)
    time.advance(minutes=14)
    assert browser.get("/").status_code == 200
    time.advance(minutes=15)
    response = browser.get("/")
    assert _signed_out(response)
    assert "trong 15 phút" in browser.get(response.headers["Location"]).get_data(as_text=True)


def test_activity_is_written_at_most_every_five_minutes_and_kept_by_pages_that_only_read(world, browser, time):
    browser.login(world.officer_a)
    time.advance(minutes=4)
    browser.get("/thong-bao")
    assert _rows()[0].last_seen_at == START.replace(tzinfo=None)  # within five minutes: no write
    time.advance(minutes=40)
    browser.get("/thong-bao")  # a page that only reads: its own transaction ends without a commit
    assert _rows()[0].last_seen_at == (START + timedelta(minutes=44)).replace(tzinfo=None)


def test_the_tick_purges_sessions_that_can_no_longer_be_used(world, make_browser, time):
    idle, busy, gone = make_browser(), make_browser(), make_browser()
    idle.login(world.officer_a)
    busy.login(world.officer_b)
    gone.login(world.leader_a)
    gone.logout()
    time.advance(minutes=90)
    busy.get("/")
    time.advance(minutes=31)  # idle's and the revoked one's last activity is 2 h 1 min ago, busy's 31 min
    summary = tick(clock.now())
    assert summary["auth.purge_sessions"] == 2
    assert [row.last_seen_at for row in _rows()] == [(START + timedelta(minutes=90)).replace(tzinfo=None)]
    assert busy.get("/").status_code == 200
    time.advance(hours=11)
    for _ in range(2):
        busy.get("/")
    tick(clock.now())
    assert db.session.execute(select(func.count(UserSession.id))).scalar_one() == 0  # past its 12 hours
