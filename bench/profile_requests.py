"""Where a request's time goes (issue 19, target 1's profile): the deadline-day requests one after another, in process,
with the production settings (DVCQ_ENV=production, PostgreSQL, Redis), under cProfile.

    python bench/profile_requests.py [--communes 10] [--leaves 100] [--rounds 60] [--top 25] [--out DIR]

Needs DVCQ_BENCH_DATABASE_URL and DVCQ_BENCH_REDIS_URL (bench/run_all.sh provides both; database
dvcq_bench_profile is (re)created). Seeds like deadline_day (bench/load/seed.py), then for each request type —
log in (POST + the page it leads to), save an item score (JSON), the self-assessment page of 100 items, a 200 KB
upload — runs `--rounds` requests through Flask's test client (no nginx, no gunicorn: the app's own cost) and prints:
wall and CPU time per request (median, p95), the number of SQL statements per request and their database time, and
the top functions of a cProfile of all rounds. With `--out`, writes each type's profile as `<type>.pstats`.

What the deadline-day figures do not show: how much of a request is the app's own CPU, how much waiting on the
database, and which code; with two cores, the load a stack can carry is about 2 cores / (CPU per request).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import seed as seeding  # noqa: E402
from stack import LIFTED_LIMITS, fresh_database, redis_url  # noqa: E402

BASE = "https://dvcq.bench"
HEADERS = {"Referer": BASE + "/"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=10)
    parser.add_argument("--leaves", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", help="comma-separated request types (login,save,page,upload)")
    parser.add_argument("--out", help="write <type>.pstats here")
    parser.add_argument("--plain", action="store_true", help="times only, no cProfile (its overhead inflates CPU)")
    args = parser.parse_args()
    database_url = fresh_database("dvcq_bench_profile")
    storage = Path(tempfile.mkdtemp(prefix="dvcq-profile-"))
    os.environ.update(DATABASE_URL=database_url, STORAGE_URL=f"file://{storage / 'evidence'}")
    os.environ.pop("REDIS_URL", None)
    seeded = seeding.seed(args.communes, args.leaves, 3)
    os.environ.update(
        DVCQ_ENV="production",
        REDIS_URL=redis_url(),
        SECRET_KEY="p" * 64,
        TRUSTED_PROXIES="1",
        **LIFTED_LIMITS,
    )
    import redis

    redis.Redis.from_url(redis_url()).flushdb()
    from sqlalchemy import event

    from dvcq.app import create_app
    from dvcq.platform.extensions import db

    app = create_app()
    statements = {"n": 0, "seconds": 0.0}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        statements["n"] += 1
        statements["seconds"] += time.perf_counter() - conn.info["started"].pop()

    people = seeded["users"]
    rng = random.Random(1)
    kinds = {"login": login_round, "save": save_round, "page": page_round, "upload": upload_round}
    chosen = args.only.split(",") if args.only else list(kinds)
    print(f"{args.communes} communes × {args.leaves} items, 3 officers each; {args.rounds} rounds a type; in process")
    print(f"{'request':<10} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>9} {'SQL/req':>8} {'SQL ms/req':>10}")
    profiles = {}
    for kind in chosen:
        walls, cpus = [], []
        profile = None if args.plain else cProfile.Profile()
        statements.update(n=0, seconds=0.0)
        clients = {}
        for person in people:  # logged in beforehand, except for the login rounds
            if kind != "login":
                clients[person["login"]] = logged_in(app, person)
        versions: dict[int, int] = {}
        for n in range(args.rounds + 5):
            person = people[n % len(people)]
            step = kinds[kind](app, person, clients.get(person["login"]), rng, versions)
            if n < 5:  # warm-up: first requests compile templates, fill caches
                step(None)
                statements.update(n=0, seconds=0.0)
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            step(profile)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        n = len(walls)
        print(
            f"{kind:<10} {ms(statistics.median(walls)):>9} {ms(quantile(walls, 0.95)):>9} "
            f"{ms(statistics.median(cpus)):>9} {statements['n'] / n:>8.1f} {statements['seconds'] / n * 1000:>10.1f}"
        )
        if profile is not None:
            profiles[kind] = profile
    for kind, profile in profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.top)
        print(f"\n==== {kind}: cumulative, top {args.top} ====")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime").print_stats(args.top)
        print(f"\n==== {kind}: own time, top {args.top} ====")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            profile.dump_stats(str(Path(args.out) / f"{kind}.pstats"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def token_of(html: bytes) -> str:
    import re

    return re.search(rb'name="csrf-token" content="([^"]+)"', html).group(1).decode()


def logged_in(app, person):
    client = app.test_client()
    client.environ_base.update(HTTP_REFERER=BASE + "/")
    page = client.get("/dang-nhap", base_url=BASE)
    token = token_of(page.data)
    answer = client.post(
        "/dang-nhap",
        data={"login": person["login"], "password": person["password"], "csrf_token": token},
        base_url=BASE,
    )
    assert answer.status_code == 302, answer.status_code
    home = client.get("/", base_url=BASE)
    client.token = token_of(home.data)
    return client


def profiled(profile, fn):
    if profile is None:
        return fn()
    profile.enable()
    try:
        return fn()
    finally:
        profile.disable()


def login_round(app, person, _client, _rng, _versions):
    client = app.test_client()
    client.environ_base.update(HTTP_REFERER=BASE + "/")
    token = token_of(client.get("/dang-nhap", base_url=BASE).data)
    fields = {"login": person["login"], "password": person["password"], "csrf_token": token}

    def step(profile):
        def go():
            assert client.post("/dang-nhap", data=fields, base_url=BASE).status_code == 302
            assert client.get("/", base_url=BASE).status_code == 200

        profiled(profile, go)

    return step


def save_round(app, person, client, rng, versions):
    item = rng.choice(person["items"])

    def step(profile):
        body = {"version": versions.get(item, 1), "score": rng.choice(["0", "0,5", "1"]), "note": "Đã rà soát"}

        def go():
            return client.post(
                f"/tu-danh-gia/{person['assessment_id']}/muc/{item}",
                data=json.dumps(body),
                content_type="application/json",
                headers={"Accept": "application/json", "X-CSRFToken": client.token},
                base_url=BASE,
            )

        answer = profiled(profile, go)
        assert answer.status_code == 200, answer.data[:200]
        versions[item] = answer.get_json()["item"]["version"]

    return step


def page_round(app, person, client, _rng, _versions):
    def step(profile):
        answer = profiled(profile, lambda: client.get(f"/tu-danh-gia/{person['assessment_id']}", base_url=BASE))
        assert answer.status_code == 200

    return step


def upload_round(app, person, client, rng, _versions):
    def step(profile):
        data = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
        name = f"Báo cáo số {rng.randint(1, 10**9)}.pdf"

        def go():
            return client.post(
                "/tai-lieu/tai-len",
                data={"csrf_token": client.token, "issuer": "UBND xã", "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data",
                base_url=BASE,
            )

        answer = profiled(profile, go)
        assert answer.status_code == 302, answer.data[:300]

    return step


if __name__ == "__main__":
    main()
