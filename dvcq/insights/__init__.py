"""Insights across years: the leadership dashboard (/tong-quan), a unit's profile, plotly served by us, and the
read-only JSON API (/api/v1) with the administrator's token screen. Reads only published results."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package stays importable without Flask: the pure engine lives under scoring/
    from flask import Flask


def register(app: Flask) -> None:
    """Plug the area into the app (called once by the composition root, `dvcq/app.py`)."""
    from dvcq.insights import api, models, vendor, views  # noqa: F401 — models: the table must be known to Alembic
    from dvcq.platform import registry
    from dvcq.platform.extensions import csrf

    areas = registry.of(app)
    areas.pages(app, vendor)
    areas.pages(app, views)
    csrf.exempt(api.bp)  # bearer tokens, no cookies: nothing for a forged cross-site request to ride on
    areas.pages(app, api)
