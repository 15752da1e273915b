"""The unit's evidence library (tài liệu kiểm chứng): upload, metadata, delete, and citing a file for an item.

An upload is checked before anything is kept: the name (NFC, no path, no control characters, at most 255 characters,
an allowed extension), the first bytes (the content must be what the extension says: a renamed .exe, HTML, SVG or a
script is refused), the size (MAX_UPLOAD_MB, counted while streaming), and for DOCX/XLSX/ODT/ODS the ZIP inside (its
members must say what it is, and its uncompressed size must be sane: no zip bombs). The bytes stream to storage
under a random key; if anything fails after that — a late check, the database insert, the audit record — the stored
file is deleted, so a failed upload leaves no file and no row. On the local disk, the upload page's request writes
the file part straight into the storage's staging area as it parses the body (hashing and counting on the way,
dvcq/platform/uploads.py); `upload` then checks the staged file and commits it (fsync + rename) or discards it, so
the bytes cross the disk once.

Name policy: a name longer than 255 characters is refused (not truncated) so the user picks the shorter name that
will be shown to the appraisers; a path (`../`, `C:\\…`) is stripped to its last segment, as old browsers send one;
the stem must contain at least one letter or digit ("ắằẳẵặ.pdf" is a fine name; a stem of nothing but combining
accents or punctuation is not).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import BinaryIO

import filetype
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from dvcq.platform import audit
from dvcq.platform.errors import MESSAGES, Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import VN, parse_vn_date, vn_date
from dvcq.platform.permissions import require
from dvcq.platform.storage import CHUNK, StagedFile, Storage, get_storage
from dvcq.scoring.models import AppraisalAssignment, Assessment, Evidence, EvidenceLink, ItemScore
from dvcq.scoring.selfassessment.rules import assert_editable
from dvcq.tenants.models import Role, Unit, User

log = logging.getLogger(__name__)

UNIT_ROLES = (Role.OFFICER, Role.LEADER)
READER_ROLES = (Role.OFFICER, Role.LEADER, Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP)

# What a unit may upload: extension → (what users call it, the content type we record and serve).
ALLOWED = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "odt": ("văn bản OpenDocument (ODT)", "application/vnd.oasis.opendocument.text"),
    "ods": ("bảng tính OpenDocument (ODS)", "application/vnd.oasis.opendocument.spreadsheet"),
    "jpg": ("ảnh JPG", "image/jpeg"),
    "jpeg": ("ảnh JPG", "image/jpeg"),
    "png": ("ảnh PNG", "image/png"),
}
ALLOWED_LIST = "PDF, DOCX, XLSX, ODT, ODS, JPG, PNG"
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}

MAX_NAME = 255
HEAD = 8192
MAX_UNZIPPED = 200 * 1024 * 1024  # a document that inflates beyond this is a zip bomb, not evidence
MAX_RATIO = 100
MAX_META = {"doc_number": 100, "issuer": 200, "description": 2000}
META_LABELS = {
    "doc_number": "Số, ký hiệu văn bản",
    "doc_date": "Ngày văn bản",
    "issuer": "Cơ quan ban hành",
    "description": "Mô tả",
}

NOT_FOUND = MESSAGES[404][1]  # the generic text: a foreign unit's file answers exactly like a missing one


class TooLarge(ServiceError):
    status = 413


class UploadInterrupted(ServiceError):
    """Reading the upload failed half way (the connection dropped)."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def too_large_message(limit_bytes: int | None = None) -> str:
    limit_mb = (limit_bytes if limit_bytes is not None else max_upload_bytes()) // (1024 * 1024)
    return (
        f"Tệp vượt quá dung lượng cho phép (tối đa {limit_mb} MB) nên chưa được lưu. "
        "Vui lòng giảm dung lượng (ví dụ quét với độ phân giải thấp hơn hoặc tách thành nhiều tệp) rồi tải lên lại."
    )


# ---- the name -----------------------------------------------------------------------------------------------------


