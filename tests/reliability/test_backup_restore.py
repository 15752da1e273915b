"""`dvcq backup DIR` / `dvcq restore DIR`: a consistent snapshot of the database and every stored file with a manifest
of hashes, restored into an empty deployment — same row counts, same audit chain, same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from werkzeug.datastructures import FileStorage

from dvcq.app import create_app
from dvcq.platform import audit
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import Evidence
from tests.conftest import PG_URL, _config


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def _seed_files(world) -> dict[str, str]:
    """Evidence uploaded by the officers of A and B through the service (files + rows + audit records)."""
    stored = {}
    with scoped(SYSTEM):
        for login, unit_id in (("canbo.a", world.a_id), ("canbo.b", world.b_id)):
            for n in range(3):
                data = b"%PDF-1.7\n" + os.urandom(2000 + 977 * n)
                upload = FileStorage(io.BytesIO(data), filename=f"Báo cáo số {n} – {login}.pdf")
                row = uploads.upload(_user(login), unit_id, upload, {})
                stored[row.storage_key] = hashlib.sha256(data).hexdigest()
    return stored


def _target(app, tmp_path):
    """A fresh deployment: a new instance folder, an empty storage and an empty database (not even migrated)."""
    instance = tmp_path / "fresh"
    instance.mkdir()
    if PG_URL:
        name = f"dvcq_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        name, url = None, f"sqlite:///{instance / 'dvcq.sqlite3'}"
    return create_app(_config(url, instance)), name


def _in(other, args):
    """Run a command in another deployment (its own app context: the CLI uses the current app)."""
    with other.app_context():
        result = other.test_cli_runner().invoke(args=args)
        db.session.remove()
        db.engine.dispose()
    return result


def _drop(name):
    if name:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_then_restore_into_an_empty_deployment_gives_the_same_rows_chain_and_files(app, world, runner, tmp_path):
    stored = _seed_files(world)
    with scoped(SYSTEM):
        evidence_rows = db.session.execute(select(Evidence.storage_key, Evidence.sha256)).all()
        count, bad, _ = audit.verify()
    assert dict(evidence_rows) == stored
    assert bad is None and count >= 6

    folder = tmp_path / "backup"
    result = runner.invoke(args=["dvcq", "backup", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {f["key"]: f["sha256"] for f in manifest["files"]} == stored
    assert manifest["tables"]["evidence"] == 6 and manifest["tables"]["audit_log"] == count
    assert manifest["audit_head"]["seq"] == count
    assert manifest["app_version"] and manifest["created_at"]
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / "files" / entry["key"]).read_bytes()).hexdigest() == entry["sha256"]

    fresh, dbname = _target(app, tmp_path)
    try:
        result = _in(fresh, ["dvcq", "restore", str(folder)])
        assert result.exit_code == 0, result.output
        assert "đều khớp" in result.output
        with fresh.app_context():
            with db.engine.connect() as conn:
                for table, rows in manifest["tables"].items():
                    assert conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() == rows, table
            with scoped(SYSTEM):
                again, bad, why = audit.verify()
            assert bad is None and again == count, why
            restored = get_storage()
            assert restored.keys() == sorted(stored)
            for key, sha in stored.items():
                with restored.open(key) as stream:
                    assert hashlib.sha256(stream.read()).hexdigest() == sha
            db.session.remove()
            db.engine.dispose()

        # a second restore into the now non-empty deployment is refused, in Vietnamese, changing nothing
        result = _in(fresh, ["dvcq", "restore", str(folder)])
        assert result.exit_code == 1
        assert "Hệ thống đích đã có dữ liệu" in result.output
    finally:
        with fresh.app_context():
            db.engine.dispose()
        _drop(dbname)


def test_restore_refuses_a_backup_whose_file_was_altered_and_changes_nothing(app, world, runner, tmp_path):
    _seed_files(world)
    folder = tmp_path / "backup"
    assert runner.invoke(args=["dvcq", "backup", str(folder)]).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    victim = folder / "files" / manifest["files"][0]["key"]
    data = bytearray(victim.read_bytes())
    data[100] ^= 1  # one altered bit
    victim.write_bytes(bytes(data))

    fresh, dbname = _target(app, tmp_path)
    try:
        result = _in(fresh, ["dvcq", "restore", str(folder)])
        assert result.exit_code == 1
        assert "Bản sao lưu không toàn vẹn" in result.output and manifest["files"][0]["key"] in result.output
        with fresh.app_context():
            assert get_storage().keys() == []
            db.engine.dispose()
    finally:
        _drop(dbname)


def test_backup_refuses_a_folder_that_is_not_empty(app, world, runner, tmp_path):
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "something").write_text("x")
    result = runner.invoke(args=["dvcq", "backup", str(folder)])
    assert result.exit_code == 1 and "đã có dữ liệu" in result.output


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (DVCQ_TEST_DATABASE_URL)")
def test_the_postgresql_backup_is_a_custom_format_pg_dump(app, world, runner, tmp_path):
    folder = tmp_path / "backup"
    assert runner.invoke(args=["dvcq", "backup", str(folder)]).exit_code == 0
    assert (folder / "database.pgdump").read_bytes()[:5] == b"PGDMP"
