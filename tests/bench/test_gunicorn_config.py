"""deploy/gunicorn.conf.py — what production runs and what bench/pages_load.py measures by default — boots: the app
imported once in the master (preload_app), gthread workers forked from it, each dropping any inherited database
connection (post_fork); a user logs in through the form and gets their page from the workers."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Client:
    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
            conn.request(method, path, body=body, headers={**h, **(headers or {})})
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, data.decode()
        finally:
            conn.close()


def test_the_production_config_serves_a_logged_in_page_from_forked_workers(app, world, tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test-" + "k" * 40,
        STORAGE_URL=f"file://{tmp_path}/evidence",
        WEB_CONCURRENCY="2",
        GUNICORN_LOG_LEVEL="warning",
    )
    binary = str(Path(sys.executable).parent / "gunicorn")
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as errors:
        server = subprocess.Popen(
            [binary, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    try:
        client = _Client(port)
        for _ in range(150):
            try:
                if client.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        status, page = client.request("GET", "/dang-nhap")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        body = urlencode({"login": world.officer_a, "password": factories.PASSWORD, "csrf_token": token})
        status, _ = client.request("POST", "/dang-nhap", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302
        for _ in range(6):  # several requests: both workers answer with the same session
            status, page = client.request("GET", "/")
            assert status == 200 and "Nguyễn Văn An" in page
        assert "Traceback" not in log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def test_nginx_drops_an_idle_upstream_connection_before_gunicorn_does():
    """A connection gunicorn closes while nginx sends a request on it is reset, and nginx answers 502 to a save or an
    upload (it retries no POST): seen once on deadline day. nginx's upstream keepalive_timeout must be shorter than
    gunicorn's keepalive, in the files as shipped."""
    gunicorn = (ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8")
    nginx = (ROOT / "deploy" / "nginx.conf.example").read_text(encoding="utf-8")
    gunicorn_keepalive = int(re.search(r"^keepalive = (\d+)$", gunicorn, re.M).group(1))
    upstream = re.search(r"upstream dvcq_web \{(.*?)\}", nginx, re.S).group(1)
    nginx_timeout = re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.M)
    assert nginx_timeout, "the upstream block sets no keepalive_timeout (nginx's default is 60 s)"
    assert int(nginx_timeout.group(1)) < gunicorn_keepalive
