"""Where uploaded files live: a small storage interface (in the spirit of CTFd's uploaders) with a local-disk backend
and an S3-compatible one, chosen by `STORAGE_URL`.

Files are written under a random key (`ab/cd/<uuid4 hex>`) that says nothing about the file and is never under a
static folder; the database keeps the original name, size, SHA-256 and type. `save` streams in chunks, so memory stays
bounded whatever the file's size, and a failed save leaves nothing behind.

The local backend can also *stage* a file (`LocalStorage.stage`): the caller writes the bytes as they arrive into a
nameless file (O_TMPFILE; elsewhere a hidden `.tmp-` file) in the final key's directory, which counts them, hashes
them (SHA-256) and keeps the first bytes for content checks; `commit` then only fsyncs and links or renames it into
place, `discard` removes it. Uploads use this to write the request body once, straight where it will live
(dvcq/platform/uploads.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import tempfile
import threading
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlparse

CHUNK = 1024 * 1024
# A staged file asks the kernel to start writing it out every this many bytes (0: never; not on every platform).
WRITEBACK_EVERY = 8 * 1024 * 1024 if hasattr(os, "posix_fadvise") else 0
# A staged file past this size hashes in a helper thread (hashlib releases the GIL), overlapping the SHA-256 with
# reading the request; at most HASH_QUEUE blocks wait for it, so memory stays bounded.
HASH_THREAD_AFTER = 4 * 1024 * 1024
HASH_QUEUE = 2  # blocks of CHUNK waiting for the hashing thread: ~3 MiB in flight per upload
# Staged files without a name until committed (Linux: O_TMPFILE, named by linking /proc/self/fd/N).
ANONYMOUS_FILES = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


class StorageError(RuntimeError):
    """A backend is misconfigured or a key is not acceptable."""


def new_key() -> str:
    """A random key that spreads files over 65,536 directories: `ab/cd/abcd…` (32 hex digits)."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name[2:4]}/{name}"


def check_key(key: str) -> str:
    """Keys are relative paths of plain segments: no `..`, no leading `/` or dot, nothing a path could escape by."""
    if not isinstance(key, str) or len(key) > 200 or not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise StorageError(f"Khoá lưu trữ không hợp lệ: {key!r}")
    return key


def _chunks(stream: BinaryIO, size: int = CHUNK):
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