def clean_name(raw: str | None) -> tuple[str, str]:
    """The name to keep (NFC, without any path) and its lower-case extension; ServiceError if unacceptable."""
    name = unicodedata.normalize("NFC", raw or "")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ServiceError(
            "Tên tệp chứa ký tự điều khiển (ký tự ẩn) không hợp lệ. Vui lòng đổi tên tệp rồi tải lên lại."
        )
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise ServiceError("Vui lòng chọn tệp cần tải lên.")
    if len(name) > MAX_NAME:
        raise ServiceError(
            f"Tên tệp dài {len(name)} ký tự, vượt quá {MAX_NAME} ký tự cho phép. "
            "Vui lòng đặt tên ngắn hơn rồi tải lên lại."
        )
    stem, dot, ext = name.rpartition(".")
    if not dot or not ext.strip():
        raise ServiceError(
            f"Tệp «{name}» không có phần mở rộng (ví dụ .pdf) nên không xác định được loại tệp. "
            f"Chỉ nhận các loại: {ALLOWED_LIST}."
        )
    ext = ext.strip().lower()
    if ext not in ALLOWED:
        raise ServiceError(f"Không nhận loại tệp .{ext}. Chỉ nhận các loại: {ALLOWED_LIST}.")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in stem):
        raise ServiceError(
            f"Tên tệp «{name}» phải có ít nhất một chữ cái hoặc chữ số trước phần mở rộng. Vui lòng đổi tên tệp."
        )
    return name, ext


# ---- the metadata -------------------------------------------------------------------------------------------------


def _clean_text(value, field: str, problems: list[str]) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    allowed_controls = "\n\r\t" if field == "description" else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed_controls for ch in text):
        problems.append(f"{META_LABELS[field]}: có ký tự điều khiển không hợp lệ.")
    if len(text) > MAX_META[field]:
        problems.append(f"{META_LABELS[field]}: dài {len(text)} ký tự, tối đa {MAX_META[field]} ký tự.")
    return text


def clean_meta(meta: dict | None) -> dict:
    """Document number, date (dd/mm/yyyy), issuer, description → clean values; every problem listed at once."""
    meta = meta or {}
    problems: list[str] = []
    clean = {field: _clean_text(meta.get(field), field, problems) for field in ("doc_number", "issuer", "description")}
    raw_date = meta.get("doc_date")
    doc_date = None
    if isinstance(raw_date, date):
        doc_date = raw_date
    elif raw_date and str(raw_date).strip():
        try:
            doc_date = parse_vn_date(str(raw_date))
        except ValueError as err:
            problems.append(f"{META_LABELS['doc_date']}: {err}.")
    if doc_date is not None and doc_date > datetime.now(VN).date():
        problems.append(f"{META_LABELS['doc_date']}: {vn_date(doc_date)} là ngày trong tương lai.")
    if problems:
        raise ServiceError("Thông tin tài liệu chưa hợp lệ.", problems)
    clean["doc_date"] = doc_date
    return clean


# ---- the content --------------------------------------------------------------------------------------------------


def _family(head: bytes) -> str | None:
    """What the first bytes say: one of the families we accept, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


FAMILY_OF = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg"}  # the rest are ZIP-based documents
FAMILY_LABEL = {"pdf": "PDF", "png": "ảnh PNG", "jpeg": "ảnh JPG", "zip": "tệp nén ZIP"}


def describe(head: bytes) -> str:
    """In words, what the content seems to be (for the refusal message)."""
    family = _family(head)
    if family and family != "zip":
        return FAMILY_LABEL[family]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")):
        return "trang web (HTML)"
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "ảnh vector SVG (có thể chứa mã chạy được)"
    if text.startswith(b"<"):
        return "tệp văn bản HTML/XML"
    if text.startswith(b"#!"):
        return "tập lệnh (script)"
    kind = filetype.guess(head)
    if kind is not None:
        if kind.extension in ("exe", "elf", "dll", "msi", "dex", "crx", "deb", "rpm"):
            return f"chương trình chạy được (.{kind.extension})"
        return f"tệp .{kind.extension} ({kind.mime})"
    if family == "zip":
        return FAMILY_LABEL["zip"]
    return "không xác định được"


def _mismatch(name: str, ext: str, what: str) -> ServiceError:
    return ServiceError(
        f"Nội dung tệp «{name}» không phải là {ALLOWED[ext][0]} như phần mở rộng .{ext} (nội dung: {what}). "
        f"Tệp chưa được lưu. Chỉ nhận các loại: {ALLOWED_LIST}."
    )


def check_head(head: bytes, name: str, ext: str) -> None:
    """The first bytes must be of the family the extension promises (PDF, PNG, JPEG, or a ZIP for documents)."""
    expected = FAMILY_OF.get(ext, "zip")
    if _family(head) != expected:
        raise _mismatch(name, ext, describe(head))


ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
OOXML_MAIN = {
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


def _zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """Which document the ZIP's members say it is: docx, xlsx, odt, ods, a macro document, or None."""
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size > 200:
            return None
        return ODF_TYPES.get(archive.read(info).decode("ascii", "replace").strip())
    if "[Content_Types].xml" in names:
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > 1024 * 1024:
            return None
        types = archive.read(info).decode("utf-8", "replace")
        if "macroEnabled" in types:
            return "macro"
        for kind, (folder, main) in OOXML_MAIN.items():
            if main in types and any(n.startswith(folder) for n in names):
                return kind
    return None


