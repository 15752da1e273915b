"""A whole country in one deployment (issue 19, target 2): 34 provinces as 34 authorities, 3,321 communes, 5 published
years and a running campaign (bench/generate.py's country scale, split into authorities), on PostgreSQL.

    python bench/country_scale.py [--provinces 34] [--communes 3321] [--years 5] [--users 100]
                                  [--warmup 20] [--seconds 60] [--think 1] [--human-think 10] [--reuse]

Needs DVCQ_BENCH_DATABASE_URL (database `--database`, dvcq_bench_country34, is (re)created, or kept with --reuse)
and DVCQ_BENCH_REDIS_URL.

1. Pages: the production stack (bench/stack.py: nginx → gunicorn per deploy/gunicorn.conf.py + 2 RQ workers); `--users`
   people spread over the provinces and roles — officers (home, their self-assessment record, their unit's profile),
   appraisers (home, the appraisal list, a commune's appraisal sheet), secretariat (home, the running campaign, the
   results table), leadership (home, the dashboard, the results table) — each logs in, then requests one of its pages
   and reads it for `--think` s, again and again. `--warmup` s unmeasured first (every worker builds its caches), then
   `--seconds` s measured. Target: every page's p95 ≤ 200 ms, no error. With `--human-think 10` the same people
   then read each page ~10 s (a person's pace; 1 s is a stress: 100 users then ask for ~90 pages a second) for
   `--human-seconds` s, on the same stack, and those p95s are recorded too (`pages_human.*`).
2. A province's results compute (province 1's running campaign, its appraised scores filled in for the purpose) in
   every mode — rows written in the system scope, again with nothing changed, rows written in the authority's scope —
   against the raw per-unit-and-area sums (bench/results_engine.py's reference). Target: ≤ 3× in every mode.
3. The tenancy guard's cost, as a profile: every top-level ORM SELECT of the compute (authority scope) and of four
   pages (a commune's self-assessment record, an appraisal sheet, the dashboard and the results table, caches
   emptied first, in-process) is run with the guard and again with it switched off for that statement
   (`all_tenants`): once each untimed (both compiled and in SQLAlchemy's cache, as in a worker that has served the
   page before), then three times each, best time kept. Where both return the same rows the difference is the guard's
   overhead; where they differ the guard is what filters the rows (listed, not counted as overhead). Target: on the
   hot statements (≥ 1 ms) the overhead is at most a quarter of the statement's time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record, verdict  # noqa: E402
from generate import BENCH_PASSWORD, bench_config, pg_database  # noqa: E402
from stack import Client, Stack, admin_url, percentile, redis_url, scratch  # noqa: E402

BENCH = "country_scale"
DATABASE = "dvcq_bench_country34"
UNIT_USERS = 10  # officers (and leaders) with a login in each province
ROLES = ("officer", "officer", "appraiser", "secretariat", "leadership")


# -- the data ---------------------------------------------------------------------------------------------------------
def build(url: str, provinces: int, communes: int, years: int, instance: Path) -> float:
    from flask_migrate import upgrade
    from generate import populate
    from sqlalchemy import text

    from dvcq.app import create_app
    from dvcq.platform.extensions import db

    started = time.perf_counter()
    app = create_app(bench_config(url, instance))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        base, extra = divmod(communes, provinces)
        for p in range(1, provinces + 1):
            populate(
                communes=base + (1 if p <= extra else 0),
                groups=1,
                years=years,
                unit_users=UNIT_USERS,
                code=f"P{p:02d}",
                login_prefix=f"p{p:02d}.",
                name=f"Tỉnh số {p:02d}",
                seed=2026 + p,
            )
            print(f"  province {p:02d}/{provinces} built ({time.perf_counter() - started:.0f} s)", flush=True)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from dvcq.app import create_app
    from dvcq.platform.extensions import db

    app = create_app(bench_config(url, instance))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
        db.engine.dispose()


@dataclass
class Province:
    number: int
    authority_id: int
    campaign_id: int  # the running campaign
    year: int  # the last published year
    officers: list[tuple[str, int, int]] = field(default_factory=list)  # (login, unit id, assessment id)
    assessments: list[int] = field(default_factory=list)


def read_provinces(url: str) -> list[Province]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    found = []
    with engine.connect() as conn:
        authorities = conn.execute(
            text("SELECT id, code FROM units WHERE id = authority_id AND code LIKE 'P%' ORDER BY code")
        ).all()
        for authority_id, code in authorities:
            campaign = conn.execute(
                text("SELECT id FROM campaigns WHERE authority_id = :a AND status = 'appraisal'"), {"a": authority_id}
            ).scalar_one()
            year = conn.execute(
                text("SELECT MAX(year) FROM campaigns WHERE authority_id = :a AND status = 'published'"),
                {"a": authority_id},
            ).scalar_one()
            province = Province(int(code[1:]), authority_id, campaign, year)
            province.officers = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT u.login, u.unit_id, a.id FROM users u JOIN assessments a ON a.unit_id = u.unit_id "
                        "WHERE a.campaign_id = :c AND u.role = 'officer' ORDER BY u.login"
                    ),
                    {"c": campaign},
                ).all()
            ]
            province.assessments = list(
                conn.execute(text("SELECT id FROM assessments WHERE campaign_id = :c ORDER BY id"), {"c": campaign})
                .scalars()
                .all()
            )
            found.append(province)
    engine.dispose()
    return found


# -- 1. pages under load ----------------------------------------------------------------------------------------------
def roster(provinces: list[Province], users: int) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(login, role, [(page kind, path)…]) for each simulated person, spread over provinces and roles."""
    people = []
    for i in range(users):
        province = provinces[i % len(provinces)]
        role = ROLES[(i // len(provinces) + i) % len(ROLES)]
        prefix = f"p{province.number:02d}."
        if role == "officer":
            login, unit_id, assessment_id = province.officers[(i // len(provinces)) % len(province.officers)]
            pages = [
                ("home", "/"),
                ("self-assessment record", f"/tu-danh-gia/{assessment_id}"),
                ("unit profile", f"/tong-quan/don-vi/{unit_id}"),
            ]
        elif role == "appraiser":
            login = prefix + "thamdinh"
            sheets = province.assessments[i % len(province.assessments) :: 7][:5] or province.assessments[:1]
            pages = [("home", "/"), ("appraisal list", "/tham-dinh/")]
            pages += [("appraisal sheet", f"/tham-dinh/ho-so/{a}") for a in sheets]
        elif role == "secretariat":
            login = prefix + "thuongtruc"
            pages = [
                ("home", "/"),
                ("running campaign", f"/ky-danh-gia/{province.campaign_id}"),
                ("results table", f"/ket-qua/{province.year}"),
            ]
        else:
            login = prefix + "lanhdao"
            pages = [("home", "/"), ("dashboard", "/tong-quan/"), ("results table", f"/ket-qua/{province.year}")]
        people.append((login, role, pages))
    return people


def load_pages(base_url: str, people, warmup: float, seconds: float, think: float) -> dict:
    """Everyone logs in (spread over the first think time), then the clock starts: `warmup` s unmeasured, then
    `seconds` s measured."""
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    logins: list[float] = []
    lock = threading.Lock()
    everyone_in = threading.Barrier(len(people))
    window: dict[str, float] = {}

    def person(i: int, login: str, pages) -> None:
        rng = random.Random(i)
        client = Client(base_url, timeout=60)
        time.sleep(rng.uniform(0, max(think, 0.1)))
        try:
            start = time.perf_counter()
            try:
                signed_in = client.login(login, BENCH_PASSWORD) == 302
            except Exception as exc:
                signed_in, login = False, f"{login} ({type(exc).__name__}: {exc})"
            with lock:
                if signed_in:
                    logins.append(time.perf_counter() - start)
                else:
                    errors.append(f"login {login} refused")
            if everyone_in.wait(timeout=600) == 0:
                window["from"] = time.perf_counter() + warmup
                window["to"] = window["from"] + seconds
            everyone_in.wait(timeout=600)  # the window is set for everybody
            measure_from, stop_at = window["from"], window["to"]
            if not signed_in:
                return
            while time.perf_counter() < stop_at:
                kind, path = rng.choice(pages)
                start = time.perf_counter()
                try:
                    status, _, _ = client.request("GET", path)
                    problem = None if status == 200 else f"{path}: HTTP {status}"
                except Exception as exc:
                    problem = f"{path}: {type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - start
                if start >= measure_from:
                    with lock:
                        times[kind].append(elapsed)
                        if problem:
                            errors.append(problem)
                time.sleep(think * rng.uniform(0.5, 1.5))
        finally:
            client.close()

    threads = [threading.Thread(target=person, args=(i, *p[::2]), daemon=True) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=warmup + seconds + 600)
    return {"times": dict(times), "errors": errors, "logins": logins}


# -- 2. compute and 3. the guard's profile -----------------------------------------------------------------------------
class GuardProfile:
    """Times every top-level ORM SELECT with the tenancy guard and without it (all_tenants): the whole call (the
    guard's criteria added, the statement found in SQLAlchemy's cache, run, rows fetched) and, inside it, the time the
    database took (cursor execute to its return).

    Each variant runs once untimed first. Running one statement object again is not what a request does: SQLAlchemy's
    first compile of a statement changes that object in place (its compile options), so a guarded copy made after the
    unguarded run has another cache key than the copy made before it. Timed from the first run, the guarded variant
    was compiled in both of its runs and the unguarded one in its first only, and the profile charged the guard with a
    compile (2026-12-04: appraisal sheet, 8,0 ms with vs 0,7 ms without). A worker compiles a statement's shape once;
    the cached run is what the guard costs on every request."""

    ROUNDS = 3
    VARIANTS = (("guarded", {}), ("bare", {"all_tenants": True}))

    def __init__(self):
        self.rows: list[dict] = []
        self.label = ""
        self._local = threading.local()

    def __enter__(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.orm import Session

        event.listen(Session, "do_orm_execute", self._execute, insert=True)  # before the guard's listener
        event.listen(Engine, "before_cursor_execute", self._before_cursor)
        event.listen(Engine, "after_cursor_execute", self._after_cursor)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.orm import Session

        event.remove(Session, "do_orm_execute", self._execute)
        event.remove(Engine, "before_cursor_execute", self._before_cursor)
        event.remove(Engine, "after_cursor_execute", self._after_cursor)

    def _before_cursor(self, *args) -> None:
        self._local.cursor_start = time.perf_counter()

    def _after_cursor(self, *args) -> None:
        start = getattr(self._local, "cursor_start", None)
        if start is not None:
            self._local.database = getattr(self._local, "database", 0.0) + time.perf_counter() - start

    def _execute(self, state):
        if not state.is_select or state.is_column_load or state.is_relationship_load:
            return None
        if state.execution_options.get("all_tenants") or state.execution_options.get("_guard_profiled"):
            return None
        from dvcq.platform.tenancy import current_scope

        scope = current_scope()
        if scope is None or scope.system:
            return None
        timings = {"guarded": [], "bare": []}
        database = {"guarded": [], "bare": []}
        counts = {}
        warm = {
            kind: state.invoke_statement(execution_options={**options, "_guard_profiled": True}).freeze()
            for kind, options in self.VARIANTS
        }
        for _ in range(self.ROUNDS):
            for kind, options in self.VARIANTS:
                self._local.database = 0.0
                start = time.perf_counter()
                frozen = state.invoke_statement(execution_options={**options, "_guard_profiled": True}).freeze()
                timings[kind].append(time.perf_counter() - start)
                database[kind].append(self._local.database)
                counts[kind] = len(frozen.data)
        sql = " ".join(str(state.statement.compile(dialect=state.session.get_bind().dialect)).split())
        self.rows.append(
            {
                "where": self.label,
                "sql": sql,
                "guarded": min(timings["guarded"]),
                "bare": min(timings["bare"]),
                "db_guarded": min(database["guarded"]),
                "db_bare": min(database["bare"]),
                "rows": counts["guarded"],
                "rows_bare": counts["bare"],
            }
        )
        return warm["guarded"]()


def compute_modes(app, province: Province, repeat: int, profile: GuardProfile) -> dict:
    from functools import partial

    from results_engine import RAW_SQL_AREAS, _best, _clear
    from sqlalchemy import text

    from dvcq.platform.extensions import db
    from dvcq.platform.tenancy import SYSTEM, Scope, scoped
    from dvcq.scoring.results.compute import compute

    campaign_id = province.campaign_id
    with app.app_context():
        with scoped(SYSTEM):
            # the running campaign as if appraised: every leaf's appraised score = its self score (untimed)
            db.session.execute(
                text(
                    "UPDATE item_scores s SET appraised_score = s.self_score FROM assessments a "
                    "WHERE a.id = s.assessment_id AND a.campaign_id = :c"
                ),
                {"c": campaign_id},
            )
            db.session.commit()
            units = db.session.execute(
                text("SELECT COUNT(*) FROM assessments WHERE campaign_id = :c"), {"c": campaign_id}
            ).scalar_one()
            written = _best(partial(compute, campaign_id), repeat, partial(_clear, campaign_id))
            again = _best(partial(compute, campaign_id), repeat)
            raw = _best(lambda: db.session.execute(RAW_SQL_AREAS, {"campaign": campaign_id}).all(), repeat)
        with scoped(Scope(province.authority_id)):
            scoped_written = _best(partial(compute, campaign_id), repeat, partial(_clear, campaign_id))
            _clear(campaign_id)
            profile.label = "compute (authority scope, rows written)"
            with profile:
                compute(campaign_id)
        db.session.remove()
    return {"units": units, "written": written, "again": again, "scoped": scoped_written, "raw": raw}


def profile_pages(app, province: Province, profile: GuardProfile) -> None:
    """Four pages in-process (Flask's test client, the same code as gunicorn runs), caches emptied first."""
    import re

    from dvcq.insights import dashboard
    from dvcq.scoring.results import cache as results_cache

    officer_login, _unit_id, assessment_id = province.officers[0]
    prefix = f"p{province.number:02d}."
    visits = [
        (officer_login, "self-assessment record", f"/tu-danh-gia/{assessment_id}"),
        (prefix + "thamdinh", "appraisal sheet", f"/tham-dinh/ho-so/{province.assessments[0]}"),
        (prefix + "lanhdao", "dashboard", "/tong-quan/"),
        (prefix + "thuongtruc", "results table", f"/ket-qua/{province.year}"),
    ]
    for login, label, path in visits:
        client = app.test_client()
        page = client.get("/dang-nhap")
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        if found is None:
            print(f"  (profile: the login page answered HTTP {page.status_code})")
            continue
        token = found.group(1)
        if (
            client.post(
                "/dang-nhap", data={"login": login, "password": BENCH_PASSWORD, "csrf_token": token}
            ).status_code
            != 302
        ):
            print(f"  (profile: login {login} refused)")
            continue
        dashboard.cache.clear()
        results_cache.cache_of(app).clear()
        profile.label = label
        with profile:
            status = client.get(path).status_code
        if status != 200:
            print(f"  (profile of {path} as {login}: HTTP {status})")


def print_profile(profile: GuardProfile, top: int = 8) -> dict:
    overhead = [r for r in profile.rows if r["rows"] == r["rows_bare"]]
    filtering = [r for r in profile.rows if r["rows"] != r["rows_bare"]]
    hot = [r for r in overhead if r["guarded"] >= 0.001]
    print(f"tenancy guard profile: {len(profile.rows)} statements ({len(filtering)} where the guard filters rows)")
    print(
        "  (whole call: guard's criteria, compile or cache, run, fetch; of which the database: cursor execute)\n"
        f"  {'where':<32} {'with guard':>10} {'without':>9} {'guard':>6} {'db with':>8} {'db w/o':>8} {'rows':>6}"
        "  statement"
    )
    for r in sorted(profile.rows, key=lambda r: -r["guarded"])[:top]:
        share = max(0.0, r["guarded"] - r["bare"]) / r["guarded"] if r["guarded"] else 0.0
        filters = "" if r["rows"] == r["rows_bare"] else f" (without: {r['rows_bare']})"
        print(
            f"  {r['where'][:32]:<32} {r['guarded'] * 1000:8.1f}ms {r['bare'] * 1000:7.1f}ms {share * 100:5.0f}% "
            f"{r['db_guarded'] * 1000:6.1f}ms {r['db_bare'] * 1000:6.1f}ms {r['rows']:>6}{filters}  {r['sql'][:100]}"
        )
    shares = [max(0.0, r["guarded"] - r["bare"]) / r["guarded"] for r in hot]
    worst = max(hot, key=lambda r: (r["guarded"] - r["bare"]) / r["guarded"], default=None)
    return {
        "max_share": max(shares) if shares else None,
        "worst": worst,
        "hot": len(hot),
        "total_guarded": sum(r["guarded"] for r in overhead),
        "total_bare": sum(r["bare"] for r in overhead),
    }


def page_figures(key: str, result: dict, size: str, think: float) -> list:
    """Print and record each page kind's p95 (target ≤ 200 ms) of one load run."""
    pace = f"a page every ~{think:g} s".replace(".", ",")
    print(f"  {'page':<26} {'count':>6} {'p50':>9} {'p95':>9} {'max':>9}")
    figures = []
    for kind, values in sorted(result["times"].items()):
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        print(f"  {kind:<26} {len(values):>6} {p50:7.1f}ms {p95:7.1f}ms {max(values) * 1000:7.1f}ms")
        label = f"{kind} p95, {size}, {pace}"
        figures.append(record(BENCH, f"{key}.{kind}.p95", label, round(p95, 1), "ms", target=("<=", 200), issue="19.2"))
    if result["logins"]:
        print(f"  logins: {len(result['logins'])}, median {statistics.median(result['logins']) * 1000:.0f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a user reads a page (±50 %%): the stress")
    parser.add_argument(
        "--human-think", type=float, default=0, help="then again at a person's pace, e.g. 10 (0: not run)"
    )
    parser.add_argument("--human-seconds", type=float, default=120, help="measured seconds of the second run")
    parser.add_argument("--repeat", type=int, default=3, help="compute timings: best of")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it is already built")
    parser.add_argument("--database", default=DATABASE, help=f"the database's name (default {DATABASE})")
    parser.add_argument("--web-concurrency", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    args = parser.parse_args()
    with scratch("dvcq-country-", keep=False) as workdir:
        run(args, workdir)


def run(args: argparse.Namespace, workdir: Path) -> None:
    admin = admin_url()
    redis_url()
    url = admin.rsplit("/", 1)[0] + "/" + args.database
    provinces: list[Province] = []
    if args.reuse:
        try:
            provinces = read_provinces(url)
        except Exception:
            provinces = []
        if provinces:
            migrate(url, workdir / "instance")  # a country built by older code gets this code's schema
    if not provinces:
        pg_database(admin, args.database)
        print(f"building {args.provinces} provinces, {args.communes} communes, {args.years} published years + running")
        print(f"built in {build(url, args.provinces, args.communes, args.years, workdir / 'instance'):.0f} s")
        provinces = read_provinces(url)
    communes = sum(len(p.assessments) for p in provinces)

    # 1. pages: at the stress pace (--think, 1 s), then at a person's pace (--human-think, 10 s) on the same stack
    people = roster(provinces, args.users)
    paces = [("pages", args.think, args.seconds)]
    if args.human_think:
        paces.append(("pages_human", args.human_think, args.human_seconds))
    figures, errors, problems = [], [], []
    with Stack(url, redis_url(), workdir / "stack", web_concurrency=args.web_concurrency) as stack:
        print(stack.describe())
        for key, think, seconds in paces:
            load_before = os.getloadavg()[0]
            result = load_pages(stack.base_url, people, args.warmup, seconds, think)
            load_after = os.getloadavg()[0]
            print(
                f"{len(provinces)} authorities, {communes} communes; {len(people)} users "
                f"({', '.join(f'{r} {sum(1 for p in people if p[1] == r)}' for r in sorted(set(ROLES)))}), "
                f"{args.warmup:.0f} s warm-up + {seconds:.0f} s measured, think {think:g} s; "
                f"load {load_before:.2f} → {load_after:.2f}"
            )
            figures += page_figures(key, result, f"{len(people)} users over {len(provinces)} authorities", think)
            errors += result["errors"]
        problems = stack.log_problems()
    for e in (errors + problems)[:10]:
        print(f"  PROBLEM: {e}")
    figures.append(
        record(
            BENCH,
            "pages.errors",
            "page errors (client and server logs)",
            len(errors) + len(problems),
            "",
            target=("==", 0),
            issue="19.2",
        )
    )

    # 2. compute, 3. the guard's profile
    from dvcq.app import create_app

    app = create_app(bench_config(url, workdir / "instance"))
    profile = GuardProfile()
    province = provinces[0]
    c = compute_modes(app, province, args.repeat, profile)
    print(
        f"results compute, province {province.number:02d} ({c['units']} communes), best of {args.repeat}:\n"
        f"  rows written, system scope     {c['written'] * 1000:7.1f} ms = {c['written'] / c['raw']:4.1f}× raw\n"
        f"  again, nothing changed         {c['again'] * 1000:7.1f} ms = {c['again'] / c['raw']:4.1f}×\n"
        f"  rows written, authority scope  {c['scoped'] * 1000:7.1f} ms = {c['scoped'] / c['raw']:4.1f}×\n"
        f"  raw sums per unit and area     {c['raw'] * 1000:7.1f} ms"
    )
    for key, label in (
        ("written", "rows written, system scope"),
        ("again", "nothing changed"),
        ("scoped", "rows written, authority scope"),
    ):
        figures.append(
            record(
                BENCH,
                f"compute.{key}.ratio",
                f"province compute, {label}, × raw per-unit-and-area sums",
                round(c[key] / c["raw"], 2),
                "×",
                target=("<=", 3),
                issue="19.2",
            )
        )
        record(BENCH, f"compute.{key}.ms", f"province compute, {label}", round(c[key] * 1000, 1), "ms", issue="19.2")
    record(
        BENCH, "compute.raw.ms", "raw per-unit-and-area sums (reference)", round(c["raw"] * 1000, 1), "ms", issue="19.2"
    )
    profile_pages(app, province, profile)  # each request in its own app context, as under gunicorn
    summary = print_profile(profile)
    worst = summary["worst"]
    note = ""
    if worst:
        note = f"worst: {worst['where']}, {worst['guarded'] * 1000:.1f} ms with / {worst['bare'] * 1000:.1f} ms without"
        print(f"  {note}")
    figures.append(
        record(
            BENCH,
            "guard.max_share",
            f"tenancy guard's share of a hot statement's time (max over {summary['hot']} statements ≥ 1 ms)",
            None if summary["max_share"] is None else round(summary["max_share"] * 100, 1),
            "%",
            target=("<=", 25),
            issue="19.2",
            note=note,
        )
    )
    print("verdict: " + ", ".join(verdict(m) or "—" for m in figures))
    if errors or problems:
        sys.exit(1)  # a refused login or a failed page is a fault, not a missed timing


if __name__ == "__main__":
    main()
