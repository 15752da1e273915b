"""The demo: Huyện Ba Tơ's 2025 campaign is published by Quyết định số 05/QĐ-UBND ngày 30/6/2025, issued through
the real services, with its .docx; Xã Ba Động is again appraised 85,50 and ranked 02/19; seeding twice changes
nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

from docx import Document
from sqlalchemy import func, select

from dvcq.platform import demo
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.decisions.demo import seed_published_2025
from dvcq.scoring.models import Campaign, CampaignStatus, Decision, DecisionStatus, ItemScore, UnitResult
from dvcq.tenants.models import Unit
from tests import factories


def test_the_demo_publishes_2025_with_its_issued_decision_and_is_idempotent(app, monkeypatch):
    app.config["DECISIONS_PDF"] = False
    # argon2 is slow on purpose: the demo's 45 accounts share the test hash
    monkeypatch.setattr("dvcq.tenants.services.hash_password", lambda password: factories._HASH, raising=False)
    with scoped(SYSTEM):
        demo.seed()
        district = db.session.execute(select(Unit).where(Unit.code == "BATO")).scalar_one()
        campaign = db.session.execute(
            select(Campaign).where(Campaign.authority_id == district.id, Campaign.year == 2025)
        ).scalar_one()
        assert campaign.status == CampaignStatus.PUBLISHED
        decision = db.session.execute(select(Decision).where(Decision.campaign_id == campaign.id)).scalar_one()
        assert (decision.number, decision.signed_on, decision.status) == (
            "05/QĐ-UBND",
            date(2025, 6, 30),
            DecisionStatus.ISSUED,
        )
        assert decision.signer_name == "Đinh Văn Lãnh"
        rows = {
            r.unit.code: r
            for r in db.session.execute(select(UnitResult).where(UnitResult.campaign_id == campaign.id)).scalars()
        }
        assert len(rows) == 24 and all(r.published for r in rows.values())
        ba_dong = rows["BATO-BDO"]
        assert (ba_dong.self_total, ba_dong.appraised_total, ba_dong.rank, ba_dong.rank_of) == (
            D("97.00"),
            D("85.50"),
            2,
            19,
        )
        assert ba_dong.level_name == "Hoàn thành tốt nhiệm vụ"
        assert rows["BATO-TT"].rank == 1
        assert {r.rank_of for r in rows.values() if r.group_name == "Khối cơ quan"} == {5}

        with get_storage().open(decision.docx_key) as stream:
            document = Document(io.BytesIO(stream.read()))
        communes = [[c.text for c in row.cells] for row in document.tables[2].rows[1:]]
        assert len(communes) == 19
        assert communes[1][1:] == ["Xã Ba Động", "97,00", "85,50", "Hoàn thành tốt nhiệm vụ", "02/19"]

        counts = (
            db.session.execute(select(func.count(ItemScore.id))).scalar_one(),
            db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
        )
        seed_published_2025()
        db.session.commit()
        assert (
            db.session.execute(select(func.count(ItemScore.id))).scalar_one(),
            db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
        ) == counts
        assert db.session.execute(select(func.count(Decision.id))).scalar_one() == 1
