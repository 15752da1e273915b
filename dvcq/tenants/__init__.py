"""Units: the administrative tree, groups (khối), lineage (mergers), their import and the administrator's screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package stays importable without Flask: the pure engine lives under scoring/
    from flask import Flask


def register(app: Flask) -> None:
    """Plug the area into the app (called once by the composition root, `dvcq/app.py`)."""
    from dvcq.platform import registry
    from dvcq.tenants import cli, demo, models, views  # noqa: F401 — models: the tables must be known to Alembic

    areas = registry.of(app)
    areas.pages(app, views)
    areas.demo_seeder(demo.seed)  # first: every other seeder builds on the units and accounts
    for command in cli.COMMANDS:
        areas.command(command)
