"""Issue 15 in a real browser, on the demo's province: a 2026 campaign of Tỉnh Quảng Ngãi, opened as its secretariat
would, scores the new communes and the province's agencies on their own sets. Sở Tư pháp's officer self-scores on the
agencies' wording and its leader submits; the appraiser agrees with the dossier and deducts two items with reasons; the
results page shows one table per group, each naming its set and maximum (100 and 90 points); the draft decision's annex
(.docx) has the two tables on the two maxima; and the agency drafts its plan from its own lost items (on its own set)
of the last published year (2025). The other 12 units are brought along through the services, as a province would on
the same days. The demo is seeded up to 2025: its own 2026 campaign is already in appraisal (tests/scoring/
test_campaigns_demo.py). The `page` fixture fails the test on any request leaving 127.0.0.1 and on any console
error."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import timedelta
from decimal import Decimal

import pytest
from docx import Document
from playwright.sync_api import expect
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence import citations, uploads
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    ItemScore,
    NodeKind,
    UnitResult,
)
from dvcq.scoring.selfassessment import services as selfassessment
from dvcq.tenants.models import Unit
from tests.e2e.conftest import chromium, live_server, login, logout, page, traffic  # noqa: F401 — shared fixtures
from tests.reform_demo import seed_until_2025
from tests.scoring.campaign_factories import past, user

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("DVCQ_E2E_SHOTS", tempfile.gettempdir())  # where the pages seen are saved, to look at

AGENCY = "QNG-STP"
AGENCY_NAME = "Sở Tư pháp"
AGENCY_WORDING = "Tổ chức Hội nghị cán bộ, công chức, viên chức năm đúng nội dung, thành phần và thời gian"
COMMUNE_WORDING = "Chủ tịch UBND xã tiếp công dân định kỳ"
# Typed in the browser by the officer (code → score); the rest of the dossier is filled through the services.
TYPED = {"2.1.b": "2,5", "4.1.b": "3", "5.2.a": "3"}
# The appraiser's two deductions: code → (score, reason, note).
DEDUCTED = {
    "2.1.b": ("1,5", "chua_day_du", "Hội nghị tổ chức tháng 4, sau quý I."),
    "4.1.b": ("2", "thieu_kiem_chung", "Sổ tiếp công dân thiếu 4 buổi định kỳ."),
}
# The leaves only the district scores, full marks (a lower score would need a reason, as any deduction).
RESERVED = {"3.4": "3", "6.3.b": "2", "7.3": "2"}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def province(app, monkeypatch):
    """The demo up to the province's 2025 decision, and its 2026 campaign opened for self-assessment by the province's
    secretariat on every commune and agency, each group on its sample set."""
    from dvcq.scoring.campaigns import drafting, stages
    from dvcq.scoring.criteria.demo import sample_sets
    from dvcq.tenants.demo import PROVINCE_AGENCIES, PROVINCE_COMMUNES
    from dvcq.tenants.models import UnitGroup

    seed_until_2025(app, monkeypatch)
    with scoped(SYSTEM):
        qng = db.session.execute(select(Unit).where(Unit.code == "QNG")).scalar_one()
        communes, agencies = sample_sets(qng)
        groups = db.session.execute(select(UnitGroup).where(UnitGroup.authority_id == qng.id)).scalars()
        codes = [code for code, *_ in PROVINCE_COMMUNES + PROVINCE_AGENCIES]
        members = db.session.execute(select(Unit.id).where(Unit.code.in_(codes))).scalars()
        today = clock.today_in_vietnam()
        secretariat = user("thuongtruc")
        campaign = drafting.create_campaign(
            secretariat,
            year=2026,
            name="Đánh giá Chỉ số Dân vận chính quyền năm 2026",
            criteria={g.id: (agencies if g.name == "Khối cơ quan" else communes).id for g in groups},
            unit_ids=list(members),
            deadlines={
                CampaignStatus.SELF_ASSESSMENT: today + timedelta(days=21),
                CampaignStatus.APPRAISAL: today + timedelta(days=35),
                CampaignStatus.EXPLANATION: today + timedelta(days=49),
                CampaignStatus.FINAL_REVIEW: today + timedelta(days=60),
            },
        )
        stages.advance(secretariat, campaign.id, campaign.version)
        agency = db.session.execute(select(Unit).where(Unit.code == AGENCY)).scalar_one()
        assessment = db.session.execute(
            select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.unit_id == agency.id)
        ).scalar_one()
        db.session.execute(update(Notification).values(read=True))
        db.session.commit()
        ids = campaign.id, agency.id, assessment.id
    db.session.remove()
    return ids


def _item_ids(assessment_id: int) -> dict[str, int]:
    with scoped(SYSTEM):
        rows = db.session.execute(
            select(CriteriaNode.code, ItemScore.id)
            .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
            .where(ItemScore.assessment_id == assessment_id)
        ).all()
    db.session.remove()
    return dict(rows)


def _appraised(item_id: int) -> Decimal | None:
    with scoped(SYSTEM):
        score = db.session.execute(select(ItemScore.appraised_score).where(ItemScore.id == item_id)).scalar_one()
    db.session.remove()
    return score


def _fill_the_rest(assessment_id: int, agency_id: int) -> None:
    """The officer's other items through the services: full marks where the unit scores (none on the penalty and
    bonus items), and the one evidence file cited wherever points need it."""
    ids = _item_ids(assessment_id)
    with scoped(SYSTEM):
        officer = user("canbo.sotp")
        upload = FileStorage(stream=io.BytesIO(PDF), filename="Báo cáo công tác dân vận chính quyền năm 2026.pdf")
        evidence = uploads.upload(officer, agency_id, upload, None)
        for code, item_id in ids.items():
            item = db.session.get(ItemScore, item_id)
            node = db.session.get(CriteriaNode, item.node_id)
            if node.authority_only:
                continue
            if code not in TYPED:
                score = node.max_points if node.kind == NodeKind.NORMAL else Decimal("0")
                item = selfassessment.save_item(
                    officer, assessment_id, item.id, version=item.version, score=str(score), note="Đã thực hiện."
                )[0]
            if node.evidence_required and item.self_score:
                citations.link(officer, item.id, evidence.id, "tr. 1")
    db.session.remove()


def _bring_the_others_along(campaign_id: int, agency_id: int) -> None:
    """Every other unit appraised on what it holds — its self-score, nothing where it scored nothing — and full marks
    on the district's own items, as the district's two appraisers would have done while the agency was appraised in
    the browser."""
    with scoped(SYSTEM):
        rows = db.session.execute(
            select(ItemScore, CriteriaNode)
            .join(CriteriaNode, CriteriaNode.id == ItemScore.node_id)
            .join(Assessment, Assessment.id == ItemScore.assessment_id)
            .where(
                Assessment.campaign_id == campaign_id,
                Assessment.unit_id != agency_id,
                ItemScore.appraised_score.is_(None),
            )
        ).all()
        for item, node in rows:
            full = node.authority_only and node.kind == NodeKind.NORMAL
            held = item.self_score if item.self_score is not None else Decimal("0")
            item.appraised_score = node.max_points if full else held
            item.appraised_at = clock.now()
        db.session.execute(
            update(Assessment)
            .where(Assessment.campaign_id == campaign_id, Assessment.unit_id != agency_id)
            .values(status=AssessmentStatus.APPRAISED)
        )
        db.session.commit()
    db.session.remove()


def _end_the_explanation_round(campaign_id: int) -> None:
    """No unit contests anything: the explanation deadline passes."""
    with scoped(SYSTEM):
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(explanation_deadline=past()))
        db.session.execute(
            update(Assessment).where(Assessment.campaign_id == campaign_id).values(explanation_deadline=past())
        )
        db.session.commit()
    db.session.remove()


def _tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]


def test_communes_and_agencies_on_their_own_sets_from_self_assessment_to_the_plan(page, province, traffic, tmp_path):  # noqa: F811
    page.on("dialog", lambda dialog: dialog.accept())
    campaign_id, agency_id, assessment_id = province
    items = _item_ids(assessment_id)

    # 1. Sở Tư pháp's officer scores on the agencies' wording (90 points), none of the communes'.
    login(page, "canbo.sotp")
    page.goto(f"/tu-danh-gia/{assessment_id}")
    expect(page.locator("h1")).to_have_text(f"Hồ sơ tự đánh giá — {AGENCY_NAME}")
    expect(page.locator("main")).to_contain_text(AGENCY_WORDING)
    expect(page.locator("main")).not_to_contain_text(COMMUNE_WORDING)
    for code, score in TYPED.items():
        card = page.locator(f"article[data-code='{code}']")
        card.locator("input[name=score]").fill(score)
        card.locator("textarea[name=note]").fill(f"Tự chấm tiêu chí {code} theo hướng dẫn chấm.")
        expect(card.locator(".sa-state")).to_contain_text("Đã lưu")
    # Every save answered (the note's own save may follow the score's) before the officer leaves the page.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.sa-state')].every(s => !/Chưa lưu|Đang lưu/.test(s.textContent))"
    )
    page.screenshot(path=f"{SHOTS}/1-tu-danh-gia.png", full_page=False)
    logout(page)
    _fill_the_rest(assessment_id, agency_id)

    # 2. Its leader checks and submits.
    login(page, "lanhdao.sotp")
    page.goto(f"/tu-danh-gia/{assessment_id}/kiem-tra")
    expect(page.locator("[data-testid=no-problems]")).to_be_visible()
    page.check("input[name=confirm]")
    with page.expect_navigation():
        page.click("text=Nộp hồ sơ tự đánh giá")
    expect(page.locator("[data-testid=assessment-status]")).to_have_text("Đã nộp")
    logout(page)

    # 3. The self-assessment deadline passes; the secretariat moves on and assigns Sở Tư pháp to thamdinh1.
    with scoped(SYSTEM):
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(self_assessment_deadline=past()))
        db.session.execute(update(Assessment).where(Assessment.campaign_id == campaign_id).values(self_deadline=None))
        db.session.commit()
    db.session.remove()
    login(page, "thuongtruc")
    page.goto(f"/ky-danh-gia/{campaign_id}")
    expect(page.locator("[data-testid=criteria-set]").first).to_contain_text("tối đa 100,00 điểm")
    expect(page.locator("[data-testid=criteria-set]").last).to_contain_text("tối đa 90,00 điểm")
    page.check("input[name=confirm_unsubmitted]")
    with page.expect_navigation():
        page.click("text=Chuyển sang giai đoạn «Thẩm định»")
    expect(page.locator("[data-testid=stage]")).to_have_attribute("data-stage", "appraisal")
    page.goto(f"/tham-dinh/phan-cong/{campaign_id}")
    form = page.locator("form:has(input[name=action][value=assign])")
    form.locator("select[name=appraiser_id]").select_option(label=user_name("thamdinh1"))
    form.locator("select[name=unit_id]").select_option(label=AGENCY_NAME)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Đã phân công.")
    logout(page)

    # 4. The appraiser agrees with the dossier, scores the district's own items and deducts two, with reasons.
    login(page, "thamdinh1")
    page.goto(f"/tham-dinh/ho-so/{assessment_id}")
    expect(page.locator("h1")).to_have_text(f"Thẩm định: {AGENCY_NAME}")
    expect(page.locator("main")).to_contain_text(AGENCY_WORDING)
    agree_all = page.locator("[data-testid=agree-all]")
    agree_all.locator("button").click()
    expect(agree_all.locator("[data-agree-result]")).to_contain_text("Đã đồng ý điểm tự chấm")
    for code, score in RESERVED.items():
        card = page.locator(f"#item-{items[code]}")
        card.locator("input[name=score]").fill(score)
        card.locator("button.primary").click()
        expect(card.locator(".ap-state")).to_contain_text("Đã lưu lúc")
    for code, (score, reason, note) in DEDUCTED.items():
        card = page.locator(f"#item-{items[code]}")
        card.locator("input[name=score]").fill(score)
        card.locator(f"input[name=reasons][value={reason}]").check()
        card.locator("textarea[name=note]").fill(note)
        card.locator("button.primary").click()
        expect(card.locator(".ap-state")).to_contain_text("Đã lưu lúc")
    total = len(items)
    expect(page.locator("[data-testid=progress]")).to_have_text(f"{total}/{total}")
    expect(page.locator("[data-testid=dossier-status]")).to_have_text("Đã thẩm định xong")
    assert _appraised(items["2.1.b"]) == Decimal("1.50")
    logout(page)

    # 5. The others are appraised too; the secretariat releases every result and closes the appraisal.
    _bring_the_others_along(campaign_id, agency_id)
    login(page, "thuongtruc")
    page.goto(f"/tham-dinh/ra-soat/{campaign_id}")
    with page.expect_navigation():
        page.locator("[data-testid=release-all] button").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã công bố kết quả thẩm định sơ bộ cho 13 đơn vị")
    _end_the_explanation_round(campaign_id)
    page.goto(f"/tham-dinh/ra-soat/{campaign_id}")
    with page.expect_navigation():
        page.click("text=Kết thúc thẩm định >> nth=-1")
    expect(page.locator("main")).to_contain_text("Đã kết thúc thẩm định")

    # 6. Results: one table per group, each naming its set and maximum; the agency ranked among the five agencies.
    page.goto("/ket-qua/2026")
    with page.expect_navigation():
        page.click("text=Tính lại kết quả")
    captions = page.locator("[data-testid=criteria-set]")
    expect(captions).to_have_count(2)
    expect(captions.first).to_contain_text("Khối xã — Bộ tiêu chí mẫu khối xã")
    expect(captions.first).to_contain_text("tối đa 100,00 điểm")
    expect(captions.last).to_contain_text("Khối cơ quan — Bộ tiêu chí mẫu khối cơ quan")
    expect(captions.last).to_contain_text("tối đa 90,00 điểm")
    tables = page.locator("[data-testid=results-table]")
    expect(tables).to_have_count(2)
    expect(tables.first.locator("tbody tr")).to_have_count(8)
    agencies = tables.last
    expect(agencies.locator("tbody tr")).to_have_count(5)
    own = agencies.locator(f"tr[data-code='{AGENCY}']")
    with scoped(SYSTEM):
        result = db.session.execute(
            select(UnitResult).where(UnitResult.unit_id == agency_id, UnitResult.year == 2026)
        ).scalar_one()
        appraised, rank = result.appraised_total, result.rank
    db.session.remove()
    assert appraised <= Decimal("90") and result.rank_of == 5
    expect(own).to_contain_text(f"{rank:02d}/05")
    # 88,00 of 90 is «xuất sắc» on the agencies' set (from 81), where a commune needs 90 of 100.
    assert appraised == Decimal("88.00") and result.level_name == "Hoàn thành xuất sắc nhiệm vụ"
    expect(own).to_contain_text("88,00")
    page.screenshot(path=f"{SHOTS}/6-ket-qua.png", full_page=True)

    # 7. The decision: drafted, its annex on the page and in the preview (.docx) — two tables on two maxima.
    page.goto(f"/quyet-dinh/ky-danh-gia/{campaign_id}")
    with page.expect_navigation():
        page.click("text=Soạn dự thảo quyết định")
    annex = page.locator("[data-testid=annex-criteria]")
    expect(annex).to_have_count(2)
    expect(annex.last).to_contain_text("Khối cơ quan — Bộ tiêu chí mẫu khối cơ quan")
    expect(page.locator("[data-testid=annex]")).to_have_count(2)
    with page.expect_navigation():
        page.click("text=Xem trước (.docx)")
    link = page.locator(".job-result a")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    data = tmp_path / "du-thao.docx"
    info.value.save_as(data)
    texts = [p.text for p in Document(io.BytesIO(data.read_bytes())).paragraphs]
    assert any(t.startswith("Chấm theo Bộ tiêu chí mẫu khối xã") and t.endswith("tối đa 100,00 điểm") for t in texts)
    assert any(
        t.startswith("Chấm theo Bộ tiêu chí mẫu khối cơ quan") and t.endswith("tối đa 90,00 điểm") for t in texts
    )
    communes, agency_table = _tables(data.read_bytes())[-2:]
    assert len(communes) == 9 and len(agency_table) == 6  # a header row and one row per unit
    assert [row[1] for row in agency_table[1:]].count(AGENCY_NAME) == 1
    assert all(row[-1].endswith("/05") for row in agency_table[1:])
    logout(page)

    # 8. The agency drafts its plan from its own lost items (the last published year, on its own set).
    with scoped(SYSTEM):
        lost = _lost_in_published_year(agency_id)
    db.session.remove()
    assert lost, "the agency lost points somewhere in its last published year"
    login(page, "canbo.sotp")
    page.goto("/ke-hoach/")
    with page.expect_navigation():
        page.click("[data-testid=draft-plan]")
    tasks = page.locator("[data-testid=task][data-kind=solution]")
    expect(tasks).to_have_count(len(lost))
    codes = [tasks.nth(i).get_attribute("data-item") for i in range(len(lost))]
    assert sorted(codes) == sorted(lost)
    biggest = max(lost.items(), key=lambda kv: kv[1][1])
    expect(page.locator("[data-testid=tasks]")).to_contain_text(biggest[1][0])
    expect(page.locator("[data-testid=tasks]")).not_to_contain_text("Bộ phận Một cửa của xã")
    page.locator("[data-testid=tasks]").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/8-ke-hoach.png")


def user_name(login_name: str) -> str:
    with scoped(SYSTEM):
        name = user(login_name).full_name
    db.session.remove()
    return name


def _lost_in_published_year(agency_id: int) -> dict[str, tuple[str, Decimal]]:
    """The agency's lost items ({code: (name, points lost)}) in the authority's last published campaign."""
    campaign = db.session.execute(
        select(Campaign).where(Campaign.status == CampaignStatus.PUBLISHED).order_by(Campaign.year.desc()).limit(1)
    ).scalar_one()
    rows = db.session.execute(
        select(CriteriaNode, ItemScore)
        .join(ItemScore, ItemScore.node_id == CriteriaNode.id)
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign.id, Assessment.unit_id == agency_id)
    ).all()
    lost = {}
    for node, item in rows:
        score = item.result_score
        if score is None or node.kind == NodeKind.BONUS:
            continue
        points = score if node.kind == NodeKind.PENALTY else node.max_points - score
        if points > 0:
            lost[node.code] = (node.name, points)
    assert {n.version_id for n, _ in rows} == {campaign.version_id_for(rows[0][1].assessment.group_id)}
    return lost
