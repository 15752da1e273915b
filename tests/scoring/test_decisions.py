"""The decision's services: a draft prefilled from the campaign, edits with optimistic locking, preview, issuing
(which recomputes, publishes and freezes the results in one transaction, then generates the files as a job), the
refusals that change nothing, and amendments that keep the original."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dvcq.platform import clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import Role, User
from dvcq.platform.errors import Conflict, Forbidden, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord, JobStatus
from dvcq.platform.notifications import Notification
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import amendments, document, drafting, generation, issuing, services
from dvcq.scoring.models import (
    Campaign,
    CampaignStatus,
    Decision,
    DecisionStatus,
    ItemScore,
    UnitResult,
)
from dvcq.tenants.models import Unit
from tests import factories
from tests.scoring.decision_factories import decision_campaign


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False  # LibreOffice is exercised by its own test


def user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def as_authority(world):
    return scoped(Scope(world.district_id))


REGULATION = (
    "Quyết định số 12/2023/QĐ-UBND ngày 05/5/2023 của Ủy ban nhân dân tỉnh Thử Nghiệm ban hành Quy định đánh giá, "
    "phân loại công tác dân vận chính quyền"
)


def drafted(world, campaign_id: int, **fields) -> Decision:
    """The draft with what issuing needs: a district signs before 01/7/2025, so 15/01/2025 unless told."""
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), campaign_id)
        fields.setdefault("number", "05/QĐ-UBND")
        fields.setdefault("signed_on", "15/01/2025")
        fields.setdefault("regulation", REGULATION)
        fields.setdefault("proposal_number", "15/TTr-PNV")
        fields.setdefault("proposal_date", "10/01/2025")
        return drafting.update(user(world.secretariat), decision.id, decision.version, **fields)


def issued(world, campaign_id: int, **fields) -> Decision:
    decision = drafted(world, campaign_id, **fields)
    with as_authority(world):
        return issuing.issue(user(world.secretariat), decision.id, decision.version)


def results(campaign_id: int) -> dict[int, UnitResult]:
    with scoped(SYSTEM):
        rows = db.session.execute(select(UnitResult).where(UnitResult.campaign_id == campaign_id)).scalars()
        return {r.unit_id: r for r in rows}


def fresh(model, ident):
    db.session.expire_all()
    with scoped(SYSTEM):
        return db.session.get(model, ident)


def docx_of(decision: Decision) -> Document:
    with get_storage().open(decision.docx_key) as stream:
        return Document(io.BytesIO(stream.read()))


# ---- draft and edit -----------------------------------------------------------------------------------------------


def test_the_draft_is_prefilled_from_the_campaign_and_the_unit_tree(world, monkeypatch):
    monkeypatch.setattr(clock, "today_in_vietnam", lambda: date(2025, 6, 20))
    c = decision_campaign(world)
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), c.campaign_id)
    assert decision.status == DecisionStatus.DRAFT
    assert decision.number == ""
    assert decision.signed_on == date(2025, 6, 20)
    assert decision.place == "Thử Nghiệm"
    assert decision.issuer_parent == "", "a People's Committee names no parent body above itself"
    assert decision.issuer == "ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM"
    assert decision.summary == (
        "Về việc phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền các cơ quan nhà nước, đơn vị sự "
        "nghiệp và UBND các xã năm 2025"
    )
    assert decision.legal_bases == "", "the law follows the signing date; nothing else to cite by default"
    assert decision.regulation == decision.guidance == "", "the province's regulation: the secretariat types it once"
    assert decision.party_bases.startswith("Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư")
    assert decision.proposal_by == "Trưởng phòng Nội vụ huyện"
    articles = services.articles_of(decision)
    assert len(articles) == 3 and "(chi tiết tại Phụ lục kèm theo)" in articles[0]
    assert "đối với 02 xã và 01 cơ quan, đơn vị (chi tiết" in articles[0]
    assert "định kỳ báo cáo kết quả thực hiện quý, 6 tháng, 9 tháng và năm" in articles[1]
    recipients = decision.recipients.splitlines()
    assert recipients[0] == "Như Điều 3" and recipients[-1] == "Lưu: VT, NV"
    assert "UBND tỉnh Thử Nghiệm (b/c)" in recipients and "Ủy ban MTTQ Việt Nam huyện" in recipients
    assert "Cổng thông tin điện tử huyện" in recipients
    assert decision.signer_mode == "committee"
    assert (decision.signer_authority, decision.signer_title) == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert decision.signer_name == "lanhdao"  # the authority's leadership user
    with scoped(SYSTEM):
        assert db.session.execute(select(AuditRecord).where(AuditRecord.action == "decision.draft")).scalar_one()


def test_drafting_again_returns_the_same_draft(world):
    c = decision_campaign(world)
    with as_authority(world):
        first = drafting.draft(user(world.secretariat), c.campaign_id)
        second = drafting.draft(user(world.secretariat), c.campaign_id)
    assert first.id == second.id
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(Decision.id))).scalar_one() == 1


def test_every_field_is_editable_and_the_change_is_audited(world):
    c = decision_campaign(world)
    decision = drafted(
        world,
        c.campaign_id,
        number="05/QĐ-UBND",
        signed_on="15/01/2025",
        place="Ba Tơ",
        issuer_parent="UBND TỈNH QUẢNG NGÃI",
        issuer="ỦY BAN NHÂN DÂN HUYỆN BA TƠ",
        summary="Về việc phê duyệt kết quả năm 2025",
        legal_bases="Căn cứ A;\n\n  Căn cứ B.  ",
        party_bases="Thực hiện Kết luận C;\nChỉ thị D",
        guidance="Căn cứ Hướng dẫn số 02/HD-UBND ngày 10/3/2024 của Ủy ban nhân dân huyện Ba Tơ.",
        articles=["Điều một", "Điều\nhai", ""],
        signer_mode="vice_chairman",
        signer_name="Nguyễn Văn Ký",
        recipients="Như Điều 3;\nLưu: VT.",
    )
    saved = fresh(Decision, decision.id)
    assert (saved.number, saved.signed_on, saved.place) == ("05/QĐ-UBND", date(2025, 1, 15), "Ba Tơ")
    assert saved.legal_bases == "Căn cứ A;\nCăn cứ B."
    assert saved.party_bases == "Kết luận C\nChỉ thị D", "kept without the verb the document adds"
    assert saved.guidance == "Hướng dẫn số 02/HD-UBND ngày 10/3/2024 của Ủy ban nhân dân huyện Ba Tơ"
    assert (saved.proposal_number, saved.proposal_date) == ("15/TTr-PNV", date(2025, 1, 10))
    assert services.articles_of(saved) == ["Điều một", "Điều hai"]
    assert (saved.signer_mode, saved.signer_authority, saved.signer_title, saved.signer_name) == (
        "vice_chairman",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn Ký",
    )
    with scoped(SYSTEM):
        record = db.session.execute(select(AuditRecord).where(AuditRecord.action == "decision.update")).scalars().all()
    assert '"number": "05/QĐ-UBND"' in record[-1].after and '"number": ""' in record[-1].before


def test_a_stale_form_gets_a_conflict_and_saves_nothing(world):
    c = decision_campaign(world)
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), c.campaign_id)
        seen = decision.version
        drafting.update(user(world.secretariat), decision.id, seen, place="Nơi thứ nhất")
        with pytest.raises(Conflict) as err:
            drafting.update(user(world.secretariat), decision.id, seen, place="Nơi thứ hai")
    assert err.value.status == 409 and "người khác sửa" in err.value.message
    assert fresh(Decision, decision.id).place == "Nơi thứ nhất"


def test_bad_fields_are_all_listed_and_nothing_is_saved(world):
    c = decision_campaign(world)
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), c.campaign_id)
        with pytest.raises(ServiceError) as err:
            drafting.update(
                user(world.secretariat),
                decision.id,
                decision.version,
                number="5-QD",
                signed_on="31/02/2026",
                summary="  ",
                recipients="",
                place="Ba Tơ",
            )
    problems = " | ".join(err.value.problems)
    assert err.value.status == 400
    assert "không đúng thể thức" in problems and "05/QĐ-UBND" in problems
    assert "Ngày ký" in problems
    assert "Trích yếu không được để trống" in problems
    assert "nơi nhận" in problems
    saved = fresh(Decision, decision.id)
    assert (saved.number, saved.place) == ("", "Thử Nghiệm")


def test_only_the_secretariat_drafts_edits_and_issues(world):
    c = decision_campaign(world)
    decision = drafted(world, c.campaign_id)
    with as_authority(world):
        for login in (world.leadership, world.appraiser, world.admin):
            with pytest.raises(Forbidden):
                drafting.update(user(login), decision.id, decision.version, place="X")
            with pytest.raises(Forbidden):
                issuing.issue(user(login), decision.id, decision.version)
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Forbidden):
        drafting.draft(user(world.officer_a), c.campaign_id)


def test_another_districts_secretariat_finds_nothing_like_a_missing_decision(world):
    c = decision_campaign(world)
    decision = drafted(world, c.campaign_id)
    with scoped(SYSTEM):
        far_district = db.session.get(Unit, world.far_id).parent_id
        factories.user("thuongtruc.khac", Role.SECRETARIAT, db.session.get(Unit, far_district))
        db.session.commit()
    with scoped(Scope(far_district)):
        other = user("thuongtruc.khac")
        with pytest.raises(NotFound) as foreign:
            issuing.issue(other, decision.id, decision.version)
        with pytest.raises(NotFound) as missing:
            issuing.issue(other, 999_999, 1)
        with pytest.raises(NotFound):
            drafting.draft(other, c.campaign_id)
    assert foreign.value.message == missing.value.message
    assert fresh(Decision, decision.id).status == DecisionStatus.DRAFT


# ---- preview --------------------------------------------------------------------------------------------------------


def test_a_preview_is_generated_as_a_job_and_issues_nothing(world):
    c = decision_campaign(world)
    decision = drafted(world, c.campaign_id)
    with as_authority(world):
        record = generation.preview(user(world.secretariat), decision.id)
    assert record.status == JobStatus.FINISHED and record.progress == 100
    assert record.result_data["download"] == f"/quyet-dinh/{decision.id}/xem-truoc/{record.id}"
    with get_storage().open(record.result_data["key"]) as stream:
        texts = [p.text for p in Document(io.BytesIO(stream.read())).paragraphs]
    assert "DỰ THẢO" in texts
    saved = fresh(Decision, decision.id)
    assert saved.status == DecisionStatus.DRAFT and saved.version == decision.version and saved.docx_key is None
    assert fresh(Campaign, c.campaign_id).status == CampaignStatus.FINAL_REVIEW


# ---- issue ----------------------------------------------------------------------------------------------------------


def test_issuing_publishes_the_recomputed_results_and_freezes_the_campaign(world):
    c = decision_campaign(world)
    decision = issued(world, c.campaign_id)
    campaign = fresh(Campaign, c.campaign_id)
    assert campaign.status == CampaignStatus.PUBLISHED and campaign.published_at is not None
    saved = fresh(Decision, decision.id)
    assert saved.status == DecisionStatus.ISSUED and saved.issued_by_id == world.ids["secretariat"]
    rows = results(c.campaign_id)
    a, b, agency = rows[world.a_id], rows[world.b_id], rows[world.agency_id]
    assert all(r.published for r in rows.values())
    assert (a.self_total, a.appraised_total, a.rank, a.rank_of) == (D("97.00"), D("85.50"), 2, 2)
    assert (b.appraised_total, b.rank, b.level_name) == (D("90.00"), 1, "Hoàn thành xuất sắc nhiệm vụ")
    assert (agency.appraised_total, agency.rank, agency.rank_of) == (D("78.25"), 1, 1)
    with scoped(SYSTEM):
        actions = set(db.session.execute(select(AuditRecord.action)).scalars())
    assert {"decision.issue", "campaign.publish", "results.computed", "decision.document"} <= actions


def test_the_issued_docx_has_one_annex_row_per_unit_in_rank_order(world):
    c = decision_campaign(world)
    decision = fresh(Decision, issued(world, c.campaign_id).id)
    assert decision.docx_key and decision.pdf_key is None
    doc = docx_of(decision)
    left = doc.tables[0].rows[0].cells[0]
    assert "Số: 05/QĐ-UBND" in [p.text for p in left.paragraphs]
    texts = [p.text for p in doc.paragraphs]
    assert "DỰ THẢO" not in texts
    assert "(Kèm theo Quyết định số 05/QĐ-UBND ngày 15 tháng 01 năm 2025 của Ủy ban nhân dân huyện Thử Nghiệm)" in texts
    communes = [[cell.text for cell in row.cells] for row in doc.tables[2].rows[1:]]
    assert communes == [
        ["1", "Xã Bình Đông", "92,00", "90,00", "Hoàn thành xuất sắc nhiệm vụ", "01/02"],
        ["2", "Xã An Bình", "97,00", "85,50", "Hoàn thành tốt nhiệm vụ", "02/02"],
    ]
    agencies = [[cell.text for cell in row.cells] for row in doc.tables[3].rows[1:]]
    assert agencies == [["1", "Phòng Nội vụ", "80,00", "78,25", "Hoàn thành tốt nhiệm vụ", "01/01"]]


def test_every_unit_user_is_told_the_results_are_published(world):
    c = decision_campaign(world)
    issued(world, c.campaign_id)
    with scoped(SYSTEM):
        told = set(
            db.session.execute(
                select(User.login)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == "results.published")
            ).scalars()
        )
    assert told == {world.officer_a, world.leader_a, world.officer_b, world.leader_b}
    assert world.officer_far not in told


def test_issuing_twice_is_refused_and_changes_nothing(world):
    c = decision_campaign(world)
    decision = fresh(Decision, issued(world, c.campaign_id).id)
    with scoped(SYSTEM):
        audit_count = db.session.execute(select(func.count(AuditRecord.id))).scalar_one()
    with as_authority(world), pytest.raises(Conflict) as err:
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert err.value.status == 409
    assert err.value.message == "Quyết định số 05/QĐ-UBND đã được ban hành ngày 15/01/2025; không thể ban hành lại."
    assert fresh(Decision, decision.id).version == decision.version
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(AuditRecord.id))).scalar_one() == audit_count


def test_issuing_with_an_incompletely_appraised_unit_is_refused_naming_it(world):
    c = decision_campaign(world, incomplete=("A",))
    decision = drafted(world, c.campaign_id)
    with as_authority(world), pytest.raises(Conflict) as err:
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert err.value.status == 409
    assert err.value.problems == ["Xã An Bình: còn 1 tiêu chí chưa có điểm thẩm định (2.1)."]
    assert fresh(Campaign, c.campaign_id).status == CampaignStatus.FINAL_REVIEW
    assert fresh(Decision, decision.id).status == DecisionStatus.DRAFT
    assert results(c.campaign_id) == {}


def test_a_final_score_completes_a_leaf_without_an_appraised_score(world):
    c = decision_campaign(world, incomplete=("A",))
    with scoped(SYSTEM):
        db.session.get(ItemScore, c.items[("A", "2.1")]).final_score = D("31")
        db.session.commit()
    decision = drafted(world, c.campaign_id)
    with as_authority(world):
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert results(c.campaign_id)[world.a_id].appraised_total == D("85.50")


def test_issuing_without_a_number_or_outside_final_review_is_refused(world):
    c = decision_campaign(world)
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), c.campaign_id)
        with pytest.raises(ServiceError) as err:
            issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert "Chưa nhập số quyết định (ví dụ: 05/QĐ-UBND)." in err.value.problems
    with scoped(SYSTEM):
        db.session.get(Campaign, c.campaign_id).status = CampaignStatus.EXPLANATION
        db.session.commit()
    decision = drafted(world, c.campaign_id)
    with as_authority(world), pytest.raises(Conflict) as err:
        issuing.issue(user(world.secretariat), decision.id, decision.version)
    assert "Rà soát cuối" in err.value.message and "Giải trình" in err.value.message
    assert fresh(Campaign, c.campaign_id).status == CampaignStatus.EXPLANATION


def test_a_number_used_by_another_decision_is_refused(world):
    first = decision_campaign(world, year=2024)
    issued(world, first.campaign_id)
    second = decision_campaign(world, year=2025)
    with as_authority(world):
        decision = drafting.draft(user(world.secretariat), second.campaign_id)
        with pytest.raises(ServiceError) as err:
            drafting.update(
                user(world.secretariat), decision.id, decision.version, number="05/QĐ-UBND", signed_on="20/01/2025"
            )
    assert err.value.problems == ["Số quyết định 05/QĐ-UBND đã được dùng cho một quyết định khác trong năm 2025."]


def test_numbering_restarts_each_year_so_next_januarys_05_is_accepted(world):
    """Decree 30: numbers restart on 1 January. The same «05/QĐ-UBND» signed in 2025 is a different decision; moved
    back into 2024 it collides again, and the database refuses a same-year duplicate however it is written."""
    first = decision_campaign(world, year=2023)
    issued(world, first.campaign_id, signed_on="15/01/2024")  # 05/QĐ-UBND signed 15/01/2024
    second = decision_campaign(world, year=2024)
    decision = drafted(world, second.campaign_id, number="05/QĐ-UBND", signed_on="10/01/2025")
    assert (fresh(Decision, decision.id).number, fresh(Decision, decision.id).number_year) == ("05/QĐ-UBND", 2025)
    with as_authority(world), pytest.raises(ServiceError) as err:
        drafting.update(user(world.secretariat), decision.id, decision.version, signed_on="31/12/2024")
    assert err.value.problems == ["Số quyết định 05/QĐ-UBND đã được dùng cho một quyết định khác trong năm 2024."]
    assert fresh(Decision, decision.id).signed_on == date(2025, 1, 10)
    with scoped(SYSTEM):
        row = db.session.get(Decision, decision.id)
        row.signed_on = date(2024, 3, 1)  # past the service: the unique key itself holds
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_an_issued_decision_cannot_be_edited(world):
    c = decision_campaign(world)
    decision = fresh(Decision, issued(world, c.campaign_id).id)
    with as_authority(world), pytest.raises(Conflict) as err:
        drafting.update(user(world.secretariat), decision.id, decision.version, place="Nơi khác")
    assert "quyết định điều chỉnh" in err.value.message


# ---- generation -------------------------------------------------------------------------------------------------


def test_a_failed_generation_offers_no_file_and_can_be_retried(world, monkeypatch):
    real = document.build_docx
    monkeypatch.setattr(document, "build_docx", lambda data: (_ for _ in ()).throw(RuntimeError("hỏng giữa chừng")))
    c = decision_campaign(world)
    decision = issued(world, c.campaign_id)
    with as_authority(world):
        failed = services.latest_job(decision, services.GENERATE_JOB)
    assert failed.status == JobStatus.FAILED and "hỏng giữa chừng" in failed.error
    assert fresh(Decision, decision.id).docx_key is None
    monkeypatch.setattr(document, "build_docx", real)
    with as_authority(world):
        retry = generation.regenerate(user(world.secretariat), decision.id)
    assert retry.status == JobStatus.FINISHED
    saved = fresh(Decision, decision.id)
    assert saved.docx_key and get_storage().exists(saved.docx_key)
    assert retry.result_data["download"] == f"/quyet-dinh/{decision.id}/tai-ve/docx"


def test_generating_again_reuses_the_stored_file(world):
    c = decision_campaign(world)
    decision = fresh(Decision, issued(world, c.campaign_id).id)
    key = decision.docx_key
    with as_authority(world):
        generation.regenerate(user(world.secretariat), decision.id)
    assert fresh(Decision, decision.id).docx_key == key
    with scoped(SYSTEM):
        jobs = db.session.execute(select(JobRecord).where(JobRecord.name == services.GENERATE_JOB)).scalars().all()
    assert [j.status for j in jobs] == [JobStatus.FINISHED, JobStatus.FINISHED]


# ---- amendments ----------------------------------------------------------------------------------------------------


def test_an_amendment_keeps_the_original_records_the_reason_and_recomputes(world):
    c = decision_campaign(world)
    original = fresh(Decision, issued(world, c.campaign_id).id)
    original_key = original.docx_key
    with as_authority(world):
        amendment = amendments.amend(
            user(world.secretariat),
            original.id,
            changes="A; 2.1; 36\nC; 1.1; 35",
            reason="Bổ sung tài liệu kiểm chứng bị thất lạc khi thẩm định",
            number="12/QĐ-UBND",
            signed_on="20/02/2025",
        )
    saved = fresh(Decision, amendment.id)
    assert (saved.status, saved.amends_id, saved.number) == (DecisionStatus.ISSUED, original.id, "12/QĐ-UBND")
    assert saved.amendment_reason == "Bổ sung tài liệu kiểm chứng bị thất lạc khi thẩm định"
    assert saved.signed_on == date(2025, 2, 20)
    assert saved.summary.startswith("Về việc điều chỉnh kết quả") and "05/QĐ-UBND ngày 15/01/2025" in saved.summary
    kept = fresh(Decision, original.id)
    assert (kept.status, kept.number, kept.docx_key) == (DecisionStatus.ISSUED, "05/QĐ-UBND", original_key)

    rows = results(c.campaign_id)
    assert (rows[world.a_id].appraised_total, rows[world.a_id].rank) == (D("90.50"), 1)
    assert rows[world.b_id].rank == 2
    assert rows[world.agency_id].appraised_total == D("80.00")
    assert all(r.published for r in rows.values())
    assert fresh(Campaign, c.campaign_id).status == CampaignStatus.PUBLISHED
    item = fresh(ItemScore, c.items[("A", "2.1")])
    assert item.final_score == D("36") and item.appraised_score == D("31")
    assert "12/QĐ-UBND" in item.final_note and "thất lạc" in item.final_note
    with scoped(SYSTEM):
        amended = db.session.execute(select(AuditRecord).where(AuditRecord.action == "score.amend")).scalars().all()
        moved = db.session.execute(select(AuditRecord).where(AuditRecord.action == "result.amend")).scalars().all()
    assert len(amended) == 2 and all(r.reason.startswith("Bổ sung") for r in amended)
    assert '"result_score": "31.00"' in amended[0].before
    assert {r.unit_id for r in moved} == {world.a_id, world.b_id, world.agency_id}
    annex = [[cell.text for cell in row.cells] for row in docx_of(saved).tables[2].rows[1:]]
    assert annex[0][:4] == ["1", "Xã An Bình", "97,00", "90,50"]


def test_a_bad_amendment_lists_every_problem_and_changes_nothing(world):
    c = decision_campaign(world)
    original = fresh(Decision, issued(world, c.campaign_id).id)
    with as_authority(world), pytest.raises(ServiceError) as err:
        amendments.amend(
            user(world.secretariat),
            original.id,
            changes="A; 2.1; 36,1\nZZ; 1.1; 5\nA; 9.9; 1\nB; 1.2; 4\nchỉ hai; phần",
            reason="",
            number="05/QĐ-UBND",
            signed_on="20/02/2025",
        )
    problems = " | ".join(err.value.problems)
    assert "Dòng 5" in problems and "Chưa nêu lý do" in problems
    assert "05/QĐ-UBND đã được dùng" in problems
    assert "Dòng 1" in problems and "Dòng 2" in problems and "«ZZ»" in problems
    assert "Dòng 3" in problems and "Dòng 4" in problems and "có/không" in problems
    assert fresh(ItemScore, c.items[("A", "2.1")]).final_score is None
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(Decision.id))).scalar_one() == 1
    assert results(c.campaign_id)[world.a_id].appraised_total == D("85.50")


def test_a_draft_cannot_be_amended(world):
    c = decision_campaign(world)
    decision = drafted(world, c.campaign_id)
    with as_authority(world), pytest.raises(Conflict):
        amendments.amend(user(world.secretariat), decision.id, changes="A; 2.1; 36", reason="x", number="12/QĐ-UBND")