class Storage(ABC):
    """Put, read and remove files by key."""

    new_key = staticmethod(new_key)

    @abstractmethod
    def save(self, stream: BinaryIO, key: str) -> tuple[int, str]:
        """Stream `stream` to `key` in chunks; return (size in bytes, SHA-256 hex). On any error nothing is kept
        under `key` and the error propagates."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the stored bytes (the caller closes it). FileNotFoundError if missing."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; a missing key is not an error (deleting is idempotent)."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self) -> list[str]:
        """Every stored key, sorted (for backups); files being written are not listed."""


class StagedFile:
    """A file being written into storage, not yet under its key: `write` counts, hashes (past HASH_THREAD_AFTER in a
    helper thread, overlapping with the caller's reading) and keeps the first `head_size` bytes; past `limit` bytes
    it only counts (nothing more is written: the caller refuses the file by `size`). Readable and seekable like a
    file (it is one), so it can stand in for Werkzeug's spooled upload."""

    def __init__(self, storage: LocalStorage, key: str, temp: str | None, fd: int, limit: int | None, head_size: int):
        self.storage, self.key, self.temp = storage, key, temp
        self.limit, self.head_size = limit, head_size
        self.file = os.fdopen(fd, "w+b", buffering=0)  # raw FileIO: a write is one os.write, no extra copy
        self.size, self._sha256, self._head = 0, hashlib.sha256(), bytearray()
        self._hasher: _Hasher | None = None
        self.committed = self.discarded = False

    def write(self, data) -> int:
        n = len(data)
        if self.limit is not None and self.size + n > self.limit:
            keep = max(0, self.limit - self.size)
            if keep:
                self._take(memoryview(data)[:keep])
            self.size += n - keep
            return n
        self._take(data)
        return n

    def _take(self, data) -> None:
        if len(self._head) < self.head_size:
            self._head += bytes(data[: self.head_size - len(self._head)])
        view = memoryview(data)
        while view:  # a raw write may be short
            view = view[self.file.write(view) :]
        if self._hasher is not None:
            self._hasher.add(bytes(data))  # a copy: the caller may reuse its buffer as soon as we return
        else:
            self._sha256.update(data)
            if HASH_THREAD_AFTER and self.size + len(data) > HASH_THREAD_AFTER:
                self._hasher = _Hasher(self._sha256)
        before, self.size = self.size, self.size + len(data)
        if WRITEBACK_EVERY and before // WRITEBACK_EVERY != self.size // WRITEBACK_EVERY:
            self._start_writeback()

    def _start_writeback(self) -> None:
        # Start writing what we have to disk now, in the background, so the fsync of `commit` has little left to do
        # (and a large upload does not sit in the page cache): on Linux POSIX_FADV_DONTNEED starts writeback of the
        # dirty pages and drops the pages already written.
        with contextlib.suppress(OSError):
            os.posix_fadvise(self.file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    @property
    def too_large(self) -> bool:
        return self.limit is not None and self.size > self.limit

    def sha256(self) -> str:
        self._stop_hashing()
        return self._sha256.hexdigest()

    def _stop_hashing(self) -> None:
        if self._hasher is not None:
            hasher, self._hasher = self._hasher, None
            hasher.finish()

    # the file API Werkzeug's FileStorage and zipfile need
    def read(self, n: int = -1) -> bytes:
        return self.file.read(n)

    def readinto(self, buffer) -> int:
        return self.file.readinto(buffer)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    @property
    def closed(self) -> bool:
        return self.file.closed

    def close(self) -> None:
        """Closing a staged file that was never committed discards it (Werkzeug closes a request's files)."""
        self.discard()

    def discard(self) -> None:
        """Remove the staged bytes (idempotent; a committed file is the storage's now and stays)."""
        with contextlib.suppress(Exception):
            self._stop_hashing()
        if not self.file.closed:
            self.file.close()
        if not self.committed and not self.discarded:
            self.discarded = True
            if self.temp is not None:  # an anonymous file is gone once closed
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.temp)


class _Hasher:
    """SHA-256 of the blocks given to `add`, in order, in a daemon thread; `finish` waits for the last one."""

    def __init__(self, sha256):
        self.sha256, self.error = sha256, None
        self.blocks: queue.Queue = queue.Queue(maxsize=HASH_QUEUE)
        self.thread = threading.Thread(target=self._run, name="dvcq-upload-sha256", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (block := self.blocks.get()) is not None:
            if self.error is None:
                try:
                    self.sha256.update(block)
                except BaseException as err:  # noqa: BLE001 — reported by finish()
                    self.error = err

    def add(self, block: bytes) -> None:
        self.blocks.put(block)

    def finish(self) -> None:
        self.blocks.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError("SHA-256 của tệp tải lên không tính được.") from self.error


def _link_anonymous(fd: int, final: Path) -> None:
    """Name an O_TMPFILE file: linkat(AT_SYMLINK_FOLLOW) of /proc/self/fd/N. (A dir fd is passed because os.link
    falls back to plain link(2), which does not follow the /proc symlink, when none is.)"""
    directory = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", final.name, dst_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)


class LocalStorage(Storage):
    """Files on local disk under `root`. Each save writes a temporary file in the target directory and renames it into
    place with `os.replace`, so a reader never sees a partial file; on any error the temporary file is removed."""

    TEMP_PREFIX = ".tmp-"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageError(f"Khoá lưu trữ không hợp lệ: {key!r}")
        return path

    def save(self, stream: BinaryIO, key: str) -> tuple[int, str]:
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=final.parent, prefix=self.TEMP_PREFIX)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(stream):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        self._sync_dir(final.parent)
        return size, digest.hexdigest()

    def stage(self, *, limit: int | None = None, head_size: int = 8192) -> StagedFile:
        """A new staged file under a new key: write to it, then `commit` it (or `discard` it).

        On Linux it is an anonymous file (O_TMPFILE) in the key's directory: it has no name until `commit` links it,
        so even a worker killed half way through an upload (gunicorn's timeout sends SIGKILL) leaves nothing behind.
        Elsewhere, or on a filesystem without O_TMPFILE, it is a hidden `.tmp-` file, removed on every error."""
        key = self.new_key()
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        if ANONYMOUS_FILES:
            try:
                fd = os.open(final.parent, os.O_TMPFILE | os.O_RDWR, 0o600)
            except OSError:
                pass
            else:
                return StagedFile(self, key, None, fd, limit, head_size)
        fd, temp = tempfile.mkstemp(dir=final.parent, prefix=self.TEMP_PREFIX)
        return StagedFile(self, key, temp, fd, limit, head_size)

    def commit(self, staged: StagedFile) -> str:
        """Make a staged file durable under its key (fsync, atomic rename, directory fsync); return the key. On any
        error the staged file is removed and the error propagates."""
        if staged.storage is not self or staged.committed or staged.discarded:
            raise StorageError("Tệp tạm không còn để lưu.")
        try:
            os.fsync(staged.file.fileno())
            final = self.path(staged.key)
            if staged.temp is None:  # anonymous: give it its name (the key is new, so nothing is there)
                _link_anonymous(staged.file.fileno(), final)
                staged.file.close()
            else:
                staged.file.close()
                os.replace(staged.temp, final)
        except BaseException:
            staged.discard()
            raise
        staged.committed = True
        self._sync_dir(final.parent)
        return staged.key

    @staticmethod
    def _sync_dir(directory: Path) -> None:
        # The rename is durable only once the directory entry is on disk.
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")  # noqa: SIM115 — the caller closes the stream

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(self.TEMP_PREFIX):
                key = path.relative_to(self.root).as_posix()
                if KEY_PATTERN.match(key):
                    found.append(key)
        return sorted(found)


class S3Storage(Storage):
    """An S3-compatible bucket: `s3://bucket/prefix?endpoint=http://host:port&region=…`. Credentials come from the
    standard AWS environment variables (or any source boto3 reads). Saves use a multipart upload of PART_SIZE parts,
    so memory holds at most one part; a failed save aborts the upload, leaving no object."""

    PART_SIZE = 8 * 1024 * 1024  # S3 needs parts of at least 5 MiB except the last

    def __init__(self, url: str, client=None):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise StorageError(f"STORAGE_URL không hợp lệ cho S3 (cần s3://bucket/prefix): {url!r}")
        self.bucket = parsed.netloc
        self.prefix = unquote(parsed.path).strip("/")
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=options.get("endpoint") or None,
                region_name=options.get("region") or None,
                config=Config(s3={"addressing_style": options.get("addressing", "path")}, retries={"mode": "standard"}),
            )
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream: BinaryIO, key: str) -> tuple[int, str]:
        name = self.object_key(key)
        digest, size = hashlib.sha256(), 0
        first = _read_part(stream, self.PART_SIZE)
        digest.update(first)
        size += len(first)
        if len(first) < self.PART_SIZE:  # the whole file fits in one part: a single PUT
            self.client.put_object(Bucket=self.bucket, Key=name, Body=first)
            return size, digest.hexdigest()
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=name)["UploadId"]
        try:
            parts, number, part = [], 1, first
            while part:
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                part = _read_part(stream, self.PART_SIZE)
                digest.update(part)
                size += len(part)
                number += 1
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise
        return size, digest.hexdigest()

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from err
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True

    def keys(self) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                found.append(item["Key"][len(start) :])
        return sorted(found)