def check_document_zip(stream: BinaryIO, compressed_size: int, name: str, ext: str) -> None:
    """A DOCX/XLSX/ODT/ODS must be a sane ZIP whose members say it is that document. Every member is inflated once
    (stopping at the declared sizes, which zipfile enforces, with CRC checks), so a lying header is caught too."""
    bomb = ServiceError(
        f"Tệp «{name}» khi giải nén lớn bất thường (nghi là «bom nén» — zip bomb) nên bị từ chối. Tệp chưa được lưu."
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > MAX_UNZIPPED or declared > MAX_RATIO * max(compressed_size, 1):
                raise bomb
            if any(info.flag_bits & 0x1 for info in infos):
                raise ServiceError(f"Tệp «{name}» được đặt mật khẩu; vui lòng gỡ mật khẩu rồi tải lên lại.")
            names = {info.filename for info in infos}
            kind = _zip_kind(archive, names)
            if kind == "macro":
                raise ServiceError(
                    f"Tệp «{name}» là tài liệu có macro (mã chạy được) nên bị từ chối. "
                    "Vui lòng lưu lại dưới dạng tài liệu thường (.docx, .xlsx) hoặc PDF."
                )
            if kind != ext:
                what = f"tài liệu .{kind}" if kind else "tệp nén ZIP không phải tài liệu văn phòng"
                raise _mismatch(name, ext, what)
            inflated = 0
            for info in infos:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        inflated += len(chunk)
                        if inflated > MAX_UNZIPPED:
                            raise bomb
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, KeyError) as err:
        raise ServiceError(
            f"Tệp «{name}» bị hỏng hoặc không đọc được ({ALLOWED[ext][0]}). Tệp chưa được lưu. "
            "Vui lòng mở thử tệp trên máy rồi lưu lại."
        ) from err


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


# ---- who may see what ---------------------------------------------------------------------------------------------


def _unit_staff_of(actor, unit_id: int) -> None:
    """Only the unit's own officer or leader changes its library; any other unit's library is as missing."""
    require(actor, *UNIT_ROLES)
    if actor.unit_id != unit_id:
        raise NotFound(NOT_FOUND)


def visible_unit(actor, unit_id: int) -> Unit:
    """A unit whose library `actor` may read: their own (officer/leader), or a member unit of their authority
    (secretariat, leadership; an appraiser only a unit they are assigned to, in some campaign: "appraisers see the
    units they are assigned to")."""
    require(actor, *READER_ROLES)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(NOT_FOUND)
    if actor.role in UNIT_ROLES:
        if unit.id != actor.unit_id:
            raise NotFound(NOT_FOUND)
    elif unit.is_authority or unit.authority_id != actor.unit.authority_id:
        raise NotFound(NOT_FOUND)
    elif actor.role == Role.APPRAISER and not _assigned_to(actor, unit.id):
        raise Forbidden("Bạn chưa được phân công thẩm định đơn vị này nên không xem được tài liệu của đơn vị.")
    return unit


def _assigned_to(actor, unit_id: int) -> bool:
    stmt = select(AppraisalAssignment.id).where(
        AppraisalAssignment.appraiser_id == actor.id,
        or_(AppraisalAssignment.unit_id == unit_id, AppraisalAssignment.unit_id.is_(None)),
    )
    return db.session.execute(stmt.limit(1)).first() is not None


def get_evidence(actor, evidence_id: int) -> Evidence:
    """One file the actor may see (through the tenancy guard); anything else is NotFound with the generic text."""
    require(actor, *READER_ROLES)
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if evidence is None:
        raise NotFound(NOT_FOUND)
    visible_unit(actor, evidence.unit_id)
    return evidence


