"""Benchmark of `dvcq.scoring.results.compute.compute` against a raw SQL aggregate over the same item scores.

Builds a synthetic campaign (a district of 19 communes; a national one of 3,321 communes in 34 groups), each unit with
100 scored leaves, in a temporary SQLite database — and in PostgreSQL too when DVCQ_BENCH_DATABASE_URL is set (an
admin URL such as postgresql+psycopg://postgres@127.0.0.1:5499/postgres; a scratch database is created and dropped).

    python bench/results_engine.py [--sizes 19,3321] [--repeat 3]

Targets (issue 9): compute ≤ 3× the raw query and < 2 s for the national campaign; < 50 ms for 19 units. Printed,
not asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import record  # noqa: E402
from generate import bench_config, criteria_version, every_group_on  # noqa: E402
from sqlalchemy import create_engine, delete, insert, text  # noqa: E402

from dvcq.app import create_app  # noqa: E402
from dvcq.platform import clock  # noqa: E402
from dvcq.platform.extensions import db  # noqa: E402
from dvcq.platform.tenancy import SYSTEM, Scope, scoped  # noqa: E402
from dvcq.scoring.models import (  # noqa: E402
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    ItemScore,
    UnitResult,
)
from dvcq.scoring.results.compute import compute  # noqa: E402
from dvcq.tenants.models import Unit, UnitGroup, UnitKind  # noqa: E402

AREAS, LEAVES_PER_AREA = 10, 10  # 100 leaves of 1,00 point
RAW_SQL = text(
    "SELECT s.assessment_id, SUM(s.self_score), SUM(COALESCE(s.final_score, s.appraised_score)) "
    "FROM item_scores s JOIN assessments a ON a.id = s.assessment_id "
    "WHERE a.campaign_id = :campaign GROUP BY s.assessment_id"
)
# The same sums per unit AND area: the least the database must hand over for the results (each row stores its area
# totals, and the "areas" tie-break compares them). Printed as a second reference.
RAW_SQL_AREAS = text(
    "SELECT s.assessment_id, n.parent_id, SUM(s.self_score), SUM(COALESCE(s.final_score, s.appraised_score)) "
    "FROM item_scores s JOIN assessments a ON a.id = s.assessment_id JOIN criteria_nodes n ON n.id = s.node_id "
    "WHERE a.campaign_id = :campaign GROUP BY s.assessment_id, n.parent_id"
)


def build(units: int, code: str) -> int:
    """One authority with `units` communes in groups of ~100, a 100-leaf version, a campaign fully appraised."""
    rng = random.Random(units)
    now = clock.now()
    province = Unit(code=f"{code}-P", name="Tỉnh Đo Hiệu Năng", kind=UnitKind.TINH)
    db.session.add(province)
    db.session.flush()
    province.authority_id = province.id
    authority = Unit(code=code, name="Cơ quan đánh giá", kind=UnitKind.HUYEN, parent_id=province.id)
    db.session.add(authority)
    db.session.flush()
    authority.authority_id = authority.id
    group_count = max(1, round(units / 100))
    groups = []
    for i in range(group_count):
        group = UnitGroup(authority_id=authority.id, name=f"Khối {i + 1:02d}", position=i)
        db.session.add(group)
        groups.append(group)
    db.session.flush()
    db.session.execute(
        insert(Unit),
        [
            {
                "code": f"{code}-{i:05d}",
                "name": f"Xã {i:05d}",
                "kind": UnitKind.XA,
                "parent_id": authority.id,
                "authority_id": authority.id,
                "group_id": groups[i % group_count].id,
                "version": 1,
            }
            for i in range(units)
        ],
    )
    version_id, leaves = criteria_version(authority.id, AREAS, LEAVES_PER_AREA, now, name="Bộ đo hiệu năng")
    campaign = Campaign(
        authority_id=authority.id,
        year=2025,
        name="Kỳ đo hiệu năng",
        criteria=[
            CampaignCriteria(authority_id=authority.id, group_id=g, version_id=v)
            for g, v in every_group_on(authority.id, version_id).items()
        ],
        status=CampaignStatus.FINAL_REVIEW,
        created_at=now,
    )
    db.session.add(campaign)
    db.session.flush()
    unit_rows = db.session.execute(
        text("SELECT id, group_id FROM units WHERE authority_id = :a AND id <> :a ORDER BY id"), {"a": authority.id}
    ).all()
    db.session.execute(
        insert(Assessment),
        [
            {
                "unit_id": unit_id,
                "campaign_id": campaign.id,
                "group_id": group_id,
                "status": AssessmentStatus.FINAL,
                "conditions_met": "",
                "version": 1,
            }
            for unit_id, group_id in unit_rows
        ],
    )
    assessments = db.session.execute(
        text("SELECT id, unit_id FROM assessments WHERE campaign_id = :c"), {"c": campaign.id}
    ).all()
    quarters = [Decimal(q) / 4 for q in range(5)]
    batch = []
    for assessment_id, unit_id in assessments:
        strength = rng.uniform(0.55, 1.0)
        for leaf_id, leaf_position in leaves:
            appraised = quarters[min(4, max(0, round(rng.gauss(strength * 4, 0.8))))]
            batch.append(
                {
                    "unit_id": unit_id,
                    "assessment_id": assessment_id,
                    "node_id": leaf_id,
                    "node_position": leaf_position,
                    "self_score": max(appraised, quarters[min(4, round(strength * 4) + 1)]),
                    "appraised_score": appraised,
                    "version": 1,
                }
            )
        if len(batch) >= 20_000:
            db.session.execute(insert(ItemScore), batch)
            batch = []
    if batch:
        db.session.execute(insert(ItemScore), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # A bulk load leaves the planner without statistics until autovacuum's ANALYZE comes by (a minute later on a
        # live server); take them now, as any restore or import script does. (Not on SQLite: the application never
        # runs ANALYZE there, so it is measured as it is deployed.)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return campaign.id


def _best(fn, repeat: int, setup=None) -> float:
    """The best of `repeat` timings of fn(); `setup()` runs before each, untimed."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _clear(campaign_id: int) -> None:
    """Delete the campaign's results so that compute() has every row to write (untimed)."""
    db.session.execute(delete(UnitResult).where(UnitResult.campaign_id == campaign_id))
    db.session.commit()


