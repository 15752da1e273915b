"""Evidence from an item's point of view: a file uploaded from an item is cited for it and the page returns to it; one
file is cited for several items in one action; the same bytes uploaded twice are refused with the file already in the
library offered instead; the in-page viewer opens a PDF at the cited page."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import Conflict, NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence import citations
from dvcq.scoring.models import AssessmentStatus, CampaignStatus, Evidence
from tests.scoring.test_evidence_links import act, build, links, pdf, put_file, set_state


@pytest.fixture
def setup(world):
    c = build(world)
    c.world = world
    return c


def upload_page(browser, item_id: int | None, data: bytes, name: str, **fields):
    url = "/tai-lieu/tai-len" + (f"?muc={item_id}" if item_id else "")
    return browser.post(url, {"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")


def evidence_ids() -> list[int]:
    with scoped(SYSTEM):
        return list(db.session.execute(select(Evidence.id).order_by(Evidence.id)).scalars())


def evidence_count() -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count(Evidence.id))).scalar_one()


def test_a_file_uploaded_from_an_item_is_cited_for_it_and_the_page_returns_to_the_item(setup, make_browser):
    officer = make_browser()
    officer.login(setup.world.officer_a)
    item = setup.items[("a", "1.1")]
    form = officer.client.get(f"/tai-lieu/tai-len?muc={item}").get_data(as_text=True)
    assert "dẫn chứng cho tiêu chí <strong>1.1</strong>" in form and "Tải lên và dẫn cho tiêu chí 1.1" in form
    response = upload_page(officer, item, pdf(), "Biên bản đối thoại tháng 3.pdf", page_ref="tr. 3")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tu-danh-gia/{setup.assessments['a']}#muc-{item}")
    (evidence_id,) = evidence_ids()
    assert links() == [(item, evidence_id, "tr. 3")]
    page = officer.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã tải lên «Biên bản đối thoại tháng 3.pdf»" in page and "và dẫn cho tiêu chí 1.1." in page


def test_uploading_from_another_units_item_is_404_and_from_a_locked_item_409_before_anything_is_kept(
    setup, make_browser
):
    officer = make_browser()
    officer.login(setup.world.officer_a)
    foreign = upload_page(officer, setup.items[("b", "1.1")], pdf(), "x.pdf")
    missing = upload_page(officer, 999999, pdf(), "x.pdf")
    assert foreign.status_code == missing.status_code == 404 and foreign.get_data() == missing.get_data()
    set_state(assessment_id=setup.assessments["a"], status=AssessmentStatus.SUBMITTED)
    assert upload_page(officer, setup.items[("a", "1.1")], pdf(), "x.pdf").status_code == 409
    assert evidence_count() == 0


def test_the_same_bytes_twice_are_refused_and_the_file_already_there_is_offered(setup, make_browser):
    officer = make_browser()
    officer.login(setup.world.officer_a)
    data = pdf()
    assert upload_page(officer, None, data, "Kế hoạch 2026.pdf").status_code == 302
    again = upload_page(officer, None, data, "Kế hoạch 2026 (bản chụp lại).pdf")
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "có nội dung trùng với tệp «Kế hoạch 2026.pdf» đã có trong thư viện" in page
    (existing,) = evidence_ids()
    assert f"#tep-{existing}" in page and 'data-testid="see-existing"' in page
    assert evidence_count() == 1
    item = setup.items[("a", "1.2")]
    from_item = upload_page(officer, item, data, "Kế hoạch 2026.pdf", page_ref="mục II")
    offer = from_item.get_data(as_text=True)
    assert from_item.status_code == 409 and 'data-testid="use-existing"' in offer
    assert f'name="evidence_id" value="{existing}"' in offer and 'name="page_ref" value="mục II"' in offer
    assert evidence_count() == 1
    other = make_browser()  # another unit's library is its own: the same bytes are a new file there
    other.login(setup.world.officer_b)
    assert upload_page(other, None, data, "Kế hoạch 2026.pdf").status_code == 302
    assert evidence_count() == 2


def test_one_file_is_cited_for_several_items_in_one_action_each_with_its_page(setup, make_browser):
    officer = make_browser()
    officer.login(setup.world.officer_a)
    evidence_id = put_file(setup.world.officer_a, "Báo cáo năm 2025.pdf")
    first, second = setup.items[("a", "1.1")], setup.items[("a", "1.2")]
    url = f"/tu-danh-gia/{setup.assessments['a']}/tai-lieu/{evidence_id}"
    page = officer.client.get(url + f"?muc={first}").get_data(as_text=True)
    assert f'name="item" value="{first}" checked' in page and f'name="item" value="{second}" >' in page
    done = officer.post(
        url, {"item": [str(first), str(second)], f"page_ref:{first}": "tr. 2", f"page_ref:{second}": ""}
    )
    assert done.status_code == 302
    assert sorted(links()) == sorted([(first, evidence_id, "tr. 2"), (second, evidence_id, "")])
    with scoped(SYSTEM):
        audited = db.session.execute(
            select(func.count(AuditRecord.id)).where(AuditRecord.action == "evidence.linked")
        ).scalar_one()
    assert audited == 2
    page = officer.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã dẫn «Báo cáo năm 2025.pdf» cho 2 tiêu chí: 1.1, 1.2." in page
    again = officer.client.get(url).get_data(as_text=True)
    assert again.count("đã dẫn</span>") == 2  # both shown as cited, no box to tick twice


def test_citing_for_several_items_is_all_or_nothing_and_refusals_say_why(setup, make_browser):
    evidence_id = put_file(setup.world.officer_a, "Báo cáo.pdf")
    user, scope = act(setup.world.officer_a)
    with scope:
        with pytest.raises(ServiceError, match="Chưa chọn tiêu chí nào"):
            citations.link_many(user, evidence_id, [])
        with pytest.raises(NotFound):  # one item of another unit: nothing is cited
            citations.link_many(user, evidence_id, [setup.items[("a", "1.1")], setup.items[("b", "1.1")]])
        with pytest.raises(ServiceError, match="tối đa 200 ký tự"):
            citations.link_many(user, evidence_id, [setup.items[("a", "1.1")]], {setup.items[("a", "1.1")]: "x" * 201})
    db.session.rollback()
    assert links() == []
    set_state(campaign_id=setup.campaign_id, status=CampaignStatus.APPRAISAL)
    user, scope = act(setup.world.officer_a)
    with scope, pytest.raises(Conflict):
        citations.link_many(user, evidence_id, [setup.items[("a", "1.1")]])
    db.session.rollback()
    assert links() == []


def test_the_page_for_several_items_answers_404_for_another_unit_and_403_for_other_roles(setup, make_browser):
    evidence_id = put_file(setup.world.officer_a, "Báo cáo.pdf")
    other, appraiser = make_browser(), make_browser()
    other.login(setup.world.officer_b)
    appraiser.login(setup.world.appraiser)
    url = f"/tu-danh-gia/{setup.assessments['a']}/tai-lieu/{evidence_id}"
    foreign, missing = other.client.get(url), other.client.get(f"/tu-danh-gia/{setup.assessments['a']}/tai-lieu/99999")
    assert foreign.status_code == missing.status_code == 404
    assert appraiser.client.get(url).status_code == 403
    assert appraiser.post(url, {"item": str(setup.items[("a", "1.1")])}).status_code == 403
    assert links() == []


@pytest.mark.parametrize(
    ("page_ref", "page"),
    [
        ("tr. 3", 3),
        ("trang 12", 12),
        ("tr.3-5, mục II", 3),
        ("3", 3),
        ("3, mục II", 3),
        ("mục 2, tr. 9", 9),
        ("mục II", None),
        ("15/BC-UBND", None),
        ("phụ lục 2", None),
        ("", None),
        ("trang 0", None),
    ],
)
def test_the_cited_page_is_read_from_what_officials_write(page_ref, page):
    assert citations.cited_page(page_ref) == page


def test_the_in_page_viewer_opens_a_pdf_at_the_cited_page(app):
    pdf_file = SimpleNamespace(id=7, original_name="Báo cáo.pdf", content_type="application/pdf")
    picture = SimpleNamespace(id=8, original_name="Ảnh.png", content_type="image/png")
    links_ = [
        SimpleNamespace(evidence=pdf_file, page_ref="tr. 4", stage="self"),
        SimpleNamespace(evidence=picture, page_ref="tr. 4", stage="self"),
    ]
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "appraisal/_evidence.html" import evidence_list %}{{ evidence_list(links) }}', links=links_
        )
    assert 'data-src="/tai-lieu/7/xem#page=4"' in html and "Mở trong thẻ mới (trang 4)" in html
    assert 'data-src="/tai-lieu/8/xem"' in html  # a picture has no pages
