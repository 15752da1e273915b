"""A campaign ready for its decision, built straight from the models (system scope, committed).

c = decision_campaign(world)          # 2025, final review: A 85,50 (self 97,00) and B 90,00 in "Khối xã",
                                      # C 78,25 in "Khối cơ quan"; every leaf appraised
c.campaign_id, c.items[("A", "2.1")]  # ids for the tests
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from types import SimpleNamespace

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    Decision,
    ItemScore,
    VersionStatus,
)
from tests.factories import every_group_on
from tests.scoring.criteria_factories import make_version

LEAVES = {
    "1.1": {"max": "40", "method": "khoang", "step": "0.25"},
    "1.2": {"max": "10", "method": "co_khong"},
    "2.1": {"max": "40", "method": "khoang", "step": "0.25"},
    "2.2": {"max": "10", "method": "tru_diem", "step": "0.5"},
}
LEVELS = (
    ("Hoàn thành xuất sắc nhiệm vụ", "90"),
    ("Hoàn thành tốt nhiệm vụ", "70"),
    ("Hoàn thành nhiệm vụ", "50"),
    ("Không hoàn thành nhiệm vụ", "0"),
)
# unit key → (self scores, appraised scores) per leaf, in LEAVES order
SCORES = {
    "A": (("38.5", "10", "38.5", "10"), ("35.5", "10", "31", "9")),  # 97,00 → 85,50
    "B": (("39", "10", "34", "9"), ("38", "10", "33", "9")),  # 92,00 → 90,00
    "C": (("35", "10", "27", "8"), ("33.25", "10", "26", "9")),  # 80,00 → 78,25
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def decision_campaign(
    world,
    *,
    year: int = 2025,
    status: CampaignStatus = CampaignStatus.FINAL_REVIEW,
    incomplete: tuple[str, ...] = (),
) -> SimpleNamespace:
    """A campaign of the test district with units A, B (Khối xã) and C (Khối cơ quan), every leaf appraised — except
    leaf 2.1 of the units named in `incomplete`."""
    version = make_version(world.district_id, leaves=LEAVES, levels=LEVELS, status=VersionStatus.IN_USE)
    units = {"A": (world.a_id, world.group_communes_id), "B": (world.b_id, world.group_communes_id)}
    units["C"] = (world.agency_id, world.group_agencies_id)
    items: dict[tuple[str, str], int] = {}
    with scoped(SYSTEM):
        campaign = Campaign(
            authority_id=world.district_id,
            year=year,
            name=f"Đánh giá Chỉ số Dân vận chính quyền năm {year}",
            criteria=every_group_on(world.district_id, version.id),
            status=status,
            created_at=_now(),
        )
        db.session.add(campaign)
        db.session.flush()
        nodes = list(
            db.session.execute(
                select(CriteriaNode)
                .where(CriteriaNode.version_id == version.id, CriteriaNode.is_leaf.is_(True))
                .order_by(CriteriaNode.position)
            ).scalars()
        )
        for key, (unit_id, group_id) in units.items():
            assessment = Assessment(
                campaign_id=campaign.id, unit_id=unit_id, group_id=group_id, status=AssessmentStatus.FINAL
            )
            db.session.add(assessment)
            db.session.flush()
            selfs, appraised = SCORES[key]
            for node, own, verified in zip(nodes, selfs, appraised, strict=True):
                missing = key in incomplete and node.code == "2.1"
                item = ItemScore(
                    assessment_id=assessment.id,
                    unit_id=unit_id,
                    node_id=node.id,
                    node_position=node.position,
                    self_score=D(own),
                    appraised_score=None if missing else D(verified),
                    appraised_at=None if missing else _now(),
                )
                db.session.add(item)
                db.session.flush()
                items[(key, node.code)] = item.id
        db.session.commit()
        return SimpleNamespace(campaign_id=campaign.id, version_id=version.id, items=items, units=units)


def decision_of(campaign_id: int) -> Decision:
    """The campaign's original decision as stored now (the test's session forgets what it had loaded)."""
    db.session.expire_all()
    with scoped(SYSTEM):
        return db.session.execute(
            select(Decision).where(Decision.campaign_id == campaign_id, Decision.amends_id.is_(None))
        ).scalar_one()


def campaign(campaign_id: int) -> Campaign:
    db.session.expire_all()
    with scoped(SYSTEM):
        return db.session.get(Campaign, campaign_id)


# What issuing a decision needs beyond its prefilled draft: a number, a date the test district may still sign on
# (before 01/7/2025, when districts ended), the province's regulation it cites and the Tờ trình it answers.
ISSUABLE = {
    "number": "05/QĐ-UBND",
    "signed_on": "15/01/2025",
    "regulation": (
        "Quyết định số 12/2023/QĐ-UBND ngày 05/5/2023 của Ủy ban nhân dân tỉnh Thử Nghiệm ban hành Quy định đánh giá, "
        "phân loại công tác dân vận chính quyền"
    ),
    "proposal_number": "15/TTr-PNV",
    "proposal_date": "10/01/2025",
}