def _read_part(stream: BinaryIO, size: int) -> bytes:
    """Read up to `size` bytes in CHUNK reads (a stream may return fewer bytes than asked)."""
    pieces, got = [], 0
    while got < size:
        chunk = stream.read(min(CHUNK, size - got))
        if not chunk:
            break
        pieces.append(chunk)
        got += len(chunk)
    return b"".join(pieces)


def from_url(url: str) -> Storage:
    """`file:///absolute/path` → LocalStorage; `s3://bucket/prefix?endpoint=…&region=…` → S3Storage."""
    parsed = urlparse(url or "")
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost") or not parsed.path:
            raise StorageError(f"STORAGE_URL không hợp lệ (cần file:///đường/dẫn/tuyệt/đối): {url!r}")
        return LocalStorage(unquote(parsed.path))
    if parsed.scheme == "s3":
        return S3Storage(url)
    raise StorageError(f"STORAGE_URL không được hỗ trợ: {url!r} (dùng file:///… hoặc s3://…)")


def get_storage(app=None) -> Storage:
    """The app's storage, built once from `STORAGE_URL` (rebuilt if the setting changes, as tests do)."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    url = app.config["STORAGE_URL"]
    cached = app.extensions.get("dvcq_storage")
    if cached is None or cached[0] != url:
        cached = (url, from_url(url))
        app.extensions["dvcq_storage"] = cached
    return cached[1]
