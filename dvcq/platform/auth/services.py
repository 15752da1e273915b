"""Signing in and out: server-side session rows so that logout, password change and disabling an account revoke
every copy of a cookie, and so that a session ends on the server after an idle time and an absolute lifetime
(settings SESSION_IDLE_MINUTES, SESSION_LIFETIME_HOURS), whatever the cookie says."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import contains_eager

from dvcq.platform import audit, clock
from dvcq.platform.auth.models import User, UserSession
from dvcq.platform.auth.passwords import cost_of, hash_password, needs_rehash, password_problem, verify_password
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db

BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
# A session's last_seen_at is written at most this often: one write every few minutes per browser, not one per request
# (the idle timeout is then exact to within this, and a page's statement count does not depend on how slow a test is).
TOUCH_EVERY = timedelta(minutes=5)


class SessionExpired(Exception):
    """The session row is live but past its idle time or its lifetime; `message` tells the user which (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _idle() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def _lifetime() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(login: str, password: str) -> User:
    """The user for these credentials, or ServiceError with one message for every failure (unknown login, wrong
    password, disabled account) so the answer reveals nothing."""
    user = db.session.execute(select(User).where(User.login == login.strip().lower())).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if user is not None:
            audit.record("auth.login_failed", actor=user, unit_id=user.unit_id, target=user)
            db.session.commit()
        raise ServiceError(BAD_LOGIN)
    if needs_rehash(user.password_hash):
        _rehash(user, password)
    return user


def _rehash(user: User, password: str) -> None:
    """A hash made at an older cost is replaced by one at the settings' cost, now that the password is known."""
    before = cost_of(user.password_hash)
    user.password_hash = hash_password(password)
    audit.record(
        "auth.password_rehashed",
        actor=user,
        unit_id=user.unit_id,
        target=user,
        before=before,
        after=cost_of(user.password_hash),
    )
    db.session.commit()


def open_session(user: User, remote_addr: str = "", user_agent: str = "") -> str:
    """A new session row for a successful login; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_digest(token),
            created_at=now,
            last_seen_at=now,
            remote_addr=remote_addr[:64],
            user_agent=user_agent[:300],
        )
    )
    audit.record("auth.login", actor=user, unit_id=user.unit_id, target=user)
    db.session.commit()
    user.session_token = token
    return token


def _token_statement():
    from dvcq.platform.notifications import Notification

    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read.is_(False))
        .correlate(User)
        .scalar_subquery()
    )
    return (
        select(User, unread, UserSession.id, UserSession.created_at, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .join(User.unit)
        .options(contains_eager(User.unit))
        .where(
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    )


_TOKEN_STATEMENT = None


def user_for_token(token: str) -> User | None:
    """The user of a live session token, or None (unknown or revoked session, disabled or deleted account); raises
    SessionExpired for a session past its idle time or its lifetime.

    Every logged-in request pays for this, so it is ONE statement (built once, bound parameter): the session row, the
    user, the user's unit (the request's tenancy scope needs it) and the bell's unread count together. Nothing is
    cached between requests: a session revoked or an account disabled a moment ago is refused on the very next
    request. The session's last activity is written at most every five minutes (TOUCH_EVERY), in its own short
    transaction so that a page that only reads still ends as it would without it."""
    global _TOKEN_STATEMENT
    if _TOKEN_STATEMENT is None:
        _TOKEN_STATEMENT = _token_statement()
    row = db.session.execute(_TOKEN_STATEMENT, {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user, unread_count, session_id, created_at, last_seen_at = row
    now = clock.now()
    if now - created_at >= _lifetime():
        hours = current_app.config["SESSION_LIFETIME_HOURS"]
        raise SessionExpired(
            f"Phiên đăng nhập đã kết thúc vì đã mở quá {hours} giờ. Vui lòng đăng nhập lại để tiếp tục."
        )
    if now - last_seen_at >= _idle():
        raise SessionExpired(
            f"Phiên đăng nhập đã kết thúc vì không có thao tác nào trong {_idle_text()}. "
            "Vui lòng đăng nhập lại để tiếp tục."
        )
    if now - last_seen_at >= TOUCH_EVERY:
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_token = token
    user.prefetched_unread = unread_count
    return user


def _idle_text() -> str:
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    return f"{minutes // 60} giờ" if minutes % 60 == 0 else f"{minutes} phút"


def purge_expired_sessions(now: datetime) -> int:
    """Delete the session rows that can no longer be used: idle too long, past their lifetime, or revoked (a revoked
    row's last activity stops, so it goes after the idle time). Logins and logouts stay in the audit log."""
    stmt = delete(UserSession).where(
        or_(UserSession.last_seen_at <= now - _idle(), UserSession.created_at <= now - _lifetime())
    )
    return db.session.execute(stmt).rowcount


def close_session(user: User) -> None:
    if user.session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _digest(user.session_token))
            .values(revoked_at=clock.now())
        )
    audit.record("auth.logout", actor=user, unit_id=user.unit_id, target=user)
    db.session.commit()


def revoke_sessions(user: User, keep_token: str | None = None) -> int:
    """Revoke every open session of `user` (but `keep_token`'s). The caller commits."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _digest(keep_token))
    return db.session.execute(stmt.values(revoked_at=clock.now())).rowcount


def set_password(user: User, password: str, *, must_change: bool, keep_token: str | None = None) -> int:
    """Store `password` for `user` (`must_change`: a one-time password, to be changed at the next login) and revoke
    every open session but `keep_token`'s: whoever held the old password is signed out. The number revoked; the caller
    audits and commits."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    return revoke_sessions(user, keep_token=keep_token)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ServiceError("Mật khẩu hiện tại không đúng.")
    if new != confirm:
        raise ServiceError("Mật khẩu mới và phần nhập lại không khớp.")
    problem = password_problem(new)
    if problem:
        raise ServiceError(problem)
    revoked = set_password(user, new, must_change=False, keep_token=user.session_token)
    audit.record("auth.password_changed", actor=user, target=user, after={"other_sessions_revoked": revoked})
    db.session.commit()
