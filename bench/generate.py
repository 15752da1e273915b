"""Scale data for the benchmarks (issue 9): a province (100 communes) or the country (3,321 communes in 34
provinces), five years of published campaigns of ~100 leaves each plus the current year's campaign under appraisal,
evidence metadata, and the users the load benchmark logs in as.

    python bench/generate.py --scale province                    # SQLite at /tmp/dvcq-bench-province.sqlite3
    python bench/generate.py --scale country --url sqlite:////tmp/country.sqlite3
    DVCQ_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5499/postgres \\
        python bench/generate.py --scale province --pg               # (re)creates database dvcq_bench_province

Shape. The province is one authority (kind "tỉnh") whose 100 communes form two groups ("Khối xã", "Khối phường").
The country is one national authority whose 3,321 communes are grouped by province (34 groups of ~98): one national
campaign a year, so that "recompute a national campaign" and "the decision for 3,321 units" are single operations.
The criteria are a generated version of 10 areas × 10 leaves (1,00 point each, steps of 0,25), three levels.

Rows are written with bulk `session.execute(insert(Model), rows)`, never one ORM object per row; the published
years' results come from `results.compute.compute` (the code under test) and are then marked published.

Improvement plans (`dvcq/plans`): after each published year every commune gets an acknowledged plan for the next year
with `--tasks-per-plan` tasks and two submitted progress reports (Quý I, 6 tháng).

Every user's password is `BENCH_PASSWORD`. Logins: quantri (admin), thuongtruc (secretariat), thamdinh (appraiser),
lanhdao (leadership) at the authority; canbo.NNNN / lanhdao.NNNN (officer / leader) of the first `--unit-users`
communes (NNNN = the commune's number, from 0001).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402

from dvcq.plans.models import (  # noqa: E402
    ImprovementPlan,
    Period,
    PlanStatus,
    PlanTask,
    ProgressReport,
    ReportStatus,
    TaskKind,
    TaskStatus,
)
from dvcq.platform import clock  # noqa: E402
from dvcq.platform.auth.models import Role, User  # noqa: E402
from dvcq.platform.extensions import db  # noqa: E402
from dvcq.platform.tenancy import SYSTEM, scoped  # noqa: E402
from dvcq.scoring.models import (  # noqa: E402
    AppraisalAssignment,
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignCriteria,
    CampaignStatus,
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    Evidence,
    EvidenceLink,
    ItemScore,
    Method,
    UnitResult,
    VersionStatus,
)
from dvcq.tenants.models import Unit, UnitGroup, UnitKind  # noqa: E402

BENCH_PASSWORD = "Matkhau@2026"
SCALES = {"province": (100, 1), "country": (3321, 34)}  # communes, groups
BATCH = 20_000


@dataclass
class Summary:
    authority_id: int = 0
    units: int = 0
    campaigns: list[int] = field(default_factory=list)
    current_campaign_id: int = 0
    item_scores: int = 0
    evidence: int = 0
    plans: int = 0
    users: int = 0
    seconds: float = 0.0


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def _ids(stmt) -> list:
    return list(db.session.execute(stmt).all())


def _units(authority: Unit, communes: int, group_count: int, code: str) -> list[tuple[int, int, int]]:
    """Groups and communes in bulk; returns (unit id, group id, number) in order."""
    if group_count == 1:
        names = ["Khối xã", "Khối phường"] if communes >= 10 else ["Khối xã"]
    else:
        names = [f"Tỉnh số {i + 1:02d}" for i in range(group_count)]
    _insert(UnitGroup, [{"authority_id": authority.id, "name": n, "position": i} for i, n in enumerate(names)])
    groups = [g for (g,) in _ids(select(UnitGroup.id).where(UnitGroup.authority_id == authority.id).order_by("id"))]
    rows = []
    for i in range(communes):
        ward = group_count == 1 and len(groups) > 1 and i >= communes * 9 // 10  # the last tenth are wards
        group = groups[1] if ward else groups[i * len(groups) // communes]
        rows.append(
            {
                "code": f"{code}-{i + 1:04d}",
                "name": f"{'Phường' if ward else 'Xã'} Số {i + 1:04d}",
                "kind": UnitKind.PHUONG if ward else UnitKind.XA,
                "parent_id": authority.id,
                "authority_id": authority.id,
                "group_id": group,
                "valid_from": date(2020, 1, 1),
                "version": 1,
            }
        )
    _insert(Unit, rows)
    found = _ids(
        select(Unit.id, Unit.group_id, Unit.code).where(Unit.authority_id == authority.id, Unit.id != authority.id)
    )
    return sorted((uid, gid, int(c.rsplit("-", 1)[1])) for uid, gid, c in found)


def authority_with_communes(code: str, communes: int, commune_name: str = "Xã Thử Tải") -> tuple[Unit, list[Unit]]:
    """A province authority with one group, «Khối xã», and its communes `<code>-001`…, straight from the models and
    flushed (for the scripts that then open a campaign through the services)."""
    authority = Unit(code=code, name="Tỉnh Thử Tải", kind=UnitKind.TINH, valid_from=date(2020, 1, 1))
    db.session.add(authority)
    db.session.flush()
    authority.authority_id = authority.id
    group = UnitGroup(authority_id=authority.id, name="Khối xã")
    db.session.add(group)
    db.session.flush()
    units = [
        Unit(
            code=f"{code}-{i:03d}",
            name=f"{commune_name} {i:03d}",
            kind=UnitKind.XA,
            parent_id=authority.id,
            authority_id=authority.id,
            group_id=group.id,
            valid_from=date(2020, 1, 1),
        )
        for i in range(1, communes + 1)
    ]
    db.session.add_all(units)
    db.session.flush()
    return authority, units


def criteria_version(
    authority_id: int, areas: int, leaves_per_area: int, now: datetime, name: str | None = None
) -> tuple[int, list[tuple[int, int]]]:
    """A version of `areas` areas × `leaves_per_area` leaves of 1,00 point (step 0,25), locked (in use), with the three
    levels at 90/70/50 % of the total. Returns its id and its leaves' (id, position) in tree order. Every benchmark
    builds its criteria here."""
    version = CriteriaVersion(
        authority_id=authority_id,
        name=name or f"Bộ tiêu chí đo hiệu năng ({areas * leaves_per_area} tiêu chí)",
        max_total=Decimal(areas * leaves_per_area),
        created_at=now,
        status=VersionStatus.IN_USE,
    )
    db.session.add(version)
    db.session.flush()
    position, leaves = 0, []
    for a in range(1, areas + 1):
        position += 1
        area = CriteriaNode(
            version_id=version.id,
            code=str(a),
            position=position,
            depth=0,
            name=f"Lĩnh vực {a}: công tác dân vận của chính quyền",
            max_points=Decimal(leaves_per_area),
            is_leaf=False,
        )
        db.session.add(area)
        db.session.flush()
        rows = []
        for leaf in range(1, leaves_per_area + 1):
            position += 1
            rows.append(
                {
                    "version_id": version.id,
                    "parent_id": area.id,
                    "code": f"{a}.{leaf}",
                    "position": position,
                    "depth": 1,
                    "name": f"Tiêu chí {a}.{leaf}: tiếp công dân, đối thoại, giải quyết kiến nghị của Nhân dân",
                    "max_points": Decimal(1),
                    "is_leaf": True,
                    "method": Method.RANGE,
                    "step": Decimal("0.25"),
                    "evidence_required": leaf == 1,
                    "guidance": "Đủ hồ sơ, đúng hạn: điểm tối đa; thiếu: trừ 0,25 mỗi nội dung.",
                }
            )
        _insert(CriteriaNode, rows)
    total = Decimal(areas * leaves_per_area)
    for order, (name, share) in enumerate(
        (("Hoàn thành xuất sắc nhiệm vụ", 90), ("Hoàn thành tốt nhiệm vụ", 70), ("Hoàn thành nhiệm vụ", 50)), 1
    ):
        db.session.add(
            ClassificationLevel(version_id=version.id, order=order, name=name, min_points=total * share / 100)
        )
    leaves = _ids(
        select(CriteriaNode.id, CriteriaNode.position)
        .where(CriteriaNode.version_id == version.id, CriteriaNode.is_leaf.is_(True))
        .order_by(CriteriaNode.position)
    )
    return version.id, leaves


def every_group_on(authority_id: int, version_id: int) -> dict[int, int]:
    """{group id: version id}: every group of the authority scored on one version (a campaign's criteria)."""
    groups = db.session.execute(select(UnitGroup.id).where(UnitGroup.authority_id == authority_id)).scalars()
    return {group_id: version_id for group_id in groups}


def _campaign(authority_id: int, version_id: int, year: int, status: CampaignStatus, now: datetime) -> int:
    campaign = Campaign(
        authority_id=authority_id,
        year=year,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
        criteria=[
            CampaignCriteria(authority_id=authority_id, group_id=g, version_id=v)
            for g, v in every_group_on(authority_id, version_id).items()
        ],
        status=status,
        created_at=now,
        self_assessment_deadline=datetime(year, 11, 30),
        appraisal_deadline=datetime(year, 12, 15),
        explanation_deadline=datetime(year, 12, 22),
        final_review_deadline=datetime(year, 12, 31),
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign.id


def _scores(
    campaign_id, units, leaves, rng, *, appraised: bool, evidence_per_unit: int, now, draft: bool = False
) -> tuple[int, int]:
    """Assessments, item scores, evidence metadata and links of one campaign; returns (item scores, evidence).
    `draft`: records being filled in (status draft, not submitted, no score yet)."""
    status = AssessmentStatus.FINAL if appraised else AssessmentStatus.SUBMITTED
    if draft:
        status = AssessmentStatus.DRAFT
    _insert(
        Assessment,
        [
            {
                "unit_id": uid,
                "campaign_id": campaign_id,
                "group_id": gid,
                "status": status,
                "conditions_met": "",
                "submitted_at": None if draft else now,
                "version": 1,
            }
            for uid, gid, _ in units
        ],
    )
    assessments = _ids(select(Assessment.id, Assessment.unit_id).where(Assessment.campaign_id == campaign_id))
    quarters = [Decimal(q) / 4 for q in range(5)]
    rows = []
    for assessment_id, unit_id in assessments:
        strength = rng.uniform(0.55, 1.0)
        for node_id, position in leaves:
            result = quarters[min(4, max(0, round(rng.gauss(strength * 4, 0.8))))]
            rows.append(
                {
                    "unit_id": unit_id,
                    "assessment_id": assessment_id,
                    "node_id": node_id,
                    "node_position": position,
                    "self_score": None if draft else max(result, quarters[min(4, round(strength * 4) + 1)]),
                    "self_note": "",
                    "self_updated_at": None if draft else now,
                    "appraised_score": result if appraised else None,
                    "appraised_at": now if appraised else None,
                    "version": 1,
                }
            )
        if len(rows) >= BATCH:
            _insert(ItemScore, rows)
            rows = []
    _insert(ItemScore, rows)
    if not evidence_per_unit:
        return len(assessments) * len(leaves), 0
    evidence = []
    for _assessment_id, unit_id in assessments:
        for n in range(evidence_per_unit):
            evidence.append(
                {
                    "unit_id": unit_id,
                    "storage_key": f"bench/{uuid.uuid4().hex}",
                    "sha256": uuid.uuid4().hex * 2,
                    "size": rng.randint(50_000, 3_000_000),
                    "content_type": "application/pdf",
                    "original_name": f"Báo cáo kết quả công tác dân vận số {n + 1}.pdf",
                    "doc_number": f"{n + 1:02d}/BC-UBND",
                    "doc_date": date(2020, 6, 1),
                    "issuer": "Ủy ban nhân dân xã",
                    "description": "Báo cáo tổng kết năm",
                    "uploaded_at": now,
                }
            )
    keys = {e["storage_key"] for e in evidence}
    _insert(Evidence, evidence)
    stored = _ids(
        select(Evidence.id, Evidence.unit_id, Evidence.storage_key).where(Evidence.storage_key.like("bench/%"))
    )
    by_unit: dict[int, list[int]] = {}
    for eid, uid, key in stored:
        if key in keys:
            by_unit.setdefault(uid, []).append(eid)
    first_items = _ids(
        select(ItemScore.id, ItemScore.unit_id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(
            Assessment.campaign_id == campaign_id,
            ItemScore.node_position.in_([p for _, p in leaves[:: max(1, len(leaves) // 10)]]),
        )
    )
    links = []
    for item_id, uid in first_items:
        for eid in by_unit.get(uid, [])[:1]:
            links.append({"unit_id": uid, "item_id": item_id, "evidence_id": eid, "added_at": now, "stage": "self"})
    _insert(EvidenceLink, links)
    return len(assessments) * len(leaves), len(evidence)


def _plans(campaign_id: int, year: int, units, tasks_per_plan: int, now: datetime) -> int:
    """An acknowledged plan for `year` (after the campaign of year - 1) for every unit, its tasks and two reports."""
    if not tasks_per_plan:
        return 0
    _insert(
        ImprovementPlan,
        [
            {
                "unit_id": uid,
                "source_campaign_id": campaign_id,
                "year": year,
                "status": PlanStatus.ACKNOWLEDGED,
                "number": f"{number:02d}/KH-UBND",
                "baseline": "{}",
                "area_targets": "{}",
                "target_rank": 1,
                "goals": "Nâng cao chất lượng công tác dân vận chính quyền, cải thiện thứ hạng.",
                "organization": "Văn phòng UBND xã theo dõi, tổng hợp, báo cáo.",
                "return_reason": "",
                "target_level_name": "",
                "submitted_at": now,
                "acknowledged_at": now,
                "created_at": now,
                "version": 1,
            }
            for uid, _gid, number in units
        ],
    )
    plans = _ids(
        select(ImprovementPlan.id, ImprovementPlan.unit_id).where(
            ImprovementPlan.year == year, ImprovementPlan.source_campaign_id == campaign_id
        )
    )
    _insert(
        PlanTask,
        [
            {
                "unit_id": uid,
                "plan_id": pid,
                "kind": TaskKind.FOCUS if n == 0 else TaskKind.SOLUTION,
                "position": n,
                "text": f"Khắc phục hạn chế ở tiêu chí {n + 1}.1: tổ chức đối thoại định kỳ với Nhân dân",
                "item_codes": f"{n + 1}.1",
                "reasons": "",
                "responsible_post": "Công chức Văn phòng - Thống kê",
                "due_on": date(year, 9, 30),
                "status": TaskStatus.DOING,
                "percent": 50,
                "version": 1,
            }
            for pid, uid in plans
            for n in range(tasks_per_plan)
        ],
    )
    _insert(
        ProgressReport,
        [
            {
                "unit_id": uid,
                "plan_id": pid,
                "period": period,
                "status": ReportStatus.SUBMITTED,
                "narrative": "Đã triển khai các nhiệm vụ theo kế hoạch.",
                "progress": "{}",
                "evidence_ids": "",
                "submitted_at": now,
                "created_at": now,
                "version": 1,
            }
            for pid, uid in plans
            for period in (Period.Q1, Period.H1)
        ],
    )
    return len(plans)


def _users(authority_id: int, units, unit_users: int, prefix: str = "") -> int:
    from dvcq.platform.auth.passwords import hash_password

    password_hash = hash_password(BENCH_PASSWORD)
    rows = [
        {"login": prefix + login, "full_name": name, "role": role, "unit_id": authority_id}
        for login, name, role in (
            ("quantri", "Quản trị hệ thống", Role.ADMIN),
            ("thuongtruc", "Thường trực Ban Chỉ đạo", Role.SECRETARIAT),
            ("thamdinh", "Cán bộ thẩm định", Role.APPRAISER),
            ("lanhdao", "Lãnh đạo cơ quan đánh giá", Role.LEADERSHIP),
        )
    ]
    for uid, _gid, number in units[:unit_users]:
        rows.append(
            {
                "login": f"{prefix}canbo.{number:04d}",
                "full_name": f"Cán bộ xã {number}",
                "role": Role.OFFICER,
                "unit_id": uid,
            }
        )
        rows.append(
            {
                "login": f"{prefix}lanhdao.{number:04d}",
                "full_name": f"Lãnh đạo xã {number}",
                "role": Role.LEADER,
                "unit_id": uid,
            }
        )
    for row in rows:
        row.update(password_hash=password_hash, active=True, must_change_password=False, title="", version=1)
        row["email"] = f"{row['login']}@bench.test"
    _insert(User, rows)
    return len(rows)


def populate(
    *,
    communes: int,
    groups: int,
    years: int = 5,
    areas: int = 10,
    leaves_per_area: int = 10,
    evidence_per_unit: int = 3,
    unit_users: int = 60,
    tasks_per_plan: int = 4,
    current_year: int = 2026,
    seed: int = 2026,
    code: str = "BENCH",
    login_prefix: str = "",
    current_status: str = "appraisal",
    name: str | None = None,
) -> Summary:
    """Fill the current app's database (already migrated). Returns what was made.

    `login_prefix` goes before every login (several authorities in one database: "p01.quantri", "p01.canbo.0001").
    `current_status` "appraisal" (default): the current year's campaign is under appraisal, every unit submitted;
    "self_assessment": it is open for self-assessment until three weeks from now, every unit's record a draft with no
    score yet (the officers' pages are editable)."""
    if current_status not in ("appraisal", "self_assessment"):
        raise ValueError(f"current_status {current_status!r}")
    start = time.perf_counter()
    rng = random.Random(seed)
    now = clock.now()
    summary = Summary(units=communes)
    with scoped(SYSTEM):
        from dvcq.scoring.results.compute import compute

        kind = UnitKind.TINH
        authority = Unit(
            code=code,
            name=name or ("Toàn quốc (đo hiệu năng)" if groups > 1 else "Tỉnh Đo Hiệu Năng"),
            kind=kind,
            valid_from=date(2020, 1, 1),
        )
        db.session.add(authority)
        db.session.flush()
        authority.authority_id = authority.id
        db.session.flush()
        summary.authority_id = authority.id
        units = _units(authority, communes, groups, code)
        version_id, leaves = criteria_version(authority.id, areas, leaves_per_area, now)
        summary.users = _users(authority.id, units, unit_users, login_prefix)
        for year in range(current_year - years, current_year + 1):
            current = year == current_year
            drafting = current and current_status == "self_assessment"
            status = CampaignStatus.FINAL_REVIEW
            if current:
                status = CampaignStatus.SELF_ASSESSMENT if drafting else CampaignStatus.APPRAISAL
            campaign_id = _campaign(
                authority.id, version_id, year, status, now - timedelta(days=365 * (current_year - year))
            )
            scores, evidence = _scores(
                campaign_id,
                units,
                leaves,
                rng,
                appraised=not current,
                evidence_per_unit=evidence_per_unit,
                now=now,
                draft=drafting,
            )
            summary.item_scores += scores
            summary.evidence += evidence
            if drafting:
                summary.current_campaign_id = campaign_id
                db.session.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign_id)
                    .values(self_assessment_deadline=now + timedelta(days=21)),
                    execution_options={"synchronize_session": False},
                )
            elif current:
                summary.current_campaign_id = campaign_id
                appraiser = db.session.execute(
                    select(User.id).where(User.login == login_prefix + "thamdinh")
                ).scalar_one()
                _insert(
                    AppraisalAssignment,
                    [
                        {
                            "authority_id": authority.id,
                            "campaign_id": campaign_id,
                            "appraiser_id": appraiser,
                            "created_at": now,
                        }
                    ],
                )
            else:
                compute(campaign_id, commit=False)
                db.session.execute(
                    update(UnitResult).where(UnitResult.campaign_id == campaign_id).values(published=True),
                    execution_options={"synchronize_session": False},
                )
                db.session.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign_id)
                    .values(status=CampaignStatus.PUBLISHED, published_at=datetime(year + 1, 1, 15)),
                    execution_options={"synchronize_session": False},
                )
                summary.plans += _plans(campaign_id, year + 1, units, tasks_per_plan, now)
            summary.campaigns.append(campaign_id)
            db.session.commit()
    summary.seconds = time.perf_counter() - start
    return summary


def bench_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "STORAGE_URL": f"file://{instance / 'evidence'}",
        "JOBS_INLINE": True,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def pg_database(admin_url: str, name: str) -> str:
    """(Re)create database `name` on the server of `admin_url`; returns its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="province")
    parser.add_argument("--url", help="target database (empty or new); default a SQLite file in /tmp")
    parser.add_argument("--pg", action="store_true", help="(re)create dvcq_bench_<scale> on DVCQ_BENCH_DATABASE_URL")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--evidence-per-unit", type=int, default=3)
    parser.add_argument("--tasks-per-plan", type=int, default=4)
    parser.add_argument("--communes", type=int, help="fewer (or more) communes than the scale's (quick runs)")
    parser.add_argument("--groups", type=int, help="and groups")
    parser.add_argument("--current-status", choices=("appraisal", "self_assessment"), default="appraisal")
    args = parser.parse_args()
    communes, groups = SCALES[args.scale]
    communes, groups = args.communes or communes, args.groups or min(groups, args.communes or groups)
    if args.pg:
        url = pg_database(os.environ["DVCQ_BENCH_DATABASE_URL"], f"dvcq_bench_{args.scale}")
    else:
        url = args.url or f"sqlite:////tmp/dvcq-bench-{args.scale}.sqlite3"
        if url.startswith("sqlite:///") and not args.url:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    from flask_migrate import upgrade

    from dvcq.app import create_app

    instance = Path("/tmp/dvcq-bench-instance")
    app = create_app(bench_config(url, instance))
    with app.app_context():
        started = time.perf_counter()
        upgrade(directory=app.extensions["migrate"].directory)
        migrated = time.perf_counter() - started
        s = populate(
            communes=communes,
            groups=groups,
            years=args.years,
            evidence_per_unit=args.evidence_per_unit,
            tasks_per_plan=args.tasks_per_plan,
            current_status=args.current_status,
        )
    print(
        f"{args.scale}: {s.units} communes, {len(s.campaigns)} campaigns ({args.years} published + current), "
        f"{s.item_scores:,} item scores, {s.evidence:,} evidence, {s.plans:,} plans, {s.users} users "
        f"in {s.seconds:.1f} s (+ {migrated:.1f} s migrations) → {url}\n"
        f"authority_id={s.authority_id} current_campaign_id={s.current_campaign_id}"
    )


if __name__ == "__main__":
    main()
