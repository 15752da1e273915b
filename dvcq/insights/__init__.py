"""Insights across years: the leadership dashboard (/tong-quan), a unit's profile, plotly served by us, and the
read-only JSON API (/api/v1) with the administrator's token screen. Reads only published results."""


def init_app(app) -> None:
    from dvcq.insights import api, models, vendor, views  # noqa: F401 — models: the table must be known to Alembic
    from dvcq.platform.extensions import csrf

    app.register_blueprint(vendor.bp)
    app.register_blueprint(views.bp)
    csrf.exempt(api.bp)  # bearer tokens, no cookies: nothing for a forged cross-site request to ride on
    app.register_blueprint(api.bp)
