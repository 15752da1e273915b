"""Polish a user and an operator see: no language link the pages cannot honour, Vietnamese addresses (the old ones of
a period report still lead to it), a demo server log without terminal colour codes, quiet migrations in `dvcq demo`."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

from dvcq.plans.models import Period
from dvcq.platform.cli import PlainRequestLog
from dvcq.scoring.results.views import EXPORT_KINDS

# English words a Vietnamese address should not contain. Ops and machine addresses are left as they are: the JSON API
# (/api/v1, an interface for programs, documented in OpenAPI), /healthz, /favicon.ico and static files.
ENGLISH = {
    "year", "years", "report", "reports", "plan", "plans", "result", "results", "item", "items", "upload", "download",
    "view", "edit", "delete", "new", "export", "list", "page", "user", "users", "unit", "units", "login", "logout",
    "admin", "evidence", "score", "submit", "review", "q1", "h1", "m9",
}  # fmt: skip
MACHINE = ("/api/", "/static", "/healthz", "/favicon.ico")


def test_no_address_of_a_page_has_english_words(app):
    offending = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(MACHINE) or "/static/" in rule.rule:
            continue
        fixed = re.sub(r"<[^>]+>", "", rule.rule)
        words = set(re.split(r"[/\-.]+", fixed)) - {""}
        if words & ENGLISH:
            offending.append(rule.rule)
    assert offending == []
    assert {p.slug for p in Period} == {"quy-1", "6-thang", "9-thang", "ca-nam"}  # what fills /bao-cao/<period>
    assert not {p.slug for p in Period} & ENGLISH
    exports = Path(__file__).parents[2] / "dvcq/scoring/results/templates/results/year.html"
    kinds = set(re.findall(r"url_for\('results.export', year=page.year, kind='([^']+)'\)", exports.read_text()))
    assert kinds == {"bang-ket-qua", "diem-tung-tieu-chi"} and kinds <= set(EXPORT_KINDS)  # /ket-qua/<year>/xuat/<kind>


def test_the_footer_offers_no_language_the_pages_do_not_have(app):
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    assert '<html lang="vi">' in page and "English" not in page and "?lang=" not in page
    asked = client.get("/dang-nhap?lang=en", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="vi">' in asked  # the page is Vietnamese, so it says so


def test_the_demo_servers_request_log_has_no_terminal_colour_codes(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=PlainRequestLog)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in ("/dang-nhap", "/", "/khong-co-trang-nay"):  # 200, 302, 404: werkzeug colours the last two
                with contextlib.suppress(urllib.error.HTTPError):  # a 404 raises; only the log matters here
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")
    finally:
        server.shutdown()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET /khong-co-trang-nay HTTP/1.1" 404' in line for line in lines)
    assert not any("\x1b" in line for line in lines)


def test_dvcq_demo_migrates_quietly_unless_asked(tmp_path):
    """Alembic's English INFO lines stay out of `dvcq demo`'s output (it prints one Vietnamese line instead)."""
    script = f"""
from flask_migrate import upgrade
from dvcq.app import create_app
app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / "db.sqlite3"}", "SECRET_KEY": "x" * 40,
                  "STORAGE_URL": "file://{tmp_path / "files"}"}})
with app.app_context():
    upgrade(directory=app.extensions["migrate"].directory, x_arg=["log=quiet"])
"""
    root = Path(__file__).parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "alembic" not in done.stderr and "Running upgrade" not in done.stderr
