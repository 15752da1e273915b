"""Settings: safe demo defaults, and a production mode that refuses to start on an unsafe setting."""

import pytest

from dvcq.platform import settings
from dvcq.platform.settings import UnsafeSettings


def test_demo_defaults_use_sqlite_in_instance_and_a_generated_secret(tmp_path):
    config = settings.load(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'dvcq.sqlite3'}"
    assert config["REDIS_URL"] is None
    assert len(config["SECRET_KEY"]) == 64
    assert settings.load(tmp_path, {})["SECRET_KEY"] == config["SECRET_KEY"]  # generated once, then kept
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_names_every_unsafe_setting(tmp_path):
    with pytest.raises(UnsafeSettings) as err:
        settings.load(tmp_path, {"DVCQ_ENV": "production", "SECRET_KEY": "ngan"})
    message = str(err.value)
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        assert name in message


def test_production_starts_with_safe_settings(tmp_path):
    config = settings.load(
        tmp_path,
        {
            "DVCQ_ENV": "production",
            "SECRET_KEY": "k" * 40,
            "DATABASE_URL": "postgresql://u@db/dvcq",
            "REDIS_URL": "redis://cache:6379/0",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/dvcq"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_max_upload_sets_the_request_limit(tmp_path):
    config = settings.load(tmp_path, {"MAX_UPLOAD_MB": "5"})
    assert config["MAX_UPLOAD_MB"] == 5
    assert 5 * 1024 * 1024 < config["MAX_CONTENT_LENGTH"] < 6 * 1024 * 1024
