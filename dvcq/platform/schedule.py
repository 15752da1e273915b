"""Periodic work — deadline reminders, escalations, requeueing delayed jobs. Areas register tasks in the registry; one
`tick` runs them all. RQ's own cron scheduler drives the tick in production (`rq cron dvcq.cron`), any
system cron can run `dvcq tick`, and the demo server runs it from a thread. Every task must be idempotent: a tick may
run twice (notifications carry dedupe keys), so a late or repeated tick never sends a reminder twice."""

from __future__ import annotations

import threading
import time
import traceback
from datetime import datetime

from flask import current_app

from dvcq.platform import clock, jobs, notifications, registry
from dvcq.platform.auth import services as auth
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped

TICK_SECONDS = 15 * 60


def tick(now: datetime | None = None) -> dict[str, object]:
    """Run every registered task once, in an app context (`dvcq.worker.tick` gives RQ's worker one); one failing
    task does not stop the others. Returns each task's summary."""
    now = now or clock.now()
    summary: dict[str, object] = {}
    with scoped(SYSTEM):
        for name, fn in registry.of().periodic.items():
            try:
                summary[name] = fn(now)
                db.session.commit()
            except Exception as err:  # noqa: BLE001 — reported, and the next task still runs
                db.session.rollback()
                current_app.logger.error("periodic task %s failed: %s", name, traceback.format_exc())
                summary[name] = f"lỗi: {err}"
    return summary


def start_demo_ticker(app) -> None:
    """The demo has no Redis and no cron: tick from a daemon thread."""

    def loop():
        while True:
            time.sleep(60)
            with app.app_context():
                tick()
            time.sleep(TICK_SECONDS - 60)

    threading.Thread(target=loop, daemon=True, name="dvcq-ticker").start()


def _requeue(now: datetime):
    if current_app.config.get("REDIS_URL"):
        return jobs.requeue_delayed()
    return 0


def _sweep(now: datetime):
    return jobs.sweep_interrupted(now)


def _outbox(now: datetime):
    return notifications.send_outbox()


def _purge_sessions(now: datetime):
    return auth.purge_expired_sessions(now)


def register_ground_floor_tasks(areas: registry.Registry) -> None:
    areas.task("auth.purge_sessions", _purge_sessions)
    areas.task("jobs.requeue_delayed", _requeue)
    areas.task("jobs.sweep_interrupted", _sweep)
    areas.task("notifications.send_outbox", _outbox)
