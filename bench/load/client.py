"""The deadline rush as a small, bounded client (no locust needed): every simulated officer logs in within the first
`--login-window` seconds, then — `--think` seconds apart, 0,5–2 by default — saves an item score (JSON, with the
version it saw), opens the self-assessment page, or uploads a 20–400 KB PDF to the unit's library (5 : 1 : 2), until
`--seconds` have passed since the start; requests in flight then finish (each waits at most `--timeout` s) and are
counted.

    python -m bench.load.client --base-url https://127.0.0.1:8443 --users-file users.json --sent sent.json \\
        [--users 300] [--seconds 300] [--login-window 60] [--think 0.5,2] [--summary summary.json]

One thread per officer, each with its own keep-alive connection and cookies (bench/stack.py's Client); loopback
only. `users.json` is what bench/load/seed.py writes; officers of one commune work on their own share of its items
(the seed splits them), so an item's "last acknowledged score" is well defined and bench/load/verify.py can check
it. Writes `sent.json` (what the server acknowledged, for verify) and prints per request type: count, errors, p50,
p95, max. Login = the form's POST plus the page it leads to (what a person waits for).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stack import Client, multipart, percentile  # noqa: E402

SCORES = ["0", "0,25", "0,5", "0,75", "1"]
LOGIN = "log in (POST + the page it leads to)"
SAVE = "save an item score (POST JSON)"
VIEW = "self-assessment page"
UPLOAD = "upload evidence (POST multipart)"
FORM = "login form page"
HOME = "home page after login"
THINK = (0.5, 2.0)  # seconds between one officer's requests: the locustfile's pace (a stress, not a person's pace)
PAGES = (FORM, HOME, VIEW)


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    uploads: list[dict] = field(default_factory=list)
    scores: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times.setdefault(name, []).append(seconds)
            if error:
                self.errors.setdefault(name, []).append(error)


def timed(tally: Tally, name: str, fn, ok_status: tuple[int, ...]):
    start = time.perf_counter()
    try:
        status, data, headers = fn()
    except Exception as exc:  # a reset, a timeout: counted as this request's error
        tally.add(name, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        return None
    elapsed = time.perf_counter() - start
    tally.add(name, elapsed, None if status in ok_status else f"HTTP {status}: {data[:120]!r}")
    return (status, data, headers) if status in ok_status else None


def officer(
    person: dict,
    base_url: str,
    start_at: float,
    stop_at: float,
    tally: Tally,
    seed: int,
    timeout: float,
    think: tuple[float, float] = THINK,
):
    rng = random.Random(seed)
    client = Client(base_url, timeout=timeout)
    versions: dict[int, int] = {}
    time.sleep(max(0.0, start_at - time.perf_counter()))
    try:
        form = timed(tally, FORM, lambda: client.request("GET", "/dang-nhap"), (200,))
        if form is None:
            return
        client.remember_token(form[1])
        started = time.perf_counter()
        fields = {"login": person["login"], "password": person["password"], "csrf_token": client.token}
        posted = timed(tally, "log in (POST)", lambda: client.form("/dang-nhap", fields), (302,))
        if posted is None:
            tally.add(LOGIN, time.perf_counter() - started, "login refused")
            return
        home = timed(tally, HOME, lambda: client.request("GET", "/"), (200,))
        tally.add(LOGIN, time.perf_counter() - started, None if home else "no page after login")
        if home is None:
            return
        client.remember_token(home[1])
        while True:
            time.sleep(rng.uniform(*think))
            if time.perf_counter() >= stop_at:
                return
            task = rng.choices((SAVE, VIEW, UPLOAD), weights=(5, 1, 2))[0]
            if task == SAVE:
                item = rng.choice(person["items"])
                body = json.dumps({"version": versions.get(item, 1), "score": rng.choice(SCORES), "note": "Đã rà soát"})
                answer = timed(
                    tally,
                    SAVE,
                    lambda item=item, body=body: client.request(
                        "POST",
                        f"/tu-danh-gia/{person['assessment_id']}/muc/{item}",
                        body.encode(),
                        {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": client.token},
                    ),
                    (200,),
                )
                if answer:
                    state = json.loads(answer[1])["item"]
                    versions[item] = state["version"]
                    with tally.lock:
                        tally.scores[str(item)] = state["score"]
            elif task == VIEW:
                timed(tally, VIEW, lambda: client.request("GET", f"/tu-danh-gia/{person['assessment_id']}"), (200,))
            else:
                data = b"%PDF-1.7\n" + os.urandom(rng.randint(20_000, 400_000)) + b"\n%%EOF\n"
                name = f"Báo cáo số {rng.randint(1, 10**9)} – {person['login']}.pdf"
                body, content_type = multipart(
                    {"csrf_token": client.token, "issuer": "UBND xã"}, "file", name, data, "application/pdf"
                )
                answer = timed(
                    tally,
                    UPLOAD,
                    lambda body=body, content_type=content_type: client.request(
                        "POST", "/tai-lieu/tai-len", body, {"Content-Type": content_type}
                    ),
                    (302,),
                )
                if answer:
                    with tally.lock:
                        tally.uploads.append({"unit_id": person["unit_id"], "name": name, "size": len(data)})
    finally:
        client.close()


def think_range(text: str) -> tuple[float, float]:
    """«0.5,2» → (0.5, 2.0): an officer waits a uniform time in this range between two requests."""
    low, _, high = text.partition(",")
    low, high = float(low), float(high or low)
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"think time «{text}»: two seconds values, low ≤ high")
    return low, high


def stats(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
    }


def run(
    people: list[dict],
    base_url: str,
    seconds: float,
    login_window: float,
    timeout: float,
    think: tuple[float, float] = THINK,
) -> tuple[Tally, dict]:
    tally = Tally()
    begin = time.perf_counter()
    stop_at = begin + seconds
    cpu = time.process_time()
    threads = []
    for i, person in enumerate(people):
        start_at = begin + login_window * (i + random.Random(i).random()) / len(people)
        thread = threading.Thread(
            target=officer, args=(person, base_url, start_at, stop_at, tally, i, timeout, think), daemon=True
        )
        thread.start()
        threads.append(thread)
    for thread in threads:  # bounded: a request in flight at the stop waits at most `timeout`
        thread.join(timeout=max(0.0, stop_at - time.perf_counter()) + timeout + 5)
    elapsed = time.perf_counter() - begin
    hung = sum(t.is_alive() for t in threads)
    requests = sum(len(v) for k, v in tally.times.items() if k not in (LOGIN,))
    summary = {
        "users": len(people),
        "think": list(think),
        "seconds": elapsed,
        "requests": requests,
        "rps": requests / elapsed,
        "client_cpu": time.process_time() - cpu,
        "unfinished_users": hung,
        "by_request": {
            name: stats(values) | {"errors": len(tally.errors.get(name, []))} for name, values in tally.times.items()
        },
        "pages": stats([t for name in PAGES for t in tally.times.get(name, [])]),
        "errors": sum(len(v) for k, v in tally.errors.items() if k != LOGIN) + hung,
        "error_samples": sorted({e for v in tally.errors.values() for e in v})[:5],
    }
    return tally, summary


def print_summary(summary: dict) -> None:
    def ms(value):
        return "—" if value is None else f"{value * 1000:,.0f} ms"

    print(f"{'request':<42} {'count':>7} {'errors':>7} {'p50':>10} {'p95':>10} {'max':>10}")
    for name, s in sorted(summary["by_request"].items()):
        print(f"{name:<42} {s['count']:>7} {s['errors']:>7} {ms(s['p50']):>10} {ms(s['p95']):>10} {ms(s['max']):>10}")
    p = summary["pages"]
    print(
        f"{'all pages (login form, home, self-assessment)':<42} {p['count']:>7} {'':>7} "
        f"{ms(p['p50']):>10} {ms(p['p95']):>10}"
    )
    print(
        f"{summary['requests']} requests in {summary['seconds']:.0f} s = {summary['rps']:.1f}/s; client CPU "
        f"{summary['client_cpu']:.1f} s; errors {summary['errors']}; users unfinished {summary['unfinished_users']}"
    )
    for sample in summary["error_samples"]:
        print(f"    {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--users-file", required=True)
    parser.add_argument("--sent", required=True, help="where to write what the server acknowledged (for verify)")
    parser.add_argument("--users", type=int, default=0, help="how many of the file's officers (default all)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--login-window", type=float, default=5)
    parser.add_argument("--timeout", type=float, default=120, help="the longest a single request may take")
    parser.add_argument("--think", type=think_range, default=THINK, help="seconds between requests, e.g. 0.5,2")
    parser.add_argument("--summary", help="also write the summary as JSON here")
    parser.add_argument("--figures", help="record the figures for bench/run_all.sh's report under this name")
    args = parser.parse_args()
    people = json.loads(Path(args.users_file).read_text(encoding="utf-8"))["users"]
    people = people[: args.users] if args.users else people
    print(
        f"{len(people)} officers against {args.base_url}, {args.seconds:.0f} s, logins within {args.login_window:.0f} s"
    )
    tally, summary = run(people, args.base_url, args.seconds, args.login_window, args.timeout, args.think)
    Path(args.sent).write_text(
        json.dumps({"uploads": tally.uploads, "scores": tally.scores, "conflicts": 0}, ensure_ascii=False),
        encoding="utf-8",
    )
    if args.summary:
        Path(args.summary).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print_summary(summary)
    if args.figures:
        record_figures(args.figures, summary, f"{len(people)} users, {args.seconds:.0f} s")
    sys.exit(1 if summary["errors"] else 0)


def record_figures(bench: str, summary: dict, size: str, targets: dict | None = None, issue: str = "") -> None:
    """The run's figures for the report; `targets` {figure: (op, threshold)} where the issue sets one."""
    from figures import record

    targets = targets or {}

    def ms(value):
        return None if value is None else round(value * 1000, 1)

    by = summary["by_request"]
    record(bench, "errors", f"errors, {size}", summary["errors"], "", target=targets.get("errors"), issue=issue)
    record(
        bench,
        "save.p95",
        f"item save p95, {size}",
        ms(by.get(SAVE, {}).get("p95")),
        "ms",
        target=targets.get("save"),
        issue=issue,
    )
    record(
        bench,
        "page.p95",
        f"page p95, {size}",
        ms(summary["pages"]["p95"]),
        "ms",
        target=targets.get("page"),
        issue=issue,
    )
    record(
        bench,
        "login.p95",
        f"login p95 (POST + next page), {size}",
        ms(by.get(LOGIN, {}).get("p95")),
        "ms",
        target=targets.get("login"),
        issue=issue,
    )
    record(bench, "upload.p95", f"upload 20–400 KB p95, {size}", ms(by.get(UPLOAD, {}).get("p95")), "ms", issue=issue)
    record(bench, "rps", f"requests per second, {size}", round(summary["rps"], 1), "/s", issue=issue)


if __name__ == "__main__":
    main()
