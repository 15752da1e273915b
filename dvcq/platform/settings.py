"""Settings from the environment, with safe defaults for the demo and a production check that names the problem."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_MAX_UPLOAD_MB = 20
# argon2id at OWASP's minimum (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
PASSWORD_HASH_MEMORY_KIB = 19456
PASSWORD_HASH_TIME_COST = 2
PASSWORD_HASH_PARALLELISM = 1


class UnsafeSettings(RuntimeError):
    """Production refuses to start; the message names every unsafe setting."""


def _instance_secret(instance: Path) -> str:
    """A secret generated once into instance/ so local sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance: Path, env: dict[str, str] | None = None) -> dict:
    """Flask config from environment variables; see the README's configuration table."""
    env = dict(os.environ if env is None else env)
    production = env.get("DVCQ_ENV", "development") == "production"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'dvcq.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    redis_url = env.get("REDIS_URL") or None
    max_upload_mb = int(env.get("MAX_UPLOAD_MB") or DEFAULT_MAX_UPLOAD_MB)
    session_idle_minutes = int(env.get("SESSION_IDLE_MINUTES") or 120)
    session_lifetime_hours = int(env.get("SESSION_LIFETIME_HOURS") or 12)
    config = {
        "DVCQ_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "SECRET_KEY": env.get("SECRET_KEY") or (None if production else _instance_secret(instance)),
        "STORAGE_URL": env.get("STORAGE_URL") or f"file://{instance / 'evidence'}",
        "MAX_UPLOAD_MB": max_upload_mb,
        # Flask answers 413 itself beyond this; the form fields around a file are small.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024 + 64 * 1024,
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT") or 25),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": env.get("SMTP_FROM") or "dvcq@localhost",
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "0") == "1",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Failed logins (README, «Login throttling»): strict per account from one address, looser per account from
        # all addresses, and per address high enough for a commune office (or a provincial network) behind one NAT.
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": env.get("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS") or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT") or "20 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS") or "200 per 15 minutes",
        # Requests to the JSON API allowed per token (then 429 with Retry-After).
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "120 per minute",
        "PASSWORD_HASH_MEMORY_KIB": int(env.get("PASSWORD_HASH_MEMORY_KIB") or PASSWORD_HASH_MEMORY_KIB),
        "PASSWORD_HASH_TIME_COST": int(env.get("PASSWORD_HASH_TIME_COST") or PASSWORD_HASH_TIME_COST),
        "PASSWORD_HASH_PARALLELISM": int(env.get("PASSWORD_HASH_PARALLELISM") or PASSWORD_HASH_PARALLELISM),
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto/-Host are then trusted, so
        # login limits count the real client address. 0 when the app faces clients directly.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "SESSION_COOKIE_SECURE": production or env.get("SESSION_COOKIE_SECURE") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "dvcq_session",
        # A session ends on the server after this long without a request, and this long after its login, whatever
        # the cookie says (the cookie lasts as long as the second).
        "SESSION_IDLE_MINUTES": session_idle_minutes,
        "SESSION_LIFETIME_HOURS": session_lifetime_hours,
        "PERMANENT_SESSION_LIFETIME": session_lifetime_hours * 3600,
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "JOBS_INLINE": False,
    }
    if production:
        check_production(config)
    return config


def check_production(config: dict) -> None:
    problems = []
    if not config.get("SECRET_KEY") or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY phải được đặt và dài ít nhất 32 ký tự")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL phải trỏ tới PostgreSQL, không dùng SQLite khi vận hành thật")
    if not config.get("REDIS_URL"):
        problems.append("REDIS_URL phải được đặt (hàng đợi công việc và giới hạn đăng nhập dùng chung)")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE phải bật (chỉ phục vụ qua HTTPS)")
    if problems:
        raise UnsafeSettings("Không khởi động ở chế độ production vì: " + "; ".join(problems) + ".")
