"""Slow lines (issue 19, target 3): Chromium on an emulated weak mobile link — 1,6 Mbit/s down, 750 kbit/s up, 150 ms
round trip (Chrome DevTools Protocol `Network.emulateNetworkConditions`, set through Playwright's CDP session) — through
nginx (deploy/nginx.conf.example, TLS, HTTP/2) in front of the production stack (bench/stack.py).

    python bench/slow_lines.py [--communes 100] [--years 5] [--repeat 3]

Needs DVCQ_BENCH_DATABASE_URL (database dvcq_bench_slow is (re)created: bench/generate.py's province, its current
campaign open for self-assessment, every record a draft of 100 items) and DVCQ_BENCH_REDIS_URL, and /usr/bin/chromium.

Measured, each `--repeat` times (the median is the figure; every run is printed):
  * the self-assessment page of 100 items, cold (a new browser context: empty cache; the login went through the
    context's request API, so no page asset is cached yet) and warm (the same page again in that context): from the
    navigation until the first item's score field is visible AND the page's scripts have run (DOMContentLoaded: the
    deferred scripts that save as one types are attached) — "usable (first item editable)";
  * a saved item acknowledged: type a score in the first item and press its «Lưu»; until the item says «Đã lưu»;
  * the leadership dashboard, cold: until the first chart is drawn (plotly's first .main-svg visible); and until
    every chart is drawn, for information;
  * bytes over the wire for each cold load (CDP's encodedDataLength: compressed, with headers).

Targets: usable ≤ 3 s cold, ≤ 1 s warm; save acknowledged ≤ 1 s; the dashboard's first chart ≤ 5 s cold.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record, verdict  # noqa: E402
from generate import BENCH_PASSWORD  # noqa: E402
from stack import Stack, admin_url, fresh_database, redis_url, scratch  # noqa: E402

BENCH = "slow_lines"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
# 1,6 Mbit/s down, 750 kbit/s up, 150 ms RTT; throughputs in bytes per second.
SLOW_LINE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
FIRST_ITEM = "form.sa-form input[name=score]"


def prepare(communes: int, years: int, instance: Path) -> tuple[str, int]:
    """The database: generate.py's province with its current campaign in self-assessment. Returns (URL, assessment
    id of canbo.0001)."""
    from flask_migrate import upgrade
    from generate import bench_config, populate
    from sqlalchemy import text

    from dvcq.app import create_app
    from dvcq.platform.extensions import db

    url = fresh_database("dvcq_bench_slow")
    app = create_app(bench_config(url, instance))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        summary = populate(communes=communes, groups=1, years=years, unit_users=2, current_status="self_assessment")
        assessment_id = db.session.execute(
            text(
                "SELECT a.id FROM assessments a JOIN users u ON u.unit_id = a.unit_id "
                "WHERE u.login = 'canbo.0001' AND a.campaign_id = :c"
            ),
            {"c": summary.current_campaign_id},
        ).scalar_one()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, assessment_id


class Line:
    """A fresh browser context (empty cache) on the slow line, logged in as `login` without loading any page."""

    def __init__(self, browser, base_url: str, login: str):
        self.context = browser.new_context(base_url=base_url, ignore_https_errors=True, locale="vi-VN")
        self.context.set_default_timeout(60_000)
        form = self.context.request.get("/dang-nhap").text()
        token = re.search(r'name="csrf-token" content="([^"]+)"', form).group(1)
        answer = self.context.request.post(
            "/dang-nhap",
            form={"login": login, "password": BENCH_PASSWORD, "csrf_token": token},
            headers={"Referer": base_url + "/dang-nhap"},
            max_redirects=0,
        )
        if answer.status != 302:
            raise SystemExit(f"login {login} failed: HTTP {answer.status}")
        self.page = self.context.new_page()
        self.bytes = 0
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_LINE)
        cdp.on("Network.loadingFinished", self._count)

    def _count(self, event) -> None:
        self.bytes += int(event.get("encodedDataLength") or 0)

    def close(self) -> None:
        self.context.close()

    def usable(self, path: str) -> float:
        """Seconds from navigation to the first item editable with the page's scripts run."""
        start = time.perf_counter()
        self.page.goto(path, wait_until="commit")
        self.page.locator(FIRST_ITEM).first.wait_for(state="visible")
        self.page.wait_for_function(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n && n.domContentLoadedEventEnd > 0; }"
        )
        return time.perf_counter() - start

    def save_first_item(self) -> float:
        form = self.page.locator("form.sa-form").first
        form.locator("input[name=score]").fill("0,75")
        start = time.perf_counter()
        form.locator("button[type=submit]").click()
        form.locator(".sa-state.ok").wait_for(state="visible")
        return time.perf_counter() - start

    def first_chart(self, path: str) -> tuple[float, float]:
        """Seconds until the first chart is drawn, and until all are."""
        start = time.perf_counter()
        self.page.goto(path, wait_until="commit")
        self.page.locator(".chart .main-svg").first.wait_for(state="visible")
        first = time.perf_counter() - start
        self.page.wait_for_function(
            "() => { const c = document.querySelectorAll('.chart[data-figure]').length;"
            " return c > 0 && document.querySelectorAll('.chart .js-plotly-plot, .chart.js-plotly-plot').length >= c; }"
        )
        return first, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--web-concurrency", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    args = parser.parse_args()
    with scratch("dvcq-slow-", keep=False) as workdir:
        run(args, workdir)


