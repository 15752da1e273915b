"""What every logged-in request pays: ONE statement finds the session, the user, the user's unit and the bell's
count — and nothing of it is kept between requests, so a revoked session or a disabled account is refused on the
very next request."""

from __future__ import annotations

from sqlalchemy import select, update

from dvcq.platform import clock
from dvcq.platform.auth.models import User, UserSession
from dvcq.platform.extensions import db
from dvcq.platform.notifications import notify, unread_count
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.statements import get_counting


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _statements(client, url: str) -> tuple[int, str]:
    seen, response = get_counting(client, url)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_a_plain_logged_in_page_costs_one_statement_with_the_name_unit_nav_and_bell(world, browser):
    with scoped(SYSTEM):
        notify([_user(world.officer_a)], "released", "Đã có kết quả thẩm định sơ bộ.", link="/")
        notify([_user(world.officer_a)], "reminder", "Sắp hết hạn tự chấm.", link="/")
        db.session.commit()
    browser.login(world.officer_a)
    browser.get("/doi-mat-khau")
    count, html = _statements(browser.client, "/doi-mat-khau")
    assert count == 1
    assert "Nguyễn Văn An" in html and "Xã An Bình" in html  # the user and their unit
    assert 'data-testid="unread">2<' in html  # the bell
    assert 'href="/ket-qua/"' in html  # the role's navigation


def test_an_account_disabled_while_logged_in_is_refused_on_its_next_request(world, browser):
    browser.login(world.officer_a)
    assert browser.get("/doi-mat-khau").status_code == 200
    with scoped(SYSTEM):
        _user(world.officer_a).active = False
        db.session.commit()
    response = browser.get("/doi-mat-khau")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_a_session_revoked_elsewhere_is_refused_on_its_next_request(world, make_browser):
    kept, revoked = make_browser(), make_browser()
    kept.login(world.officer_a)
    revoked.login(world.officer_a)
    assert revoked.get("/doi-mat-khau").status_code == 200
    with scoped(SYSTEM):
        newest = db.session.execute(select(UserSession.id).order_by(UserSession.id.desc()).limit(1)).scalar_one()
        db.session.execute(update(UserSession).where(UserSession.id == newest).values(revoked_at=clock.now()))
        db.session.commit()
    assert revoked.get("/doi-mat-khau").status_code == 302
    assert kept.get("/doi-mat-khau").status_code == 200


def test_the_bell_counts_again_when_the_request_itself_wrote_notifications(world, app):
    with app.test_request_context("/"), scoped(SYSTEM):
        user = _user(world.officer_a)
        user.prefetched_unread = 0  # as the session lookup found it at the start of the request
        assert unread_count(user) == 0
        notify([user], "released", "Đã có kết quả thẩm định sơ bộ.", link="/")
        db.session.flush()
        assert unread_count(user) == 1