def library(actor, unit_id: int) -> list[Evidence]:
    """The unit's files, newest first, with the items that cite each (links → item → node, campaign)."""
    visible_unit(actor, unit_id)
    stmt = (
        select(Evidence)
        .where(Evidence.unit_id == unit_id)
        .options(
            selectinload(Evidence.links)
            .selectinload(EvidenceLink.item)
            .options(
                selectinload(ItemScore.node),
                selectinload(ItemScore.assessment).selectinload(Assessment.campaign),
            )
        )
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
    )
    return list(db.session.execute(stmt).scalars())


def library_size(unit_id: int) -> int:
    """How many files the unit's library holds."""
    return db.session.execute(select(func.count(Evidence.id)).where(Evidence.unit_id == unit_id)).scalar_one()


def recent(actor, unit_id: int, limit: int = 200) -> list[Evidence]:
    """The unit's newest files (to cite in a report), without their links."""
    visible_unit(actor, unit_id)
    stmt = (
        select(Evidence)
        .where(Evidence.unit_id == unit_id)
        .order_by(Evidence.uploaded_at.desc(), Evidence.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def uploader_names(files: list[Evidence]) -> dict[int, str]:
    ids = {f.uploaded_by_id for f in files if f.uploaded_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def library_counts(actor) -> list[tuple[Unit, int]]:
    """For authority staff: each member unit of the authority with the number of files in its library."""
    require(actor, *READER_ROLES)
    authority_id = actor.unit.authority_id
    counts = dict(
        db.session.execute(
            select(Evidence.unit_id, func.count(Evidence.id)).group_by(Evidence.unit_id)
        ).all()  # the tenancy guard narrows this to the actor's scope
    )
    units = db.session.execute(
        select(Unit).where(Unit.authority_id == authority_id, Unit.id != authority_id).order_by(Unit.code)
    ).scalars()
    return [(unit, counts.get(unit.id, 0)) for unit in units]


# ---- changes ------------------------------------------------------------------------------------------------------


def _summary(evidence: Evidence) -> dict:
    return {
        "original_name": evidence.original_name,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "content_type": evidence.content_type,
        **{field: getattr(evidence, field) for field in META_LABELS},
    }


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
        uploaded_at=utcnow(),
        **clean,
    )
    db.session.add(evidence)
    db.session.flush()
    audit.record("evidence.uploaded", actor=actor, target=evidence, after=_summary(evidence))
    db.session.commit()
    return evidence


def _forget(storage: Storage, key: str) -> None:
    """After a failure: no row (rollback) and no file."""
    db.session.rollback()
    try:
        storage.delete(key)
    except Exception:  # the original error matters more; an orphan file is logged for the operator
        log.exception("could not delete stored file %s after a failed upload", key)


def fingerprint(evidence: Evidence) -> str:
    """What the user saw of the metadata; a save whose fingerprint no longer matches is a conflict."""
    values = [evidence.doc_number, vn_date(evidence.doc_date), evidence.issuer, evidence.description]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def _column_is(column, value):
    return column.is_(None) if value is None else column == value


def update_meta(actor, evidence_id: int, meta: dict | None, seen: str) -> Evidence:
    """Change a file's document number, date, issuer and description. `seen` is the fingerprint of what the user
    edited; if somebody saved in between, nothing is overwritten (Conflict). The write itself is a compare-and-set,
    so two saves racing each other cannot both win."""
    evidence = get_evidence(actor, evidence_id)
    _unit_staff_of(actor, evidence.unit_id)
    clean = clean_meta(meta)
    conflict = Conflict(
        "Thông tin tài liệu vừa được người khác sửa trong lúc bạn đang sửa, nên thay đổi của bạn chưa được lưu. "
        "Biểu mẫu dưới đây hiện thông tin mới nhất; vui lòng xem lại và nhập lại thay đổi."
    )
    if seen != fingerprint(evidence):
        raise conflict
    before = {field: getattr(evidence, field) for field in META_LABELS}
    if before == clean:
        return evidence
    result = db.session.execute(
        update(Evidence)
        .where(Evidence.id == evidence.id, *[_column_is(getattr(Evidence, f), v) for f, v in before.items()])
        .values(**clean)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise conflict
    audit.record("evidence.updated", actor=actor, target=evidence, before=before, after=clean)
    db.session.commit()
    db.session.refresh(evidence)
    return evidence


def delete(actor, evidence_id: int, *, storage: Storage | None = None) -> None:
    """Remove a file that no item cites. The row goes first (in one transaction with its audit record); the bytes
    after the commit, so a failure never leaves a row pointing at nothing."""
    evidence = get_evidence(actor, evidence_id)
    _unit_staff_of(actor, evidence.unit_id)
    cited = db.session.execute(
        select(func.count(EvidenceLink.id)).where(EvidenceLink.evidence_id == evidence.id)
    ).scalar_one()
    if cited:
        raise Conflict(
            f"Tài liệu «{evidence.original_name}» đang được dẫn chứng cho {cited} tiêu chí nên không xoá được. "
            "Hãy bỏ liên kết ở các tiêu chí đó trước (tài liệu đã dùng trong hồ sơ đã nộp thì được giữ lại)."
        )
    key, summary = evidence.storage_key, _summary(evidence)
    audit.record("evidence.deleted", actor=actor, target=evidence, before=summary)
    db.session.delete(evidence)
    try:
        db.session.commit()
    except IntegrityError as err:  # somebody cited it in the meantime
        db.session.rollback()
        raise Conflict(
            f"Tài liệu «{summary['original_name']}» vừa được dẫn chứng cho một tiêu chí nên không xoá được."
        ) from err
    try:
        (storage or get_storage()).delete(key)
    except Exception:
        log.exception("evidence %s deleted but its stored file %s was not", evidence_id, key)


def _page_ref(text: str | None) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ServiceError("Trang/mục dẫn chứng có ký tự điều khiển không hợp lệ.")
    if len(text) > 200:
        raise ServiceError(f"Trang/mục dẫn chứng dài {len(text)} ký tự, tối đa 200 ký tự.")
    return text


@dataclass
class _Cited:
    item: ItemScore
    evidence: Evidence


def _item_and_evidence(actor, item_id: int, evidence_id: int) -> _Cited:
    require(actor, *UNIT_ROLES)
    item = db.session.execute(select(ItemScore).where(ItemScore.id == item_id)).scalar_one_or_none()
    evidence = db.session.execute(select(Evidence).where(Evidence.id == evidence_id)).scalar_one_or_none()
    if item is None or evidence is None or item.unit_id != actor.unit_id or evidence.unit_id != item.unit_id:
        raise NotFound(NOT_FOUND)
    return _Cited(item, evidence)


def link(actor, item_id: int, evidence_id: int, page_ref: str | None = "") -> EvidenceLink:
    """Cite a library file for an item of the unit's self-assessment, with the page or section of the proof.
    One file may support several items and an item may cite several files; both must be the unit's own."""
    cited = _item_and_evidence(actor, item_id, evidence_id)
    page_ref = _page_ref(page_ref)
    assert_editable(cited.item.assessment)
    existing = db.session.execute(
        select(EvidenceLink).where(EvidenceLink.item_id == item_id, EvidenceLink.evidence_id == evidence_id)
    ).scalar_one_or_none()
    if existing is not None:
        raise ServiceError(
            f"Tài liệu «{cited.evidence.original_name}» đã được gắn cho tiêu chí {cited.item.node.code} rồi."
        )
    row = EvidenceLink(
        unit_id=cited.item.unit_id,
        item_id=item_id,
        evidence_id=evidence_id,
        page_ref=page_ref,
        added_by_id=actor.id,
        added_at=utcnow(),
        stage="self",
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as err:  # the same link saved a moment ago by somebody else
        db.session.rollback()
        raise Conflict("Tài liệu này vừa được gắn cho tiêu chí này. Vui lòng tải lại trang.") from err
    audit.record(
        "evidence.linked",
        actor=actor,
        target=row,
        after={
            "item": cited.item.node.code,
            "item_id": item_id,
            "evidence": cited.evidence.original_name,
            "evidence_id": evidence_id,
            "page_ref": page_ref,
        },
    )
    db.session.commit()
    return row


def unlink(actor, link_id: int) -> None:
    """Stop citing a file for an item (the file stays in the library)."""
    require(actor, *UNIT_ROLES)
    row = db.session.execute(select(EvidenceLink).where(EvidenceLink.id == link_id)).scalar_one_or_none()
    if row is None or row.unit_id != actor.unit_id:
        raise NotFound(NOT_FOUND)
    assert_editable(row.item.assessment)
    audit.record(
        "evidence.unlinked",
        actor=actor,
        target=row,
        before={
            "item": row.item.node.code,
            "item_id": row.item_id,
            "evidence": row.evidence.original_name,
            "evidence_id": row.evidence_id,
            "page_ref": row.page_ref,
        },
    )
    db.session.delete(row)
    db.session.commit()
