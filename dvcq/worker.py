"""What RQ runs in a worker process: each entry creates the app once (from the same environment as the web
process), then runs the job or the periodic tick in an app context. `deploy/worker.sh` starts the workers."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


def app() -> Flask:
    """The app a job runs in: the current one when RQ runs inside an app context (a burst worker in the same
    process, as in the tests), otherwise the worker process's own, created once."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from dvcq.app import create_app

        _app = create_app()
    return _app


def run_job(record_id: str) -> None:
    """RQ's entry point for every job enqueued by `dvcq.platform.jobs.dispatch`."""
    from dvcq.platform import jobs

    with app().app_context():
        jobs.run_job(record_id)


def tick() -> dict[str, object]:
    """RQ cron's entry point for the periodic tasks (`dvcq/cron.py`)."""
    from dvcq.platform import schedule

    with app().app_context():
        return schedule.tick()
