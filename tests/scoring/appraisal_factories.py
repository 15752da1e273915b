"""A small campaign in the appraisal stage: two areas, four leaves, communes A and B submitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
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
    VersionStatus,
)
from tests.factories import every_group_on

# code, parent, max, method, step
TREE = [
    ("1", None, D("6"), None, None),
    ("1.1", "1", D("2"), Method.RANGE, D("0.25")),
    ("1.2", "1", D("4"), Method.YES_NO, None),
    ("2", None, D("4"), None, None),
    ("2.1", "2", D("3"), Method.DEDUCTION, D("0.5")),
    ("2.2", "2", D("1"), Method.RANGE, D("0.25")),
]
SELF = {"1.1": D("2"), "1.2": D("4"), "2.1": D("3"), "2.2": D("0.75")}


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def build_campaign(world, status=CampaignStatus.APPRAISAL, explanation_deadline=None) -> SimpleNamespace:
    with scoped(SYSTEM):
        version = CriteriaVersion(
            authority_id=world.district_id,
            name="Bộ tiêu chí thử",
            status=VersionStatus.IN_USE,
            max_total=D("10"),
            created_at=_now(),
        )
        db.session.add(version)
        db.session.flush()
        nodes = {}
        for position, (code, parent, maximum, method, step) in enumerate(TREE):
            node = CriteriaNode(
                version_id=version.id,
                parent_id=nodes[parent].id if parent else None,
                code=code,
                position=position,
                depth=code.count("."),
                name=f"Tiêu chí {code}",
                max_points=maximum,
                is_leaf=method is not None,
                method=method,
                step=step,
                evidence_required=False,
            )
            db.session.add(node)
            db.session.flush()
            nodes[code] = node
        for order, name, low in [
            (1, "Hoàn thành xuất sắc nhiệm vụ", 9),
            (2, "Hoàn thành tốt nhiệm vụ", 7),
            (3, "Hoàn thành nhiệm vụ", 5),
            (4, "Không hoàn thành nhiệm vụ", 0),
        ]:
            db.session.add(ClassificationLevel(version_id=version.id, order=order, name=name, min_points=D(low)))
        campaign = Campaign(
            authority_id=world.district_id,
            year=2026,
            name="Đánh giá Chỉ số Dân vận chính quyền năm 2026",
            criteria=every_group_on(world.district_id, version.id),
            status=status,
            self_assessment_deadline=_now() - timedelta(days=1),
            explanation_deadline=explanation_deadline or (_now() + timedelta(days=10)),
            created_at=_now(),
        )
        db.session.add(campaign)
        db.session.flush()
        assessments = {}
        for key, unit_id in (("a", world.a_id), ("b", world.b_id)):
            assessment = Assessment(
                unit_id=unit_id,
                campaign_id=campaign.id,
                group_id=world.group_communes_id,
                status=AssessmentStatus.SUBMITTED,
                submitted_at=_now(),
            )
            db.session.add(assessment)
            db.session.flush()
            for code, node in nodes.items():
                if node.is_leaf:
                    db.session.add(
                        ItemScore(
                            unit_id=unit_id,
                            assessment_id=assessment.id,
                            node_id=node.id,
                            node_position=node.position,
                            self_score=SELF[code],
                            self_note="Đã thực hiện đầy đủ",
                        )
                    )
            assessments[key] = assessment
        db.session.commit()
        items = {
            (key, code): db.session.execute(
                db.select(ItemScore.id).where(
                    ItemScore.assessment_id == assessments[key].id, ItemScore.node_id == nodes[code].id
                )
            ).scalar_one()
            for key in assessments
            for code in SELF
        }
        return SimpleNamespace(
            id=campaign.id,
            version_id=version.id,
            area_ids={code: nodes[code].id for code in ("1", "2")},
            assessment_ids={k: a.id for k, a in assessments.items()},
            item_ids=items,
        )
