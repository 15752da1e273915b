"""The score that counts (`ItemScore.result_score`: final if fixed, else appraised, else none) has one definition, and
its SQL form — what the results are computed from — agrees with its Python form on every kind of leaf."""

from __future__ import annotations

import itertools
from decimal import Decimal

from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import ItemScore, NodeKind
from dvcq.scoring.results.inputs import points, raw
from tests.scoring.campaign_factories import LEAVES, assessment_of, item_of, open_campaign

# (appraised, final) — not appraised, appraised, appraised then changed by the explanation round, final alone
CASES = [(None, None), ("1", None), ("1", "0.5"), (None, "2")]


def test_sql_and_python_agree_on_the_score_that_counts_for_every_kind_of_leaf(world):
    units = [world.a_id, world.b_id, world.agency_id]
    campaigns = [open_campaign(world, year=2026), open_campaign(world, year=2025)]
    assessments = list(itertools.product(campaigns, units))
    with scoped(SYSTEM):
        for code in LEAVES:
            for n, (campaign_id, unit_id) in enumerate(assessments):
                appraised, final = CASES[n % len(CASES)]
                item = item_of(unit_id, campaign_id, code)
                item.self_score = Decimal("0.5")
                item.appraised_score = Decimal(appraised) if appraised else None
                item.final_score = Decimal(final) if final else None
        db.session.commit()
        ids = [assessment_of(unit_id, campaign_id).id for campaign_id, unit_id in assessments]
        rows = db.session.execute(
            select(ItemScore, ItemScore.result_score, raw(ItemScore.result_score)).where(
                ItemScore.assessment_id.in_(ids)
            )
        ).all()
        seen = set()
        for item, in_sql, hundredths in rows:
            assert in_sql == item.result_score == points(hundredths), (item.node.code, item.id)
            node = item.node
            seen.add((node.kind, node.authority_only, item.appraised_score is not None, item.final_score is not None))
    kinds = {(NodeKind.NORMAL, False), (NodeKind.NORMAL, True), (NodeKind.BONUS, False), (NodeKind.PENALTY, False)}
    assert {(kind, only) for kind, only, _, _ in seen} == kinds
    assert {(appraised, final) for _, _, appraised, final in seen} == {
        (False, False),
        (True, False),
        (True, True),
        (False, True),
    }
    assert len(seen) == len(kinds) * len(CASES)
