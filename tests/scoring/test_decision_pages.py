"""The decision pages as people use them: the secretariat's home card, the draft form, preview, issuing with the
refusals shown on the page, downloads, amendments; officers 403, another district 404 exactly like a missing page."""

from __future__ import annotations

import html
import io
import re

import pytest
from docx import Document
from sqlalchemy import select

from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Campaign, CampaignStatus, Decision, DecisionStatus
from dvcq.tenants.models import Unit
from tests import factories
from tests.scoring.decision_factories import campaign, decision_campaign, decision_of


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


def page_url(campaign_id: int) -> str:
    return f"/quyet-dinh/ky-danh-gia/{campaign_id}"


def form_values(page: str) -> dict:
    """The draft form as the browser would submit it: every input and textarea with its current value."""
    form = page[page.index('data-testid="decision-form"') :]
    form = form[: form.index("</form>")]
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        values[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\r?\n?(.*?)</textarea>', form, re.S):
        values[name] = value
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option(?=[^>]*\bselected\b)[^>]*value="([^"]*)"', options)
        values[name] = chosen.group(1) if chosen else ""
    values.pop("csrf_token", None)  # each browser posts its own token
    return {k: html.unescape(v) for k, v in values.items()}


# What issuing needs beyond the prefilled draft: a number, a signing date a district may still sign on (before
# 01/7/2025), the province's regulation and the Tờ trình.
ISSUABLE = {
    "number": "05/QĐ-UBND",
    "signed_on": "15/01/2025",
    "regulation": "Quyết định số 12/2023/QĐ-UBND ngày 05/5/2023 của Ủy ban nhân dân tỉnh Thử Nghiệm",
    "proposal_number": "15/TTr-PNV",
    "proposal_date": "10/01/2025",
}


def without_token(body: bytes) -> bytes:
    """The page without its CSRF token, which is signed with the time of rendering."""
    return re.sub(rb'name="csrf-token" content="[^"]*"', b"", body)


def start_draft(browser, campaign_id: int) -> str:
    browser.login("thuongtruc")
    response = browser.post(f"{page_url(campaign_id)}/du-thao")
    assert response.status_code == 302, re.findall(r"<li>(.*?)</li>", response.get_data(as_text=True))
    return browser.get(page_url(campaign_id)).get_data(as_text=True)


def save(browser, decision_id: int, values: dict):
    return browser.post(f"/quyet-dinh/{decision_id}/luu", values)


def test_the_secretariat_sees_a_home_card_when_a_campaign_is_in_final_review(world, browser):
    c = decision_campaign(world)
    browser.login("thuongtruc")
    home = browser.get("/").get_data(as_text=True)
    assert "Quyết định phê duyệt kết quả năm 2025" in home
    assert page_url(c.campaign_id) in home
    browser.logout()
    browser.login("lanhdao")
    assert "Quyết định phê duyệt kết quả năm 2025" not in browser.get("/").get_data(as_text=True)


def test_the_draft_form_shows_every_field_prefilled_and_saves_edits(world, browser):
    c = decision_campaign(world)
    page = start_draft(browser, c.campaign_id)
    values = form_values(page)
    for name in (
        "number",
        "signed_on",
        "place",
        "issuer_parent",
        "issuer",
        "summary",
        "legal_bases",
        "regulation",
        "guidance",
        "party_bases",
        "proposal_by",
        "proposal_number",
        "proposal_date",
        "article_1",
        "article_2",
        "article_3",
        "signer_mode",
        "signer_name",
        "recipients",
        "version",
    ):
        assert name in values, name
    assert values["issuer"] == "ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM"
    assert values["signer_mode"] == "committee"
    assert "Kết luận số 114-KL/TW" in values["party_bases"]
    decision = decision_of(c.campaign_id)
    values.update(number="05/QĐ-UBND", signed_on="15/01/2025", signer_name="Đinh Văn Lãnh")
    response = save(browser, decision.id, values)
    assert response.status_code == 302
    page = browser.get(page_url(c.campaign_id)).get_data(as_text=True)
    assert "Đã lưu dự thảo quyết định." in page
    saved = decision_of(c.campaign_id)
    assert (saved.number, saved.signer_name) == ("05/QĐ-UBND", "Đinh Văn Lãnh")


