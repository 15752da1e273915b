"""Notifications: a bell with the unread count, idempotent reminders, and e-mail through a real SMTP server when
SMTP is configured (aiosmtpd on 127.0.0.1 as the sink)."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification, notify, send_outbox
from dvcq.platform.schedule import tick
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Assessment, AssessmentStatus, Campaign, CampaignStatus
from tests.scoring.appraisal_factories import build_campaign


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="dvcq@batuo.test")
    yield sink
    controller.stop()


def _users(*logins):
    return db.session.execute(select(User).where(User.login.in_(logins))).scalars().all()


def test_the_bell_counts_unread_and_clears_when_read(world, browser):
    with scoped(SYSTEM):
        notify(_users(world.officer_a), "released", "Đã có kết quả thẩm định sơ bộ.", link="/")
        db.session.commit()
    browser.login(world.officer_a)
    assert 'data-testid="unread">1<' in browser.get("/").get_data(as_text=True)
    browser.post("/thong-bao/da-doc")
    assert 'data-testid="unread"' not in browser.get("/").get_data(as_text=True)


def test_a_notification_is_mailed_once_through_smtp(world, smtp):
    with scoped(SYSTEM):
        notify(_users(world.officer_a), "released", "Đã có kết quả thẩm định sơ bộ kỳ đánh giá năm 2026.", link="/x")
        db.session.commit()
        assert send_outbox() == 1
        assert send_outbox() == 0  # already sent: never twice
    assert len(smtp.messages) == 1
    recipients, content = smtp.messages[0]
    assert recipients == ["canbo.a@example.test"]
    assert "Đã có kết quả thẩm định sơ bộ" in content or "=?utf-8?" in content.lower()


def test_without_smtp_nothing_waits_in_the_outbox(world):
    with scoped(SYSTEM):
        notes = notify(_users(world.officer_a), "released", "Thông báo.", link="/")
        db.session.commit()
        assert notes[0].email_to is None and send_outbox() == 0


def test_deadline_reminders_are_sent_once_however_often_the_tick_runs(world):
    camp = build_campaign(world, status=CampaignStatus.SELF_ASSESSMENT)
    now = datetime.now(UTC).replace(tzinfo=None)
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, camp.id)
        campaign.self_assessment_deadline = now + timedelta(days=2)
        for a in db.session.execute(select(Assessment)).scalars():
            a.status = AssessmentStatus.DRAFT
        db.session.commit()
    tick(now)
    tick(now + timedelta(minutes=15))
    with scoped(SYSTEM):
        soon = db.session.execute(select(Notification).where(Notification.kind == "deadline_soon")).scalars().all()
    assert len(soon) == 4  # officer and leader of A and of B, once each
    assert all("Còn dưới 3 ngày" in n.text for n in soon)
    tick(now + timedelta(days=3))
    with scoped(SYSTEM):
        missed = db.session.execute(select(Notification).where(Notification.kind == "deadline_missed")).scalars().all()
    assert {n.user_id for n in missed} >= {world.ids["officer_a"], world.ids["secretariat"]}


def test_the_later_of_the_units_and_the_campaigns_self_deadline_is_the_one_reminded(world):
    """A unit's own deadline set before the whole campaign was extended does not make it late: the reminder uses the
    self-assessment rule (the later of the two), as the self-assessment pages do."""
    camp = build_campaign(world, status=CampaignStatus.SELF_ASSESSMENT)
    now = datetime.now(UTC).replace(tzinfo=None)
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, camp.id)
        campaign.self_assessment_deadline = now + timedelta(days=2)  # extended for everyone
        for a in db.session.execute(select(Assessment)).scalars():
            a.status = AssessmentStatus.DRAFT
            a.self_deadline = now - timedelta(days=1) if a.id == camp.assessment_ids["a"] else None
        db.session.commit()
    tick(now)
    with scoped(SYSTEM):
        sent = db.session.execute(select(Notification)).scalars().all()
    to_a = {n.kind for n in sent if n.user_id in (world.ids["officer_a"], world.ids["leader_a"])}
    assert to_a == {"deadline_soon"}, "commune A may still submit until the campaign's later deadline"
    assert not any(n.kind == "deadline_missed" for n in sent)
