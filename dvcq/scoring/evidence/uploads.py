"""Uploading a file into the unit's evidence library: streamed into storage, checked, recorded with its audit record.

An upload is checked before anything is kept: the name (NFC, kept as the user sees it, no control characters or bidi
overrides, at most 1,000 characters, an allowed extension), the first bytes (the content must be what the extension
says: a renamed .exe, HTML, SVG or a script is refused), the size (MAX_UPLOAD_MB, counted while streaming), and for
DOCX/XLSX/ODT/ODS the ZIP inside (its members must say what it is, and its uncompressed size must be sane: no zip
bombs). The same bytes twice in one unit's library (same SHA-256) are refused with the file already there
(`Duplicate`), so the page can offer it instead. The bytes stream to storage under a random key; if anything fails
after that — a late check, the database insert, the audit record — the stored file is deleted, so a failed upload
leaves no file and no row. On the local disk,
the upload page's request writes the file part straight into the storage's staging area as it parses the body (hashing
and counting on the way, dvcq/platform/uploads.py); `upload` then checks the staged file and commits it (fsync + rename)
or discards it, so the bytes cross the disk once."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from typing import BinaryIO

from sqlalchemy import select

from dvcq.platform import audit, clock
from dvcq.platform.errors import Conflict, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.storage import CHUNK, StagedFile, Storage, get_storage
from dvcq.scoring.evidence.file_checks import (
    ALLOWED,
    FAMILY_OF,
    HEAD,
    TooLarge,
    UploadInterrupted,
    check_document_zip,
    check_head,
    clean_meta,
    clean_name,
    max_upload_bytes,
    too_large_message,
)
from dvcq.scoring.evidence.services import _summary, _unit_staff_of
from dvcq.scoring.models import Evidence

log = logging.getLogger(__name__)


class Duplicate(Conflict):
    """The uploaded bytes are already in the unit's library as `existing`: nothing new is kept."""

    def __init__(self, name: str, existing: Evidence):
        same = "" if name == existing.original_name else f" «{existing.original_name}»"
        super().__init__(
            f"Tệp «{name}» có nội dung trùng với tệp{same} đã có trong thư viện của đơn vị (tải lên lúc "
            f"{vn_datetime(existing.uploaded_at)}), nên không lưu thêm bản thứ hai. Hãy dùng tệp có sẵn."
        )
        self.existing = existing


