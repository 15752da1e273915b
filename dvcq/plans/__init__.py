"""Improvement plans: targets, tasks and progress reports through the year after a published campaign."""


def init_app(app) -> None:
    from dvcq.plans import (  # noqa: F401 — the demo seeder and the periodic tasks register
        demo,
        models,  # noqa: F401 — the tables must be known to the app and to Alembic
        reminders,
        views,
    )

    views.init_app(app)
