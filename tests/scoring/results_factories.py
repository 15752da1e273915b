"""Campaigns with scores for the results tests, built straight from the models (system scope, committed).

    version = results_version(world)                    # 5 areas, 14 leaves, 100 points; levels 90/70/50/0
    c = make_campaign(world, version, year=2023)         # an appraisal-stage campaign of the test district
    add_assessment(c, world.a_id, world.group_communes_id, self_total="97", appraised=REAL_CASE_APPRAISED)
    communes = extra_communes(world, 17)                 # more communes in "Khối xã"

A score argument is a total (the factory spreads the lost points over the leaves, last leaf first) or a mapping
{leaf code: score} over the maximum of every other leaf.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
)
from dvcq.tenants.models import Unit, UnitGroup, UnitKind
from tests import factories
from tests.factories import every_group_on
from tests.scoring.criteria_factories import make_version

LEAVES = {
    "1.1": "6",
    "1.2": "6",
    "1.3": "8",
    "2.1": "6",
    "2.2": "6",
    "2.3": "8",
    "3.1": "10",
    "3.2": "10",
    "4.1": "6",
    "4.2": "6",
    "4.3": "8",
    "5.1.a": "5",
    "5.1.b": "5",
    "5.2": "5",
    "5.3": "5",
}
LEVELS = (
    ("Hoàn thành xuất sắc nhiệm vụ", "90"),
    ("Hoàn thành tốt nhiệm vụ", "70"),
    ("Hoàn thành nhiệm vụ", "50"),
    ("Không hoàn thành nhiệm vụ", "0"),
)
CONDITIONS = (
    ("DK1", "Tập thể lãnh đạo UBND xã bị kỷ luật trong năm", "disqualify", None),
    ("DK2", "Có cán bộ, công chức bị kỷ luật do vi phạm đạo đức công vụ", "cap", 2),
)
XUAT_SAC, TOT, HOAN_THANH = (name for name, _ in LEVELS[:3])

# The real case: 97,00 self-scored; appraised 85,50, losing 2,00 on 2.3, 1,50 on 5.1.b, 1,00 on 4.2 and 10,00 in
# amounts that are never larger than those on items listed before them — so the what-if names 2.3, 5.1.b and 4.2.
REAL_CASE_SELF = {"2.3": D("7"), "5.1.b": D("4"), "4.2": D("5")}
REAL_CASE_APPRAISED = {
    "1.1": D("5.25"),
    "1.2": D("5.25"),
    "1.3": D("7.25"),
    "2.1": D("5.25"),
    "2.2": D("5.25"),
    "2.3": D("6"),
    "3.1": D("9.25"),
    "3.2": D("9.25"),
    "4.1": D("5.25"),
    "4.2": D("5"),
    "4.3": D("7"),
    "5.1.a": D("4"),
    "5.1.b": D("3.5"),
    "5.2": D("4"),
    "5.3": D("4"),
}
REAL_CASE_REASONS = {
    "2.3": ("thieu_kiem_chung", "Không có báo cáo số liệu dịch vụ công trực tuyến quý IV"),
    "5.1.b": ("chua_day_du,ngoai_thoi_gian", "Danh mục thông tin công khai đăng tải muộn"),
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def results_version(world, **kwargs) -> CriteriaVersion:
    kwargs.setdefault("leaves", LEAVES)
    kwargs.setdefault("levels", LEVELS)
    kwargs.setdefault("conditions", CONDITIONS)
    return make_version(world.district_id, **kwargs)


def make_campaign(
    world, version: CriteriaVersion, *, year: int = 2023, status: CampaignStatus = CampaignStatus.FINAL_REVIEW
) -> int:
    with scoped(SYSTEM):
        campaign = Campaign(
            authority_id=world.district_id,
            year=year,
            name=f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
            criteria=every_group_on(world.district_id, version.id),
            status=status,
            created_at=_now(),
            published_at=_now() if status == CampaignStatus.PUBLISHED else None,
        )
        db.session.add(campaign)
        db.session.commit()
        return campaign.id


def set_campaign_status(campaign_id: int, status: CampaignStatus) -> None:
    with scoped(SYSTEM):
        db.session.get(Campaign, campaign_id).status = status
        db.session.commit()


def extra_communes(world, count: int) -> list[int]:
    """`count` more communes of the test district, in "Khối xã"."""
    with scoped(SYSTEM):
        parent = db.session.get(Unit, world.district_id)
        group = db.session.get(UnitGroup, world.group_communes_id)
        ids = [
            factories.unit(f"X{i:02d}", f"Xã Thử Nghiệm {i:02d}", UnitKind.XA, parent, group).id
            for i in range(1, count + 1)
        ]
        db.session.commit()
        return ids


def _leaves(version_id: int) -> list[CriteriaNode]:
    return list(
        db.session.execute(
            select(CriteriaNode)
            .where(CriteriaNode.version_id == version_id, CriteriaNode.is_leaf.is_(True))
            .order_by(CriteriaNode.position)
        ).scalars()
    )


def spread(leaves: list[CriteriaNode], score) -> dict[str, D | None]:
    """A total → leaf scores (normal leaves at their maximum, the lost points taken from the last leaf backwards);
    a mapping → those scores, every other normal leaf at its maximum; None → no scores."""
    normal = [leaf for leaf in leaves if leaf.kind.value == "normal"]
    if score is None:
        return {}
    if isinstance(score, Mapping):
        given = {code: (None if v is None else D(str(v))) for code, v in score.items()}
        return {**{leaf.code: leaf.max_points for leaf in normal}, **given}
    lost = sum((leaf.max_points for leaf in normal), D(0)) - D(str(score))
    scores = {}
    for leaf in reversed(normal):
        take = min(lost, leaf.max_points)
        scores[leaf.code] = leaf.max_points - take
        lost -= take
    return scores


def add_assessment(
    campaign_id: int,
    unit_id: int,
    group_id: int | None,
    *,
    self_total=None,
    appraised=None,
    final: Mapping[str, object] | None = None,
    status: AssessmentStatus = AssessmentStatus.APPRAISED,
    conditions: str = "",
    reasons: Mapping[str, tuple[str, str]] | None = None,
) -> int:
    """One unit's assessment with an item row for every leaf."""
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, campaign_id)
        leaves = _leaves(campaign.versions[0].id)
        selfs = spread(leaves, self_total)
        results = spread(leaves, appraised)
        assessment = Assessment(
            unit_id=unit_id,
            campaign_id=campaign_id,
            group_id=group_id,
            status=status,
            conditions_met=conditions,
            submitted_at=_now(),
        )
        db.session.add(assessment)
        db.session.flush()
        for leaf in leaves:
            why = (reasons or {}).get(leaf.code, ("", ""))
            final_score = (final or {}).get(leaf.code)
            db.session.add(
                ItemScore(
                    unit_id=unit_id,
                    assessment_id=assessment.id,
                    node_id=leaf.id,
                    node_position=leaf.position,
                    self_score=selfs.get(leaf.code),
                    appraised_score=results.get(leaf.code),
                    deduction_reasons=why[0],
                    appraisal_note=why[1],
                    final_score=None if final_score is None else D(str(final_score)),
                    final_note="Giữ nguyên sau giải trình" if final_score is not None else "",
                )
            )
        db.session.commit()
        return assessment.id


