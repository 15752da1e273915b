"""The composition root: the application factory. The chassis (`dvcq/platform`) first, then each area's `register`,
lowest floor first. This module is the only one that imports every area; `dvcq/cli.py`, `dvcq/worker.py` and
`dvcq/cron.py` reach them through it."""

from __future__ import annotations

from flask import Flask

from dvcq import insights, plans, scoring, tenants
from dvcq.platform import chassis, cli

AREAS = (tenants, scoring, plans, insights)  # floors, lowest first: the order of nav links and demo seeders


def create_app(test_config: dict | None = None) -> Flask:
    app = chassis.build(test_config)
    for area in AREAS:
        area.register(app)
    cli.attach(app)
    return app
