"""The production stack on loopback, for the issue-19 benchmarks: gunicorn as deploy/gunicorn.conf.py configures it,
two RQ workers as deploy/worker.sh runs them, and nginx from deploy/nginx.conf.example in front — made runnable the way
tests/platform/test_nginx_example.py does it (only ports, upstream and certificate paths replaced; a self-signed
certificate) — against a PostgreSQL database and a Redis that the caller provides (bench/run_all.sh starts both).

    with Stack(database_url, redis_url, workdir) as stack:
        client = Client(stack.base_url)          # https://127.0.0.1:<port>, through nginx
        client.login("canbo.0001", BENCH_PASSWORD)

The app runs with DVCQ_ENV=production (so it refuses the same unsafe settings), TRUSTED_PROXIES=1, evidence in
`workdir/evidence`. One change from a real deployment, printed by every script that uses it: the per-address login
limit is lifted, since every simulated user comes from 127.0.0.1 (the per-account limits stay). Redis's database of
`redis_url` is emptied when the stack starts (queues and counters of an earlier run): point it at a benchmark Redis.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXAMPLE = ROOT / "deploy" / "nginx.conf.example"
TOKEN = re.compile(rb'name="csrf-token" content="([^"]+)"')
LIFTED_LIMITS = {"LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute"}


@contextlib.contextmanager
def scratch(prefix: str, keep: bool = False):
    """A work folder under /tmp for one benchmark (logs, evidence, nginx's files), removed afterwards however the
    benchmark ends, unless `keep`."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if keep:
            print(f"work folder kept: {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def admin_url() -> str:
    url = os.environ.get("DVCQ_BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("DVCQ_BENCH_DATABASE_URL must point at a PostgreSQL server (bench/run_all.sh starts one)")
    return url


def redis_url() -> str:
    url = os.environ.get("DVCQ_BENCH_REDIS_URL")
    if not url:
        raise SystemExit("DVCQ_BENCH_REDIS_URL must point at a benchmark Redis (bench/run_all.sh starts one)")
    return url


def fresh_database(name: str) -> str:
    """(Re)create database `name` on DVCQ_BENCH_DATABASE_URL's server; returns its URL."""
    from generate import pg_database

    return pg_database(admin_url(), name)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def vm(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM) in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise SystemExit(f"deploy/nginx.conf.example no longer has «{old}»: update bench/stack.py with it")
    return text.replace(old, new)


def nginx_site(app_port: int, https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf.example with only its ports, upstream and certificate paths replaced (as the test does)."""
    site = EXAMPLE.read_text(encoding="utf-8")
    site = _replace(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = _replace(site, "    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n")
    site = _replace(
        site,
        "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n",
        f"    listen 127.0.0.1:{https_port} ssl http2;\n",
    )
    site = _replace(site, "/etc/letsencrypt/live/dvcq.example.gov.vn/fullchain.pem", str(cert))
    # The example passes $http_host (the port included), so HTTPS posts on this port pass Flask-WTF's Referer check.
    return _replace(site, "/etc/letsencrypt/live/dvcq.example.gov.vn/privkey.pem", str(key))


class Stack:
    """PostgreSQL database and Redis (given) → gunicorn (deploy config), RQ workers, nginx (example): loopback."""

    def __init__(
        self,
        database_url: str,
        redis: str,
        workdir: Path,
        *,
        web_concurrency: int | None = None,
        rq_workers: int = 2,
        extra_env: dict[str, str] | None = None,
    ):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.storage = self.workdir / "evidence"
        self.app_port, self.https_port, self.http_port = free_port(), free_port(), free_port()
        self.base_url = f"https://{HOST}:{self.https_port}"
        self.env = dict(
            os.environ,
            PATH=f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            DVCQ_ENV="production",
            DATABASE_URL=database_url,
            REDIS_URL=redis,
            SECRET_KEY=secrets.token_hex(32),
            STORAGE_URL=f"file://{self.storage}",
            TRUSTED_PROXIES="1",
            GUNICORN_BIND=f"{HOST}:{self.app_port}",
            **LIFTED_LIMITS,
        )
        if web_concurrency:
            self.env["WEB_CONCURRENCY"] = str(web_concurrency)
        self.env.update(extra_env or {})
        self.rq_workers = rq_workers
        self.processes: dict[str, subprocess.Popen] = {}

    # -- life cycle ------------------------------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self._flush_redis()
            self._start("gunicorn", [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")])
            for n in range(1, self.rq_workers + 1):
                self._start(f"rq-worker-{n}", ["bash", str(ROOT / "deploy" / "worker.sh")])
            self._start_nginx()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self, name: str, command: list[str]) -> None:
        log = (self.workdir / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.env["REDIS_URL"])
        client.flushdb()
        client.close()

    def _start_nginx(self) -> None:
        if not os.access(NGINX, os.X_OK):
            raise SystemExit("nginx is missing (apt-get install nginx-light)")
        cert, key = self.workdir / "cert.pem", self.workdir / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
            + ["-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        (self.workdir / "site.conf").write_text(
            nginx_site(self.app_port, self.https_port, self.http_port, cert, key), encoding="utf-8"
        )
        temp = "".join(
            f"  {kind}_temp_path {self.workdir / ('nginx-' + kind)};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # Debian's /etc/nginx/nginx.conf around the site: worker_processes auto, 768 connections per worker.
        (self.workdir / "nginx.conf").write_text(
            ("user root root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes auto;\ndaemon off;\npid {self.workdir / 'nginx.pid'};\n"
            + f"error_log {self.workdir / 'nginx-error.log'};\n"
            + "events { worker_connections 768; }\n"
            + f"http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n{temp}"
            + f"  include {self.workdir / 'site.conf'};\n}}\n",
            encoding="utf-8",
        )
        command = [NGINX, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise SystemExit(f"nginx refuses the example: {checked.stderr}")
        self._start("nginx", command)

    def _wait_ready(self, timeout: float = 120) -> None:
        """gunicorn answers with all its workers forked, then nginx answers in front of it; what nginx logged while
        gunicorn was still starting (connection refused) is not counted."""
        deadline = time.monotonic() + timeout
        for base in (f"http://{HOST}:{self.app_port}", self.base_url):
            while True:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise SystemExit(
                            f"{name} exited with {process.returncode}; see {self.workdir / (name + '.log')}"
                        )
                try:
                    status, _, _ = Client(base, timeout=5).request("GET", "/healthz")
                    if status == 200 and len(self.web_workers()) >= self.expected_web_workers():
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the stack did not answer within {timeout:.0f} s; logs in {self.workdir}")
                time.sleep(0.2)
        error_log = self.workdir / "nginx-error.log"
        self.nginx_errors_from = error_log.stat().st_size if error_log.exists() else 0

    def expected_web_workers(self) -> int:
        if self.env.get("WEB_CONCURRENCY"):
            return int(self.env["WEB_CONCURRENCY"])
        return min((os.cpu_count() or 1) * 2 + 1, 9)  # deploy/gunicorn.conf.py's default

    def stop(self) -> None:
        """SIGTERM to each process group (gunicorn and RQ shut down warm, nginx fast), a second SIGTERM after 3 s
        (RQ's cold shutdown: an idle RQ 3 worker listening on several queues otherwise waits out its blocking dequeue,
        ~40 s), SIGKILL after 10 more."""

        def signal_all(sig) -> None:
            for process in self.processes.values():
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, sig)

        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            signal_all(sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(p.poll() is None for p in self.processes.values()):
                time.sleep(0.1)
            if all(p.poll() is not None for p in self.processes.values()):
                break
            if sig == signal.SIGKILL:
                print("  (killed: " + ", ".join(n for n, p in self.processes.items() if p.returncode == -9) + ")")
        self.processes = {}

    # -- what runs -------------------------------------------------------------------------------------------------
    @property
    def gunicorn_pid(self) -> int:
        return self.processes["gunicorn"].pid

    def web_workers(self) -> list[int]:
        return children(self.gunicorn_pid)

    def describe(self) -> str:
        threads = self.env.get("GUNICORN_THREADS") or "4"
        return (
            f"nginx (deploy/nginx.conf.example, TLS) → gunicorn -c deploy/gunicorn.conf.py "
            f"({len(self.web_workers())} gthread workers × {threads} threads) + {self.rq_workers} RQ workers; "
            f"PostgreSQL {self.env['DATABASE_URL'].split('@')[-1]}, Redis {self.env['REDIS_URL'].split('@')[-1]}"
        )

    def log_problems(self) -> list[str]:
        """Tracebacks and 5xx answers in the logs of gunicorn and the workers, and nginx's errors."""
        problems = []
        for name in self.processes or [p.stem for p in self.workdir.glob("*.log")]:
            path = self.workdir / f"{name}.log"
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if "Traceback" in line or re.search(r'" 5\d\d ', line):
                    problems.append(f"{name}: {line[:200]}")
        error_log = self.workdir / "nginx-error.log"
        if error_log.exists():
            with error_log.open("rb") as log:
                log.seek(getattr(self, "nginx_errors_from", 0))
                lines = log.read().decode(errors="replace").splitlines()
            for line in lines:
                if "[error]" in line or "[crit]" in line or "[alert]" in line:
                    problems.append(f"nginx: {line[:200]}")
        return problems


class Client:
    """One user's cookie jar over one keep-alive connection (https through nginx, or plain http to gunicorn)."""

    def __init__(self, base_url: str, timeout: float = 120):
        parts = urlsplit(base_url)
        self.tls = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.token = ""

    def _connect(self) -> http.client.HTTPConnection:
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the stack's self-signed certificate
            return http.client.HTTPSConnection(self.host, self.port, context=context, timeout=self.timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, bytes, dict]:
        if self.conn is None:
            self.conn = self._connect()
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if method != "GET":  # as a browser does; Flask-WTF requires it of HTTPS posts
            h["Referer"] = f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/"
        h.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=h)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        found = {}
        for name, value in response.getheaders():
            found[name.lower()] = value
            if name.lower() == "set-cookie":
                cookie, _, rest = value.partition("=")
                self.cookies[cookie] = rest.split(";", 1)[0]
        if response.will_close:
            self.close()
        return response.status, data, found

    def form(self, path: str, fields: dict) -> tuple[int, bytes, dict]:
        return self.request("POST", path, urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"})

    def remember_token(self, page: bytes) -> str:
        match = TOKEN.search(page)
        if match:
            self.token = match.group(1).decode()
        return self.token

    def login(self, login: str, password: str) -> int:
        """The login form with its CSRF token; returns the POST's status (302 when signed in)."""
        _, page, _ = self.request("GET", "/dang-nhap")
        status, _, _ = self.form(
            "/dang-nhap", {"login": login, "password": password, "csrf_token": self.remember_token(page)}
        )
        return status


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes, content_type: str):
    """A multipart/form-data body (bytes) and its Content-Type header."""
    boundary = secrets.token_hex(16)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (p95: share 0.95) of the values, or None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * share + 0.999999) - 1))]


