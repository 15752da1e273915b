"""The explanation round (issue 17, items 4 and 8): the officer drafts, the leader sends, files attach from the
library or as a new upload, the authority never sees a draft, the deadline is the server's (nothing after it; the
secretariat cannot close the round while a unit is still inside its window), the appraiser's reply page shows the
original deduction; and the unit's preliminary result opens with a summary that reads the right way round."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from dvcq.platform import clock
from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict, Forbidden
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.appraisal import assignments, explanations, release, reminders, services
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    EvidenceLink,
    Explanation,
    ItemScore,
)
from tests.scoring.appraisal_factories import build_campaign

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
TEXT = "Xã đã có Báo cáo số 15/BC-UBND ngày 10/12/2026, đề nghị xem xét lại."
SCORES = {"1.1": ("1.5", ["chua_day_du"]), "1.2": ("4", []), "2.1": ("2", ["thieu_kiem_chung"]), "2.2": ("0.75", [])}


def _user(login) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


@pytest.fixture
def camp(world):
    """Both communes appraised and released, the campaign in the explanation round (deadline in ten days)."""
    camp = build_campaign(world)
    with scoped(Scope(world.district_id)):
        secretariat, appraiser = _user("thuongtruc"), _user("thamdinh")
        assignments.assign(secretariat, camp.id, appraiser.id, None, None)
        for key in ("a", "b"):
            for code, (value, reasons) in SCORES.items():
                item = db.session.get(ItemScore, camp.item_ids[(key, code)])
                services.save_appraisal(appraiser, item.id, item.version, value, reasons, "Còn thiếu")
        release.release_all(secretariat, camp.id, db.session.get(Campaign, camp.id).version)
        db.session.get(Campaign, camp.id).status = CampaignStatus.EXPLANATION
        db.session.commit()
    db.session.remove()
    return camp


def _explanations() -> list[Explanation]:
    with scoped(SYSTEM):
        rows = db.session.execute(select(Explanation).execution_options(populate_existing=True)).scalars().all()
    return rows


def _draft_url(camp, code="2.1", key="a") -> str:
    return f"/giai-trinh/{camp.assessment_ids[key]}/tieu-chi/{camp.item_ids[(key, code)]}"


def test_the_officer_drafts_the_authority_does_not_see_it_and_the_leader_is_told(world, camp, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post(_draft_url(camp), {"text": TEXT, "requested_score": "3", "action": "draft"})
    assert response.status_code == 303
    (draft,) = _explanations()
    assert draft.draft is True and draft.requested_score == D("3.00")
    page = officer.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert "Bản nháp giải trình (chưa gửi)" in page and "Gửi giải trình" not in page
    with scoped(SYSTEM):
        told = db.session.execute(
            select(Notification.user_id).where(Notification.kind == "explanation.drafted")
        ).scalars()
        assert list(told) == [_user("lanhdao.a").id]
        assert not db.session.execute(select(Notification).where(Notification.kind == "contested")).first()
    appraiser = make_browser()
    appraiser.login(world.appraiser)
    assert "Chưa có giải trình." in appraiser.get("/tham-dinh/giai-trinh/").get_data(as_text=True)
    hidden = appraiser.get(f"/tham-dinh/giai-trinh/{draft.id}")
    missing = appraiser.get("/tham-dinh/giai-trinh/987654")
    assert hidden.status_code == missing.status_code == 404 and hidden.data == missing.data


def test_only_the_leader_sends_and_the_appraisers_are_then_told(world, camp, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    refused = officer.post(_draft_url(camp), {"text": TEXT, "action": "send"})
    assert refused.status_code == 403 and "Chỉ lãnh đạo đơn vị gửi giải trình" in refused.get_data(as_text=True)
    assert _explanations() == []
    officer.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    (draft,) = _explanations()
    send_url = f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/gui"
    assert officer.post(send_url, {"version": draft.version}).status_code == 403
    leader = make_browser()
    leader.login(world.leader_a)
    response = leader.post(send_url, {"version": draft.version}, follow_redirects=True)
    assert "Đã gửi giải trình tới tổ thẩm định." in response.get_data(as_text=True)
    (sent,) = _explanations()
    assert sent.draft is False
    with scoped(SYSTEM):
        assert sent.sent_by_id == _user("lanhdao.a").id and sent.created_by_id == _user("canbo.a").id
        told = db.session.execute(select(Notification.user_id).where(Notification.kind == "contested")).scalars()
        assert list(told) == [_user("thamdinh").id]
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Forbidden):
        explanations.send(_user("canbo.a"), sent.id, sent.version)


def _library_file(world, name="Biên bản họp dân.pdf") -> int:
    with scoped(Scope(world.district_id, world.a_id)):
        evidence = uploads.upload(_user("canbo.a"), world.a_id, FileStorage(io.BytesIO(PDF), filename=name), None)
        return evidence.id


def test_files_attach_from_the_library_or_as_a_new_upload_and_show_once_sent_with_the_deduction(
    world, camp, make_browser
):
    library_id = _library_file(world)
    officer = make_browser()
    officer.login(world.officer_a)
    officer.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    (draft,) = _explanations()
    attach = f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/tai-lieu"
    picked = officer.post(attach, {"evidence_id": library_id, "page_ref": "tr. 2"}, follow_redirects=True)
    assert "Đã đính kèm «Biên bản họp dân.pdf» vào giải trình tiêu chí 2.1." in picked.get_data(as_text=True)
    new = officer.post(
        attach,
        {"file": (io.BytesIO(PDF + b"%2"), "Báo cáo bổ sung số 15.pdf"), "page_ref": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Đã đính kèm «Báo cáo bổ sung số 15.pdf»" in new.get_data(as_text=True)
    with scoped(SYSTEM):
        links = db.session.execute(select(EvidenceLink).where(EvidenceLink.explanation_id == draft.id)).scalars()
        assert sorted(link.evidence.original_name for link in links) == [
            "Biên bản họp dân.pdf",
            "Báo cáo bổ sung số 15.pdf",
        ]
    appraiser = make_browser()
    appraiser.login(world.appraiser)
    sheet = appraiser.get(f"/tham-dinh/ho-so/{camp.assessment_ids['a']}").get_data(as_text=True)
    assert "Báo cáo bổ sung số 15.pdf" not in sheet  # a draft's files are the unit's own
    leader = make_browser()
    leader.login(world.leader_a)
    leader.post(f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/gui", {"version": draft.version})
    page = appraiser.get(f"/tham-dinh/giai-trinh/{draft.id}").get_data(as_text=True)
    original = page.split('data-testid="original"')[1].split("</section>")[0]
    assert 'data-testid="preliminary">2,00' in original and "Lý do trừ điểm: Thiếu tài liệu kiểm chứng" in original
    assert "Nhận xét của tổ thẩm định: Còn thiếu" in original and "−1,00" in original
    sent = page.split('data-testid="explanation"')[1].split("</section>")[0]
    assert "Báo cáo bổ sung số 15.pdf" in sent and "Biên bản họp dân.pdf" in sent and "tr. 2" in sent
    assert "lãnh đạo đơn vị gửi: Trần Thị Lãnh" in sent and "người soạn: Nguyễn Văn An" in sent


def test_another_units_explanation_and_file_are_missing(world, camp, make_browser):
    library_id = _library_file(world)
    officer = make_browser()
    officer.login(world.officer_a)
    officer.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    (draft,) = _explanations()
    other = make_browser()
    other.login(world.leader_b)
    missing = other.get("/giai-trinh/987654")
    for response in (
        other.get(f"/giai-trinh/{camp.assessment_ids['a']}"),
        other.post(_draft_url(camp), {"text": TEXT, "action": "send"}),
        other.post(f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/gui", {"version": 1}),
        other.post(f"/giai-trinh/{camp.assessment_ids['b']}/giai-trinh/{draft.id}/gui", {"version": 1}),
    ):
        assert response.status_code == 404 and response.data == missing.data
    b_draft = _draft_url(camp, key="b")
    other.post(b_draft, {"text": TEXT, "action": "draft"})
    b_explanation = next(e for e in _explanations() if e.unit_id == world.b_id)
    foreign_file = other.post(
        f"/giai-trinh/{camp.assessment_ids['b']}/giai-trinh/{b_explanation.id}/tai-lieu", {"evidence_id": library_id}
    )
    assert foreign_file.status_code == 404 and foreign_file.data == missing.data
    assert next(e for e in _explanations() if e.id == draft.id).draft is True


def test_bad_input_keeps_the_typed_text_says_why_and_saves_nothing(world, camp, browser):
    browser.login(world.leader_a)
    response = browser.post(_draft_url(camp), {"text": "Ngắn quá", "requested_score": "2,3", "action": "send"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Chưa lưu: Nội dung giải trình quá ngắn (ít nhất 10 ký tự)." in page and "Ngắn quá</textarea>" in page
    response = browser.post(_draft_url(camp), {"text": TEXT, "requested_score": "2,3", "action": "send"})
    assert response.status_code == 400 and "Tiêu chí 2.1" in response.get_data(as_text=True)
    assert 'value="2,3"' in response.get_data(as_text=True)
    assert _explanations() == []


def test_the_deadline_is_the_servers_for_drafting_sending_and_attaching(world, camp, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    officer.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    (draft,) = _explanations()
    with scoped(SYSTEM):
        db.session.execute(
            update(Assessment)
            .where(Assessment.id == camp.assessment_ids["a"])
            .values(explanation_deadline=clock.now() - timedelta(minutes=1))
        )
        db.session.commit()
    leader = make_browser()
    leader.login(world.leader_a)
    late = leader.post(f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/gui", {"version": draft.version})
    assert late.status_code == 303
    assert _explanations()[0].draft is True
    assert "Đã hết hạn giải trình" in leader.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    refused = leader.post(_draft_url(camp, code="1.1"), {"text": TEXT, "action": "send"})
    assert refused.status_code == 409 and "Đã hết hạn giải trình" in refused.get_data(as_text=True)
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Conflict, match="hết hạn giải trình"):
        explanations.attach_evidence(_user("canbo.a"), draft.id, _library_file(world), "")
    assert len(_explanations()) == 1


def test_the_secretariat_cannot_close_the_round_while_a_unit_is_inside_its_window(world, camp, make_browser):
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    page = secretariat.get(f"/tham-dinh/ra-soat/{camp.id}").get_data(as_text=True)
    assert "Còn 2 đơn vị đang trong hạn giải trình: Xã An Bình" in page
    with scoped(SYSTEM):
        version = db.session.get(Campaign, camp.id).version
    refused = secretariat.post(f"/tham-dinh/ra-soat/{camp.id}", {"action": "close", "version": version})
    assert refused.status_code == 303
    text = secretariat.get(f"/tham-dinh/ra-soat/{camp.id}").get_data(as_text=True)
    assert "Còn 2 đơn vị đang trong hạn giải trình" in text
    for login in (world.leader_a, world.leader_b):
        leader = make_browser()
        leader.login(login)
        key = "a" if login == world.leader_a else "b"
        done = leader.post(f"/giai-trinh/{camp.assessment_ids[key]}/ket-thuc", {}, follow_redirects=True)
        assert "Đã kết thúc giải trình của đơn vị." in done.get_data(as_text=True)
    page = secretariat.get(f"/tham-dinh/ra-soat/{camp.id}").get_data(as_text=True)
    assert 'data-testid="in-window"' not in page
    closed = secretariat.post(
        f"/tham-dinh/ra-soat/{camp.id}", {"action": "close", "version": version}, follow_redirects=True
    )
    assert "Đã kết thúc thẩm định" in closed.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.get(Campaign, camp.id).status == CampaignStatus.FINAL_REVIEW


def test_ending_the_round_is_the_leaders_and_not_with_a_draft_left(world, camp, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.post(f"/giai-trinh/{camp.assessment_ids['a']}/ket-thuc", {}).status_code == 403
    officer.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    with scoped(Scope(world.district_id, world.a_id)), pytest.raises(Conflict, match="Còn 1 bản nháp"):
        explanations.finish(_user("lanhdao.a"), camp.assessment_ids["a"])
    with scoped(SYSTEM):
        assert db.session.get(Assessment, camp.assessment_ids["a"]).explanation_closed_at is None
    leader = make_browser()
    leader.login(world.leader_a)
    (draft,) = _explanations()
    leader.post(f"/giai-trinh/{camp.assessment_ids['a']}/giai-trinh/{draft.id}/xoa", {})
    assert _explanations() == []
    leader.post(f"/giai-trinh/{camp.assessment_ids['a']}/ket-thuc", {})
    after = leader.post(_draft_url(camp), {"text": TEXT, "action": "draft"})
    assert after.status_code == 409 and "Đơn vị đã kết thúc giải trình lúc" in after.get_data(as_text=True)


def test_the_preliminary_result_opens_with_a_summary_that_reads_the_right_way_round(world, make_browser):
    camp = build_campaign(world)
    with scoped(SYSTEM):  # 2.2 is for the appraisers alone: the unit gives it no self-score
        node = db.session.execute(select(CriteriaNode).where(CriteriaNode.code == "2.2")).scalar_one()
        node.authority_only = True
        db.session.get(ItemScore, camp.item_ids[("a", "2.2")]).self_score = None
        db.session.commit()
    with scoped(Scope(world.district_id)):
        assignments.assign(_user("thuongtruc"), camp.id, _user("thamdinh").id, None, None)
        for code, (value, reasons) in SCORES.items():
            item = db.session.get(ItemScore, camp.item_ids[("a", code)])
            reasons = reasons or (["khong_dat_noi_dung"] if code == "2.2" else [])  # below its maximum
            services.save_appraisal(_user("thamdinh"), item.id, item.version, value, reasons, "")
        release.release_all(_user("thuongtruc"), camp.id, db.session.get(Campaign, camp.id).version)
    unit = make_browser()
    unit.login(world.officer_a)
    page = unit.get(f"/giai-trinh/{camp.assessment_ids['a']}").get_data(as_text=True)
    summary = page.split('data-testid="result-summary"')[1].split("</section>")[0]
    assert page.index('data-testid="result-summary"') < page.index('id="item-')  # the summary comes first
    # self 2 + 4 + 3 = 9,00 (2.2 not self-scored); appraised 1,5 + 4 + 2 + 0,75 = 8,25
    assert 'data-testid="total">8,25 / 10,00' in summary and "9,00" in summary
    assert 'data-testid="total-gap">−1,50' in summary  # the unit's own items only: −0,50 and −1,00
    assert 'data-testid="authority-total">0,75 / 1,00' in summary
    assert 'data-testid="level">Hoàn thành tốt nhiệm vụ' in summary and 'data-testid="rank"' not in summary
    assert "số âm (−) là số điểm đơn vị bị trừ so với điểm tự chấm" in summary
    area_one = summary.split('data-area="1"')[1].split("</tr>")[0]
    assert "6,00" in area_one and "5,50" in area_one and "−0,50" in area_one
    area_two = summary.split('data-area="2"')[1].split("</tr>")[0]
    assert "3,00" in area_two and "2,00" in area_two and "−1,00" in area_two  # 2.2 left out of the loss
    reserved = summary.split('data-testid="authority-items"')[1]
    assert "2.2. Tiêu chí 2.2: <strong>0,75</strong> / 1,00" in reserved
    assert 'data-testid="gap-2.2"' not in page and "tổ thẩm định chấm" in page
    assert 'data-testid="gap-1.1">chênh lệch −0,50' in page
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(Explanation.id))).scalar_one() == 0
        assert db.session.get(Assessment, camp.assessment_ids["a"]).status == AssessmentStatus.RELEASED


def test_a_released_unit_is_reminded_once_when_its_explanation_deadline_is_near(world, camp):
    """Within three days of its own deadline, a unit's staff are told, with the link to its explanation page; a tick
    that runs again reminds nobody twice, and a unit whose deadline is further away is not reminded."""
    now = clock.now()
    a = camp.assessment_ids["a"]
    with scoped(SYSTEM):
        db.session.get(Assessment, a).explanation_deadline = now + timedelta(days=2)
        db.session.get(Campaign, camp.id).explanation_deadline = now + timedelta(days=10)
        db.session.commit()
        sent = [reminders.explanation_deadlines(now), reminders.explanation_deadlines(now + timedelta(minutes=15))]
        db.session.commit()
        notes = db.session.execute(select(Notification).where(Notification.kind == "deadline_soon")).scalars().all()
    assert sent == [2, 0]
    assert {n.user_id for n in notes} == {world.ids["officer_a"], world.ids["leader_a"]}
    assert {n.link for n in notes} == {f"/giai-trinh/{a}"}
    assert all(n.text.startswith("Còn dưới 3 ngày để giải trình kết quả thẩm định (hạn ") for n in notes)
