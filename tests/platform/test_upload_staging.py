"""Uploads staged straight into storage while the body is parsed (dvcq/platform/uploads.py, issue 9): the parser
reads a multipart body exactly as Werkzeug's does, the upload page writes the file once (no spool, no second copy),
the stored SHA-256 and size are those of the bytes sent, and every failure — refused, cut off, CSRF, a failing
insert — leaves no staged file, no stored file and no row."""

import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.formparser import MultiPartParser

from dvcq.platform import storage as storage_module
from dvcq.platform import uploads
from dvcq.platform.extensions import db
from dvcq.platform.storage import LocalStorage, StagedFile, get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence import uploads as evidence_uploads
from dvcq.scoring.models import Evidence
from tests.platform.test_storage import s3, s3_endpoint  # noqa: F401 — the moto fixtures

BOUNDARY = b"----dvcqBoundary7MA4YWxkTrZu0gW"


def body(parts: list[tuple[str, str | None, bytes]], boundary: bytes = BOUNDARY, newline: bytes = b"\r\n") -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += b"--" + boundary + newline + f"Content-Disposition: {disposition}".encode() + newline
        if filename:
            out += b"Content-Type: application/octet-stream" + newline
        out += newline + data + newline
    return out + b"--" + boundary + b"--" + newline


def parse_with(parser_class, raw: bytes, buffer_size: int = 64 * 1024):
    parser = parser_class(
        stream_factory=lambda **kwargs: io.BytesIO(), max_form_memory_size=500_000, buffer_size=buffer_size
    )
    form, files = parser.parse(io.BytesIO(raw), BOUNDARY, len(raw))
    return (
        sorted(form.items(multi=True)),
        sorted((name, f.filename, f.stream.getvalue()) for name, f in files.items(multi=True)),
    )


LOOK_ALIKES = (
    b"abc--"
    + BOUNDARY
    + b"def\r\n"  # no line break before it: data
    + b"\r\n--"
    + BOUNDARY
    + b"X more\r\n"  # followed by something else than -- or a line break: data
    + b"\r\n--"
    + BOUNDARY[:-3]
    + b"\r\n"  # a prefix of it: data
    + b"\r\n-"
    + BOUNDARY
    + b"\r\n"  # one dash short: data
)
BODIES = {
    "one file": body([("csrf_token", None, b"tok"), ("file", "a.pdf", b"%PDF-" + os.urandom(3000))]),
    "boundary look-alikes inside the file": body([("file", "a.pdf", os.urandom(500) + LOOK_ALIKES + os.urandom(700))]),
    "fields and files after a file": body(
        [
            ("file", "a.pdf", os.urandom(2000) + b"\r\n" * 40 + b"\r"),
            ("description", None, "Mô tả có dấu\r\n--".encode()),
            ("file", "b.pdf", b"\n\r\n\r" + os.urandom(999)),
            ("issuer", None, b"UBND"),
        ]
    ),
    "bare LF line breaks": body(
        [("x", None, b"1"), ("file", "a.pdf", os.urandom(1500)), ("y", None, b"2")], newline=b"\n"
    ),
    "empty file": body([("file", "a.pdf", b""), ("z", None, b"3")]),
}


@pytest.mark.parametrize("buffer_size", [150, 64 * 1024])
@pytest.mark.parametrize("read_size", [1, 7, 33, 64, 65, 257, 4096, 1024 * 1024])
@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_staging_parser_reads_a_body_exactly_as_werkzeug_does(monkeypatch, name, read_size, buffer_size):
    # A small first read leaves the file's data to the fast path; small reads there put the boundary across every
    # seam. (With 64 KiB the decoder sees these bodies whole: Werkzeug's own path, for reference.)
    monkeypatch.setattr(uploads, "READ_SIZE", read_size)
    raw = BODIES[name]
    ours = parse_with(uploads._StagingMultiPartParser, raw, buffer_size)
    assert ours == parse_with(MultiPartParser, raw)


@pytest.mark.parametrize("cut", [10, 300, 2500, -20, -3])
def test_a_truncated_body_fails_in_the_staging_parser_as_in_werkzeug(monkeypatch, cut):
    monkeypatch.setattr(uploads, "READ_SIZE", 128)
    raw = BODIES["fields and files after a file"][:cut]
    with pytest.raises(ValueError) as theirs:
        parse_with(MultiPartParser, raw)
    with pytest.raises(ValueError) as ours:
        parse_with(uploads._StagingMultiPartParser, raw, buffer_size=100)
    assert str(ours.value) == str(theirs.value)


# ---- through the upload page --------------------------------------------------------------------------------------


@pytest.fixture
def officer_a(world, browser):
    browser.login(world.officer_a)
    return browser


