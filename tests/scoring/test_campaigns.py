"""Campaigns: creating one (pinned, locked criteria version; participants by group), opening it (assessments and
item scores for every leaf), stage moves refused with their reasons, extensions with reasons in the audit log."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.notifications import Notification
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns import deadlines, services
from dvcq.scoring.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CampaignStatus,
    CriteriaNode,
    CriteriaVersion,
    ItemScore,
    VersionStatus,
)
from tests.scoring.campaign_factories import (
    LEAVES,
    assessment_of,
    campaign_version,
    item_of,
    make_campaign,
    open_campaign,
    past,
    set_campaign_deadline,
    today_vn,
    user,
)


def _campaign(campaign_id: int) -> Campaign:
    db.session.expire_all()
    with scoped(SYSTEM):
        return db.session.get(Campaign, campaign_id)


def _count(model, *where) -> int:
    with scoped(SYSTEM):
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _audit(action: str) -> list[AuditRecord]:
    with scoped(SYSTEM):
        return list(db.session.execute(select(AuditRecord).where(AuditRecord.action == action)).scalars())


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _submit_all(world, campaign_id: int, unit_ids) -> None:
    with scoped(SYSTEM):
        for unit_id in unit_ids:
            assessment_of(unit_id, campaign_id).status = AssessmentStatus.SUBMITTED
        db.session.commit()


def _every_group(world, version) -> dict[str, str]:
    """The campaign form's choice of criteria: every group on `version`."""
    return {f"criteria-{g}": str(version.id) for g in (world.group_communes_id, world.group_agencies_id)}


# ---- creating -----------------------------------------------------------------------------------------------


def test_the_new_campaign_form_ticks_every_grouped_unit_of_the_authority(world, browser):
    campaign_version(world)
    browser.login(world.secretariat)
    page = browser.get("/ky-danh-gia/moi").get_data(as_text=True)
    assert "Đánh giá Chỉ số Dân vận chính quyền năm" in page
    for unit_id in (world.a_id, world.b_id, world.agency_id):
        assert f'name="unit_ids" value="{unit_id}" checked' in page
    assert f'value="{world.far_id}"' not in page  # another district's commune
    assert "Khối xã" in page and "Khối cơ quan" in page


