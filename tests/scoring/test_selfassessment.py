"""Self-assessment: the unit fills its scores item by item (saved as typed, checked against method and step), the
leader submits after the pre-submission check, may withdraw while the stage and deadline allow; conflicts, deadlines
and foreign units are refused by the server."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.errors import Conflict
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns import deadlines
from dvcq.scoring.campaigns import services as campaign_services
from dvcq.scoring.models import AssessmentStatus, CampaignStatus, EvidenceLink
from dvcq.scoring.selfassessment import services
from dvcq.scoring.selfassessment.rules import assert_editable, time_left
from tests.scoring.campaign_factories import (
    SCORABLE,
    assessment_of,
    item_of,
    make_campaign,
    make_evidence,
    open_campaign,
    past,
    set_campaign_deadline,
    today_vn,
    user,
)

FULL = {"1.1.a": "2,5", "1.1.b": "3", "1.2": "3.75", "2.1": "0,25", "T.1": "1,5", "P.1": "0,5"}


@pytest.fixture
def campaign(world):
    return open_campaign(world)


def _url(world, campaign_id: int, code: str | None = None, unit_id: int | None = None) -> str:
    unit_id = unit_id or world.a_id
    base = f"/tu-danh-gia/{assessment_of(unit_id, campaign_id).id}"
    if code is None:
        return base
    return f"{base}/muc/{item_of(unit_id, campaign_id, code).id}"


def _save(browser, world, campaign_id: int, code: str, score: str, note: str = "", version: int | None = None):
    item = item_of(world.a_id, campaign_id, code)
    return browser.post_json(
        _url(world, campaign_id, code),
        {"version": item.version if version is None else version, "score": score, "note": note},
    )


def _evidence(world) -> int:
    return make_evidence(world.a_id)


def _cite(browser, world, campaign_id: int, code: str, evidence_id: int, page_ref: str = "tr. 2"):
    item = item_of(world.a_id, campaign_id, code)
    back = _url(world, campaign_id, code) + "/tai-lieu"
    response = browser.post(
        "/tai-lieu/lien-ket", {"item_id": item.id, "evidence_id": evidence_id, "page_ref": page_ref, "next": back}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _audit(action: str) -> list[AuditRecord]:
    with scoped(SYSTEM):
        return list(db.session.execute(select(AuditRecord).where(AuditRecord.action == action)).scalars())


# ---- the happy path ---------------------------------------------------------------------------------------------


def test_officer_fills_leader_submits_withdraws_and_submits_again(world, campaign, make_browser):
    officer, leader = make_browser(), make_browser()
    officer.login(world.officer_a)
    leader.login(world.leader_a)
    page = officer.get(_url(world, campaign)).get_data(as_text=True)
    assert "Hồ sơ tự đánh giá — Xã An Bình" in page and "Đang tự chấm" in page
    for code, score in FULL.items():
        response = _save(officer, world, campaign, code, score, note=f"Cách chấm {code}")
        assert response.status_code == 200, response.get_json()
    evidence_id = _evidence(world)
    _cite(officer, world, campaign, "1.1.a", evidence_id)
    _cite(officer, world, campaign, "T.1", evidence_id, "tr. 5")

    check = leader.get(_url(world, campaign) + "/kiem-tra").get_data(as_text=True)
    assert "Không còn vấn đề nào" in check
    response = leader.post(_url(world, campaign) + "/nop", {"confirm": "y"})
    assert response.status_code == 302
    assessment = assessment_of(world.a_id, campaign)
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.submitted_by_id == world.ids["leader_a"]
    with scoped(SYSTEM):
        note = db.session.execute(
            select(Notification).where(Notification.kind == "selfassessment.submitted")
        ).scalar_one()
        assert db.session.get(User, note.user_id).login == world.secretariat
    assert "tự chấm 10,50 điểm" in note.text

    locked = _save(officer, world, campaign, "2.1", "4")
    assert locked.status_code == 409 and "đã nộp nên đã khoá" in locked.get_json()["error"]
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("0.25")
    assert "Rút hồ sơ về để sửa" in leader.get(_url(world, campaign)).get_data(as_text=True)

    assert leader.post(_url(world, campaign) + "/rut").status_code == 302
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.DRAFT
    assert _save(officer, world, campaign, "2.1", "4").status_code == 200
    assert leader.post(_url(world, campaign) + "/nop", {"confirm": "y"}).status_code == 302
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.SUBMITTED
    assert [len(_audit(a)) for a in ("selfassessment.submit", "selfassessment.withdraw")] == [2, 1]


def test_totals_per_area_and_overall_are_exact(world, campaign, browser):
    browser.login(world.officer_a)
    last = None
    for code, score in FULL.items():
        last = _save(browser, world, campaign, code, score).get_json()
    totals = last["totals"]
    assert totals["nodes"]["1.1"] == "5,50"
    assert totals["nodes"]["1"] == "9,25"
    assert totals["nodes"]["2"] == "0,25"
    assert totals["nodes"]["T"] == "1,50" and totals["nodes"]["P"] == "0,50"
    assert totals["total"] == "10,50"  # 9,25 + 0,25 + 1,50 bonus − 0,50 penalty
    assert (totals["scored"], totals["scorable"]) == (6, 6)
    with scoped(SYSTEM):
        exact = services.totals(assessment_of(world.a_id, campaign))
    assert exact.by_node["1"] == Decimal("9.25") and exact.total == Decimal("10.50")
    assert exact.base == Decimal("9.50") and exact.bonus == Decimal("1.50") and exact.penalty == Decimal("0.50")
    page = browser.get(_url(world, campaign)).get_data(as_text=True)
    assert 'data-total="total">10,50<' in page and 'data-total-for="1">9,25<' in page


def test_a_save_records_the_value_and_note_before_and_after(world, campaign, browser):
    browser.login(world.officer_a)
    _save(browser, world, campaign, "2.1", "1,5", note="Có 2 cuộc đối thoại")
    _save(browser, world, campaign, "2.1", "2", note="Có 3 cuộc đối thoại")
    first, second = _audit("selfassessment.score")
    assert '"score": null' in first.before and '"score": "1.50"' in first.after
    assert '"Có 2 cuộc đối thoại"' in second.before and '"score": "2.00"' in second.after
    assert second.actor_login == world.officer_a and second.unit_id == world.a_id


# ---- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "score", "message"),
    [
        ("1.1.a", "3,5", "vượt quá điểm tối đa 3,00"),
        ("1.1.a", "1,25", "phải là bội số của bước điểm 0,50"),
        ("1.1.a", "-1", "không được âm"),
        ("1.1.a", "abc", "“abc” không phải là số điểm hợp lệ"),
        ("1.1.a", "1,234", "có quá 2 chữ số thập phân"),
        ("1.1.b", "1,5", "chỉ nhận 0,00 hoặc 3,00"),
        ("1.2", "3,9", "phải là bội số của bước điểm 0,25"),
        ("P.1", "3,5", "vượt quá điểm tối đa 3,00"),
    ],
)
def test_a_bad_score_is_refused_in_vietnamese_and_nothing_is_saved(world, campaign, browser, code, score, message):
    browser.login(world.officer_a)
    response = _save(browser, world, campaign, code, score, note="ghi chú")
    assert response.status_code == 400
    body = response.get_json()
    assert message in body["error"] and f"Tiêu chí {code}" in body["error"]
    item = item_of(world.a_id, campaign, code)
    assert item.self_score is None and item.self_note == "" and item.version == 1
    assert _audit("selfassessment.score") == []


def test_an_authority_only_item_cannot_be_self_scored(world, campaign, browser):
    browser.login(world.officer_a)
    response = _save(browser, world, campaign, "2.2", "1")
    assert response.status_code == 400
    assert "do Tổ thẩm định cấp trên chấm" in response.get_json()["error"]
    assert item_of(world.a_id, campaign, "2.2").self_score is None


def test_an_item_of_another_campaign_answers_404(world, campaign, browser):
    older = open_campaign(world, year=2025)
    foreign_item = item_of(world.a_id, older, "2.1")
    browser.login(world.officer_a)
    response = browser.post_json(f"{_url(world, campaign)}/muc/{foreign_item.id}", {"version": 1, "score": "1"})
    assert response.status_code == 404
    assert item_of(world.a_id, older, "2.1").self_score is None


def test_without_javascript_a_form_post_saves_or_shows_the_error_beside_the_item(world, campaign, browser):
    browser.login(world.officer_a)
    item = item_of(world.a_id, campaign, "2.1")
    ok = browser.post(_url(world, campaign, "2.1"), {"version": "1", "score": "2,75", "note": "Đủ hồ sơ"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"#muc-{item.id}")
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("2.75")
    bad = browser.post(_url(world, campaign, "2.1"), {"version": "2", "score": "9", "note": "Sửa"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Tiêu chí 2.1: Điểm 9,00 vượt quá điểm tối đa 4,00" in page
    assert 'value="9"' in page  # what the user typed stays in the box
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("2.75")


# ---- conflicts and deadlines ----------------------------------------------------------------------------------


def test_two_people_saving_the_same_item_the_second_is_told_and_nothing_is_overwritten(world, campaign, make_browser):
    officer, leader = make_browser(), make_browser()
    officer.login(world.officer_a)
    leader.login(world.leader_a)
    seen = item_of(world.a_id, campaign, "2.1").version  # both opened the page at this version
    first = _save(officer, world, campaign, "2.1", "3", note="Cán bộ chấm", version=seen)
    second = _save(leader, world, campaign, "2.1", "1", note="Lãnh đạo chấm", version=seen)
    assert first.status_code == 200
    assert second.status_code == 409
    body = second.get_json()
    assert "Mục này vừa được người khác lưu" in body["error"]
    assert body["current"]["score"] == "3,00" and body["current"]["note"] == "Cán bộ chấm"
    assert body["current"]["by"] == "Nguyễn Văn An"
    item = item_of(world.a_id, campaign, "2.1")
    assert item.self_score == Decimal("3.00") and item.self_note == "Cán bộ chấm"


def test_after_the_deadline_nothing_changes(world, campaign, make_browser):
    officer, leader = make_browser(), make_browser()
    officer.login(world.officer_a)
    leader.login(world.leader_a)
    assert _save(officer, world, campaign, "2.1", "1").status_code == 200
    set_campaign_deadline(campaign, past())
    response = _save(officer, world, campaign, "2.1", "2")
    assert response.status_code == 409 and "Đã hết hạn tự đánh giá" in response.get_json()["error"]
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("1.00")
    refused = leader.post(_url(world, campaign) + "/nop", {"confirm": "y"})
    assert refused.status_code == 409
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.DRAFT
    assert "Đã hết hạn tự đánh giá" in officer.get(_url(world, campaign)).get_data(as_text=True)


def test_a_unit_extension_lets_only_that_unit_save(world, campaign, make_browser):
    set_campaign_deadline(campaign, past())
    with scoped(SYSTEM):
        deadlines.extend_unit_deadline(
            user(world.secretariat),
            campaign,
            assessment_of(world.a_id, campaign).id,
            day=today_vn() + timedelta(days=3),
            reason="Bão lũ",
        )
    a, b = make_browser(), make_browser()
    a.login(world.officer_a)
    b.login(world.officer_b)
    assert _save(a, world, campaign, "2.1", "1").status_code == 200
    item_b = item_of(world.b_id, campaign, "2.1")
    refused = b.post_json(_url(world, campaign, "2.1", unit_id=world.b_id), {"version": item_b.version, "score": "1"})
    assert refused.status_code == 409
    assert item_of(world.b_id, campaign, "2.1").self_score is None
    page = a.get(_url(world, campaign)).get_data(as_text=True)
    assert "được gia hạn riêng: Bão lũ" in page and "còn 3 ngày" in page


def test_withdrawal_is_refused_once_the_campaign_has_left_self_assessment(world, campaign, browser):
    with scoped(SYSTEM):
        a = assessment_of(world.a_id, campaign)
        a.status = AssessmentStatus.SUBMITTED
        a.campaign.status = CampaignStatus.APPRAISAL
        db.session.commit()
    browser.login(world.leader_a)
    response = browser.post(_url(world, campaign) + "/rut")
    assert response.status_code == 409
    assert "không còn ở giai đoạn đơn vị tự đánh giá" in response.get_data(as_text=True)
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.SUBMITTED


# ---- the pre-submission check and who submits -----------------------------------------------------------------


def test_the_check_lists_unscored_items_and_points_claimed_without_evidence_and_submission_is_refused(
    world, campaign, browser
):
    browser.login(world.leader_a)
    for code in ("1.1.a", "T.1", "1.1.b", "1.2"):
        _save(browser, world, campaign, code, FULL[code])
    _save(browser, world, campaign, "2.1", "0")
    check = browser.get(_url(world, campaign) + "/kiem-tra").get_data(as_text=True)
    assert "Tiêu chí P.1: chưa chấm điểm." in check
    assert "Tiêu chí 1.1.a: tự chấm 2,50 điểm nhưng chưa dẫn tài liệu kiểm chứng" in check
    assert "Tiêu chí T.1: tự chấm 1,50 điểm nhưng chưa dẫn tài liệu kiểm chứng" in check
    assert "Tiêu chí 2.1" not in check  # scored 0: nothing claimed, nothing to prove
    assert "Tiêu chí 2.2" not in check  # the authority scores it
    assert f"#muc-{item_of(world.a_id, campaign, 'P.1').id}" in check
    response = browser.post(_url(world, campaign) + "/nop", {"confirm": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Chưa nộp được: hồ sơ còn 3 vấn đề cần xử lý." in page
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.DRAFT


def test_submission_needs_the_confirmation_box(world, campaign, browser):
    browser.login(world.leader_a)
    for code in SCORABLE:
        _save(browser, world, campaign, code, "0")
    response = browser.post(_url(world, campaign) + "/nop", {})
    assert response.status_code == 400
    assert "Vui lòng đánh dấu ô xác nhận" in response.get_data(as_text=True)
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.DRAFT


def test_an_officer_cannot_submit_or_withdraw(world, campaign, browser):
    browser.login(world.officer_a)
    for code in SCORABLE:
        _save(browser, world, campaign, code, "0")
    assert browser.post(_url(world, campaign) + "/nop", {"confirm": "y"}).status_code == 403
    assert browser.post(_url(world, campaign) + "/rut").status_code == 403
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.DRAFT
    assert "Chỉ lãnh đạo đơn vị nộp hồ sơ" in browser.get(_url(world, campaign) + "/kiem-tra").get_data(as_text=True)


# ---- tenancy ----------------------------------------------------------------------------------------------------


def test_commune_b_cannot_open_or_save_as_commune_a_and_gets_the_same_404_as_for_nothing(world, campaign, make_browser):
    b = make_browser()
    b.login(world.leader_b)
    a_page = _url(world, campaign)
    item = item_of(world.a_id, campaign, "2.1")
    for foreign, missing in [
        (a_page, "/tu-danh-gia/987654"),
        (a_page + "/kiem-tra", "/tu-danh-gia/987654/kiem-tra"),
        (f"{a_page}/muc/{item.id}/tai-lieu", "/tu-danh-gia/987654/muc/1/tai-lieu"),
    ]:
        got, expected = b.get(foreign), b.get(missing)
        assert got.status_code == expected.status_code == 404
        assert got.get_data() == expected.get_data()
    saved = b.post(f"{a_page}/muc/{item.id}", {"version": "1", "score": "1"})
    missing = b.post("/tu-danh-gia/987654/muc/987654", {"version": "1", "score": "1"})
    assert saved.status_code == missing.status_code == 404
    assert saved.get_data() == missing.get_data()
    assert b.post_json(f"{a_page}/muc/{item.id}", {"version": 1, "score": "1"}).status_code == 404
    own_page_item = f"{_url(world, campaign, unit_id=world.b_id)}/muc/{item.id}"
    assert b.post_json(own_page_item, {"version": 1, "score": "1"}).status_code == 404
    assert b.post(a_page + "/nop", {"confirm": "y"}).status_code == 404
    assert item_of(world.a_id, campaign, "2.1").self_score is None


def test_a_unit_sees_nothing_of_a_campaign_still_in_preparation(world, browser):
    campaign_id = make_campaign(world)
    browser.login(world.officer_a)
    with scoped(SYSTEM):
        assessment_id = assessment_of(world.a_id, campaign_id).id
    assert browser.get(f"/tu-danh-gia/{assessment_id}").status_code == 404
    assert "Tự đánh giá, tự chấm điểm" not in browser.get("/").get_data(as_text=True)


# ---- the page ---------------------------------------------------------------------------------------------------


def test_the_page_shows_the_whole_tree_with_guidance_and_loads_its_script_from_a_file(world, campaign, browser):
    browser.login(world.officer_a)
    response = browser.get(_url(world, campaign))
    page = response.get_data(as_text=True)
    for code in ("1.1.a", "1.1.b", "1.2", "2.1", "T.1", "P.1"):
        assert f'data-code="{code}"' in page
    assert "<summary>Hướng dẫn chấm</summary>" in page and "Hướng dẫn chấm 1.1.a" in page
    assert "Tiêu chí do Tổ thẩm định cấp trên chấm" in page
    assert "ghi số điểm bị trừ" in page and "bắt buộc có tài liệu kiểm chứng" in page
    assert "/tu-danh-gia/static/selfassessment/selfassessment.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    assert "còn 20 ngày" in page
    assert browser.get("/tu-danh-gia/static/selfassessment/selfassessment.js").status_code == 200


def test_evidence_cited_for_an_item_appears_with_its_page_reference(world, campaign, browser):
    browser.login(world.officer_a)
    evidence_id = _evidence(world)
    attach = browser.get(_url(world, campaign, "1.1.a") + "/tai-lieu").get_data(as_text=True)
    assert "Quyết định kiện toàn Ban Chỉ đạo.pdf" in attach and "Dẫn tài liệu này" in attach
    _cite(browser, world, campaign, "1.1.a", evidence_id, "tr. 2, mục II")
    page = browser.get(_url(world, campaign)).get_data(as_text=True)
    assert "Quyết định kiện toàn Ban Chỉ đạo.pdf</a> — tr. 2, mục II" in page
    with scoped(SYSTEM):
        assert db.session.execute(select(func.count(EvidenceLink.id))).scalar_one() == 1


def test_the_rule_accepts_an_explicit_clock(world, campaign):
    with scoped(SYSTEM):
        assessment = assessment_of(world.a_id, campaign)
        deadline = campaign_services.end_of_day(today_vn() + timedelta(days=20))
        assert_editable(assessment, now=deadline)
        with pytest.raises(Conflict, match="Đã hết hạn tự đánh giá"):
            assert_editable(assessment, now=deadline + timedelta(seconds=1))
    now = datetime.now(UTC).replace(tzinfo=None)
    assert time_left(now + timedelta(hours=5, minutes=1), now) == "còn 5 giờ"
    assert time_left(now - timedelta(seconds=1), now) == "đã hết hạn"


def test_the_secretariat_reads_a_units_assessment_but_cannot_change_it(world, campaign, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    _save(officer, world, campaign, "2.1", "1,75", note="Đủ biên bản")
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    draft = secretariat.get(_url(world, campaign))  # a draft is the unit's own until it submits (issue 14, item 2)
    assert draft.status_code == 404 and "1,75" not in draft.get_data(as_text=True)
    with scoped(SYSTEM):
        assessment_of(world.a_id, campaign).status = AssessmentStatus.SUBMITTED
        db.session.commit()
    page = secretariat.get(_url(world, campaign)).get_data(as_text=True)
    assert "Điểm tự chấm: <strong>1,75</strong>" in page and "Đủ biên bản" in page
    assert 'name="score"' not in page
    item = item_of(world.a_id, campaign, "2.1")
    assert (
        secretariat.post_json(_url(world, campaign, "2.1"), {"version": item.version, "score": "4"}).status_code == 403
    )
    appraiser = make_browser()
    appraiser.login(world.appraiser)
    assert appraiser.get(_url(world, campaign)).status_code == 403
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("1.75")


def test_without_javascript_a_conflict_shows_the_saved_value_and_keeps_it(world, campaign, make_browser):
    officer, leader = make_browser(), make_browser()
    officer.login(world.officer_a)
    leader.login(world.leader_a)
    _save(officer, world, campaign, "2.1", "3", note="Cán bộ chấm")
    response = leader.post(_url(world, campaign, "2.1"), {"version": "1", "score": "1", "note": "Lãnh đạo chấm"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Mục này vừa được người khác lưu" in page
    assert "điểm <strong>3,00</strong>; cách chấm: «Cán bộ chấm»" in page
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("3.00")