def measure(label: str, size: int, repeat: int, target: tuple[str, float] | None = None) -> None:
    with scoped(SYSTEM):
        start = time.perf_counter()
        campaign_id = build(size, f"B{size}")
        built = time.perf_counter() - start
        rows = db.session.execute(
            text(
                "SELECT COUNT(*) FROM item_scores s JOIN assessments a ON a.id = s.assessment_id "
                "WHERE a.campaign_id = :c"
            ),
            {"c": campaign_id},
        ).scalar_one()
        authority_id = db.session.get(Campaign, campaign_id).authority_id
        first = _best(partial(compute, campaign_id), repeat, partial(_clear, campaign_id))
        again = _best(partial(compute, campaign_id), repeat)
        raw = _best(lambda: db.session.execute(RAW_SQL, {"campaign": campaign_id}).all(), repeat)  # noqa: B023
        raw_areas = _best(lambda: db.session.execute(RAW_SQL_AREAS, {"campaign": campaign_id}).all(), repeat)  # noqa: B023
    with scoped(Scope(authority_id)):
        scoped_first = _best(partial(compute, campaign_id), repeat, partial(_clear, campaign_id))
    print(
        f"{label:<10} {size:>5} units × {AREAS * LEAVES_PER_AREA} leaves = {rows:>7} rows "
        f"(built in {built:5.1f} s)\n"
        f"    compute, rows written (system scope)      {first * 1000:8.1f} ms   {first / raw:5.1f}× raw   "
        f"{first / raw_areas:5.1f}× raw by area\n"
        f"    compute again, nothing changed            {again * 1000:8.1f} ms   {again / raw:5.1f}× raw   "
        f"{again / raw_areas:5.1f}× raw by area\n"
        f"    compute, rows written (authority scope)   {scoped_first * 1000:8.1f} ms   "
        f"{scoped_first / raw:5.1f}× raw   {scoped_first / raw_areas:5.1f}× raw by area\n"
        f"    raw SQL SUM … GROUP BY assessment_id      {raw * 1000:8.1f} ms\n"
        f"    raw SQL SUM … GROUP BY assessment, area   {raw_areas * 1000:8.1f} ms"
    )
    key = f"{label.lower()}.{size}"
    what = f"{label}, {size} units × {AREAS * LEAVES_PER_AREA} leaves"
    record(
        "results_engine",
        f"{key}.compute",
        f"compute, rows written, {what}",
        round(first * 1000, 1),
        "ms",
        target=target,
        issue="9",
    )
    for name, value in (("written", first), ("again", again), ("scoped", scoped_first)):
        record(
            "results_engine",
            f"{key}.{name}.ratio_areas",
            f"compute ({name}) × raw sums per unit and area, {what}",
            round(value / raw_areas, 2),
            "×",
            issue="9",
        )
    record(
        "results_engine",
        f"{key}.ratio_units",
        f"compute × raw per-unit sum (retired by issue 19), {what}",
        round(first / raw, 2),
        "×",
        issue="9",
    )


def run(url: str, label: str, sizes: list[int], repeat: int, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(bench_config(url, instance))
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        for size in sizes:
            # issue 9: < 50 ms for a district (the smallest size), < 2 s for the national campaign (the largest)
            target = ("<", 50) if size == min(sizes) else ("<", 2000) if size == max(sizes) else None
            measure(label, size, repeat, target)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="19,3321")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="dvcq-bench-"))
    try:
        run(f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite", sizes, args.repeat, workdir)
        admin_url = os.environ.get("DVCQ_BENCH_DATABASE_URL")
        if admin_url:
            name = f"dvcq_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                run(admin_url.rsplit("/", 1)[0] + "/" + name, "PostgreSQL", sizes, args.repeat, workdir)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