# -- where the cores went during a run ------------------------------------------------------------------------------
def _process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def _listening(port: int, marker: str) -> int | None:
    """The process whose command line holds `marker` and the port (the postmaster's «-p 5488», redis's «:6388»)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in command and (f"-p {port}" in command or f":{port}" in command):
                return int(entry.name)
    return None


def cpu_by_part(stack: Stack, database_url: str, redis: str) -> dict[str, float]:
    """CPU seconds used so far (user + system) by each part of this run: the stack's gunicorn, RQ workers and nginx
    (each with its children), the PostgreSQL cluster and the Redis serving it, and the load client (this process).
    Call before and after a run and subtract (`cpu_spent`); a process that ended in between is not counted."""
    pg = _listening(urlsplit(database_url.replace("+psycopg", "")).port or 5432, "postgres")
    rd = _listening(urlsplit(redis).port or 6379, "redis-server")
    parts = {
        "gunicorn (the app)": [stack.gunicorn_pid],
        "RQ workers": [p.pid for name, p in stack.processes.items() if name.startswith("rq-worker")],
        "nginx": [stack.processes["nginx"].pid],
        "PostgreSQL": [pg] if pg else [],
        "Redis": [rd] if rd else [],
    }
    spent = {}
    for name, roots in parts.items():
        total = 0.0
        for root in roots:
            for pid in _process_tree(root):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += cpu_seconds(pid)
        spent[name] = total
    spent["load client"] = time.process_time()
    return spent


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}


class WaitSampler:
    """Samples PostgreSQL's pg_stat_activity of one database every `every` s in a thread while a run lasts: for each
    sample, how many of the app's sessions were running a statement, and what the waiting ones waited on (a lock —
    e.g. the audit chain's advisory lock —, the client, I/O). `summary()` gives the mean count per state."""

    def __init__(self, database_url: str, every: float = 0.25):
        import threading

        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.every = every
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(self.every):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ).fetchall()
                self.samples += 1
                for state, kind, event in rows:
                    if state == "active":
                        key = f"waiting: {kind} {event}" if kind else "running a statement"
                    elif state == "idle in transaction":
                        key = "idle in transaction (the app working between statements)"
                    else:
                        continue
                    self.counts[key] = self.counts.get(key, 0) + 1

    def summary(self) -> dict[str, float]:
        """Mean number of sessions in each state over the samples, most first."""
        if not self.samples:
            return {}
        means = {key: count / self.samples for key, count in self.counts.items()}
        return dict(sorted(means.items(), key=lambda kv: -kv[1]))
