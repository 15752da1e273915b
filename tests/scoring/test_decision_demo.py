"""The demo's two finished cycles, each published through the real draft → issue path with its .docx: Huyện Ba Tơ's
2024 by its decision of 27/12/2024 (before the district level ended on 01/7/2025), Xã Ba Nam keeping rank 02/19 and
reaching «Hoàn thành xuất sắc»; Tỉnh Quảng Ngãi's 2025 on the 8 new communes and 5 province agencies by a decision of
the province in January 2026. Seeding twice changes nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from docx import Document
from sqlalchemy import func, select

from dvcq.insights.services import parse_areas
from dvcq.platform.audit import AuditRecord
from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.decisions.demo import seed_published_2024, seed_published_2025
from dvcq.scoring.models import Campaign, CampaignStatus, Decision, DecisionStatus, ItemScore, UnitResult
from dvcq.tenants import demo as tenants_demo
from dvcq.tenants.models import Unit
from tests.reform_demo import seed_until_2025


@pytest.fixture
def seeded(app, monkeypatch):
    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        yield


def _published(authority: str, year: int) -> tuple[Decision, dict[str, UnitResult], tuple[str, str, str, str]]:
    """The authority's campaign of the year, published by its issued decision: (the decision, the results by unit
    code, who signs it: issuer, for whom, title, name)."""
    owner = db.session.execute(select(Unit).where(Unit.code == authority)).scalar_one()
    campaign = db.session.execute(
        select(Campaign).where(Campaign.authority_id == owner.id, Campaign.year == year)
    ).scalar_one()
    decision = db.session.execute(select(Decision).where(Decision.campaign_id == campaign.id)).scalar_one()
    assert (campaign.status, decision.status) == (CampaignStatus.PUBLISHED, DecisionStatus.ISSUED)
    rows = {
        r.unit.code: r
        for r in db.session.execute(select(UnitResult).where(UnitResult.campaign_id == campaign.id)).scalars()
    }
    return decision, rows, (decision.issuer, decision.signer_authority, decision.signer_title, decision.signer_name)


def _document(decision: Decision):
    with get_storage().open(decision.docx_key) as stream:
        return Document(io.BytesIO(stream.read()))


def _text(document) -> str:
    """The paragraphs and the header table's cells (issuer, number, place and date) of the decision."""
    header = [cell.text for cell in document.tables[0]._cells]
    return "\n".join([*header, *(p.text for p in document.paragraphs)])


def test_the_district_decides_2024_before_the_reform_and_ba_nam_reaches_its_targets(seeded):
    decision, rows, signer = _published("BATO", 2024)
    assert (decision.number, decision.signed_on) == ("4018/QĐ-UBND", date(2024, 12, 27))
    assert decision.signed_on < tenants_demo.REFORM_ON
    assert signer == (
        "ỦY BAN NHÂN DÂN HUYỆN BA TƠ",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Phạm Văn Lực",
    )
    assert len(rows) == 24 and all(r.published for r in rows.values())
    ba_nam = rows["BATO-BNA"]
    assert (ba_nam.appraised_total, ba_nam.rank, ba_nam.rank_of, ba_nam.level_name) == (
        D("91.25"),
        2,
        19,
        "Hoàn thành xuất sắc nhiệm vụ",
    )
    maxima = {"2": D(16), "4": D(14), "6": D(10)}  # the areas its plan took up: no point lost there in 2024
    assert {a: v for a, v in parse_areas(ba_nam.by_area).items() if a in maxima} == maxima
    assert rows["BATO-TT"].rank == 1
    assert {r.rank_of for r in rows.values() if r.group_name == "Khối cơ quan"} == {5}

    document = _document(decision)
    text = _text(document)
    assert "Ba Tơ, ngày 27 tháng 12 năm 2024" in text
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015" in text
    assert "Số: 4018/QĐ-UBND" in text
    communes = [[c.text for c in row.cells] for row in document.tables[2].rows[1:]]
    assert len(communes) == 19
    assert communes[1][1:] == ["Xã Ba Nam", "95,50", "91,25", "Hoàn thành xuất sắc nhiệm vụ", "02/19"]


def test_the_province_decides_2025_on_the_new_communes_in_january_2026(seeded):
    decision, rows, signer = _published("QNG", 2025)
    assert (decision.number, decision.signed_on) == ("86/QĐ-UBND", date(2026, 1, 16))
    assert signer == (
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Đinh Văn Lãnh",
    )
    assert decision.proposal_by == "Giám đốc Sở Nội vụ"
    assert sorted(rows) == sorted(
        [code for code, *_ in tenants_demo.PROVINCE_COMMUNES] + [code for code, *_ in tenants_demo.PROVINCE_AGENCIES]
    )
    assert {r.rank_of for r in rows.values() if r.group_name == "Khối xã"} == {8}
    assert (rows["QNG-BATO"].rank, rows["QNG-BTO"].rank) == (1, 2)

    text = _text(_document(decision))
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" in text
    assert "Quảng Ngãi, ngày 16 tháng 01 năm 2026" in text
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025" in text
    assert "ngày 19 tháng 6 năm 2015" not in text  # the 2015 law ended before the signing date
    assert "huyện" not in text.lower()  # nothing of the district's wording


def test_seeding_the_decided_cycles_again_changes_nothing(seeded):
    counts = (
        db.session.execute(select(func.count(ItemScore.id))).scalar_one(),
        db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    )
    seed_published_2024()
    seed_published_2025()
    db.session.commit()
    assert (
        db.session.execute(select(func.count(ItemScore.id))).scalar_one(),
        db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    ) == counts
    assert db.session.execute(select(func.count(Decision.id))).scalar_one() == 2
