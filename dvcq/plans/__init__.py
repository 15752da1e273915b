"""Improvement plans: targets, tasks and progress reports through the year after a published campaign."""


def init_app(app) -> None:
    from dvcq.plans import models  # noqa: F401 — the tables must be known to the app and to Alembic

    try:
        from dvcq.plans import demo, reminders, views  # noqa: F401 — registers the seeder and periodic tasks
    except ImportError:
        return
    views.init_app(app)
