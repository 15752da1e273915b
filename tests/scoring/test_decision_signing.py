"""The decision a clerk signs unchanged: the law in force on the signing date, no district signing after 30/6/2025,
one signer choice that sets the authority line, the signature block and the annex's reference, nothing issued with a
blank or a "…" left in it, and the issued .docx read back section by section."""

from __future__ import annotations

from datetime import date

import pytest

from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import amendments, document, drafting, generation, issuing
from dvcq.scoring.decisions.signing import SignerMode, law_basis, signing_problem
from dvcq.scoring.models import Campaign, CampaignStatus, Decision, DecisionStatus
from tests.documents import lines, open_docx, placeholders
from tests.scoring.decision_factories import ISSUABLE, decision_campaign
from tests.scoring.test_decisions import docx_of, fresh, user

LAW_2015 = "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015"
AMENDMENT_2019 = (
    "Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 "
    "tháng 11 năm 2019"
)


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


@pytest.mark.parametrize(
    ("day", "basis"),
    [
        (date(2016, 1, 1), f"Căn cứ {LAW_2015}"),
        (date(2020, 6, 30), f"Căn cứ {LAW_2015}"),  # the 2019 amendment was passed, not yet in force
        (date(2020, 7, 1), f"Căn cứ {LAW_2015}; {AMENDMENT_2019}"),
        (date(2025, 2, 28), f"Căn cứ {LAW_2015}; {AMENDMENT_2019}"),
        (date(2025, 3, 1), "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025"),
        (date(2025, 6, 15), "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025"),
        (date(2025, 6, 16), "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025"),
        (date(2026, 1, 15), "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025"),
    ],
)
def test_the_local_government_law_cited_is_the_one_in_force_on_the_signing_date(day, basis):
    assert law_basis(day) == basis


def test_a_district_signs_until_30_june_2025_and_a_province_after():
    assert signing_problem(date(2025, 6, 30), district=True) is None
    refused = signing_problem(date(2025, 7, 1), district=True)
    assert refused.startswith("Ngày ký 01/07/2025 không hợp lệ: cấp huyện đã kết thúc hoạt động từ ngày 01/7/2025")
    assert signing_problem(date(2026, 1, 15), district=False) is None
    assert "quá sớm" in signing_problem(date(2015, 12, 31), district=False)


def as_authority(world):
    return scoped(Scope(world.district_id))


def draft_of(world, campaign_id: int, **fields) -> Decision:
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), campaign_id)
        if fields:
            decision = drafting.update(user(world.secretariat), decision.id, decision.version, **fields)
        return decision


def test_a_district_may_not_save_or_amend_a_date_after_30_june_2025(world):
    c = decision_campaign(world)
    decision = draft_of(world, c.campaign_id)
    assert decision.signed_on is None, "today is past the district's last day: no date is offered"
    with as_authority(world), pytest.raises(ServiceError) as err:
        drafting.update(user(world.secretariat), decision.id, decision.version, signed_on="15/01/2026")
    assert any("cấp huyện đã kết thúc hoạt động từ ngày 01/7/2025" in p for p in err.value.problems)
    assert fresh(Decision, decision.id).signed_on is None

    with as_authority(world):
        decision = drafting.update(user(world.secretariat), decision.id, decision.version, **ISSUABLE)
        issuing.issue(user(world.secretariat), decision.id, decision.version)
        with pytest.raises(ServiceError) as err:
            amendments.amend(
                user(world.secretariat),
                decision.id,
                changes="A; 2.1; 36",
                reason="Bổ sung kiểm chứng",
                number="12/QĐ-UBND",
                signed_on="02/7/2025",
            )
    assert any("không còn ký quyết định sau ngày 30/6/2025" in p for p in err.value.problems)


def test_issuing_names_every_blank_and_every_placeholder_and_changes_nothing(world):
    c = decision_campaign(world)
    decision = draft_of(
        world,
        c.campaign_id,
        number="05/QĐ-UBND",
        guidance="Hướng dẫn số …/HD-… ngày … tháng … năm … của Ủy ban nhân dân tỉnh",
        recipients="Như Điều 3\nSở ... (b/c)\nLưu: VT, NV",
        signer_name="",
    )
    with as_authority(world), pytest.raises(ServiceError) as err:
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    problems = err.value.problems
    assert "Chưa nhập «Căn cứ: Quy định đánh giá, phân loại công tác dân vận chính quyền của tỉnh»." in problems
    assert "Chưa nhập «Số Tờ trình»." in problems and "Chưa nhập «Ngày Tờ trình»." in problems
    assert "Chưa nhập «Họ tên người ký»." in problems and "Chưa nhập ngày ký." in problems
    assert (
        "«Căn cứ: Hướng dẫn của cơ quan đánh giá» còn chỗ trống «…» chưa điền: Hướng dẫn số …/HD-… ngày … tháng … năm "
        "… của Ủy ban nhân dân tỉnh"
    ) in problems
    assert "«Nơi nhận» còn chỗ trống «…» chưa điền: Sở ... (b/c)" in problems
    assert fresh(Decision, decision.id).status == DecisionStatus.DRAFT
    with scoped(SYSTEM):
        assert db.session.get(Campaign, c.campaign_id).status == CampaignStatus.FINAL_REVIEW


