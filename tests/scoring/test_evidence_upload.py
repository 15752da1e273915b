"""Uploading evidence: the Vietnamese name and the bytes come back unchanged; every bad upload is refused with a
Vietnamese message and leaves no file in storage and no row (issue 3 item 5, issue 8 item 2)."""

import hashlib
import io
import os
import re
import tracemalloc
import unicodedata
import zipfile
from urllib.parse import unquote

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.http import parse_options_header

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.storage import LocalStorage, get_storage
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import Evidence

VN_NAME = "Báo cáo kết quả công tác dân vận năm 2025 – Xã An Bình.pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---- files --------------------------------------------------------------------------------------------------------


def pdf(size: int = 2000) -> bytes:
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    return (body + os.urandom(max(0, size - len(body) - 6)) + b"\n%%EOF")[:size] if size > 60 else body


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def docx() -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Kế hoạch triển khai mô hình “Dân vận khéo” năm 2025")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Tiêu chí", "Điểm"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odf(mimetype: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return out.getvalue()


def office_zip(main_type: str, folder: str, members: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<Types><Override PartName="/{folder}main.xml" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(f"{folder}main.xml", "<doc/>")
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(path, megabytes: int) -> bytes:
    """A .docx that is a zip bomb: a member of `megabytes` MB of zeros, written in chunks (it deflates ~1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zeros = bytes(1024 * 1024)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(zeros)
    return path.read_bytes()


# ---- helpers ------------------------------------------------------------------------------------------------------


def stored_files(app) -> list:
    root = get_storage(app).root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_rows() -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count(Evidence.id))).scalar_one()


def assert_nothing_kept(app):
    assert stored_files(app) == []
    assert evidence_rows() == 0


def send(browser, data: bytes | io.IOBase, name: str, **meta):
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    return browser.post("/tai-lieu/tai-len", {"file": (stream, name), **meta}, content_type="multipart/form-data")


def disposition_name(header: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert match, header
    return unquote(match.group(1), encoding="utf-8")


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def officer_a(world, browser):
    browser.login(world.officer_a)
    return browser


def as_officer_a(world):
    """Call services as canbo.a does on the web: their user and their unit's scope."""
    user = db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()
    return user, scoped(Scope.for_unit(user.unit))


# ---- the happy path -----------------------------------------------------------------------------------------------


def test_a_pdf_with_a_vietnamese_name_comes_back_with_the_same_name_bytes_and_sha256(world, officer_a, app):
    data = pdf(250_000)
    response = send(
        officer_a,
        data,
        VN_NAME,
        doc_number="15/BC-UBND",
        doc_date="20/12/2025",
        issuer="UBND xã An Bình",
        description="Báo cáo năm",
    )
    assert response.status_code == 302, page(response)
    listing = page(officer_a.get("/tai-lieu/"))
    assert VN_NAME in listing and "15/BC-UBND" in listing and "20/12/2025" in listing and "UBND xã An Bình" in listing
    assert "244 KB" in listing and "Nguyễn Văn An" in listing

    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert evidence.original_name == VN_NAME
    assert (evidence.size, evidence.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert evidence.content_type == "application/pdf"
    assert evidence.unit_id == world.a_id
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}", evidence.storage_key)
    assert stored_files(app) == [get_storage(app).root / evidence.storage_key]

    download = officer_a.get(f"/tai-lieu/{evidence.id}/tai-ve")
    assert download.status_code == 200
    assert download.data == data
    assert hashlib.sha256(download.data).hexdigest() == evidence.sha256
    assert download.headers["Content-Disposition"].startswith("attachment;")
    name = disposition_name(download.headers["Content-Disposition"])
    assert name == VN_NAME and unicodedata.is_normalized("NFC", name)
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Length"] == str(len(data))


def test_a_name_sent_decomposed_nfd_is_kept_composed_nfc(world, officer_a):
    decomposed = unicodedata.normalize("NFD", VN_NAME)
    assert decomposed != VN_NAME
    assert send(officer_a, pdf(), decomposed).status_code == 302
    with scoped(SYSTEM):
        assert db.session.execute(select(Evidence.original_name)).scalar_one() == VN_NAME


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("Kế hoạch.docx", docx(), DOCX),
        ("Bảng tổng hợp.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("Văn bản.odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
        (
            "Bảng tính.ods",
            odf("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("Ảnh hội nghị.JPG", JPEG, "image/jpeg"),
        ("Ảnh.jpeg", JPEG, "image/jpeg"),
        ("Sơ đồ.png", PNG, "image/png"),
    ],
)
def test_every_allowed_type_is_accepted_with_its_sniffed_content_type(world, officer_a, name, data, content_type):
    response = send(officer_a, data, name)
    assert response.status_code == 302, page(response)
    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert (evidence.original_name, evidence.content_type) == (name, content_type)


def test_the_upload_and_its_metadata_are_in_the_audit_log(world, officer_a):
    send(officer_a, pdf(), VN_NAME, doc_number="15/BC-UBND", doc_date="20/12/2025")
    with scoped(SYSTEM):
        record = db.session.execute(select(AuditRecord).where(AuditRecord.action == "evidence.uploaded")).scalar_one()
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert (record.actor_login, record.unit_id, record.target_id) == ("canbo.a", world.a_id, str(evidence.id))
    assert VN_NAME in record.after and evidence.sha256 in record.after and "2025-12-20" in record.after


# ---- refusals: nothing kept ---------------------------------------------------------------------------------------


def test_a_request_over_max_content_length_is_a_vietnamese_413_and_nothing_is_kept(world, officer_a, app):
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=1024 * 1024 + 64 * 1024)
    response = send(officer_a, pdf(2 * 1024 * 1024), VN_NAME)
    assert response.status_code == 413
    assert "Tệp vượt quá dung lượng cho phép (tối đa 1 MB)" in page(response)
    assert_nothing_kept(app)


def test_a_file_over_max_upload_mb_is_refused_while_streaming(world, officer_a, app):
    app.config.update(MAX_UPLOAD_MB=1)  # the request limit stays large: our own limit must hold while streaming
    response = send(officer_a, pdf(1024 * 1024 + 1), VN_NAME)
    assert response.status_code == 413
    assert "Tệp vượt quá dung lượng cho phép (tối đa 1 MB)" in page(response)
    assert_nothing_kept(app)
    assert send(officer_a, pdf(1024 * 1024), VN_NAME).status_code == 302  # exactly the limit is fine


def test_an_empty_file_is_refused(world, officer_a, app):
    response = send(officer_a, b"", VN_NAME)
    assert response.status_code == 400
    assert "rỗng (0 byte)" in page(response)
    assert_nothing_kept(app)


def test_no_file_chosen_is_refused(world, officer_a, app):
    response = officer_a.post("/tai-lieu/tai-len", {"doc_number": "1"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Vui lòng chọn tệp cần tải lên." in page(response)
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "name, data, says",
    [
        (
            "Báo cáo.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200),
            "chương trình chạy được (.exe)",
        ),
        ("Kế hoạch.docx", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), "chương trình chạy được (.exe)"),
        ("Ảnh.png", b"\x7fELF\x02\x01\x01" + bytes(200), "chương trình chạy được (.elf)"),
        ("Báo cáo.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "trang web (HTML)"),
        ("Ảnh.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG"),
        ("Ảnh.jpg", b"<svg onload=alert(1)>", "SVG"),
        ("Báo cáo.pdf", b"\xef\xbb\xbf  <html><body>%PDF-1.4</body></html>", "trang web (HTML)"),
        ("Kế hoạch.docx", b"#!/bin/sh\nrm -rf /\n", "tập lệnh (script)"),
        ("Báo cáo.pdf", b"GIF89a" + bytes(50), "tệp .gif"),
        ("Ảnh.jpg", PNG, "ảnh PNG"),
        ("Báo cáo.pdf", PNG, "ảnh PNG"),
        ("Ảnh.png", pdf(), "PDF"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(world, officer_a, app, name, data, says):
    response = send(officer_a, data, name)
    assert response.status_code == 400
    text = page(response)
    assert f"Nội dung tệp «{name}» không phải là" in text and says in text
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("Kế hoạch.docx", xlsx(), "tài liệu .xlsx"),
        ("Bảng.xlsx", docx(), "tài liệu .docx"),
        ("Văn bản.odt", odf("application/vnd.oasis.opendocument.spreadsheet"), "tài liệu .ods"),
        ("Kế hoạch.docx", office_zip("text/html", "word/"), "tệp nén ZIP không phải tài liệu văn phòng"),
        ("Kế hoạch.docx", odf("application/x-shockwave-flash"), "tệp nén ZIP không phải tài liệu văn phòng"),
    ],
)
def test_a_zip_whose_members_say_another_type_is_refused(world, officer_a, app, name, data, says):
    response = send(officer_a, data, name)
    assert response.status_code == 400
    assert says in page(response)
    assert_nothing_kept(app)


def test_a_plain_zip_renamed_docx_is_refused(world, officer_a, app):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("virus.exe", b"MZ" + bytes(100))
    response = send(officer_a, out.getvalue(), "Kế hoạch.docx")
    assert response.status_code == 400
    assert "tệp nén ZIP không phải tài liệu văn phòng" in page(response)
    assert_nothing_kept(app)


def test_a_macro_document_renamed_docx_is_refused(world, officer_a, app):
    data = office_zip("application/vnd.ms-word.document.macroEnabled.main+xml", "word/", {"word/vbaProject.bin": b"x"})
    response = send(officer_a, data, "Kế hoạch.docx")
    assert response.status_code == 400
    assert "có macro" in page(response)
    assert_nothing_kept(app)


def test_a_docx_that_is_a_zip_bomb_is_refused(world, officer_a, app, tmp_path):
    data = zip_bomb(tmp_path / "bom.docx", 300)
    assert len(data) < 1024 * 1024  # 300 MB of zeros deflate to well under 1 MB
    response = send(officer_a, data, "Kế hoạch.docx")
    assert response.status_code == 400
    assert "bom nén" in page(response)
    assert_nothing_kept(app)


def test_a_docx_with_an_absurd_compression_ratio_is_refused(world, officer_a, app, tmp_path):
    data = zip_bomb(tmp_path / "nho.docx", 20)  # 20 MB inflated is under the 200 MB cap, but ~1000:1
    response = send(officer_a, data, "Kế hoạch.docx")
    assert response.status_code == 400
    assert "bom nén" in page(response)
    assert_nothing_kept(app)


def test_a_docx_whose_header_lies_about_its_size_is_refused_as_damaged(world, officer_a, app):
    data = bytearray(docx())
    # Shrink the uncompressed size that the central directory declares for document.xml: zipfile then stops early
    # and the CRC check fails, as it would for a bomb that hides its size.
    name = b"word/document.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[at + 24 : at + 28] = (5).to_bytes(4, "little")
    response = send(officer_a, bytes(data), "Kế hoạch.docx")
    assert response.status_code == 400
    assert "bị hỏng hoặc không đọc được" in page(response)
    assert_nothing_kept(app)


def test_a_truncated_docx_is_refused_as_damaged(world, officer_a, app):
    response = send(officer_a, docx()[:3000], "Kế hoạch.docx")
    assert response.status_code == 400
    assert "bị hỏng hoặc không đọc được" in page(response)
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "name, says",
    [
        ("Báo cáo", "không có phần mở rộng"),
        ("Báo cáo.", "không có phần mở rộng"),
        ("Báo cáo.exe", "Không nhận loại tệp .exe"),
        ("Báo cáo.pdf.exe", "Không nhận loại tệp .exe"),
        ("trang.html", "Không nhận loại tệp .html"),
        ("anh.svg", "Không nhận loại tệp .svg"),
        ("x" * 997 + ".pdf", "Tên tệp dài 1001 ký tự, vượt quá 1000 ký tự cho phép"),
        (".pdf", "phải có ít nhất một chữ cái hoặc chữ số"),
        ("\u0301\u0300\u0309\u0303\u0323.pdf", "phải có ít nhất một chữ cái hoặc chữ số"),
        ("--- ....pdf", "phải có ít nhất một chữ cái hoặc chữ số"),
    ],
)
def test_bad_names_are_refused_over_http(world, officer_a, app, name, says):
    response = send(officer_a, pdf(), name)
    assert response.status_code == 400
    assert says in page(response)
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "raw, kept",
    [
        ("../../etc/Báo cáo.pdf", "../../etc/Báo cáo.pdf"),
        ("/tmp/../Kế hoạch.pdf", "/tmp/../Kế hoạch.pdf"),
        ("ắằẳẵặ.pdf", "ắằẳẵặ.pdf"),
        ("  Báo cáo.PDF  ", "Báo cáo.PDF"),
        ("Báo\u200bcáo.pdf", "Báo\u200bcáo.pdf"),  # an invisible space from Word: odd, not dangerous
        ("y" * 996 + ".pdf", "y" * 996 + ".pdf"),
    ],
)
def test_names_are_kept_as_sent_paths_included_and_stored_under_the_storage_root(world, officer_a, app, raw, kept):
    assert send(officer_a, pdf(), raw).status_code == 302
    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert evidence.original_name == kept
    root = get_storage(app).root
    assert stored_files(app) == [root / evidence.storage_key]  # nothing was written outside the storage root
    download = officer_a.get(f"/tai-lieu/{evidence.id}/tai-ve")
    header = download.headers["Content-Disposition"]
    assert parse_options_header(header) == ("attachment", {"filename": kept})


@pytest.mark.parametrize(
    "raw", ["..\\..\\Windows\\Kế hoạch.pdf", "C:\\Users\\An\\Tài liệu\\Kế hoạch.pdf", "..\\../x/..\\Báo cáo.pdf"]
)
def test_windows_paths_are_kept_as_text_too(world, app, raw):
    # Over HTTP the multipart parser already treats a backslash as an escape; the service keeps what it is given.
    user, scope = as_officer_a(world)
    with scope:
        evidence = uploads.upload(user, world.a_id, FileStorage(io.BytesIO(pdf()), filename=raw), {})
    assert evidence.original_name == raw
    assert stored_files(app) == [get_storage(app).root / evidence.storage_key]


@pytest.mark.parametrize(
    "name", ['Báo cáo "số 1"; bản cuối.pdf', 'Report "final"; v2.pdf', "Tờ trình 50% – (bản 2).pdf"]
)
def test_quotes_semicolons_and_percent_signs_survive_the_download_header(world, officer_a, name):
    user, scope = as_officer_a(world)
    with scope:
        evidence = uploads.upload(user, world.a_id, FileStorage(io.BytesIO(pdf()), filename=name), {})
    header = officer_a.get(f"/tai-lieu/{evidence.id}/tai-ve").headers["Content-Disposition"]
    assert parse_options_header(header) == ("attachment", {"filename": name})


@pytest.mark.parametrize(
    "name",
    [
        "Báo\x00cáo.pdf",
        "Báo cáo\x1b.pdf",
        "Báo\ncáo.pdf",
        "Báo\x7fcáo.pdf",
        "Báo\u2028cáo.pdf",
        *(f"gpj.{c}exe.pdf" for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    ],
)
def test_names_with_control_characters_are_refused(world, name):
    user, scope = as_officer_a(world)
    with scope, pytest.raises(ServiceError, match="ký tự điều khiển"):
        uploads.upload(user, world.a_id, FileStorage(io.BytesIO(pdf()), filename=name), {})
    assert evidence_rows() == 0


def test_bad_metadata_is_listed_and_nothing_is_kept(world, officer_a, app):
    response = send(officer_a, pdf(), VN_NAME, doc_date="31/02/2025", doc_number="x" * 101, issuer="UBND\x07")
    assert response.status_code == 400
    text = page(response)
    assert "Ngày văn bản" in text and "Số, ký hiệu văn bản: dài 101 ký tự" in text and "ký tự điều khiển" in text
    assert_nothing_kept(app)


def test_a_document_date_in_the_future_is_refused(world, officer_a, app):
    response = send(officer_a, pdf(), VN_NAME, doc_date="01/01/2999")
    assert response.status_code == 400
    assert "01/01/2999 là ngày trong tương lai" in page(response)
    assert_nothing_kept(app)


# ---- who may upload -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["thuongtruc", "thamdinh", "lanhdao", "quantri"])
def test_authority_staff_cannot_upload(world, make_browser, app, login):
    browser = make_browser()
    browser.login(login)
    assert send(browser, pdf(), VN_NAME).status_code == 403
    assert_nothing_kept(app)


def test_the_leader_may_upload_too(world, browser):
    browser.login(world.leader_a)
    assert send(browser, pdf(), VN_NAME).status_code == 302
    assert evidence_rows() == 1


def test_the_service_refuses_an_upload_into_another_unit_like_a_missing_one(world):
    user, scope = as_officer_a(world)
    with scope, pytest.raises(ServiceError) as refused:
        uploads.upload(user, world.b_id, FileStorage(io.BytesIO(pdf()), filename=VN_NAME), {})
    assert refused.value.status == 404
    assert evidence_rows() == 0


# ---- failures half way --------------------------------------------------------------------------------------------


class CutOff(io.RawIOBase):
    """An upload whose connection drops after `good` bytes."""

    def __init__(self, data: bytes, good: int):
        self.data, self.at, self.good = data, 0, good

    def readable(self):
        return True

    def read(self, n=-1):
        if self.at >= self.good:
            raise ConnectionResetError("Connection reset by peer")
        n = len(self.data) if n is None or n < 0 else n
        chunk = self.data[self.at : min(self.at + n, self.good)]
        self.at += len(chunk)
        return chunk


def test_an_upload_cut_off_half_way_leaves_no_file_and_no_row(world, app):
    user, scope = as_officer_a(world)
    data = pdf(5 * 1024 * 1024)
    with scope, pytest.raises(ServiceError, match="bị gián đoạn"):
        uploads.upload(user, world.a_id, FileStorage(CutOff(data, 3 * 1024 * 1024), filename=VN_NAME), {})
    assert_nothing_kept(app)


def test_a_request_body_cut_off_half_way_is_refused_before_anything_is_stored(world, officer_a, app):
    from werkzeug.test import EnvironBuilder

    def request(cut: bool):
        environ = EnvironBuilder(
            method="POST",
            path="/tai-lieu/tai-len",
            data={"csrf_token": officer_a.csrf(), "file": (io.BytesIO(pdf(2 * 1024 * 1024)), VN_NAME)},
        ).get_environ()
        body = environ["wsgi.input"].read()
        # Content-Length still promises the whole body; the connection ends half way.
        environ["wsgi.input"] = io.BytesIO(body[: len(body) // 2] if cut else body)
        return officer_a.client.open(environ)

    assert request(cut=True).status_code == 400  # the parser drops the whole truncated body: the view never runs
    assert_nothing_kept(app)
    assert request(cut=False).status_code == 302  # the same request, whole, is stored
    assert len(stored_files(app)) == 1 == evidence_rows()


def test_a_database_failure_after_the_file_is_written_deletes_the_file(world, app):
    user, scope = as_officer_a(world)
    written = []

    def insert_fails(session, flush_context, instances):
        if any(isinstance(o, Evidence) for o in session.new):
            written.extend(stored_files(app))
            raise RuntimeError("database is locked")

    event.listen(Session, "before_flush", insert_fails)
    try:
        with scope, pytest.raises(RuntimeError):
            uploads.upload(user, world.a_id, FileStorage(io.BytesIO(pdf()), filename=VN_NAME), {})
    finally:
        event.remove(Session, "before_flush", insert_fails)
    assert len(written) == 1  # the file had been stored when the insert failed…
    assert_nothing_kept(app)  # …and is gone now


def test_an_audit_failure_after_the_insert_deletes_the_file_and_the_row(world, app, monkeypatch):
    user, scope = as_officer_a(world)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(uploads.audit, "record", audit_fails)
    with scope, pytest.raises(RuntimeError):
        uploads.upload(user, world.a_id, FileStorage(io.BytesIO(pdf()), filename=VN_NAME), {})
    assert_nothing_kept(app)


def test_no_temporary_file_is_left_behind_after_good_and_bad_uploads(world, officer_a, app, tmp_path):
    send(officer_a, pdf(), "Một.pdf")
    send(officer_a, b"MZ" + bytes(100), "Hai.pdf")
    send(officer_a, zip_bomb(tmp_path / "bom.docx", 30), "Ba.docx")
    send(officer_a, docx(), "Bốn.docx")
    user, scope = as_officer_a(world)
    with scope, pytest.raises(ServiceError):
        uploads.upload(user, world.a_id, FileStorage(CutOff(pdf(3_000_000), 2_000_000), filename="Năm.pdf"), {})
    files = stored_files(app)
    assert len(files) == 2 == evidence_rows()
    assert not [f for f in files if f.name.startswith(LocalStorage.TEMP_PREFIX)]


# ---- memory -------------------------------------------------------------------------------------------------------


def test_peak_memory_of_a_50_mb_upload_through_the_test_client(world, officer_a, app, tmp_path):
    app.config.update(MAX_UPLOAD_MB=60, MAX_CONTENT_LENGTH=60 * 1024 * 1024 + 64 * 1024)
    path = tmp_path / "lon.pdf"
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(50):
            out.write(os.urandom(1024 * 1024))
    size = path.stat().st_size
    token = officer_a.csrf()
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            response = officer_a.client.post(
                "/tai-lieu/tai-len",
                data={"file": (source, "Tài liệu lớn.pdf"), "csrf_token": token},
                content_type="multipart/form-data",
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    with scoped(SYSTEM):
        assert db.session.execute(select(Evidence.size)).scalar_one() == size
    mb = 1024 * 1024
    print(f"\n[đo] tải lên {size / mb:.1f} MB qua test client: bộ nhớ đỉnh (tracemalloc) {peak / mb:.2f} MB")