@pytest.fixture(params=[True, False], ids=["nameless", "named-temp"])
def staged(request, monkeypatch):
    """Every file staged during the test, and the size its staging file reached on disk."""
    monkeypatch.setattr(storage_module, "ANONYMOUS_FILES", request.param)  # O_TMPFILE, and the fallback
    seen = []
    original = LocalStorage.stage

    def stage(self, **kwargs):
        staged_file = original(self, **kwargs)
        seen.append(staged_file)
        return staged_file

    monkeypatch.setattr(LocalStorage, "stage", stage)
    return seen


def files_on_disk(app) -> list:
    root = get_storage(app).root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_rows() -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count(Evidence.id))).scalar_one()


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 15) + b"\n%%EOF"


def multipart(token: str, data: bytes, name: str = "Báo cáo năm 2025.pdf") -> bytes:
    return body([("csrf_token", None, token.encode()), ("file", name, data), ("description", None, "Mô tả".encode())])


def post_raw(browser, raw: bytes, content_length: int | None = None):
    return browser.client.post(
        "/tai-lieu/tai-len",
        input_stream=io.BytesIO(raw),
        content_length=content_length if content_length is not None else len(raw),
        content_type=f"multipart/form-data; boundary={BOUNDARY.decode()}",
    )


def test_an_upload_is_written_once_into_storage_with_the_sha256_and_size_of_the_bytes_sent(
    world, officer_a, app, staged, monkeypatch
):
    def no_second_copy(self, stream, key):
        raise AssertionError("the staged upload must not be copied into storage again")

    monkeypatch.setattr(LocalStorage, "save", no_second_copy)
    monkeypatch.setattr(storage_module, "WRITEBACK_EVERY", 1024 * 1024)  # the early writeback on the way, too
    monkeypatch.setattr(storage_module, "HASH_THREAD_AFTER", 512 * 1024)  # and the hashing thread
    seen_while_writing = []
    original_write = StagedFile.write

    def write(self, data):
        seen_while_writing.append([p for p in files_on_disk(app) if not p.name.startswith(".tmp-")])
        return original_write(self, data)

    monkeypatch.setattr(StagedFile, "write", write)
    data = pdf(3 * 1024 * 1024 + 12345)  # more than one 1 MiB read
    response = post_raw(officer_a, multipart(officer_a.csrf(), data))
    assert response.status_code == 302
    assert len(staged) == 1
    assert seen_while_writing and all(seen == [] for seen in seen_while_writing)  # never under a key before commit
    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert (evidence.size, evidence.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert evidence.original_name == "Báo cáo năm 2025.pdf" and evidence.description == "Mô tả"
    assert evidence.storage_key == staged[0].key
    assert files_on_disk(app) == [get_storage(app).root / evidence.storage_key]  # no staging file left
    assert (get_storage(app).root / evidence.storage_key).read_bytes() == data


def test_a_connection_dropped_half_way_leaves_no_staged_file_and_no_row(world, officer_a, app, staged):
    raw = multipart(officer_a.csrf(), pdf(2 * 1024 * 1024))
    response = post_raw(officer_a, raw[: len(raw) // 2], content_length=len(raw))  # the client stops sending
    assert response.status_code == 400
    assert len(staged) == 1 and staged[0].size > 0  # it was being written…
    assert files_on_disk(app) == []  # …and is gone
    assert evidence_rows() == 0


def test_a_refused_file_leaves_no_staged_file(world, officer_a, app, staged):
    response = post_raw(officer_a, multipart(officer_a.csrf(), b"MZ\x90\x00" + os.urandom(200_000), "Báo cáo.pdf"))
    assert response.status_code == 400
    assert "không phải là PDF" in response.get_data(as_text=True)
    assert len(staged) == 1
    assert files_on_disk(app) == []
    assert evidence_rows() == 0


def test_a_file_over_the_limit_is_refused_and_only_counted_past_the_limit(world, officer_a, app, staged, monkeypatch):
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=4 * 1024 * 1024)
    written = []
    original = StagedFile.discard

    def discard(self):
        if not self.file.closed:
            written.append(os.fstat(self.file.fileno()).st_size)
        original(self)

    monkeypatch.setattr(StagedFile, "discard", discard)
    response = post_raw(officer_a, multipart(officer_a.csrf(), pdf(3 * 1024 * 1024)))
    assert response.status_code == 413
    assert "tối đa 1 MB" in response.get_data(as_text=True)
    assert staged[0].size == 3 * 1024 * 1024
    assert written and max(written) <= 1024 * 1024  # no more than the limit ever reached the disk
    assert files_on_disk(app) == []
    assert evidence_rows() == 0


def test_a_failure_after_the_checks_leaves_no_file_and_no_row(world, officer_a, app, staged, monkeypatch):
    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(evidence_uploads.audit, "record", broken_audit)
    with pytest.raises(RuntimeError):
        post_raw(officer_a, multipart(officer_a.csrf(), pdf(1024 * 1024 + 7)))
    assert len(staged) == 1 and staged[0].committed  # it got as far as its key…
    assert files_on_disk(app) == []  # …and was deleted again
    assert evidence_rows() == 0


def test_a_post_without_its_csrf_token_leaves_no_staged_file(world, officer_a, app, staged):
    response = post_raw(officer_a, body([("file", "Báo cáo.pdf", pdf(300_000))]))
    assert response.status_code == 400
    assert files_on_disk(app) == []
    assert evidence_rows() == 0


def test_nothing_is_staged_for_a_role_that_may_not_upload(world, browser, app, staged):
    browser.login(world.appraiser)
    response = post_raw(browser, multipart(browser.csrf(), pdf(300_000)))
    assert response.status_code == 403
    assert staged == []
    assert files_on_disk(app) == []


def test_nothing_is_staged_for_an_anonymous_post(world, browser, app, staged):
    response = post_raw(browser, multipart("x", pdf(300_000)))
    assert response.status_code in (302, 400)
    assert staged == []
    assert files_on_disk(app) == []


def test_a_docx_is_checked_from_its_staged_file(world, officer_a, app, staged):
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Kế hoạch năm 2025")
    out = io.BytesIO()
    document.save(out)
    response = post_raw(officer_a, multipart(officer_a.csrf(), out.getvalue(), "Kế hoạch.docx"))
    assert response.status_code == 302
    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert evidence.sha256 == hashlib.sha256(out.getvalue()).hexdigest()
    assert len(staged) == 1 and staged[0].committed


@pytest.mark.parametrize("read_size", [4096, 1024 * 1024])
def test_large_parts_after_a_file_are_parsed_as_werkzeug_does_not_refused_as_too_much_form_memory(
    monkeypatch, read_size
):
    # The fast path hands the decoder everything it read past the file (up to 1 MiB at once): a text field of
    # 400 KB (under Werkzeug's 500 KB form memory limit) and another file after it must still parse.
    monkeypatch.setattr(uploads, "READ_SIZE", read_size)
    raw = body(
        [
            ("file", "a.pdf", os.urandom(300_000)),
            ("description", None, b"a" * 400_000),
            ("file", "b.pdf", os.urandom(700_000)),
            ("issuer", None, b"UBND"),
        ]
    )
    assert parse_with(uploads._StagingMultiPartParser, raw) == parse_with(MultiPartParser, raw)


def test_with_s3_storage_the_upload_page_keeps_the_spooled_path_and_stores_the_object(
    world,
    officer_a,
    app,
    staged,
    s3,  # noqa: F811 — the fixture imported above
):
    app.config["STORAGE_URL"] = f"s3://{s3.bucket}/tai-lieu?endpoint={s3.client.meta.endpoint_url}&region=us-east-1"
    data = pdf(9 * 1024 * 1024)  # more than one S3 part
    response = post_raw(officer_a, multipart(officer_a.csrf(), data))
    assert response.status_code == 302
    assert staged == []  # S3 cannot stage: Werkzeug spooled the part, the service streamed it to the bucket
    with scoped(SYSTEM):
        evidence = db.session.execute(select(Evidence)).scalar_one()
    assert (evidence.size, evidence.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    stream = get_storage(app).open(evidence.storage_key)
    assert stream.read() == data
    stream.close()


@pytest.mark.skipif(not storage_module.ANONYMOUS_FILES, reason="O_TMPFILE (Linux) only")
def test_a_worker_killed_half_way_through_staging_leaves_no_file(tmp_path):
    # gunicorn kills a worker that overruns its timeout with SIGKILL: no cleanup code runs then.
    script = (
        "import os, signal, sys\n"
        "from dvcq.platform.storage import LocalStorage\n"
        "staged = LocalStorage(sys.argv[1]).stage()\n"
        "staged.write(b'%PDF-' + os.urandom(3 * 1024 * 1024))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=Path(__file__).parents[2], check=False)
    assert done.returncode == -signal.SIGKILL
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("finish", ["sha256", "discard"])
def test_the_hashing_thread_hashes_a_reused_buffer_in_order_and_never_outlives_the_staged_file(
    tmp_path, monkeypatch, finish
):
    monkeypatch.setattr(storage_module, "HASH_THREAD_AFTER", 64 * 1024)
    staged = LocalStorage(tmp_path).stage()
    buffer, expected = bytearray(100_000), hashlib.sha256()
    for _ in range(40):  # the parser reuses one buffer: the thread must hash what was written, not what is there now
        buffer[:] = os.urandom(len(buffer))
        expected.update(buffer)
        staged.write(memoryview(buffer))
    assert any(t.name == "dvcq-upload-sha256" for t in threading.enumerate())
    if finish == "sha256":
        assert staged.sha256() == expected.hexdigest()
        staged.discard()
    else:
        staged.discard()
    assert not any(t.name == "dvcq-upload-sha256" for t in threading.enumerate())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
