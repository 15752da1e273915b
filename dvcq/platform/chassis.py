"""The chassis of every app: settings, extensions, the tenancy scope per request, errors, security, identity, jobs,
notifications and the registry the areas plug into. It knows no area: `dvcq/app.py` builds the chassis, then calls
each area's `register`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, redirect, url_for
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from dvcq.platform import errors, formatting, registry, security, settings, transactions
from dvcq.platform.extensions import _locale, babel, csrf, db, limiter, login_manager, migrate
from dvcq.platform.params import IdConverter
from dvcq.platform.tenancy import Scope, reset_scope, set_scope
from dvcq.platform.uploads import UploadRequest

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(test_config: dict | None = None) -> Flask:
    """An app with the ground floor only; the composition root adds the areas."""
    app = Flask(__name__, instance_relative_config=True, static_url_path="/static")
    app.url_map.converters["int"] = IdConverter  # every <int:…> is an id that can exist, or a 404 (issue 14)
    app.request_class = UploadRequest  # file parts of opted-in upload views go straight into storage (issue 9)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = None
    if test_config and "ENV" in test_config:
        env = test_config.pop("ENV")
    app.config.update(settings.load(instance, env))
    if test_config:
        app.config.update(test_config)
        if app.config.get("DVCQ_ENV") == "production":
            settings.check_production(app.config)

    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    _init_scope(app)
    errors.init_app(app)
    formatting.init_app(app)
    security.init_app(app)
    _register_ground_floor(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    transactions.init_app(app)  # a request that only read commits: PostgreSQL keeps its prepared statements
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _init_scope(app: Flask) -> None:
    """The request's tenancy scope comes from the logged-in user's unit; anonymous requests have none."""

    @app.before_request
    def _set_scope():
        scope = None
        if current_user.is_authenticated:
            scope = Scope.for_unit(current_user.unit)
        g._scope_token = set_scope(scope)

    @app.teardown_request
    def _reset_scope(exc=None):
        token = g.pop("_scope_token", None)
        if token is not None:
            reset_scope(token)


def _register_ground_floor(app: Flask) -> None:
    from dvcq.platform import home, job_views, jobs, notification_views, notifications, schedule
    from dvcq.platform.auth import views as auth_views

    areas = registry.init_app(app)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(job_views.bp)
    notification_views.init_app(app)
    areas.job(jobs.SELFTEST_JOB, jobs.selftest)
    areas.job(notifications.SEND_OUTBOX_JOB, notifications.send_outbox_job)
    schedule.register_ground_floor_tasks(areas)

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico on their own: answer with the SVG mark rather than a 404."""
        return redirect(url_for("static", filename="favicon.svg"), code=301)
