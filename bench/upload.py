"""Upload of a 100 MB evidence file (issue 9): the gunicorn worker's peak memory (VmHWM in /proc/<pid>/status) must
rise by at most 32 MB, at a throughput of at least half of writing the same bytes to the same disk.

    python bench/generate.py --scale province [--pg]
    python bench/upload.py [--database-url URL] [--mb 100]

One sync gunicorn worker (so its pid is known), MAX_UPLOAD_MB raised above the file's size for the run; an officer
logs in through the form and posts a PDF of `--mb` MB as multipart/form-data, streamed from the client. Reference, in
the same run: writing the same number of bytes to a file in the storage directory (with fsync, as storage does),
once just before and once just after the upload — the faster of the two counts, as the page cache's speed on a
shared machine swings several-fold from one minute to the next. The worker's CPU time for the upload is printed
too: it moves much less with the machine's load than wall-clock times do.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from figures import record  # noqa: E402
from pages_load import HOST, Client, default_url, free_port  # noqa: E402

CHUNK = 1024 * 1024
FILENAME = "Báo cáo lớn.pdf"
STORAGE = Path("/tmp/dvcq-bench-instance/evidence")


def vm(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(master: int) -> int:
    for _ in range(50):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("no gunicorn worker")


def body_parts(token: str, size: int, boundary: str):
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nBáo cáo đo hiệu năng\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{FILENAME}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = b"%PDF-1.7\n" + os.urandom(CHUNK - 9)

    def gen():
        yield head
        sent = 0
        while sent < size:
            n = min(CHUNK, size - sent)
            yield block[:n]
            sent += n
        yield b"\n%%EOF\n" + tail

    return len(head) + size + len(b"\n%%EOF\n") + len(tail), gen()


def remove_bench_uploads(client, token: str) -> int:
    """Delete, through the app (row and stored file), every upload this benchmark left in the unit's library — this
    run's and any earlier run's — so the shared benchmark databases and storage do not grow by 100 MB a run."""
    _, page, _ = client.request("GET", "/tai-lieu/")
    pattern = r'action="/tai-lieu/(\d+)/xoa" data-confirm="Xoá tệp «' + re.escape(FILENAME) + "»"
    ids = re.findall(pattern, page.decode())
    for evidence_id in ids:
        status, _, _ = client.request(
            "POST",
            f"/tai-lieu/{evidence_id}/xoa",
            urlencode({"csrf_token": token}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302:
            print(f"  (could not delete the benchmark's upload {evidence_id}: HTTP {status})")
    return len(ids)


def disk_reference(size: int) -> float:
    STORAGE.mkdir(parents=True, exist_ok=True)
    path = STORAGE / f"reference-{uuid.uuid4().hex}"
    block = os.urandom(CHUNK)
    start = time.perf_counter()
    with open(path, "wb") as out:
        for _ in range(size // CHUNK):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    size = args.mb * CHUNK
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        SECRET_KEY="bench-" + "k" * 40,
        STORAGE_URL=f"file://{STORAGE}",
        MAX_UPLOAD_MB=str(args.mb + 10),
        LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-t", "300", "-b", f"{HOST}:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/dvcq-bench-gunicorn-upload.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        pid = worker_pid(server.pid)
        client = Client(port)
        client.login("canbo.0001")
        _, page, _ = client.request("GET", "/tai-lieu/tai-len")
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        if earlier := remove_bench_uploads(client, token):
            print(f"  (deleted {earlier} upload(s) left by earlier runs)")
        try:  # reset the worker's peak to its current RSS, so the peak measured is the upload's own
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            print("  (could not reset VmHWM: the rise is measured from the worker's earlier peak)")
        reference_before = disk_reference(size)
        before_hwm, before_rss = vm(pid, "VmHWM"), vm(pid, "VmRSS")
        before_cpu = cpu_seconds(pid)
        boundary = uuid.uuid4().hex
        length, chunks = body_parts(token, size, boundary)
        import http.client

        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        start = time.perf_counter()
        conn.putrequest("POST", "/tai-lieu/tai-len")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(length))
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in client.cookies.items()))
        conn.endheaders()
        for chunk in chunks:
            conn.send(chunk)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        conn.close()
        after_hwm = vm(pid, "VmHWM")
        worker_cpu = cpu_seconds(pid) - before_cpu
        reference_after = disk_reference(size)
        reference = min(reference_before, reference_after)
        rise = (after_hwm - before_hwm) / CHUNK
        ratio = (size / elapsed) / (size / reference)
        print(f"upload of {args.mb} MB through gunicorn (1 worker), {args.database_url.split('@')[-1]}")
        print(f"  HTTP {response.status} ({'stored' if response.status == 302 else 'NOT stored'})")
        print(
            f"  worker peak memory VmHWM {before_hwm / CHUNK:.0f} → {after_hwm / CHUNK:.0f} MB: +{rise:.1f} MB "
            f"(RSS before {before_rss / CHUNK:.0f} MB)  target ≤ 32 MB: {'ok' if rise <= 32 else 'MISS'}"
        )
        print(
            f"  {elapsed:.2f} s = {size / elapsed / CHUNK:.0f} MB/s; writing the same bytes to the same disk "
            f"{reference:.2f} s = {size / reference / CHUNK:.0f} MB/s (before {reference_before:.2f} s, after "
            f"{reference_after:.2f} s); ratio {ratio * 100:.0f}%  target ≥ 50%: {'ok' if ratio >= 0.5 else 'MISS'}"
        )
        print(f"  worker CPU time for the upload: {worker_cpu:.2f} s")
        what = f"upload of {args.mb} MB"
        record("upload", "stored", f"{what}: stored (HTTP 302)", response.status, "", target=("==", 302), issue="9")
        record("upload", "peak", f"{what}: worker peak memory rise", round(rise, 1), "MB", target=("<=", 32), issue="9")
        record(
            "upload",
            "ratio",
            f"{what}: × writing the bytes to disk (retired by issue 19)",
            round(ratio * 100),
            "%",
            issue="9",
        )
        record("upload", "seconds", f"{what}: time", round(elapsed, 2), "s", issue="9")
        print(f"  load average: {os.getloadavg()[0]:.2f}")
        remove_bench_uploads(client, token)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
