"""bench/run_all.sh --tiny: every benchmark of bench/ runs at the smallest sizes against its own PostgreSQL, Redis and
nginx, and the report names each one with its figures — so the scripts never rot. No timing is asserted (the
figures at these sizes mean nothing); only that each benchmark ran, exited 0 and recorded every figure it promises.

Skipped without PostgreSQL, redis-server, nginx, openssl or chromium, unless CI requires them (DVCQ_REQUIRE_NGINX,
DVCQ_REQUIRE_SERVICES or DVCQ_REQUIRE_BROWSER = 1). Run once per suite: in scripts/test.sh's SQLite pass (the
benchmarks start their own services, so the PostgreSQL pass would only repeat it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = {
    "Deadline day on the production stack": 7,
    "Deadline day at a person's pace": 7,
    "A whole country in one deployment": 10,
    "Slow lines": 8,
    "Many uploads at once through nginx": 4,
    "Results engine": 10,
    "Pages under load": 13,
    "One large upload": 4,
    "Documents at scale": 2,
    "Page weight": 2,
    "One login's password hash": 2,
    "The earlier deadline rush": 6,
}
REQUIRED = ("DVCQ_REQUIRE_NGINX", "DVCQ_REQUIRE_SERVICES", "DVCQ_REQUIRE_BROWSER")


def _missing() -> list[str]:
    postgres = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    tools = {
        "PostgreSQL": bool(postgres) or shutil.which("initdb"),
        "redis-server": shutil.which("redis-server"),
        "nginx": shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK),
        "openssl": shutil.which("openssl"),
        "chromium": os.path.exists("/usr/bin/chromium"),
    }
    return [name for name, found in tools.items() if not found]


def test_every_benchmark_runs_at_tiny_sizes_and_reports_its_figures(tmp_path):
    if os.environ.get("DVCQ_TEST_DATABASE_URL"):
        pytest.skip("run in the SQLite pass of scripts/test.sh: the benchmarks start their own services")
    if missing := _missing():
        if any(os.environ.get(name) == "1" for name in REQUIRED):
            pytest.fail(f"{', '.join(missing)} missing and required here ({'/'.join(REQUIRED)})", pytrace=False)
        pytest.skip(f"{', '.join(missing)} missing (apt-get install postgresql redis-server nginx-light chromium)")
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "bench/run_all.sh", "--tiny", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    reports = list(tmp_path.glob(f"{date.today():%Y-%m-%d}-tiny.md")) or list(tmp_path.glob("*-tiny.md"))
    assert len(reports) == 1, output[-3000:]
    report = reports[0].read_text(encoding="utf-8")
    assert "exited non-zero: 0." in report
    assert re.search(r"`nproc`: \d+; CPU: .+", report) and "load average (1, 5, 15 min) before: " in report
    sections = re.split(r"^### ", report, flags=re.M)[1:]
    for title, figures in BENCHMARKS.items():
        section = next((s for s in sections if s.startswith(title)), None)
        assert section is not None, f"no section «{title}» in the report:\n{report}"
        assert re.search(r" — \d+ s, exit 0\n", section.splitlines()[0] + "\n"), section.splitlines()[0]
        rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
        assert len(rows) >= figures, f"«{title}» recorded {len(rows)} figures, expected {figures}:\n{section}"
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            if cells[2]:  # a figure with a target was measured and judged
                assert cells[3] in ("met", "**missed**"), row
    print(f"bench/run_all.sh --tiny: {time.monotonic() - started:.0f} s")  # shown with -s; not asserted
