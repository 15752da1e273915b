"""deploy/nginx.conf.example, run by a real nginx in front of the app: the file is valid as shipped (only ports,
upstream and certificate paths replaced), plain http is sent to https, pages and static files are gzipped for slow
lines, browsers may keep static files, and an upload over the size limit is refused by nginx itself.

Skipped without nginx unless DVCQ_REQUIRE_NGINX=1 (CI installs nginx-light)."""

from __future__ import annotations

import gzip
import http.client
import io
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from werkzeug.http import parse_options_header

from tests.e2e.conftest import live_server  # noqa: F401 — the app served from a thread

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf.example"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx.conf.example no longer has «{old}»: update this test with it"
    return text.replace(old, new)


@pytest.fixture
def nginx(live_server, tmp_path):  # noqa: F811
    """The example in front of the live server, on free ports; yields (http port, https port)."""
    if not os.access(NGINX, os.X_OK):
        if os.environ.get("DVCQ_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is missing and DVCQ_REQUIRE_NGINX=1", pytrace=False)
        pytest.skip("nginx is missing (apt-get install nginx-light)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )
    http_port, https_port, app_port = _free_port(), _free_port(), live_server.rsplit(":", 1)[1]
    site = EXAMPLE.read_text(encoding="utf-8")
    site = _replace(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = _replace(site, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n")
    site = _replace(
        site,
        "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
        f"    listen 127.0.0.1:{https_port} ssl http2;\n",
    )
    site = _replace(site, "/etc/letsencrypt/live/dvcq.example.gov.vn/fullchain.pem", str(tmp_path / "cert.pem"))
    site = _replace(site, "/etc/letsencrypt/live/dvcq.example.gov.vn/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = "".join(
        f"  {kind}_temp_path {tmp_path / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        ("user root root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\ndaemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\n  access_log off;\n{temp}  include {tmp_path / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # the example is valid nginx
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield http_port, https_port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(port: int, path: str, *, tls: bool = True, headers: dict | None = None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own self-signed certificate
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        headers: dict[str, str] = {}
        for name, value in response.getheaders():  # a repeated header (Vary) is joined, as HTTP allows
            headers[name.lower()] = f"{headers[name.lower()]}, {value}" if name.lower() in headers else value
        return response.status, headers, response.read()
    finally:
        conn.close()


def test_http_is_sent_to_https(nginx):
    http_port, _ = nginx
    status, headers, _ = _get(http_port, "/dang-nhap?next=%2F", tls=False)
    assert status == 301 and headers["location"] == "https://127.0.0.1/dang-nhap?next=%2F"


def test_pages_and_static_files_are_gzipped_and_static_files_kept(nginx):
    _, https_port = nginx
    status, headers, body = _get(https_port, "/dang-nhap", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    page = gzip.decompress(body).decode()
    assert "Đăng nhập" in page and len(body) < len(page.encode())
    assert "default-src 'self'" in headers["content-security-policy"]  # the app's own headers pass through

    status, headers, body = _get(https_port, "/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["cache-control"] == "public, max-age=2592000"
    css = gzip.decompress(body)
    assert b"table.stack" in css and len(body) < len(css) / 2

    status, headers, body = _get(https_port, "/dang-nhap")  # a client that does not ask gets the page as it is
    assert status == 200 and "content-encoding" not in headers and "Đăng nhập" in body.decode()


def test_an_upload_over_the_limit_is_refused_by_nginx_before_the_app_reads_it(nginx):
    _, https_port = nginx
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=10)
    try:
        conn.putrequest("POST", "/tai-lieu/tai-len")
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(22 * 1024 * 1024))  # over client_max_body_size 21m; nothing sent
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413 and b"nginx" in response.read()
    finally:
        conn.close()


def test_a_download_named_with_a_thousand_vietnamese_letters_passes_nginx(nginx, app, world):
    """The longest accepted evidence name, in 3-byte letters, is ~9 KB of Content-Disposition once percent-encoded:
    more than nginx's default buffer for the app's response headers (4–8 KB, answered with a 502)."""
    from sqlalchemy import select
    from werkzeug.datastructures import FileStorage

    from dvcq.platform.auth.models import User
    from dvcq.platform.extensions import db
    from dvcq.platform.tenancy import Scope, scoped
    from dvcq.scoring.evidence import uploads
    from tests.conftest import Browser
    from tests.scoring.test_evidence_upload import pdf

    name = "ệ" * 996 + ".pdf"
    officer = db.session.execute(select(User).where(User.login == world.officer_a)).scalar_one()
    with scoped(Scope.for_unit(officer.unit)):
        evidence_id = uploads.upload(officer, world.a_id, FileStorage(io.BytesIO(pdf()), filename=name), {}).id
    db.session.remove()
    browser = Browser(app.test_client())
    browser.login(world.officer_a)
    cookie = browser.client.get_cookie("dvcq_session").value
    headers = {"Cookie": f"dvcq_session={cookie}", "User-Agent": browser.client.environ_base["HTTP_USER_AGENT"]}
    status, headers, body = _get(nginx[1], f"/tai-lieu/{evidence_id}/tai-ve", headers=headers)
    assert status == 200 and body.startswith(b"%PDF")
    assert len(headers["content-disposition"]) > 8192
    assert parse_options_header(headers["content-disposition"]) == ("attachment", {"filename": name})
