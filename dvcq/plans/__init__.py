"""Improvement plans: targets, tasks and progress reports through the year after a published campaign."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package stays importable without Flask: the pure engine lives under scoring/
    from flask import Flask


def register(app: Flask) -> None:
    """Plug the area into the app (called once by the composition root, `dvcq/app.py`)."""
    from dvcq.plans import cli, demo, models, reminders, views  # noqa: F401 — models: the tables must be known to Alembic
    from dvcq.platform import registry

    areas = registry.of(app)
    areas.pages(app, views)
    areas.task("plans.report_reminders", reminders.report_reminders)
    areas.demo_seeder(demo.seed_plans)
    areas.command(cli.plan_command, group="documents")
    areas.command(cli.report_command, group="documents")
