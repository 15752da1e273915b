"""Notifications: a bell with the unread count in the app for every hand-over, and e-mail when SMTP is set."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app, g, has_request_context
from sqlalchemy import Boolean, DateTime, ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from dvcq.platform import clock
from dvcq.platform.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    email_to: Mapped[str | None] = mapped_column(String(200))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)


def notify(users, kind: str, text: str, link: str = "", dedupe_key: str | None = None) -> list[Notification]:
    """Add one notification per user to the current transaction (the caller commits). `dedupe_key` makes a
    scheduled reminder idempotent: the same key is never sent twice to the same user. With SMTP configured the
    row also waits in the e-mail outbox, sent after commit by `send_outbox` — a mail server that is down never
    rolls back the hand-over itself."""
    email_on = bool(current_app.config.get("SMTP_HOST"))
    _counts_changed()
    created = []
    for user in users:
        key = f"{dedupe_key}:{user.id}" if dedupe_key else None
        if key and db.session.execute(select(Notification.id).where(Notification.dedupe_key == key)).first():
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            text=text,
            link=link,
            dedupe_key=key,
            created_at=clock.now(),
            email_to=user.email if (email_on and user.email) else None,
        )
        db.session.add(note)
        created.append(note)
    return created


def send_outbox() -> int:
    """Send every e-mail waiting in the outbox; each is marked sent on success, so a retry never sends twice."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        return 0
    pending = (
        db.session.execute(
            select(Notification)
            .where(Notification.email_to.is_not(None), Notification.emailed_at.is_(None))
            .order_by(Notification.id)
            .limit(500)
        )
        .scalars()
        .all()
    )
    if not pending:
        return 0
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        for note in pending:
            msg = EmailMessage()
            msg["From"] = cfg["SMTP_FROM"]
            msg["To"] = note.email_to
            msg["Subject"] = "[DVCQ] " + note.text[:120]
            link = (cfg.get("PUBLIC_URL") or "") + note.link
            msg.set_content(f"{note.text}\n\n{link}\n\n— Hệ thống đánh giá Chỉ số Dân vận chính quyền")
            smtp.send_message(msg)
            note.emailed_at = clock.now()
            db.session.commit()
    return len(pending)


SEND_OUTBOX_JOB = "notifications.send_outbox"


def send_outbox_job(ctx):
    return {"sent": send_outbox()}


def _counts_changed() -> None:
    """Notifications were written in this request: the bell counts again instead of using the login's prefetch."""
    if has_request_context():
        g.dvcq_notifications_changed = True


def unread_count(user) -> int:
    """The bell's number. The session lookup of a logged-in request already counted it in the same statement
    (`prefetched_unread`); it is asked again only when this request wrote notifications."""
    prefetched = getattr(user, "prefetched_unread", None)
    if prefetched is not None and not g.get("dvcq_notifications_changed"):
        return prefetched
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read.is_(False))
    ).scalar_one()


def recent(user, limit: int = 100) -> list[Notification]:
    """The user's newest notifications, for the bell's page."""
    return list(
        db.session.execute(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
        ).scalars()
    )


def mark_all_read(user) -> None:
    _counts_changed()
    db.session.execute(update(Notification).where(Notification.user_id == user.id).values(read=True))
    db.session.commit()
