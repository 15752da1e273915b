"""No lost input on the plan pages: a refused form comes back as the same page with everything the user typed and each
problem in Vietnamese beside its input, nothing saved; every save, send and acceptance says so in words."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from dvcq.plans.models import ImprovementPlan, PlanStatus
from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.plans.plan_factories import published_2025


@pytest.fixture(autouse=True)
def _setup(app, monkeypatch):
    app.config["DECISIONS_PDF"] = False
    monkeypatch.setattr(clock, "today_in_vietnam", lambda: date(2026, 4, 1))


def plan_row(unit_id) -> ImprovementPlan:
    db.session.expire_all()
    with scoped(SYSTEM):
        plan = db.session.execute(select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id)).scalar_one()
        plan.tasks  # noqa: B018
        plan.reports  # noqa: B018
        return plan


@pytest.fixture
def drafted(world, make_browser):
    published_2025(world)
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.post("/ke-hoach/lap").status_code == 302
    return plan_row(world.a_id)


def field_error(page: str, name: str) -> str:
    """The problem shown beside the input `name`, as a user reads it."""
    match = re.search(rf'<small class="error" id="[^"]+" data-field="{re.escape(name)}">([^<]*)</small>', page)
    assert match, f"no problem shown beside {name}"
    return unescape(match.group(1))


def text_of(page: str) -> str:
    return unescape(page)


def test_a_task_without_a_responsible_person_and_due_31_02_keeps_what_was_typed(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    typed = {
        "version": drafted.version,
        "kind": "focus",
        "text": "Tổ chức hội nghị đối thoại với Nhân dân về thủ tục đất đai",
        "item_codes": "2.1, 2.3",
        "responsible_user_id": "",
        "responsible_post": "",
        "due_on": "31/02/2026",
    }
    response = officer.post(f"/ke-hoach/{drafted.id}/nhiem-vu", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" not in page  # the plan page again, not a dead end
    assert "Chưa chọn người phụ trách" in field_error(page, "responsible_post")
    assert "31/02/2026" in field_error(page, "due_on") and "không phải là một ngày có thật" in field_error(
        page, "due_on"
    )
    form = page[page.index('data-testid="add-task"') :]
    assert "Tổ chức hội nghị đối thoại với Nhân dân về thủ tục đất đai</textarea>" in text_of(form)
    assert 'value="2.1, 2.3"' in form and 'value="31/02/2026"' in form
    assert '<option value="focus" selected>' in form
    assert 'aria-invalid="true"' in form
    assert len(plan_row(world.a_id).tasks) == 5  # nothing saved: 2 focus tasks, 3 solutions


def test_a_refused_task_edit_keeps_that_tasks_typing_and_leaves_the_others_as_saved(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    first, second = drafted.tasks[0], drafted.tasks[1]
    response = officer.post(
        f"/ke-hoach/{drafted.id}/nhiem-vu/{second.id}",
        {"version": drafted.version, "kind": "solution", "text": "Nội dung mới chưa lưu", "due_on": "01/02/2027"},
    )
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "nằm ngoài năm kế hoạch 2026" in field_error(page, "due_on")
    refused = page[page.index(f'id="nhiem-vu-{second.id}"') :]
    assert "Nội dung mới chưa lưu</textarea>" in refused[: refused.index("</article>")]
    untouched = page[page.index(f'id="nhiem-vu-{first.id}"') :]
    assert f"{first.text}</textarea>" in untouched[: untouched.index("</article>")]
    assert plan_row(world.a_id).tasks[1].text == second.text


def test_a_bad_number_in_the_targets_is_shown_beside_it_and_nothing_is_saved(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post(
        f"/ke-hoach/{drafted.id}/luu",
        {"version": drafted.version, "goals": "Giữ vững hạng 2", "target_total": "9o,5", "target_rank": "hai"},
    )
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "«9o,5» không phải là số" in field_error(page, "target_total")
    assert "số nguyên từ 1 trở lên" in field_error(page, "target_rank")
    assert "Giữ vững hạng 2</textarea>" in page and 'value="9o,5"' in page
    assert plan_row(world.a_id).goals == drafted.goals


def test_saves_sends_and_acceptances_say_so_in_words(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    saved = leader.post(
        f"/ke-hoach/{drafted.id}/luu", {"version": drafted.version, "target_rank": "1"}, follow_redirects=True
    )
    assert "Đã lưu mục tiêu và chỉ tiêu của kế hoạch." in saved.get_data(as_text=True)
    added = leader.post(
        f"/ke-hoach/{drafted.id}/nhiem-vu",
        {"version": plan_row(world.a_id).version, "text": "Niêm yết thủ tục", "responsible_post": "Văn phòng"},
        follow_redirects=True,
    )
    assert "Đã thêm nhiệm vụ «Niêm yết thủ tục»." in text_of(added.get_data(as_text=True))
    sent = leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": plan_row(world.a_id).version}, follow_redirects=True)
    assert "Đã gửi kế hoạch lên Thường trực Ban Chỉ đạo lúc" in sent.get_data(as_text=True)
    accepted = secretariat.post(
        f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": plan_row(world.a_id).version}, follow_redirects=True
    )
    assert "Đã tiếp nhận kế hoạch cải thiện năm 2026 của Xã An Bình" in accepted.get_data(as_text=True)


def test_returning_a_plan_without_a_reason_keeps_the_plan_waiting_and_asks_for_one(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version})
    response = secretariat.post(f"/ke-hoach/{drafted.id}/tra-lai", {"version": plan_row(world.a_id).version})
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Hãy ghi lý do trả lại" in field_error(page, "reason")
    assert plan_row(world.a_id).status == PlanStatus.SUBMITTED


def test_a_refused_report_keeps_the_narrative_percentages_and_chosen_files(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version})
    secretariat.post(f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": plan_row(world.a_id).version})
    task = drafted.tasks[0]
    response = leader.post(
        f"/ke-hoach/{drafted.id}/bao-cao/quy-1",
        {"version": "", "narrative": "Đã tổ chức 02 hội nghị", f"percent:{task.id}": "150", "action": "submit"},
    )
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "«150» phải là số nguyên từ 0 đến 100" in field_error(page, f"percent:{task.id}")
    assert "Đã tổ chức 02 hội nghị</textarea>" in page and 'value="150"' in page
    assert plan_row(world.a_id).reports == []  # neither saved nor sent
    submitted = leader.post(
        f"/ke-hoach/{drafted.id}/bao-cao/quy-1",
        {"version": "", "narrative": "Đã tổ chức 02 hội nghị", f"percent:{task.id}": "40", "action": "submit"},
        follow_redirects=True,
    )
    assert "Đã gửi báo cáo Quý I năm 2026 lên Thường trực Ban Chỉ đạo lúc" in submitted.get_data(as_text=True)


def test_a_report_sent_without_its_narrative_is_refused_beside_the_narrative(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version})
    secretariat.post(f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": plan_row(world.a_id).version})
    response = leader.post(
        f"/ke-hoach/{drafted.id}/bao-cao/quy-1", {"version": "", "narrative": " ", "action": "submit"}
    )
    assert response.status_code == 400
    assert "phần đánh giá kết quả thực hiện" in field_error(text_of(response.get_data(as_text=True)), "narrative")
    assert plan_row(world.a_id).reports == []


def test_another_units_plan_form_is_404_like_a_missing_one_and_authority_staff_may_not_edit(
    world, make_browser, drafted
):
    other, secretariat = make_browser(), make_browser()
    other.login(world.officer_b)
    secretariat.login(world.secretariat)
    typed = {"version": drafted.version, "text": "x", "responsible_post": "y"}
    foreign = other.post(f"/ke-hoach/{drafted.id}/nhiem-vu", typed)
    missing = other.post("/ke-hoach/999999/nhiem-vu", typed)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()
    assert secretariat.post(f"/ke-hoach/{drafted.id}/nhiem-vu", typed).status_code == 403
    assert len(plan_row(world.a_id).tasks) == 5