def real_case_group(world, version=None, *, year: int = 2023, status=CampaignStatus.FINAL_REVIEW):
    """19 communes: A is the real case (97,00 → 85,50), B leads with 88,25, 17 others below; agency C alone in its
    group. Returns (campaign id, {unit key: assessment id}, [extra commune ids])."""
    version = version or results_version(world)
    campaign_id = make_campaign(world, version, year=year, status=status)
    others = extra_communes(world, 17)
    ids = {
        "a": add_assessment(
            campaign_id,
            world.a_id,
            world.group_communes_id,
            self_total=REAL_CASE_SELF,
            appraised=REAL_CASE_APPRAISED,
            reasons=REAL_CASE_REASONS,
            status=AssessmentStatus.RELEASED,
        ),
        "b": add_assessment(campaign_id, world.b_id, world.group_communes_id, self_total="95", appraised="88.25"),
        "c": add_assessment(campaign_id, world.agency_id, world.group_agencies_id, self_total="90", appraised="80"),
    }
    for i, unit_id in enumerate(others):
        total = D("84.75") - D("1.25") * i
        ids[f"x{i + 1:02d}"] = add_assessment(
            campaign_id, unit_id, world.group_communes_id, self_total=total + 3, appraised=total
        )
    return campaign_id, ids, others