def _refuse_copy(unit_id: int, sha256: str, name: str) -> None:
    existing = db.session.execute(
        select(Evidence).where(Evidence.unit_id == unit_id, Evidence.sha256 == sha256).order_by(Evidence.id).limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        raise Duplicate(name, existing)


# ---- streaming ----------------------------------------------------------------------------------------------------


class _Incoming:
    """The upload as it arrives: counts bytes against the limit and tells a dropped connection from our own errors."""

    def __init__(self, stream: BinaryIO, limit: int):
        self.stream, self.limit, self.size = stream, limit, 0

    def read(self, n: int = -1) -> bytes:
        try:
            chunk = self.stream.read(n if n and n > 0 else CHUNK)
        except Exception as err:
            raise UploadInterrupted(
                "Quá trình tải lên bị gián đoạn nên tệp chưa được lưu. Vui lòng kiểm tra kết nối và tải lên lại."
            ) from err
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(too_large_message(self.limit))
        return chunk

    def read_head(self, n: int) -> bytes:
        pieces, got = [], 0
        while got < n:
            chunk = self.read(n - got)
            if not chunk:
                break
            pieces.append(chunk)
            got += len(chunk)
        return b"".join(pieces)


class _Chain:
    """The head already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest: _Incoming):
        self.head, self.rest = io.BytesIO(head), rest

    def read(self, n: int = -1) -> bytes:
        return self.head.read(n) or self.rest.read(n)


@contextlib.contextmanager
def _seekable(storage: Storage, key: str):
    """The stored file as a seekable stream (zipfile needs one): directly if the backend gives one, else a copy."""
    stream = storage.open(key)
    try:
        if getattr(stream, "seekable", lambda: False)():
            yield stream
            return
        with tempfile.TemporaryFile() as copy:
            while chunk := stream.read(CHUNK):
                copy.write(chunk)
            copy.seek(0)
            yield copy
    finally:
        stream.close()


# ---- the upload ---------------------------------------------------------------------------------------------------


def upload(actor, unit_id: int, file_storage, meta: dict | None, *, storage: Storage | None = None) -> Evidence:
    """Stream an uploaded file (a werkzeug FileStorage: `.filename`, `.stream`) into the unit's library.
    Every refusal is a ServiceError with a Vietnamese message (TooLarge → 413), and leaves no file and no row.

    When the request already wrote the file into the storage's staging area while parsing it (a `StagedFile`
    stream, dvcq/platform/uploads.py), the bytes are not read again: the checks use its head, size and SHA-256, and
    the staged file is committed (fsync + rename) — or discarded on any refusal or error."""
    staged = getattr(file_storage, "stream", None)
    if isinstance(staged, StagedFile):
        try:
            return _upload_staged(actor, unit_id, file_storage.filename, staged, meta, storage or get_storage())
        finally:
            staged.discard()  # a no-op once committed
    _unit_staff_of(actor, unit_id)
    name, ext = clean_name(getattr(file_storage, "filename", None))
    clean = clean_meta(meta)
    storage = storage or get_storage()
    limit = max_upload_bytes()
    incoming = _Incoming(file_storage.stream, limit)
    head = incoming.read_head(HEAD)
    if not head:
        raise _empty(name)
    check_head(head, name, ext)
    key = storage.new_key()
    try:
        size, sha256 = storage.save(_Chain(head, incoming), key)
        if size > limit:  # _Incoming already refuses; a backend must never be trusted to have stopped
            raise TooLarge(too_large_message(limit))
        _refuse_copy(unit_id, sha256, name)
        if FAMILY_OF.get(ext) is None:
            with _seekable(storage, key) as stored:
                check_document_zip(stored, size, name, ext)
        return _insert(actor, unit_id, key, sha256, size, name, ext, clean)
    except BaseException:
        _forget(storage, key)
        raise


def _upload_staged(actor, unit_id: int, filename, staged: StagedFile, meta, storage: Storage) -> Evidence:
    _unit_staff_of(actor, unit_id)
    name, ext = clean_name(filename)
    clean = clean_meta(meta)
    if staged.storage is not storage:
        raise ServiceError("Tệp tải lên không thuộc kho lưu trữ hiện hành. Vui lòng tải lên lại.")
    limit = max_upload_bytes()
    if staged.too_large or staged.size > limit:
        raise TooLarge(too_large_message(limit))
    head = staged.head
    if not head:
        raise _empty(name)
    check_head(head, name, ext)
    if FAMILY_OF.get(ext) is None:
        staged.seek(0)
        check_document_zip(staged, staged.size, name, ext)
    sha256, size = staged.sha256(), staged.size
    _refuse_copy(unit_id, sha256, name)
    key = storage.commit(staged)
    try:
        return _insert(actor, unit_id, key, sha256, size, name, ext, clean)
    except BaseException:
        _forget(storage, key)
        raise


def _empty(name: str) -> ServiceError:
    return ServiceError(f"Tệp «{name}» rỗng (0 byte) nên không được lưu. Vui lòng chọn đúng tệp.")


def _insert(actor, unit_id: int, key: str, sha256: str, size: int, name: str, ext: str, clean: dict) -> Evidence:
    evidence = Evidence(
        unit_id=unit_id,
        storage_key=key,
        sha256=sha256,
        size=size,
        content_type=ALLOWED[ext][1],
        original_name=name,
        uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
        **clean,
    )
    audit.record_new(evidence, "evidence.uploaded", actor=actor, after=_summary(evidence))
    db.session.commit()
    return evidence


def _forget(storage: Storage, key: str) -> None:
    """After a failure: no row (rollback) and no file."""
    db.session.rollback()
    try:
        storage.delete(key)
    except Exception:  # the original error matters more; an orphan file is logged for the operator
        log.exception("could not delete stored file %s after a failed upload", key)
