"""Builders for insights tests: unit results, mergers, a small criteria version and a published campaign with item
scores — rows created directly, as the results and publication rooms would leave them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from dvcq.platform.extensions import db
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    ClassificationLevel,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    Method,
    NodeKind,
    UnitResult,
    VersionStatus,
)
from dvcq.tenants.models import Unit, UnitKind, UnitLineage
from tests import factories
from tests.factories import every_group_on

LEVELS = [
    (1, "Hoàn thành xuất sắc nhiệm vụ", Decimal(90)),
    (2, "Hoàn thành tốt nhiệm vụ", Decimal(70)),
    (3, "Hoàn thành nhiệm vụ", Decimal(50)),
    (4, "Không hoàn thành nhiệm vụ", Decimal(0)),
]
# area → (name, [(leaf code, leaf name, max)])
AREAS = {
    "1": ("Lãnh đạo, chỉ đạo", [("1.1", "Ban hành kế hoạch", Decimal(20)), ("1.2", "Tuyên truyền", Decimal(20))]),
    "2": ("Cải cách hành chính", [("2.1", "Một cửa", Decimal(30)), ("2.2", "Dịch vụ công trực tuyến", Decimal(30))]),
}
BONUS_AREA = ("T", "Điểm thưởng", [("T.1", "Mô hình Dân vận khéo", Decimal(5))])  # outside the hundred points


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def level_of(total: Decimal | None) -> tuple[int | None, str]:
    if total is None:
        return None, ""
    for order, name, floor in LEVELS:
        if total >= floor:
            return order, name
    return None, ""


def result(
    unit_id: int,
    year: int,
    *,
    authority_id: int,
    appraised: str | None,
    self_total: str | None = None,
    rank: int | None = None,
    rank_of: int | None = None,
    group: str = "Khối xã",
    by_area: dict[str, str] | None = None,
    published: bool = True,
    campaign_id: int | None = None,
) -> UnitResult:
    appraised_total = Decimal(appraised) if appraised is not None else None
    order, name = level_of(appraised_total)
    row = UnitResult(
        authority_id=authority_id,
        unit_id=unit_id,
        year=year,
        campaign_id=campaign_id,
        group_name=group,
        self_total=Decimal(self_total) if self_total is not None else None,
        appraised_total=appraised_total,
        level_order=order,
        level_name=name,
        rank=rank,
        rank_of=rank_of,
        by_area=json.dumps(by_area or {}),
        source="campaign" if campaign_id else "import",
        published=published,
        computed_at=_now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def merger(code: str, name: str, predecessors: list[int], *, on: date = date(2025, 7, 1)) -> Unit:
    """A commune created on `on` from `predecessors`, which end the day before."""
    first = db.session.get(Unit, predecessors[0])
    parent = db.session.get(Unit, first.parent_id)
    group = first.group
    unit = factories.unit(code, name, UnitKind.XA, parent, group)
    unit.valid_from = on
    for pred_id in predecessors:
        pred = db.session.get(Unit, pred_id)
        pred.valid_to = on - timedelta(days=1)
        db.session.add(UnitLineage(predecessor_id=pred_id, successor_id=unit.id, effective_on=on, note="sáp nhập"))
    db.session.flush()
    return unit


def criteria_version(authority_id: int, name: str = "Bộ tiêu chí thử nghiệm") -> CriteriaVersion:
    version = CriteriaVersion(
        authority_id=authority_id,
        name=name,
        status=VersionStatus.IN_USE,
        max_total=Decimal(100),
        created_at=_now(),
    )
    db.session.add(version)
    db.session.flush()
    position = 0
    areas = [(code, name, leaves, NodeKind.NORMAL) for code, (name, leaves) in AREAS.items()]
    for code, area_name, leaves, kind in [*areas, (*BONUS_AREA, NodeKind.BONUS)]:
        area = CriteriaNode(
            version_id=version.id,
            code=code,
            position=position,
            depth=0,
            name=area_name,
            max_points=sum((m for _, _, m in leaves), Decimal(0)),
            is_leaf=False,
            kind=kind,
        )
        db.session.add(area)
        db.session.flush()
        position += 1
        for leaf_code, leaf_name, maximum in leaves:
            db.session.add(
                CriteriaNode(
                    version_id=version.id,
                    parent_id=area.id,
                    code=leaf_code,
                    position=position,
                    depth=1,
                    name=leaf_name,
                    max_points=maximum,
                    is_leaf=True,
                    method=Method.RANGE,
                    step=Decimal("0.25"),
                    kind=kind,
                )
            )
            position += 1
    for order, level_name, floor in LEVELS:
        db.session.add(ClassificationLevel(version_id=version.id, order=order, name=level_name, min_points=floor))
    db.session.flush()
    return version


def campaign(authority_id: int, version: CriteriaVersion, year: int, published: bool = True) -> Campaign:
    row = Campaign(
        authority_id=authority_id,
        year=year,
        name=f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
        criteria=every_group_on(authority_id, version.id),
        status=CampaignStatus.PUBLISHED if published else CampaignStatus.FINAL_REVIEW,
        created_at=_now(),
        published_at=_now() if published else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def publish(camp: Campaign) -> None:
    camp.status = CampaignStatus.PUBLISHED
    camp.published_at = _now()
    db.session.flush()


def scores(camp: Campaign, unit_id: int, values: dict[str, tuple[str, str, str]]) -> dict[str, str]:
    """Item scores of one unit: leaf code → (self, final, reason codes). Returns by_area {area: "points"}."""
    assessment = Assessment(campaign_id=camp.id, unit_id=unit_id, status=AssessmentStatus.FINAL, group_id=None)
    db.session.add(assessment)
    db.session.flush()
    nodes = {
        n.code: n for n in db.session.query(CriteriaNode).filter(CriteriaNode.version_id == camp.versions[0].id).all()
    }
    by_area: dict[str, Decimal] = {}
    for code, (self_score, final, reasons) in values.items():
        node = nodes[code]
        db.session.add(
            ItemScore(
                assessment_id=assessment.id,
                unit_id=unit_id,
                node_id=node.id,
                node_position=node.position,
                self_score=Decimal(self_score),
                appraised_score=Decimal(final),
                final_score=Decimal(final),
                deduction_reasons=reasons,
            )
        )
        area = code.split(".")[0]
        by_area[area] = by_area.get(area, Decimal(0)) + Decimal(final)
    db.session.flush()
    return {k: f"{v:.2f}" for k, v in by_area.items()}


def build_history(world) -> SimpleNamespace:
    """Four years of the district of `world`:

    - 2022–2024 imported (no campaign): communes A, B, E1, E2 in "Khối xã" and agency C in "Khối cơ quan".
    - 1 July 2025: E1 and E2 merge into M ("Xã Hợp Nhất").
    - 2025 published campaign with item scores: A, B, M (Khối xã) and C.
    - 2026: a computed but unpublished result for A (never shown), and a published result of the other district's
      commune F (never shown to this district).
    """
    district = world.district_id
    d = db.session.get(Unit, district)
    group = db.session.get(Unit, world.a_id).group
    e1 = factories.unit("E1", "Xã Cũ Một", UnitKind.XA, d, group)
    e2 = factories.unit("E2", "Xã Cũ Hai", UnitKind.XA, d, group)
    a, b, c = world.a_id, world.b_id, world.agency_id
    imported = {
        2022: [
            (a, "80.00", "88.00", 3),
            (b, "72.50", "75.00", 4),
            (e1.id, "91.00", "92.00", 1),
            (e2.id, "85.50", "97.00", 2),
        ],
        2023: [
            (a, "85.50", "97.00", 2),
            (b, "70.25", "80.00", 4),
            (e1.id, "88.00", "89.00", 1),
            (e2.id, "79.75", "81.00", 3),
        ],
        2024: [
            (a, "90.50", "93.00", 1),
            (b, "68.00", "78.00", 4),
            (e1.id, "86.00", "86.00", 2),
            (e2.id, "82.00", "84.50", 3),
        ],
    }
    for year, rows in imported.items():
        for unit_id, appraised, self_total, rank in rows:
            result(
                unit_id, year, authority_id=district, appraised=appraised, self_total=self_total, rank=rank, rank_of=4
            )
        result(
            c,
            year,
            authority_id=district,
            appraised="75.00",
            self_total="76.00",
            rank=1,
            rank_of=1,
            group="Khối cơ quan",
        )
    m = merger("M", "Xã Hợp Nhất", [e1.id, e2.id])
    version = criteria_version(district)
    camp = campaign(district, version, 2025, published=False)  # scored first, published at the end (the freeze)
    areas = {
        a: scores(
            camp,
            a,
            {
                "1.1": ("20", "18", "chua_day_du"),
                "1.2": ("20", "17.50", "thieu_kiem_chung"),
                "2.1": ("30", "27", "thieu_kiem_chung"),
                "2.2": ("30", "25.50", "khong_dat_noi_dung"),
                "T.1": ("5", "0", ""),
            },
        ),
        b: scores(
            camp,
            b,
            {
                "1.1": ("20", "20", ""),
                "1.2": ("20", "10", "thieu_kiem_chung,sai_huong_dan"),
                "2.1": ("30", "28", "ngoai_thoi_gian"),
                "2.2": ("30", "30", ""),
            },
        ),
        m.id: scores(
            camp,
            m.id,
            {
                "1.1": ("18", "15", "thieu_kiem_chung"),
                "1.2": ("20", "19", "chua_day_du"),
                "2.1": ("30", "20", "khong_dat_noi_dung"),
                "2.2": ("25", "25", ""),
            },
        ),
        c: scores(
            camp,
            c,
            {
                "1.1": ("20", "19", "chua_day_du"),
                "1.2": ("20", "20", ""),
                "2.1": ("30", "26", "thieu_kiem_chung"),
                "2.2": ("30", "24", "thieu_kiem_chung"),
            },
        ),
    }
    totals = {uid: sum((Decimal(v) for v in by.values()), Decimal(0)) for uid, by in areas.items()}
    communes = (a, b, m.id)
    ranks = {u: 1 + sum(totals[o] > totals[u] for o in communes) for u in communes}  # ties share a rank
    self_totals = {a: "100.00", b: "100.00", m.id: "93.00", c: "100.00"}
    for uid in communes:
        result(
            uid,
            2025,
            authority_id=district,
            appraised=f"{totals[uid]:.2f}",
            self_total=self_totals[uid],
            rank=ranks[uid],
            rank_of=3,
            by_area=areas[uid],
            campaign_id=camp.id,
        )
    result(
        c,
        2025,
        authority_id=district,
        appraised=f"{totals[c]:.2f}",
        self_total=self_totals[c],
        rank=1,
        rank_of=1,
        group="Khối cơ quan",
        by_area=areas[c],
        campaign_id=camp.id,
    )
    publish(camp)
    result(a, 2026, authority_id=district, appraised="99.00", self_total="99.00", rank=1, rank_of=3, published=False)
    far = db.session.get(Unit, world.far_id)
    result(far.id, 2025, authority_id=far.authority_id, appraised="55.55", self_total="60.00", rank=1, rank_of=1)
    db.session.commit()
    return SimpleNamespace(
        e1_id=e1.id,
        e2_id=e2.id,
        m_id=m.id,
        campaign_id=camp.id,
        version_id=version.id,
        totals=totals,
        ranks=ranks,
        imported=imported,
    )