def run(args: argparse.Namespace, workdir: Path) -> None:
    admin_url(), redis_url()
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    database_url, assessment_id = prepare(args.communes, args.years, workdir / "instance")
    print(
        f"province of {args.communes} communes, {args.years} published years, "
        f"built in {time.perf_counter() - started:.0f} s"
    )
    page_path = f"/tu-danh-gia/{assessment_id}"
    runs: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "save", "chart", "charts")}
    sizes: dict[str, list[int]] = {"page": [], "dashboard": []}
    errors: list[str] = []
    with (
        Stack(database_url, redis_url(), workdir / "stack", web_concurrency=args.web_concurrency) as stack,
        sync_playwright() as playwright,
    ):
        print(stack.describe())
        print(f"line: {SLOW_LINE['downloadThroughput'] * 8 / 1e6:g} Mbit/s down, "
              f"{SLOW_LINE['uploadThroughput'] * 8 / 1e3:g} kbit/s up, {SLOW_LINE['latency']} ms RTT")  # fmt: skip
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        load_before = os.getloadavg()[0]
        try:
            for n in range(args.repeat):
                line = Line(browser, stack.base_url, "canbo.0001")
                try:
                    runs["cold"].append(line.usable(page_path))
                    sizes["page"].append(line.bytes)
                    runs["warm"].append(line.usable(page_path))
                    runs["save"].append(line.save_first_item())
                    errors += line.errors
                finally:
                    line.close()
                line = Line(browser, stack.base_url, "lanhdao")
                try:
                    first, every = line.first_chart("/tong-quan/")
                    runs["chart"].append(first)
                    runs["charts"].append(every)
                    sizes["dashboard"].append(line.bytes)
                    errors += line.errors
                finally:
                    line.close()
                print(
                    f"  run {n + 1}: page cold {runs['cold'][-1]:.2f} s ({sizes['page'][-1] / 1024:.0f} KB), "
                    f"warm {runs['warm'][-1]:.2f} s, save {runs['save'][-1]:.2f} s; dashboard first chart "
                    f"{first:.2f} s, all charts {every:.2f} s ({sizes['dashboard'][-1] / 1024:.0f} KB)"
                )
        finally:
            browser.close()
        problems = stack.log_problems()
    load_after = os.getloadavg()[0]
    median = {k: statistics.median(v) for k, v in runs.items()}
    print(f"medians of {args.repeat}; load {load_before:.2f} → {load_after:.2f}")
    for e in (errors + problems)[:10]:
        print(f"  PROBLEM: {e}")
    figures = [
        record(
            BENCH,
            "page.cold",
            "self-assessment page (100 items) usable, cold",
            round(median["cold"], 2),
            "s",
            target=("<=", 3),
            issue="19.3",
        ),
        record(
            BENCH,
            "page.warm",
            "self-assessment page usable, warm",
            round(median["warm"], 2),
            "s",
            target=("<=", 1),
            issue="19.3",
        ),
        record(
            BENCH, "save", "a saved item acknowledged", round(median["save"], 2), "s", target=("<=", 1), issue="19.3"
        ),
        record(
            BENCH,
            "dashboard.first_chart",
            "dashboard's first chart, cold",
            round(median["chart"], 2),
            "s",
            target=("<=", 5),
            issue="19.3",
        ),
        record(
            BENCH,
            "errors",
            "console errors and server log problems",
            len(errors) + len(problems),
            "",
            target=("==", 0),
            issue="19.3",
        ),
    ]
    record(
        BENCH,
        "dashboard.all_charts",
        "dashboard, every chart drawn, cold",
        round(median["charts"], 2),
        "s",
        issue="19.3",
    )
    record(
        BENCH,
        "page.bytes",
        "self-assessment page, cold, over the wire",
        round(statistics.median(sizes["page"]) / 1024, 1),
        "KB",
        issue="19.3",
    )
    record(
        BENCH,
        "dashboard.bytes",
        "dashboard, cold, over the wire",
        round(statistics.median(sizes["dashboard"]) / 1024, 1),
        "KB",
        issue="19.3",
    )
    for key, label in (("cold", "page cold"), ("warm", "page warm"), ("save", "save"), ("chart", "first chart")):
        print(f"  {label:<12} {median[key]:.2f} s   (runs: {', '.join(f'{v:.2f}' for v in runs[key])})")
    print("verdict: " + ", ".join(verdict(m) or "—" for m in figures))
    if errors or problems:
        sys.exit(1)  # a console error or a server fault, not a missed timing


if __name__ == "__main__":
    main()
