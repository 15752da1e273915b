"""Browser tests: Debian's chromium, driven by Playwright, against the app served from a thread.

Fixtures for every browser test: `live_server` (the base URL), `page` (a fresh context and page per test) with
`traffic` (every request URL and every console error it saw), and `login(page, login)`. At teardown `page` fails the
test if anything was requested from outside 127.0.0.1 or the console showed an error (CSP violations are errors).
Never run `playwright install`: the browser comes from apt (`chromium`).
"""

from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_SCHEMES = ("data", "blob", "about")
# Chromium's built-in PDF viewer (an extension inside the browser, with its chrome://resources) renders a PDF shown
# in a frame; it is served by the browser itself, never over the network.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
BROWSER_INTERNAL = (PDF_VIEWER, "chrome://resources/")


_running: dict = {}  # the one Playwright and browser of this process, however many conftests import `chromium`


def _shared_browser():
    """Playwright's sync API allows one instance per thread, and every conftest or module that imports `chromium`
    gets its own copy of the session fixture, so they all share this one, stopped when the process exits."""
    if "browser" not in _running:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _running["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        atexit.register(playwright.stop)
    return _running["browser"]


@pytest.fixture(scope="session")
def chromium():
    """One browser for the whole run; skipped without /usr/bin/chromium unless DVCQ_REQUIRE_BROWSER=1 (CI)."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("DVCQ_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and DVCQ_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(reason)
    return _shared_browser()


@pytest.fixture
def live_server(app):
    """The test app served over HTTP from a thread; each request gets its own app context and session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@dataclass
class Traffic:
    """What the page did: every URL it requested and every console error or uncaught exception."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests that left the test server's host (anything not 127.0.0.1, data: or blob:)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES
            and urlsplit(url).hostname != "127.0.0.1"
            and not url.startswith(BROWSER_INTERNAL)
        ]


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(chromium, live_server, traffic):
    context = chromium.new_context(base_url=live_server, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("console", lambda message: _record_console(traffic, message))
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert traffic.foreign_requests() == [], "the page requested something outside 127.0.0.1"
    assert traffic.console_errors == [], "the browser console showed errors"


def _record_console(traffic: Traffic, message) -> None:
    if message.type != "error":
        return
    where = (message.location or {}).get("url") or ""
    traffic.console_errors.append(f"{message.text} ({where})" if where else message.text)


def login(page, login: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the login form, as a person would, and wait for the next page."""
    page.goto("/dang-nhap")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def logout(page) -> None:
    with page.expect_navigation():
        page.click("header form button[type=submit]")


def assert_stacks_on_a_phone(page, table: str, width: int = 390) -> None:
    """On a phone, the list `table` (a `table.stack`) is shown one card a row: nothing scrolls sideways, its heading
    row is out of sight, every cell with a heading (data-label) shows it, and a heading of two lines makes its cell
    taller instead of running into the next one. On a desk it is a plain table again."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 844})
    page.reload()  # as a phone loads it: a chart drawn at desk width would not shrink until its resize handler ran
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator(table).evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
        assert page.locator(table).locator("thead").evaluate("e => e.getBoundingClientRect().height") <= 1
        cells = page.locator(table).evaluate(
            """t => [...t.querySelectorAll('tbody td[data-label]')].map(td => {
                 const probe = document.createElement('span');
                 probe.style.cssText = 'position:absolute;visibility:hidden;width:6.4rem';
                 probe.textContent = td.dataset.label; td.appendChild(probe);
                 const cell = {label: td.dataset.label, shown: getComputedStyle(td, '::before').content,
                               right: td.getBoundingClientRect().right, hidden: td.offsetParent === null,
                               over: probe.getBoundingClientRect().height - td.clientHeight};
                 probe.remove(); return cell; })"""
        )
        shown = [c for c in cells if not c["hidden"]]
        assert shown and all(c["shown"] == f'"{c["label"]}"' for c in shown)
        assert max(c["right"] for c in shown) <= width
        assert max(c["over"] for c in shown) <= 0
    finally:
        page.set_viewport_size(size)
    assert page.locator(table).locator("thead").evaluate("e => e.getBoundingClientRect().height") > 10
    first = page.locator(table).locator("tbody td[data-label]").first
    assert first.evaluate("e => getComputedStyle(e, '::before').content") == "none"