@pytest.mark.parametrize(
    ("mode", "authority_line", "signature", "decided_by"),
    [
        ("committee", "ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], "Ủy ban nhân dân"),
        ("chairman", "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM", ["CHỦ TỊCH"], "Chủ tịch Ủy ban nhân dân"),
        (
            "vice_chairman",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM",
            ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
            "Chủ tịch Ủy ban nhân dân",
        ),
    ],
)
def test_one_signer_choice_sets_the_authority_line_the_signature_and_the_annex(
    world, mode, authority_line, signature, decided_by
):
    c = decision_campaign(world)
    decision = draft_of(world, c.campaign_id, signer_mode=mode, signer_name="Đinh Văn Lãnh", **ISSUABLE)
    with as_authority(world):
        doc = open_docx(document.build_docx(generation.document_data(decision)))
    text = lines(doc)
    assert text[text.index("QUYẾT ĐỊNH") + 2] == authority_line, "the line under the trích yếu"
    signature_cell = [p.text for p in doc.tables[1].rows[0].cells[1].paragraphs if p.text]
    assert signature_cell == [*signature, "Đinh Văn Lãnh"]
    assert SignerMode(mode).signature[0] == signature[0]
    reference = next(line for line in text if line.startswith("(Kèm theo Quyết định"))
    assert reference == (
        f"(Kèm theo Quyết định số 05/QĐ-UBND ngày 15 tháng 01 năm 2025 của {decided_by} huyện Thử Nghiệm)"
    )


def test_the_issued_decision_reads_in_the_decree_order_with_nothing_left_to_fill(world):
    c = decision_campaign(world)
    decision = draft_of(world, c.campaign_id, signer_name="Đinh Văn Lãnh", **ISSUABLE)
    with as_authority(world):
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    doc = docx_of(fresh(Decision, decision.id))
    text = lines(doc)
    assert placeholders(doc) == []
    assert text[:5] == [
        "ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM",
        "Số: 05/QĐ-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thử Nghiệm, ngày 15 tháng 01 năm 2025",
    ]
    assert "UBND TỈNH THỬ NGHIỆM" not in text, "no parent body above a People's Committee"
    start = text.index("QUYẾT ĐỊNH")
    assert text[start + 1] == (
        "Về việc phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền các cơ quan nhà nước, đơn vị sự "
        "nghiệp và UBND các xã năm 2025"
    )
    assert text[start + 3 : start + 7] == [
        f"Căn cứ {LAW_2015}; {AMENDMENT_2019};",
        f"Căn cứ {ISSUABLE['regulation']};",
        "Thực hiện Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư về nâng cao chất lượng, hiệu quả công tác dân "
        "vận của cơ quan nhà nước, chính quyền các cấp;",
        "Theo đề nghị của Trưởng phòng Nội vụ huyện tại Tờ trình số 15/TTr-PNV ngày 10/01/2025.",
    ]
    assert text[start + 7] == "QUYẾT ĐỊNH:"
    articles = [line for line in text if line.startswith("Điều ")]
    assert [a[:7] for a in articles] == ["Điều 1.", "Điều 2.", "Điều 3."]
    assert "đối với 02 xã và 01 cơ quan, đơn vị (chi tiết tại Phụ lục kèm theo)" in articles[0]
    recipients = text[text.index("Nơi nhận:") + 1 : text.index("TM. ỦY BAN NHÂN DÂN")]
    assert recipients == [
        "- Như Điều 3;",
        "- UBND tỉnh Thử Nghiệm (b/c);",
        "- Sở Nội vụ tỉnh Thử Nghiệm (b/c);",
        "- TT Huyện ủy, TT HĐND huyện (b/c);",
        "- Chủ tịch, các Phó Chủ tịch UBND huyện;",
        "- Ban Dân vận Huyện ủy;",
        "- Ủy ban MTTQ Việt Nam huyện;",
        "- Cổng thông tin điện tử huyện;",
        "- Lưu: VT, NV.",
    ]
    assert text[text.index("TM. ỦY BAN NHÂN DÂN") : text.index("TM. ỦY BAN NHÂN DÂN") + 3] == [
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Đinh Văn Lãnh",
    ]
    annex = text[text.index("PHỤ LỤC") :]
    assert annex[1:3] == [
        "KẾT QUẢ ĐÁNH GIÁ, PHÂN LOẠI CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM 2025",
        "(Kèm theo Quyết định số 05/QĐ-UBND ngày 15 tháng 01 năm 2025 của Ủy ban nhân dân huyện Thử Nghiệm)",
    ]
    assert "I. Khối xã (02 xã)" in annex and "II. Khối cơ quan (01 cơ quan, đơn vị)" in annex


def test_next_years_draft_cites_what_the_authority_cited_last_year(world):
    first = decision_campaign(world, year=2023)
    decision = draft_of(
        world,
        first.campaign_id,
        **{**ISSUABLE, "signed_on": "15/01/2024", "guidance": "Hướng dẫn số 02/HD-UBND ngày 10/3/2023 của UBND huyện"},
    )
    with as_authority(world):
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    second = decision_campaign(world, year=2024)
    following = draft_of(world, second.campaign_id)
    assert following.regulation == ISSUABLE["regulation"]
    assert following.guidance == "Hướng dẫn số 02/HD-UBND ngày 10/3/2023 của UBND huyện"
    assert following.proposal_by == "Trưởng phòng Nội vụ huyện"
    assert (following.proposal_number, following.proposal_date) == ("", None), "each year has its own Tờ trình"
