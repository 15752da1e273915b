"""Deadline day on the production stack (issue 19, target 1): a province of 100 communes, 3 officers each; all 300 log
in within the first 60 s, then save items, open the self-assessment page and upload 20–400 KB PDFs for 5 minutes.

    python bench/deadline_day.py [--communes 100] [--officers 3] [--leaves 100] [--seconds 300] [--login-window 60]
                                 [--think 0.5,2] [--name deadline_day]

Needs DVCQ_BENCH_DATABASE_URL (a PostgreSQL server; database dvcq_bench_deadline is (re)created on it) and
DVCQ_BENCH_REDIS_URL (a benchmark Redis; emptied). bench/run_all.sh provides both.

1. bench/load/seed.py opens a campaign for the communes through the campaign services (the officers of a commune
   split its items between them);
2. bench/stack.py starts nginx (deploy/nginx.conf.example, TLS) → gunicorn -c deploy/gunicorn.conf.py (its defaults:
   2×cores+1 gthread workers × 4 threads, preloaded) + 2 RQ workers (deploy/worker.sh), DVCQ_ENV=production;
3. bench/load/client.py runs the officers (one thread and keep-alive connection each, on the same machine);
4. bench/load/verify.py checks that nothing was lost: uploads acknowledged = files stored = Evidence rows, and every
   item's stored score = the last one the server acknowledged.

Targets: 0 errors, nothing lost, item save p95 ≤ 300 ms, page p95 ≤ 500 ms, login p95 ≤ 1 s.

Pace: by default every officer fires its next request 0,5–2 s after the last answer (the locustfile's mix) — 300 of
them ask for ~200 requests a second, whatever the server answers: a stress, not a person's pace. `--think 5,15`
(bench/run_all.sh's second run, figures under `--name deadline_day_human`) is a person who reads the item, looks at the
evidence and types a score and a note — still faster than the 20–60 s an item takes a commune officer, so all 300 at
once remain the worst case of a real deadline day. Both runs are reported; bench/README.md explains what each shows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record, verdict  # noqa: E402
from load import client as rush  # noqa: E402
from load import seed as seeding  # noqa: E402
from load import verify  # noqa: E402
from stack import (  # noqa: E402
    LIFTED_LIMITS,
    Stack,
    WaitSampler,
    admin_url,
    cpu_by_part,
    cpu_spent,
    fresh_database,
    redis_url,
    scratch,
)

BENCH = "deadline_day"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--officers", type=int, default=3, help="officers per commune")
    parser.add_argument("--leaves", type=int, default=100, help="items per commune (5 areas)")
    parser.add_argument("--seconds", type=float, default=300, help="the whole run, logins included")
    parser.add_argument("--login-window", type=float, default=60)
    parser.add_argument("--think", type=rush.think_range, default=rush.THINK, help="seconds between requests: 0.5,2")
    parser.add_argument("--name", default=BENCH, help="the figures' name in the report (deadline_day_human …)")
    parser.add_argument("--web-concurrency", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, users.json, sent.json)")
    args = parser.parse_args()
    with scratch("dvcq-deadline-", keep=args.keep) as workdir:
        run(args, workdir)


def run(args: argparse.Namespace, workdir: Path) -> None:
    admin_url(), redis_url()  # both must be there before anything is built
    database_url = fresh_database("dvcq_bench_deadline")
    # seeding and verifying run here, with the app of this environment (jobs in-process); the stack has its own
    os.environ.update(DATABASE_URL=database_url, STORAGE_URL=f"file://{workdir / 'evidence'}")
    os.environ.pop("REDIS_URL", None)
    started = time.perf_counter()
    seeded = seeding.seed(args.communes, args.leaves, args.officers)
    people = seeded["users"]
    print(f"seeded {args.communes} communes × {args.leaves} items, {args.officers} officers each ", end="")
    print(f"({time.perf_counter() - started:.0f} s)")
    with Stack(database_url, redis_url(), workdir, web_concurrency=args.web_concurrency) as stack:
        print(stack.describe())
        print(f"  (lifted for the run, every user comes from 127.0.0.1: {LIFTED_LIMITS})")
        load_before = os.getloadavg()
        cpu_before = cpu_by_part(stack, database_url, redis_url())
        with WaitSampler(database_url) as waits:
            tally, summary = rush.run(people, stack.base_url, args.seconds, args.login_window, 120, args.think)
        cpu = cpu_spent(cpu_before, cpu_by_part(stack, database_url, redis_url()))
        load_after = os.getloadavg()
        problems = stack.log_problems()
    sent = {"uploads": tally.uploads, "scores": tally.scores, "conflicts": 0}
    if args.keep:
        (workdir / "users.json").write_text(json.dumps(seeded, ensure_ascii=False), encoding="utf-8")
        (workdir / "sent.json").write_text(json.dumps(sent, ensure_ascii=False), encoding="utf-8")
    print(
        f"{len(people)} officers ({args.communes} communes × {args.officers}), {args.leaves} items a commune, "
        f"{args.seconds:.0f} s, logins within {args.login_window:.0f} s, {pace(args.think)}; "
        f"load {load_before[0]:.2f} → {load_after[0]:.2f}"
    )
    rush.print_summary(summary)
    wall = summary["seconds"]
    print(f"where the two cores went ({2 * wall:.0f} core-seconds in {wall:.0f} s):")
    for part, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {part:<22} {seconds:8.1f} s  {seconds / wall:5.2f} cores")
    requests = summary["requests"] or 1
    print(
        f"  app CPU per request: {cpu['gunicorn (the app)'] / requests * 1000:.1f} ms; all parts: "
        f"{sum(cpu.values()) / requests * 1000:.1f} ms"
    )
    print(f"PostgreSQL sessions of the app, mean over {waits.samples} samples:")
    for state, mean in waits.summary().items():
        print(f"  {state:<60} {mean:6.2f}")
    lost = verify.check(seeded, sent)
    for problem in lost:
        print("LOST:", problem)
    for problem in problems[:10]:
        print(f"  server log: {problem}")

    size = f"{len(people)} users, {args.seconds:.0f} s, {pace(args.think)}"
    summary["errors"] += len(problems)  # a traceback or a 5xx in the server's logs is an error too
    rush.record_figures(
        args.name,
        summary,
        size,
        {"errors": ("==", 0), "save": ("<=", 300), "page": ("<=", 500), "login": ("<=", 1000)},
        issue="19.1",
    )
    record(
        args.name,
        "lost",
        "problems found by verify (uploads = files = rows; last scores stored)",
        len(lost),
        "",
        target=("==", 0),
        issue="19.1",
    )
    record(
        args.name,
        "client_cpu",
        "the load client's CPU time (on the same two cores)",
        round(summary["client_cpu"], 1),
        "s",
    )
    record(
        args.name,
        "cpu_per_request",
        "CPU per request, every part of the stack and the client (ms)",
        round(sum(cpu.values()) / requests * 1000, 1),
        "ms",
    )
    record(
        args.name,
        "lock_waits",
        "app sessions waiting on a lock in PostgreSQL, mean (the audit chain's lock among them)",
        round(sum(m for s, m in waits.summary().items() if s.startswith("waiting: Lock")), 2),
        "",
    )
    by = summary["by_request"]
    figures = [
        summary["errors"] == 0,
        not lost,
        (by.get(rush.SAVE, {}).get("p95") or 99) <= 0.3,
        (summary["pages"]["p95"] or 99) <= 0.5,
        (by.get(rush.LOGIN, {}).get("p95") or 99) <= 1,
    ]
    print("verdict (errors, lost, save, page, login): " + ", ".join(verdict(m) for m in figures))
    if summary["errors"] or lost:
        sys.exit(1)  # a failed request or something lost is a fault, not a missed timing


def pace(think: tuple[float, float]) -> str:
    return f"{think[0]:g}–{think[1]:g} s apart".replace(".", ",")


if __name__ == "__main__":
    main()
