"""Pages under load (issue 9): gunicorn on 127.0.0.1 serving generated province data, 50 concurrent users on the
main pages, against the trivial `/healthz` route served the same way in the same run.

    python bench/generate.py --scale province [--pg]          # the data first
    python bench/pages_load.py [--database-url URL] [--users 50] [--seconds 10] [--think 1.0]
                               [--config deploy/gunicorn.conf.py | --config none --workers 2]

Server: by default `gunicorn -w 2 wsgi:app` (sync workers, no access log), as in the figures so far.
`--config deploy/gunicorn.conf.py` serves the way production does (preloaded app, gthread workers, 2×cores+1 of them
with 4 threads each, access log on; /healthz the same way in the same run). On the 2-core bench machine, shared with
the load client, that was slower at the p95 than two sync workers (20 requests in flight share 2 cores: a burst
finishes late for everyone), so it is not the default.

Default database: dvcq_bench_province on DVCQ_BENCH_DATABASE_URL's server when that is set, else the SQLite file of
`generate.py`. Two passes per page:
  * "users": 50 users, each requesting the page then pausing `--think` seconds (people read a page before the next
    click) — its p95 is the figure for the target p95 ≤ 200 ms, no error;
  * "saturation": 50 users with no pause — requests per second, compared with /healthz the same way
    (target: the results table ≥ 25 % of /healthz).
`--warmup S` (default 2) first runs S seconds of unmeasured requests per page, as on a server that has been up
(every worker has built its per-process caches — the dashboard of the data version, the published results table —
and holds its database connections); `--warmup 0` measures a cold start. In the "users" pass each user's first
request comes at a random moment of the first think time, as people's clicks do, not all in the same millisecond.
The client is Python threads with `http.client` (a connection per request: gunicorn's sync workers close it anyway),
bounded by time; loopback only. Logins go through the form with its CSRF token.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record  # noqa: E402
from generate import BENCH_PASSWORD  # noqa: E402

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Client:
    """One user's cookie jar over fresh loopback connections."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def login(self, login: str) -> None:
        _, page, _ = self.request("GET", "/dang-nhap")
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        body = urlencode({"login": login, "password": BENCH_PASSWORD, "csrf_token": token})
        status, _, _ = self.request("POST", "/dang-nhap", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login {login} failed: HTTP {status}")


def run_pass(clients: list[Client], path_of, seconds: float, think: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(i: int, client: Client) -> None:
        local, bad = [], []
        path = path_of(i)
        if think:
            # People do not all click at the same millisecond: each user's first request comes at a random moment of
            # the first think time (then request, read, request…). The saturation pass (no think) starts all at once.
            time.sleep(random.Random(i).uniform(0, think))
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
                if status != 200:
                    bad.append(f"{path}: HTTP {status}")
            except OSError as exc:
                bad.append(f"{path}: {exc}")
            local.append(time.perf_counter() - start)
            if think:
                time.sleep(think)
        with lock:
            latencies.extend(local)
            errors.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": errors,
    }


def ids(database_url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        current = conn.execute(text("SELECT id FROM campaigns WHERE status = 'appraisal' ORDER BY id DESC")).scalar()
        year = conn.execute(text("SELECT MAX(year) FROM campaigns WHERE status = 'published'")).scalar()
        rows = conn.execute(
            text(
                "SELECT u.login, a.id FROM users u JOIN assessments a ON a.unit_id = u.unit_id "
                "WHERE a.campaign_id = :c AND u.login LIKE 'canbo.%' ORDER BY u.login"
            ),
            {"c": current},
        ).all()
    engine.dispose()
    return {"year": year, "officers": [(login, aid) for login, aid in rows]}


def default_url() -> str:
    admin = os.environ.get("DVCQ_BENCH_DATABASE_URL")
    if admin:
        return admin.rsplit("/", 1)[0] + "/dvcq_bench_province"
    return "sqlite:////tmp/dvcq-bench-province.sqlite3"


DEFAULT_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def gunicorn_command(config: str, port: int, workers: int | None) -> tuple[list[str], dict, str]:
    """The command line, the extra environment and a description of the server settings."""
    binary = str(Path(sys.executable).parent / "gunicorn")
    if config == "none":
        count = workers or 2
        return [binary, "-w", str(count), "-b", f"{HOST}:{port}", "wsgi:app"], {}, f"gunicorn -w {count} (sync)"
    env = {"WEB_CONCURRENCY": str(workers)} if workers else {}
    path = Path(config).resolve()
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    # The file's settings, but the bind given here (gunicorn's command line wins over its config file).
    return [binary, "-c", str(path), "-b", f"{HOST}:{port}"], env, f"gunicorn -c {name}"


def _describe(process: subprocess.Popen, label: str) -> str:
    """The label with what actually runs: the master's worker processes and the threads per worker."""
    if "-c" not in process.args:
        return label
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    except OSError:
        return label
    threads = os.environ.get("GUNICORN_THREADS") or "4"
    return f"{label} ({len(children)} gthread workers × {threads} threads)"


def start_gunicorn(database_url: str, port: int, config: str, workers: int | None) -> tuple[subprocess.Popen, str]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="bench-" + "k" * 40,
        STORAGE_URL="file:///tmp/dvcq-bench-instance/evidence",
        LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
        LOGIN_LIMIT_PER_ACCOUNT="100000 per minute",
    )
    command, extra, label = gunicorn_command(config, port, workers)
    env.update(extra)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/dvcq-bench-gunicorn.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    for _ in range(100):
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                time.sleep(1)  # let every worker boot before counting them and loading them
                return process, _describe(process, label)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start; see /tmp/dvcq-bench-gunicorn.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=2,
        help="seconds of unmeasured requests per page before its passes (a server that has been up: every worker's "
        "caches built, connections open); default 2; 0 measures a cold start",
    )
    parser.add_argument(
        "--config", default="none", help=f"a gunicorn config file (production's: {DEFAULT_CONFIG}); default none: -w 2"
    )
    parser.add_argument("--workers", type=int, default=None, help="workers (default: the config's; 2 with none)")
    args = parser.parse_args()
    found = ids(args.database_url)
    officers = found["officers"][: args.users]
    port = free_port()
    server, label = start_gunicorn(args.database_url, port, args.config, args.workers)
    try:
        anonymous = [Client(port) for _ in range(args.users)]
        officer_clients = []
        for login, _ in officers:
            client = Client(port)
            client.login(login)
            officer_clients.append(client)
        appraiser, leadership = Client(port), Client(port)
        appraiser.login("thamdinh")
        leadership.login("lanhdao")

        def shared(client: Client) -> list[Client]:
            """The same logged-in session for every simulated user of that role (cookies are just headers)."""
            clones = []
            for _ in range(args.users):
                clone = Client(port)
                clone.cookies = dict(client.cookies)
                clones.append(clone)
            return clones

        scenarios = [
            ("/healthz (reference)", anonymous, lambda i: "/healthz"),
            ("home /", officer_clients, lambda i: "/"),
            ("self-assessment form, 100 items", officer_clients, lambda i: f"/tu-danh-gia/{officers[i][1]}"),
            ("appraisal sheet, 100 items", shared(appraiser), lambda i: f"/tham-dinh/ho-so/{officers[i][1]}"),
            (f"results table {found['year']}", shared(leadership), lambda i: f"/ket-qua/{found['year']}"),
            ("dashboard /tong-quan/", shared(leadership), lambda i: "/tong-quan/"),
        ]
        print(
            f"{label} on {HOST}:{port}, {args.database_url.split('@')[-1]}, "
            f"{len(officers)} users, {args.seconds:.0f} s per pass"
            + (f" after {args.warmup:.0f} s of unmeasured warm-up per page" if args.warmup else ", no warm-up")
            + f"; load {os.getloadavg()[0]:.2f}"
        )
        print(f"{'page':<36} {'users (think ' + str(args.think) + ' s)':>34} {'saturation (no think)':>34}")
        reference = None
        for label, clients, path_of in scenarios:
            clients = clients[: args.users]
            if args.warmup:
                run_pass(clients, path_of, args.warmup, 0)  # not measured: caches of every worker built
            paced = run_pass(clients, path_of, args.seconds, args.think)
            flat = run_pass(clients, path_of, args.seconds, 0)
            if reference is None:
                reference = flat["rps"]
            errors = paced["errors"] + flat["errors"]
            verdict = "ok" if paced["p95"] <= 200 and not errors else "MISS"
            print(
                f"{label:<36} p50 {paced['p50']:6.1f} p95 {paced['p95']:6.1f} ms {paced['rps']:6.1f}/s "
                f"| p95 {flat['p95']:7.1f} ms {flat['rps']:7.1f}/s = {flat['rps'] / reference * 100:5.1f}% of healthz "
                f"| errors {len(errors)} {verdict}"
            )
            for e in sorted(set(errors))[:3]:
                print(f"    {e}")
            key = label.split(" ")[0].strip("/") or "home"
            what = f"{label}, {len(clients)} users"
            target = None if key == "healthz" else ("<=", 200)  # /healthz is the reference
            record("pages_load", f"{key}.p95", f"{what}: p95", round(paced["p95"], 1), "ms", target=target, issue="9")
            record("pages_load", f"{key}.errors", f"{what}: errors", len(errors), "", target=("==", 0), issue="9")
            if label.startswith("results table"):
                share = flat["rps"] / reference * 100
                record(
                    "pages_load",
                    "results.share",
                    "results table throughput, % of /healthz",
                    round(share, 1),
                    "%",
                    target=(">=", 25),
                    issue="9",
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