def test_a_stale_form_gets_409_and_the_other_save_survives(world, make_browser):
    c = decision_campaign(world)
    first, second = make_browser(), make_browser()
    values = form_values(start_draft(first, c.campaign_id))
    second.login("thuongtruc")
    stale = dict(values)
    decision = decision_of(c.campaign_id)
    assert save(first, decision.id, {**values, "place": "Nơi đầu tiên"}).status_code == 302
    response = save(second, decision.id, {**stale, "place": "Nơi thứ hai"})
    assert response.status_code == 409
    assert "người khác sửa" in response.get_data(as_text=True)
    assert decision_of(c.campaign_id).place == "Nơi đầu tiên"


def test_bad_input_is_listed_on_the_page_and_nothing_is_saved(world, browser):
    c = decision_campaign(world)
    values = form_values(start_draft(browser, c.campaign_id))
    decision = decision_of(c.campaign_id)
    response = save(browser, decision.id, {**values, "number": "số năm", "summary": "", "place": "Nơi mới"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Dự thảo quyết định chưa được lưu:" in page
    assert "không đúng thể thức" in page and "Trích yếu không được để trống." in page
    assert 'value="Nơi mới"' in page, "the user's input stays in the form"
    assert decision_of(c.campaign_id).place == "Thử Nghiệm"


def test_preview_then_issue_then_download_the_docx(world, browser):
    c = decision_campaign(world)
    values = form_values(start_draft(browser, c.campaign_id))
    decision = decision_of(c.campaign_id)
    save(browser, decision.id, {**values, **ISSUABLE})
    assert browser.post(f"/quyet-dinh/{decision.id}/xem-truoc").status_code == 302
    page = browser.get(page_url(c.campaign_id)).get_data(as_text=True)
    preview_link = re.search(r'href="(/quyet-dinh/\d+/xem-truoc/[0-9a-f]+)"', page).group(1)
    preview = browser.get(preview_link)
    assert preview.status_code == 200 and "DỰ THẢO" in [p.text for p in Document(io.BytesIO(preview.data)).paragraphs]

    version = re.search(r'action="/quyet-dinh/\d+/ban-hanh".*?name="version"[^>]*value="(\d+)"', page, re.S).group(1)
    assert browser.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": version}).status_code == 302
    page = browser.get(page_url(c.campaign_id)).get_data(as_text=True)
    assert "Đã ban hành Quyết định số 05/QĐ-UBND" in page
    assert "Quyết định số 05/QĐ-UBND ngày 15/01/2025" in page
    assert f"/quyet-dinh/{decision.id}/tai-ve/docx" in page
    download = browser.get(f"/quyet-dinh/{decision.id}/tai-ve/docx")
    assert download.status_code == 200
    assert (
        "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2005-Q%C4%90-UBND.docx"
        in download.headers["Content-Disposition"]
    )
    doc = Document(io.BytesIO(download.data))
    assert [c.text for c in doc.tables[2].rows[2].cells][1:4] == ["Xã An Bình", "97,00", "85,50"]
    assert campaign(c.campaign_id).status == CampaignStatus.PUBLISHED


def test_issuing_twice_or_incomplete_is_refused_on_the_page_with_409(world, browser):
    c = decision_campaign(world, incomplete=("B",))
    values = form_values(start_draft(browser, c.campaign_id))
    decision = decision_of(c.campaign_id)
    save(browser, decision.id, {**values, **ISSUABLE})
    version = decision_of(c.campaign_id).version
    response = browser.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Chưa ban hành được: còn đơn vị chưa được thẩm định đầy đủ." in page
    assert "Xã Bình Đông: còn 1 tiêu chí chưa có điểm thẩm định (2.1)." in page
    assert decision_of(c.campaign_id).status == DecisionStatus.DRAFT

    with scoped(SYSTEM):
        from dvcq.scoring.models import ItemScore

        db.session.get(ItemScore, c.items[("B", "2.1")]).appraised_score = 33
        db.session.commit()
    assert browser.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": version}).status_code == 302
    again = browser.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": version})
    assert again.status_code == 409
    assert "không thể ban hành lại" in again.get_data(as_text=True)


def test_an_officer_may_not_act_and_sees_only_the_issued_decision(world, browser, make_browser):
    c = decision_campaign(world)
    secretary = make_browser()
    values = form_values(start_draft(secretary, c.campaign_id))
    decision = decision_of(c.campaign_id)
    save(secretary, decision.id, {**values, **ISSUABLE})

    browser.login("canbo.a")
    for action in ("luu", "xem-truoc", "ban-hanh", "tao-lai", "dieu-chinh"):
        assert browser.post(f"/quyet-dinh/{decision.id}/{action}", {"version": "1"}).status_code == 403, action
    assert browser.post(f"{page_url(c.campaign_id)}/du-thao").status_code == 403
    before = browser.get(page_url(c.campaign_id))
    assert before.status_code == 200
    assert "Chưa có quyết định phê duyệt kết quả" in before.get_data(as_text=True)
    assert 'data-testid="decision-form"' not in before.get_data(as_text=True)
    assert browser.get(f"/quyet-dinh/{decision.id}/tai-ve/docx").status_code == 404

    secretary.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": decision_of(c.campaign_id).version})
    after = browser.get(page_url(c.campaign_id)).get_data(as_text=True)
    assert "Quyết định số 05/QĐ-UBND" in after and "Xã Bình Đông" in after  # the whole table once published
    assert browser.get(f"/quyet-dinh/{decision.id}/tai-ve/docx").status_code == 200


def test_another_district_gets_the_same_404_as_a_missing_decision(world, make_browser):
    c = decision_campaign(world)
    secretary = make_browser()
    values = form_values(start_draft(secretary, c.campaign_id))
    decision = decision_of(c.campaign_id)
    save(secretary, decision.id, {**values, **ISSUABLE})
    with scoped(SYSTEM):
        far_district = db.session.get(Unit, world.far_id).parent_id
        factories.user("thuongtruc.khac", Role.SECRETARIAT, db.session.get(Unit, far_district))
        db.session.commit()
    other = make_browser()
    other.login("thuongtruc.khac")
    pairs = [
        (page_url(c.campaign_id), page_url(999_999)),
        (f"/quyet-dinh/{decision.id}/tai-ve/docx", "/quyet-dinh/999999/tai-ve/docx"),
    ]
    for foreign, missing in pairs:
        a, b = other.get(foreign), other.get(missing)
        assert a.status_code == b.status_code == 404
        assert without_token(a.data) == without_token(b.data)
    for action in ("ban-hanh", "luu", "xem-truoc"):
        a = other.post(f"/quyet-dinh/{decision.id}/{action}", {"version": "1"})
        b = other.post(f"/quyet-dinh/999999/{action}", {"version": "1"})
        assert a.status_code == b.status_code == 404
        assert without_token(a.data) == without_token(b.data)
    assert decision_of(c.campaign_id).status == DecisionStatus.DRAFT


def test_an_amendment_from_the_page_keeps_the_original(world, browser):
    c = decision_campaign(world)
    values = form_values(start_draft(browser, c.campaign_id))
    decision = decision_of(c.campaign_id)
    save(browser, decision.id, {**values, **ISSUABLE})
    browser.post(f"/quyet-dinh/{decision.id}/ban-hanh", {"version": decision_of(c.campaign_id).version})
    bad = browser.post(
        f"/quyet-dinh/{decision.id}/dieu-chinh", {"number": "12/QĐ-UBND", "changes": "A; 2.1; 36", "reason": ""}
    )
    assert bad.status_code == 400 and "Chưa nêu lý do điều chỉnh." in bad.get_data(as_text=True)
    response = browser.post(
        f"/quyet-dinh/{decision.id}/dieu-chinh",
        {
            "number": "12/QĐ-UBND",
            "signed_on": "20/02/2025",
            "changes": "A; 2.1; 36",
            "reason": "Bổ sung tài liệu kiểm chứng",
        },
    )
    assert response.status_code == 302
    page = browser.get(page_url(c.campaign_id)).get_data(as_text=True)
    assert "Quyết định số 05/QĐ-UBND ngày 15/01/2025" in page
    assert "Quyết định số 12/QĐ-UBND ngày 20/02/2025" in page
    assert "Lý do điều chỉnh:</strong> Bổ sung tài liệu kiểm chứng" in page
    with scoped(SYSTEM):
        numbers = db.session.execute(select(Decision.number).order_by(Decision.id)).scalars().all()
    assert numbers == ["05/QĐ-UBND", "12/QĐ-UBND"]


def test_the_decisions_index_lists_campaigns_for_leadership(world, browser):
    c = decision_campaign(world)
    browser.login("lanhdao")
    page = browser.get("/quyet-dinh/").get_data(as_text=True)
    assert "Đánh giá Chỉ số Dân vận chính quyền năm 2025" in page and page_url(c.campaign_id) in page
    assert browser.get(page_url(c.campaign_id)).status_code == 200
    with scoped(SYSTEM):
        assert db.session.get(Campaign, c.campaign_id).status == CampaignStatus.FINAL_REVIEW