def test_creating_a_campaign_pins_and_locks_its_version_and_records_the_ticked_units(world, browser):
    version = campaign_version(world)
    browser.login(world.secretariat)
    deadline = today_vn() + timedelta(days=21)
    response = browser.post(
        "/ky-danh-gia/moi",
        {
            "year": "2026",
            "name": "Đánh giá Chỉ số Dân vận chính quyền năm 2026",
            **_every_group(world, version),
            "self_assessment_deadline": _vn(deadline),
            "unit_ids": [str(world.a_id), str(world.agency_id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    with scoped(SYSTEM):
        campaign = db.session.execute(select(Campaign)).scalar_one()
        assert campaign.status == CampaignStatus.DRAFT
        assert db.session.get(CriteriaVersion, version.id).status == VersionStatus.IN_USE
        units = set(db.session.execute(select(Assessment.unit_id)).scalars())
        assert units == {world.a_id, world.agency_id}
        assert _count(ItemScore) == 0  # items come when the campaign opens
        assert campaign.self_assessment_deadline == services.end_of_day(deadline)
    [record] = _audit("campaign.create")
    assert "Đánh giá Chỉ số Dân vận chính quyền năm 2026" in record.after


def test_a_deadline_day_is_the_end_of_that_day_in_vietnam_stored_as_utc():
    assert services.end_of_day(date(2026, 12, 15)) == datetime(2026, 12, 15, 16, 59, 59)
    assert services.vn_day(datetime(2026, 12, 15, 16, 59, 59)) == date(2026, 12, 15)
    assert services.vn_day(datetime(2026, 12, 15, 17, 0, 0)) == date(2026, 12, 16)


def test_bad_campaign_input_lists_every_problem_and_creates_nothing(world, browser):
    version = campaign_version(world)
    browser.login(world.secretariat)
    response = browser.post(
        "/ky-danh-gia/moi",
        {
            "year": "hai nghìn",
            "name": "Kỳ thử",
            **_every_group(world, version),
            "self_assessment_deadline": "31/02/2026",
            "appraisal_deadline": "ngày mai",
            "unit_ids": [str(world.a_id)],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Năm đánh giá «hai nghìn» không hợp lệ." in page
    assert "Hạn tự đánh giá: «31/02/2026» không phải là ngày hợp lệ" in page
    assert "Hạn thẩm định: «ngày mai» không phải là ngày hợp lệ" in page
    assert _count(Campaign) == 0
    db.session.expire_all()
    with scoped(SYSTEM):
        assert db.session.get(CriteriaVersion, version.id).status == VersionStatus.DRAFT


def test_deadlines_out_of_order_a_foreign_unit_and_a_second_campaign_of_the_year_are_refused(world, browser):
    make_campaign(world)
    version = campaign_version(world, name="Bộ khác")
    browser.login(world.secretariat)
    day = today_vn() + timedelta(days=10)
    response = browser.post(
        "/ky-danh-gia/moi",
        {
            "year": "2026",
            "name": "Kỳ thứ hai",
            **_every_group(world, version),
            "self_assessment_deadline": _vn(day),
            "appraisal_deadline": _vn(day - timedelta(days=1)),
            "unit_ids": [str(world.a_id), str(world.far_id)],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Đã có kỳ đánh giá năm 2026" in page
    assert f"Đơn vị mã số {world.far_id} không thuộc danh sách đơn vị được đánh giá." in page
    assert "Hạn thẩm định" in page and "phải sau hạn tự đánh giá" in page
    assert _count(Campaign) == 1


def test_a_draft_campaign_can_untick_a_unit_before_opening(world, browser):
    campaign_id = make_campaign(world)
    browser.login(world.secretariat)
    form = browser.get(f"/ky-danh-gia/{campaign_id}/sua").get_data(as_text=True)
    assert f'value="{world.b_id}" checked' in form
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/sua",
        {
            "version": str(_campaign(campaign_id).version),
            "name": "Kỳ đã sửa",
            "self_assessment_deadline": _vn(today_vn() + timedelta(days=5)),
            "unit_ids": [str(world.a_id), str(world.agency_id)],
        },
    )
    assert response.status_code == 302
    with scoped(SYSTEM):
        assert set(db.session.execute(select(Assessment.unit_id)).scalars()) == {world.a_id, world.agency_id}
    assert _campaign(campaign_id).name == "Kỳ đã sửa"


# ---- opening --------------------------------------------------------------------------------------------------


def test_opening_creates_an_assessment_and_one_item_per_leaf_for_every_participant(world, browser):
    campaign_id = make_campaign(world)
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": str(_campaign(campaign_id).version)}
    )
    assert response.status_code == 302
    assert _campaign(campaign_id).status == CampaignStatus.SELF_ASSESSMENT
    assert _count(ItemScore) == 3 * len(LEAVES)
    item = item_of(world.a_id, campaign_id, "2.1")
    with scoped(SYSTEM):
        node = db.session.get(CriteriaNode, item.node_id)
        assert item.node_position == node.position and item.unit_id == world.a_id
        assert assessment_of(world.a_id, campaign_id).group_id == world.group_communes_id
        assert assessment_of(world.agency_id, campaign_id).group_id == world.group_agencies_id
    [record] = _audit("campaign.advance")
    assert '"status": "draft"' in record.before and '"self_assessment"' in record.after


def test_opening_tells_the_officers_and_leaders_of_the_participating_units(world):
    campaign_id = open_campaign(world, units=[world.a_id])
    with scoped(SYSTEM):
        told = set(db.session.execute(select(User.login).join(Notification, Notification.user_id == User.id)).scalars())
        note = db.session.execute(select(Notification)).scalars().first()
    assert told == {world.officer_a, world.leader_a}
    assert "đã mở" in note.text
    assert note.link == f"/tu-danh-gia/{assessment_of(world.a_id, campaign_id).id}"


def test_opening_is_refused_without_participants_or_a_deadline(world, browser):
    campaign_id = make_campaign(world, units=[], self_days=None)
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": str(_campaign(campaign_id).version)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Chưa chuyển được sang giai đoạn «Đơn vị tự đánh giá»" in page
    assert "Kỳ đánh giá chưa có đơn vị tham gia nào." in page
    assert "Chưa đặt hạn tự đánh giá." in page
    assert _campaign(campaign_id).status == CampaignStatus.DRAFT


def test_a_stage_move_with_a_stale_version_is_a_conflict(world, browser):
    campaign_id = make_campaign(world)
    browser.login(world.secretariat)
    for version in ("999", ""):  # a form without the version it saw is as stale as one with an old version
        response = browser.post(f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": version})
        assert response.status_code == 409
        assert "vừa được người khác thay đổi" in response.get_data(as_text=True)
    assert _campaign(campaign_id).status == CampaignStatus.DRAFT


# ---- self-assessment → appraisal ----------------------------------------------------------------------------


def _advance(browser, campaign_id: int, confirm: bool = False):
    data = {"version": str(_campaign(campaign_id).version)}
    if confirm:
        data["confirm_unsubmitted"] = "y"
    return browser.post(f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", data)


def test_appraisal_cannot_start_before_the_deadline_while_units_have_not_submitted(world, browser):
    campaign_id = open_campaign(world)
    _submit_all(world, campaign_id, [world.a_id])
    browser.login(world.secretariat)
    response = _advance(browser, campaign_id, confirm=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Còn 2 đơn vị chưa nộp và chưa hết hạn tự đánh giá" in page
    assert "Xã Bình Đông" in page and "Phòng Nội vụ" in page
    assert _campaign(campaign_id).status == CampaignStatus.SELF_ASSESSMENT


def test_after_the_deadline_moving_on_lists_the_unsubmitted_units_and_needs_the_confirmation(world, browser):
    campaign_id = open_campaign(world)
    _submit_all(world, campaign_id, [world.a_id])
    set_campaign_deadline(campaign_id, past())
    browser.login(world.secretariat)
    refused = _advance(browser, campaign_id)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # in Vietnamese alphabetical order of the names (P before X), not by code
    assert "Còn 2 đơn vị chưa nộp hồ sơ tự đánh giá: Phòng Nội vụ, Xã Bình Đông" in page
    assert "chuyển dù còn đơn vị chưa nộp" in page
    assert _campaign(campaign_id).status == CampaignStatus.SELF_ASSESSMENT
    assert _advance(browser, campaign_id, confirm=True).status_code == 302
    assert _campaign(campaign_id).status == CampaignStatus.APPRAISAL
    record = _audit("campaign.advance")[-1]
    assert record.reason == "chuyển dù còn đơn vị chưa nộp" and '"B"' in record.after


def test_when_every_unit_has_submitted_appraisal_may_start_before_the_deadline(world, browser):
    campaign_id = open_campaign(world)
    _submit_all(world, campaign_id, [world.a_id, world.b_id, world.agency_id])
    browser.login(world.secretariat)
    assert _advance(browser, campaign_id).status_code == 302
    assert _campaign(campaign_id).status == CampaignStatus.APPRAISAL


def test_a_unit_still_within_its_own_extension_no_longer_holds_the_move_and_is_named(world, browser):
    """Issue 18 item 5: an individual extension runs into the appraisal stage (the unit keeps self-assessing)."""
    campaign_id = open_campaign(world)
    _submit_all(world, campaign_id, [world.b_id, world.agency_id])
    with scoped(SYSTEM):
        deadlines.extend_unit_deadline(
            user(world.secretariat),
            campaign_id,
            assessment_of(world.a_id, campaign_id).id,
            day=today_vn() + timedelta(days=30),
            reason="Xã bị ảnh hưởng bão",
        )
    set_campaign_deadline(campaign_id, past())
    browser.login(world.secretariat)
    assert _advance(browser, campaign_id).status_code == 302  # nobody past a deadline: no confirmation needed
    assert _campaign(campaign_id).status == CampaignStatus.APPRAISAL
    page = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert "Xã An Bình đang trong thời hạn gia hạn riêng đến" in page
    assert '"on_extension": ["A"]' in _audit("campaign.advance")[-1].after


# ---- later stages ---------------------------------------------------------------------------------------------


def _force_status(campaign_id: int, status: CampaignStatus) -> None:
    with scoped(SYSTEM):
        db.session.get(Campaign, campaign_id).status = status
        db.session.commit()


def test_the_explanation_round_needs_every_leaf_appraised_and_a_deadline(world, browser):
    campaign_id = open_campaign(world)
    _force_status(campaign_id, CampaignStatus.APPRAISAL)
    browser.login(world.secretariat)
    response = _advance(browser, campaign_id)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Còn 3 đơn vị chưa được thẩm định đủ mọi tiêu chí" in page
    assert "Chưa đặt hạn giải trình." in page
    assert _campaign(campaign_id).status == CampaignStatus.APPRAISAL


def test_publishing_is_not_a_stage_move(world, browser):
    campaign_id = open_campaign(world)
    _force_status(campaign_id, CampaignStatus.FINAL_REVIEW)
    browser.login(world.secretariat)
    response = _advance(browser, campaign_id)
    assert response.status_code == 400
    assert "Công bố kết quả bằng việc ban hành quyết định" in response.get_data(as_text=True)
    assert _campaign(campaign_id).status == CampaignStatus.FINAL_REVIEW


# ---- extensions ------------------------------------------------------------------------------------------------


def test_extending_the_whole_campaign_is_audited_shown_and_told_to_the_units(world, browser):
    campaign_id = open_campaign(world)
    before = _campaign(campaign_id).self_assessment_deadline
    new_day = today_vn() + timedelta(days=40)
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/gia-han",
        {
            "version": str(_campaign(campaign_id).version),
            "stage": "self_assessment",
            "day": _vn(new_day),
            "reason": "Trùng đợt bầu cử",
        },
    )
    assert response.status_code == 302
    assert _campaign(campaign_id).self_assessment_deadline == services.end_of_day(new_day)
    [record] = _audit("campaign.extend_deadline")
    assert record.reason == "Trùng đợt bầu cử" and before.isoformat() in record.before
    page = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert "Lịch sử gia hạn" in page and "Lý do: Trùng đợt bầu cử" in page
    with scoped(SYSTEM):
        kinds = list(
            db.session.execute(select(Notification.kind).where(Notification.kind == "campaign.extended")).scalars()
        )
    assert len(kinds) == 4  # officer and leader of A and of B (agency C has no users)


@pytest.mark.parametrize(
    ("day", "reason", "message"),
    [
        ("+50", "", "Vui lòng nêu lý do gia hạn."),
        ("+5", "Lý do", "phải sau hạn hiện tại"),
        ("-3", "Lý do", "phải là một ngày chưa qua"),
        ("32/13/2026", "Lý do", "không phải là ngày hợp lệ"),
    ],
)
def test_an_extension_needs_a_reason_and_a_later_day(world, browser, day, reason, message):
    campaign_id = open_campaign(world)
    before = _campaign(campaign_id).self_assessment_deadline
    if day[0] in "+-":
        day = _vn(today_vn() + timedelta(days=int(day)))
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/gia-han",
        {"version": str(_campaign(campaign_id).version), "stage": "self_assessment", "day": day, "reason": reason},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _campaign(campaign_id).self_assessment_deadline == before
    assert _audit("campaign.extend_deadline") == []


def test_a_unit_extension_is_recorded_with_its_reason_and_told_only_to_that_unit(world, browser):
    campaign_id = open_campaign(world)
    assessment_id = assessment_of(world.b_id, campaign_id).id
    new_day = today_vn() + timedelta(days=45)
    browser.login(world.secretariat)
    response = browser.post(
        f"/ky-danh-gia/{campaign_id}/don-vi/{assessment_id}/gia-han",
        {"day": _vn(new_day), "reason": "Cán bộ đầu mối nghỉ ốm"},
    )
    assert response.status_code == 302
    b = assessment_of(world.b_id, campaign_id)
    assert b.self_deadline == services.end_of_day(new_day)
    assert b.self_deadline_reason == "Cán bộ đầu mối nghỉ ốm"
    assert assessment_of(world.a_id, campaign_id).self_deadline is None
    [record] = _audit("assessment.extend_deadline")
    assert record.reason == "Cán bộ đầu mối nghỉ ốm" and record.unit_id == world.b_id
    page = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    assert "gia hạn riêng" in page and "Hạn tự đánh giá của Xã Bình Đông" in page
    with scoped(SYSTEM):
        told = set(
            db.session.execute(
                select(User.login)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == "assessment.extended")
            ).scalars()
        )
    assert told == {world.officer_b, world.leader_b}


# ---- who may see and do what ---------------------------------------------------------------------------------


def test_leadership_reads_the_campaign_but_may_not_move_it_and_units_may_not_open_it(world, make_browser):
    campaign_id = open_campaign(world)
    leadership = make_browser()
    leadership.login(world.leadership)
    assert leadership.get(f"/ky-danh-gia/{campaign_id}").status_code == 200
    assert _advance(leadership, campaign_id).status_code == 403
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.get(f"/ky-danh-gia/{campaign_id}").status_code == 403
    assert officer.get("/ky-danh-gia/moi").status_code == 403
    assert _campaign(campaign_id).status == CampaignStatus.SELF_ASSESSMENT


def test_another_authoritys_campaign_answers_like_a_missing_one(world, browser):
    with scoped(SYSTEM):
        other_district = db.session.get(User, world.ids["officer_far"]).unit.authority_id
        version = CriteriaVersion(
            authority_id=other_district, name="Khác", created_at=datetime(2026, 1, 1), status=VersionStatus.DRAFT
        )
        db.session.add(version)
        db.session.flush()
        other = Campaign(
            authority_id=other_district,
            year=2026,
            name="Kỳ của huyện khác",
            created_at=datetime(2026, 1, 1),
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    browser.login(world.secretariat)
    foreign = browser.get(f"/ky-danh-gia/{other_id}")
    missing = browser.get("/ky-danh-gia/987654")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()
    assert _advance_raw(browser, other_id).status_code == 404


def _advance_raw(browser, campaign_id: int):
    return browser.post(f"/ky-danh-gia/{campaign_id}/chuyen-giai-doan", {"version": "1"})


# ---- the campaign page and home cards -----------------------------------------------------------------------


def test_the_campaign_page_shows_each_units_status_progress_and_submission(world, browser):
    campaign_id = open_campaign(world)
    with scoped(SYSTEM):
        for code, value in (("1.1.b", "3"), ("2.1", "1.25")):
            item_of(world.a_id, campaign_id, code).self_score = value
        b = assessment_of(world.b_id, campaign_id)
        b.status = AssessmentStatus.SUBMITTED
        b.submitted_at = datetime(2026, 12, 1, 3, 30)
        db.session.commit()
    browser.login(world.secretariat)
    page = browser.get(f"/ky-danh-gia/{campaign_id}").get_data(as_text=True)
    row_a = page.split('data-unit="A"')[1].split("</tr>")[0]
    row_b = page.split('data-unit="B"')[1].split("</tr>")[0]
    assert "Đang tự chấm" in row_a and "2/6" in row_a
    assert "Đã nộp" in row_b and "10:30 01/12/2026" in row_b
    assert "Khối xã (2 đơn vị)" in page and "Khối cơ quan (1 đơn vị)" in page


def test_home_cards_show_the_campaign_to_the_secretariat_and_the_assessment_to_the_unit(world, make_browser):
    campaign_id = open_campaign(world)
    secretariat = make_browser()
    secretariat.login(world.secretariat)
    home = secretariat.get("/").get_data(as_text=True)
    assert "Đánh giá Chỉ số Dân vận chính quyền năm 2026" in home
    assert "Đã nộp 0/3 đơn vị" in home and f"/ky-danh-gia/{campaign_id}" in home
    officer = make_browser()
    officer.login(world.officer_a)
    home = officer.get("/").get_data(as_text=True)
    assert "Hồ sơ: Đang tự chấm" in home and "còn 20 ngày" in home
    assert f"/tu-danh-gia/{assessment_of(world.a_id, campaign_id).id}" in home
