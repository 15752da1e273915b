"""Backup and restore of a whole deployment: the database and every stored file, with a manifest of hashes.

`backup(directory)` takes a consistent snapshot of the database first — SQLite's online backup API, or `pg_dump -Fc`
inside a repeatable-read snapshot whose row counts and audit chain head go into the manifest — then copies every file
from storage (files are stored before the rows that point at them, and never changed, so every file the snapshot
refers to is there). `manifest.json` lists each file's SHA-256 and size, the row count of every table, the audit
chain head, the app version and the time.

`restore(directory)` accepts only an empty deployment (no rows, no stored files), checks every hash before touching
anything, loads the database and the files, then checks row counts, the audit chain head and every file's hash again.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from dvcq.platform import clock
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "files"
CHUNK = 1024 * 1024


def _sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("dvcq")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _kind() -> str:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


def _pg_tool(name: str) -> str:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if os.access(Path(folder) / name, os.X_OK):
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        raise ServiceError(f"Không tìm thấy chương trình {name} (cài gói postgresql-client).")
    return found


def _pg_url() -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _counts(conn) -> dict[str, int]:
    """Rows of every table (a SQLAlchemy connection or a sqlite3 one)."""
    if isinstance(conn, sqlite3.Connection):
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        names = [n for n in names if not n.startswith("sqlite_")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}
    names = inspect(conn).get_table_names()
    return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in sorted(names)}


def _audit_table() -> str:
    from dvcq.platform.audit import AuditRecord

    return AuditRecord.__tablename__


def backup(directory: str | os.PathLike[str]) -> dict:
    """Write the snapshot into `directory` (new or empty); return the manifest."""
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise ServiceError(f"Thư mục sao lưu «{target}» đã có dữ liệu; hãy chọn một thư mục mới hoặc trống.")
    (target / FILES).mkdir(parents=True, exist_ok=True)
    kind = _kind()
    if kind == "sqlite":
        database = target / SQLITE_FILE
        source = sqlite3.connect(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database)
        copy = sqlite3.connect(database)
        try:
            source.backup(copy)
            tables, head = _counts(copy), _audit_head_sqlite(copy)
        finally:
            copy.close()
            source.close()
    elif kind == "postgresql":
        database = target / PG_FILE
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables, head = _counts(conn), _audit_head_sa(conn)
            run = subprocess.run(
                [_pg_tool("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(database), "-d", _pg_url()],
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                raise ServiceError(f"pg_dump không thành công: {run.stderr.strip()}")
    else:
        raise ServiceError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại {kind}.")
    size, sha = _sha256(database)
    storage = get_storage()
    files = []
    for key in storage.keys():  # noqa: SIM118 — a Storage, not a dict
        path = target / FILES / key
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, got = hashlib.sha256(), 0
        with storage.open(key) as stream, open(path, "wb") as out:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                got += len(chunk)
        files.append({"key": key, "size": got, "sha256": digest.hexdigest()})
    manifest = {
        "format": 1,
        "app_version": _version(),
        "created_at": clock.utc().isoformat(timespec="seconds"),
        "database": {"kind": kind, "file": database.name, "size": size, "sha256": sha},
        "tables": tables,
        "audit_head": head,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _audit_head_sqlite(conn: sqlite3.Connection) -> dict | None:
    row = conn.execute(f'SELECT seq, hash FROM "{_audit_table()}" ORDER BY seq DESC LIMIT 1').fetchone()
    return {"seq": int(row[0]), "hash": row[1]} if row else None


def _audit_head_sa(conn) -> dict | None:
    row = conn.execute(text(f'SELECT seq, hash FROM "{_audit_table()}" ORDER BY seq DESC LIMIT 1')).first()
    return {"seq": int(row[0]), "hash": row[1]} if row else None


def _read_manifest(source: Path) -> dict:
    try:
        return json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ServiceError(f"Không có {MANIFEST} trong «{source}»: đây không phải một bản sao lưu.") from err
    except ValueError as err:
        raise ServiceError(f"{MANIFEST} trong «{source}» bị hỏng: {err}") from err


def verify_backup(source: str | os.PathLike[str]) -> dict:
    """Check every hash in the backup; ServiceError listing each problem."""
    source = Path(source)
    manifest = _read_manifest(source)
    problems = []
    entries = [(manifest["database"]["file"], manifest["database"])]
    entries += [(f"{FILES}/{f['key']}", f) for f in manifest["files"]]
    for name, entry in entries:
        path = source / name
        if not path.is_file():
            problems.append(f"Thiếu tệp {name}")
            continue
        size, sha = _sha256(path)
        if (size, sha) != (entry["size"], entry["sha256"]):
            problems.append(f"Tệp {name} không khớp mã băm trong {MANIFEST}")
    if problems:
        raise ServiceError("Bản sao lưu không toàn vẹn; không khôi phục.", problems)
    return manifest


def _is_empty() -> list[str]:
    """What the current deployment already holds (empty list when empty)."""
    held = []
    with db.engine.connect() as conn:
        for name, count in _counts(conn).items():
            if name != "alembic_version" and count:
                held.append(f"bảng {name}: {count} dòng")
    keys = get_storage().keys()
    if keys:
        held.append(f"kho tệp: {len(keys)} tệp")
    return held


def restore(source: str | os.PathLike[str]) -> dict:
    """Restore a backup into this (empty) deployment; return the manifest after every check passed."""
    source = Path(source)
    manifest = verify_backup(source)
    held = _is_empty()
    if held:
        raise ServiceError(
            "Hệ thống đích đã có dữ liệu; chỉ khôi phục vào một hệ thống mới, chưa có dữ liệu.", held[:10]
        )
    kind = _kind()
    if manifest["database"]["kind"] != kind:
        raise ServiceError(f"Bản sao lưu là cơ sở dữ liệu {manifest['database']['kind']}, hệ thống đích dùng {kind}.")
    database = source / manifest["database"]["file"]
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
        copy = sqlite3.connect(database)
        target = sqlite3.connect(path)
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()
    else:
        with db.engine.begin() as conn:  # an empty, maybe migrated, schema: make room for the dump's own
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        run = subprocess.run(
            [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                _pg_url(),
                str(database),
            ],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise ServiceError(f"pg_restore không thành công: {run.stderr.strip()}")
    storage = get_storage()
    problems = []
    for entry in manifest["files"]:
        with open(source / FILES / entry["key"], "rb") as stream:
            size, sha = storage.save(stream, entry["key"])
        if (size, sha) != (entry["size"], entry["sha256"]):
            problems.append(f"Tệp {entry['key']} lưu vào kho không khớp mã băm")
    problems += check_against(manifest)
    if problems:
        raise ServiceError("Khôi phục xong nhưng kiểm tra sau khôi phục không khớp.", problems)
    return manifest


def check_against(manifest: dict) -> list[str]:
    """Compare this deployment with a manifest: row counts, audit chain head, every file's hash."""
    problems = []
    with db.engine.connect() as conn:
        tables, head = _counts(conn), _audit_head_sa(conn)
    for name, count in manifest["tables"].items():
        if tables.get(name) != count:
            problems.append(f"Bảng {name}: {tables.get(name)} dòng, bản sao lưu có {count}")
    if head != manifest["audit_head"]:
        problems.append("Đầu chuỗi nhật ký không khớp bản sao lưu")
    storage = get_storage()
    for entry in manifest["files"]:
        digest, size = hashlib.sha256(), 0
        try:
            with storage.open(entry["key"]) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except FileNotFoundError:
            problems.append(f"Thiếu tệp {entry['key']} trong kho")
            continue
        if (size, digest.hexdigest()) != (entry["size"], entry["sha256"]):
            problems.append(f"Tệp {entry['key']} trong kho không khớp mã băm")
    return problems
