"""Many uploads at once (issue 19, target 4): 20 officers post a 20 MB PDF each, all at the same moment, through nginx
to the production stack (bench/stack.py).

    python bench/concurrent_uploads.py [--uploads 20] [--mb 20]

Needs DVCQ_BENCH_DATABASE_URL (database dvcq_bench_uploads is (re)created) and DVCQ_BENCH_REDIS_URL.

Each gunicorn worker's peak memory is reset (/proc/<pid>/clear_refs ← 5) before the uploads and read after them
(VmHWM); the figure is the largest rise of any worker. The files are random bytes behind a PDF header, streamed from
the client while hashed. Afterwards, in the database and the storage folder: every acknowledged upload is one
Evidence row with the client's SHA-256 and size, every stored file hashes to its row's SHA-256, and the storage keys
are exactly the rows' keys (no file without a row, no row without a file).

Targets: peak memory growth per worker ≤ 32 MB; every file stored with the right hash; no orphan file or row.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import ssl
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record, verdict  # noqa: E402
from load import seed as seeding  # noqa: E402
from stack import Client, Stack, admin_url, fresh_database, redis_url, scratch, vm  # noqa: E402

BENCH = "concurrent_uploads"
MB = 1024 * 1024
BLOCK = 256 * 1024


def post_file(client: Client, token: str, name: str, size: int, barrier: threading.Barrier, out: dict) -> None:
    """Stream one multipart upload of `size` random bytes (a PDF header first); hash what is sent."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    digest = hashlib.sha256()
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection(client.host, client.port, context=context, timeout=600)
    try:
        barrier.wait(timeout=120)
        start = time.perf_counter()
        conn.putrequest("POST", "/tai-lieu/tai-len")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(head) + size + len(tail)))
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in client.cookies.items()))
        conn.putheader("Referer", f"https://{client.host}:{client.port}/")
        conn.endheaders()
        conn.send(head)
        sent = 0
        while sent < size:
            block = (b"%PDF-1.7\n" + os.urandom(BLOCK - 9)) if sent == 0 else os.urandom(BLOCK)
            block = block[: size - sent]
            digest.update(block)
            conn.send(block)
            sent += len(block)
        conn.send(tail)
        response = conn.getresponse()
        answer = response.read()
        out.update(status=response.status, seconds=time.perf_counter() - start)
        if response.status != 302:
            out["error"] = _message(answer)
    except Exception as exc:  # counted as a failed upload
        out.update(status=None, error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
        out.update(sha256=digest.hexdigest(), size=size, name=name)


def _message(page: bytes) -> str:
    """The error a refused upload shows (the page's flash or error text), for the report."""
    import html
    import re

    text = page.decode(errors="replace")
    found = re.findall(r'class="(?:flash[^"]*|error)"[^>]*>(.*?)</', text, re.S)
    return html.unescape(" / ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found))[:300] or text[:200]


def check_storage(storage_dir: Path, unit_ids: list[int], sent: list[dict]) -> list[str]:
    """Rows, files and hashes after the run, read with the app's own models and storage (this environment's)."""
    from sqlalchemy import select

    from dvcq.app import create_app
    from dvcq.platform.extensions import db
    from dvcq.platform.storage import get_storage
    from dvcq.platform.tenancy import SYSTEM, scoped
    from dvcq.scoring.models import Evidence

    with create_app().app_context(), scoped(SYSTEM):
        found = db.session.execute(select(Evidence).where(Evidence.unit_id.in_(unit_ids))).scalars().all()
        rows = [(r.storage_key, r.original_name, r.size, r.sha256) for r in found]
        storage = get_storage()
        files = {}
        for key in storage.keys():  # noqa: SIM118 — a Storage, not a dict
            digest = hashlib.sha256()
            with storage.open(key) as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    digest.update(block)
            files[key] = digest.hexdigest()
        db.session.remove()
    problems = []
    by_name = {name: (key, size, sha) for key, name, size, sha in rows}
    for upload in sent:
        if upload.get("status") != 302:
            continue
        row = by_name.get(upload["name"])
        if row is None:
            problems.append(f"acknowledged but no row: {upload['name']}")
        elif (row[1], row[2]) != (upload["size"], upload["sha256"]):
            problems.append(f"row differs from what was sent: {upload['name']}")
        elif files.get(row[0]) != upload["sha256"]:
            problems.append(f"stored file does not hash to what was sent: {upload['name']}")
    keys = {key for key, *_ in rows}
    if orphans := set(files) - keys:
        problems.append(f"{len(orphans)} file(s) without a row")
    if missing := keys - set(files):
        problems.append(f"{len(missing)} row(s) without a file")
    leftovers = sum(1 for path in storage_dir.rglob("*") if path.is_file()) - len(files)
    if leftovers:
        problems.append(f"{leftovers} other file(s) left in storage (staged, temporary)")
    if len(rows) != sum(1 for u in sent if u.get("status") == 302):
        problems.append(f"{len(rows)} rows for {sum(1 for u in sent if u.get('status') == 302)} acknowledged uploads")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--mb", type=float, default=20, help="size of each file in MiB (MAX_UPLOAD_MB is 20)")
    parser.add_argument("--web-concurrency", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    args = parser.parse_args()
    with scratch("dvcq-uploads-", keep=False) as workdir:
        run(args, workdir)


def run(args: argparse.Namespace, workdir: Path) -> None:
    admin_url(), redis_url()
    database_url = fresh_database("dvcq_bench_uploads")
    # seeding and checking run here, with the app of this environment (jobs in-process); the stack has its own
    os.environ.update(DATABASE_URL=database_url, STORAGE_URL=f"file://{workdir / 'evidence'}")
    os.environ.pop("REDIS_URL", None)
    people = seeding.seed(args.uploads, 5)["users"]
    size = int(args.mb * MB)
    with Stack(database_url, redis_url(), workdir, web_concurrency=args.web_concurrency) as stack:
        print(stack.describe())
        clients = []
        for person in people:
            client = Client(stack.base_url)
            if client.login(person["login"], person["password"]) != 302:
                raise SystemExit(f"login failed for {person['login']}")
            _, page, _ = client.request("GET", "/tai-lieu/tai-len")
            client.remember_token(page)
            clients.append(client)
        workers = stack.web_workers()
        before = {}
        for pid in workers:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := current RSS
            before[pid] = (vm(pid, "VmHWM"), vm(pid, "VmRSS"))
        load_before = os.getloadavg()[0]
        barrier = threading.Barrier(len(people))
        results = [{} for _ in people]
        threads = [
            threading.Thread(
                target=post_file,
                args=(c, c.token, f"Hồ sơ lớn {i + 1:02d} – {p['login']}.pdf", size, barrier, results[i]),
            )
            for i, (c, p) in enumerate(zip(clients, people, strict=True))
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=900)
        elapsed = time.perf_counter() - started
        growth = {pid: (vm(pid, "VmHWM") - before[pid][0]) / MB for pid in workers if Path(f"/proc/{pid}").exists()}
        load_after = os.getloadavg()[0]
        problems = stack.log_problems()
        for c in clients:
            c.close()
    stored = check_storage(workdir / "evidence", sorted({p["unit_id"] for p in people}), results)
    ok = sum(1 for r in results if r.get("status") == 302)
    print(
        f"{len(people)} uploads of {args.mb:g} MiB at once through nginx: {ok} stored (302) in {elapsed:.1f} s "
        f"({len(people) * size / MB / elapsed:.0f} MiB/s); load {load_before:.2f} → {load_after:.2f}"
    )
    for r in results:
        if r.get("status") != 302:
            print(f"  not stored: {r.get('name')}: {r.get('status')} {r.get('error', '')}")
    for pid, rise in sorted(growth.items()):
        print(f"  worker {pid}: VmHWM +{rise:.1f} MB (RSS before {before[pid][1] / MB:.0f} MB)")
    for problem in stored + problems[:10]:
        print(f"  PROBLEM: {problem}")
    worst = max(growth.values()) if growth else None
    label = f"{len(people)} × {args.mb:g} MiB"
    figures = [
        record(
            BENCH,
            "worker_growth",
            f"peak memory growth per worker, {label}",
            None if worst is None else round(worst, 1),
            "MB",
            target=("<=", 32),
            issue="19.4",
        ),
        record(
            BENCH, "not_stored", f"uploads not stored, {label}", len(people) - ok, "", target=("==", 0), issue="19.4"
        ),
        record(
            BENCH,
            "integrity",
            "wrong hash / file without row / row without file",
            len(stored) + len(problems),
            "problems",
            target=("==", 0),
            issue="19.4",
        ),
    ]
    record(BENCH, "seconds", f"all {label} stored", round(elapsed, 2), "s", issue="19.4")
    print("verdict: " + ", ".join(verdict(m) or "—" for m in figures))
    if stored or problems or ok < len(people):
        sys.exit(1)  # a refused upload, a wrong hash or an orphan is a fault, not a missed figure


if __name__ == "__main__":
    main()
