"""Periodic work — deadline reminders, escalations, requeueing delayed jobs. Areas register tasks with @periodic; one
`tick` runs them all. RQ's own cron scheduler drives the tick in production (`rq cron dvcq.platform.rq_cron`), any
system cron can run `dvcq tick`, and the demo server runs it from a thread. Every task must be idempotent: a tick may
run twice (notifications carry dedupe keys), so a late or repeated tick never sends a reminder twice."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, has_app_context

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped

TICK_SECONDS = 15 * 60
_tasks: dict[str, Callable[[datetime], object]] = {}


def periodic(name: str):
    """Register `fn(now) -> summary` to run on every tick."""

    def decorator(fn):
        _tasks[name] = fn
        return fn

    return decorator


def tick(now: datetime | None = None) -> dict[str, object]:
    """Run every registered task once; one failing task does not stop the others. Returns each task's summary."""
    if not has_app_context():
        from dvcq.platform.jobs import _worker_context

        with _worker_context():
            return tick(now)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    summary: dict[str, object] = {}
    with scoped(SYSTEM):
        for name, fn in _tasks.items():
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


@periodic("jobs.requeue_delayed")
def _requeue(now: datetime):
    from dvcq.platform.jobs import requeue_delayed

    if current_app.config.get("REDIS_URL"):
        return requeue_delayed()
    return 0


@periodic("jobs.sweep_interrupted")
def _sweep(now: datetime):
    from dvcq.platform.jobs import sweep_interrupted

    return sweep_interrupted(now)


@periodic("notifications.send_outbox")
def _outbox(now: datetime):
    from dvcq.platform.notifications import send_outbox

    return send_outbox()
