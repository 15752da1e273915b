"""What an uploaded file must be before anything is kept: its name, its metadata and its content (the first bytes,
and for DOCX/XLSX/ODT/ODS the ZIP inside), and the upload size limit.

Name policy: the name is kept as the user sees it — it is only ever shown (HTML-escaped) and sent back in
Content-Disposition, never used as a path: the storage key is random. Officials' names are long, so up to MAX_NAME
(1,000) characters are accepted; `../` or `C:\\` in a name is kept as text, not stripped. Refused are only what is
dangerous to show: control characters (NUL, ESC, line breaks…) and the bidirectional embeddings, overrides and
isolates (U+202A–U+202E, U+2066–U+2069) that reorder what follows — «gpj.» U+202E «exe.pdf» reads «gpj.fdp.exe».
The stem must contain at least one letter or digit ("ắằẳẵặ.pdf" is a fine name; a stem of nothing but combining
accents or punctuation is not)."""

from __future__ import annotations

import unicodedata
import zipfile
import zlib
from datetime import date
from typing import BinaryIO

import filetype
from flask import current_app

from dvcq.platform import clock
from dvcq.platform.errors import ServiceError
from dvcq.platform.formatting import parse_vn_date, vn_date
from dvcq.platform.storage import CHUNK

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

MAX_NAME = 1000
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
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


class TooLarge(ServiceError):
    status = 413


class UploadInterrupted(ServiceError):
    """Reading the upload failed half way (the connection dropped)."""


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def too_large_message(limit_bytes: int | None = None) -> str:
    limit_mb = (limit_bytes if limit_bytes is not None else max_upload_bytes()) // (1024 * 1024)
    return (
        f"Tệp vượt quá dung lượng cho phép (tối đa {limit_mb} MB) nên chưa được lưu. "
        "Vui lòng giảm dung lượng (ví dụ quét với độ phân giải thấp hơn hoặc tách thành nhiều tệp) rồi tải lên lại."
    )


# ---- the name -----------------------------------------------------------------------------------------------------


def _dangerous(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI_CONTROLS


def clean_name(raw: str | None) -> tuple[str, str]:
    """The name to keep as the user sees it (NFC, surrounding spaces trimmed) and its lower-case extension;
    ServiceError if unacceptable."""
    name = unicodedata.normalize("NFC", raw or "")
    if any(_dangerous(ch) for ch in name):
        raise ServiceError(
            "Tên tệp chứa ký tự điều khiển (ký tự ẩn hoặc ký tự đảo chiều văn bản) không hợp lệ. "
            "Vui lòng đổi tên tệp rồi tải lên lại."
        )
    name = name.strip()
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
    if doc_date is not None and doc_date > clock.today_in_vietnam():
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
