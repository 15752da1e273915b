"""The plan pages as a person uses them: draft, edit, submit, acknowledge; reports; follow-up; downloads."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from dvcq.plans.models import ImprovementPlan, PlanStatus
from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.plans.plan_factories import published_2025


@pytest.fixture(autouse=True)
def _setup(app, monkeypatch):
    app.config["DECISIONS_PDF"] = False
    monkeypatch.setattr(clock, "today_in_vietnam", lambda: date(2026, 4, 20))


def plan_row(unit_id) -> ImprovementPlan:
    db.session.expire_all()
    with scoped(SYSTEM):
        plan = db.session.execute(select(ImprovementPlan).where(ImprovementPlan.unit_id == unit_id)).scalar_one()
        plan.tasks  # noqa: B018
        return plan


@pytest.fixture
def drafted(world, make_browser):
    published_2025(world)
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post("/ke-hoach/lap")
    assert response.status_code == 302
    return plan_row(world.a_id)


def test_the_commune_sees_its_result_and_one_task_per_lost_item(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    page = officer.get(f"/ke-hoach/{drafted.id}").get_data(as_text=True)
    assert "85,50" in page and "02/02" in page
    solutions = page[page.index('data-kind="solution"') :]
    assert solutions.index('data-item="2.1"') < solutions.index('data-item="1.1"') < solutions.index('data-item="2.2"')
    assert page.index('data-item="2.1,2.2"') < page.index('data-item="1.1"'), "focus tasks first: area 2 lost most"


def test_another_units_plan_answers_404_byte_for_byte_like_a_missing_one(world, make_browser, drafted):
    other = make_browser()
    other.login(world.officer_b)
    foreign = other.get(f"/ke-hoach/{drafted.id}")
    missing = other.get("/ke-hoach/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_data() == missing.get_data()
    assert other.get(f"/ke-hoach/{drafted.id}/ke-hoach.docx").status_code == 404


def test_an_officer_submitting_gets_403_and_the_plan_stays_a_draft(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version})
    assert response.status_code == 403
    assert plan_row(world.a_id).status == PlanStatus.DRAFT


def test_a_stale_form_is_a_409_and_keeps_the_first_save(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    first = officer.post(f"/ke-hoach/{drafted.id}/luu", {"version": drafted.version, "goals": "Một"})
    assert first.status_code == 302
    second = officer.post(f"/ke-hoach/{drafted.id}/luu", {"version": drafted.version, "goals": "Hai"})
    assert second.status_code == 409
    assert plan_row(world.a_id).goals == "Một"


def test_a_task_due_outside_the_plan_year_is_refused_with_a_message(world, make_browser, drafted):
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post(
        f"/ke-hoach/{drafted.id}/nhiem-vu",
        {"version": drafted.version, "text": "Đối thoại", "responsible_post": "Chủ tịch", "due_on": "01/02/2027"},
    )
    assert response.status_code == 400
    assert "ngoài năm kế hoạch 2026" in response.get_data(as_text=True)
    assert len(plan_row(world.a_id).tasks) == 5


def test_submit_acknowledge_report_and_the_district_sees_it_and_the_docx_and_xlsx(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    task = next(t for t in drafted.tasks if t.kind.value == "solution")
    assert (
        leader.post(
            f"/ke-hoach/{drafted.id}/nhiem-vu/{task.id}",
            {
                "version": drafted.version,
                "kind": "solution",
                "text": task.text,
                "item_codes": "2.1",
                "responsible_user_id": str(world.ids["officer_a"]),
                "due_on": "30/06/2026",
            },
        ).status_code
        == 302
    )
    assert leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": plan_row(world.a_id).version}).status_code == 302
    version = plan_row(world.a_id).version
    assert secretariat.post(f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": version}).status_code == 302
    url = f"/ke-hoach/{drafted.id}/bao-cao/quy-1"
    assert (
        leader.post(
            url,
            {
                "version": "",
                "narrative": "Đã tổ chức đối thoại",
                f"percent:{task.id}": "50",
                f"status:{task.id}": "doing",
            },
        ).status_code
        == 302
    )
    report_version = plan_row(world.a_id).reports[0].version
    submitted = {"version": report_version, "action": "submit", "narrative": "Đã tổ chức đối thoại"}
    assert leader.post(url, submitted).status_code == 302
    # not open yet: H1 opens 15/06
    early = leader.post(f"/ke-hoach/{drafted.id}/bao-cao/6-thang", {"version": "", "narrative": "x"})
    assert early.status_code == 400 and "chưa mở" in early.get_data(as_text=True)

    follow = secretariat.get("/ke-hoach/theo-doi?nam=2026").get_data(as_text=True)
    assert "Xã An Bình" in follow and "Nộp muộn" in follow and "Đã tiếp nhận" in follow
    home = secretariat.get("/").get_data(as_text=True)  # the card counts the report waiting for them
    assert "0 kế hoạch chờ tiếp nhận; 1 báo cáo chờ tiếp nhận; 0 báo cáo quá hạn chưa nộp." in home

    plan_doc = Document(io.BytesIO(secretariat.get(f"/ke-hoach/{drafted.id}/ke-hoach.docx").data))
    text = "\n".join(p.text for p in plan_doc.paragraphs)
    cells = "\n".join(c.text for t in plan_doc.tables for row in t.rows for c in row.cells)
    text = text.replace("\u00a0", " ")
    assert "KẾ HOẠCH" in text and "Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã năm 2026" in text
    assert "I. MỤC TIÊU, CHỈ TIÊU" in text and "II. NHIỆM VỤ, GIẢI PHÁP" in text and "III. TỔ CHỨC THỰC HIỆN" in text
    assert "ỦY BAN NHÂN DÂN\nXÃ AN\u00a0BÌNH" in cells and "/KH-UBND" in cells
    assert "TM. ỦY BAN NHÂN DÂN" in cells and "CHỦ TỊCH" in cells and "Nơi nhận:" in cells
    assert "Nguyễn Văn An" in cells and "30/06/2026" in cells

    report_doc = Document(io.BytesIO(leader.get(f"/ke-hoach/{drafted.id}/bao-cao/quy-1.docx").data))
    assert "Đã tổ chức đối thoại" in "\n".join(p.text for p in report_doc.paragraphs)

    book = load_workbook(io.BytesIO(secretariat.get("/ke-hoach/theo-doi.xlsx?nam=2026").data))
    header, *rows = book.active.iter_rows(min_row=5, values_only=True)  # under the title block
    assert header[:3] == ("STT", "Đơn vị", "Kế hoạch")
    by_unit = {r[1]: r for r in rows}
    assert by_unit["Xã An Bình"][6] == "Nộp muộn, chờ tiếp nhận"
    assert by_unit["Xã Bình Đông"][2] == "Chưa có kế hoạch"


def test_home_cards_show_the_plan_and_next_report_and_the_secretariats_waiting_plans(world, make_browser, drafted):
    leader, secretariat = make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    assert leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version}).status_code == 302
    assert "1 kế hoạch chờ tiếp nhận" in secretariat.get("/").get_data(as_text=True)
    secretariat.post(f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": plan_row(world.a_id).version})
    home = leader.get("/").get_data(as_text=True)
    assert "Kế hoạch cải thiện năm 2026" in home and "Báo cáo kỳ tới: Quý I, hạn 15/04/2026" in home


def test_an_officer_may_not_acknowledge_and_a_unit_may_not_draft_before_any_publication(world, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    response = officer.post("/ke-hoach/lap")
    assert response.status_code == 400
    assert "Chưa có kết quả đánh giá nào được công bố" in response.get_data(as_text=True)
    assert "Yêu cầu không hợp lệ" not in response.get_data(as_text=True)  # the plans page, saying why
    assert officer.post("/ke-hoach/1/tiep-nhan", {"version": "1"}).status_code == 403
    assert officer.get("/ke-hoach/theo-doi").status_code == 403


def test_reports_stale_save_is_409_and_another_units_report_is_404(world, make_browser, drafted):
    leader, secretariat, other = make_browser(), make_browser(), make_browser()
    leader.login(world.leader_a)
    secretariat.login(world.secretariat)
    other.login(world.leader_b)
    leader.post(f"/ke-hoach/{drafted.id}/gui", {"version": drafted.version})
    secretariat.post(f"/ke-hoach/{drafted.id}/tiep-nhan", {"version": plan_row(world.a_id).version})
    url = f"/ke-hoach/{drafted.id}/bao-cao/quy-1"
    assert leader.post(url, {"version": "", "narrative": "Lần một"}).status_code == 302
    stale = leader.post(url, {"version": "", "narrative": "Lần hai"})
    assert stale.status_code == 409
    assert plan_row(world.a_id).reports[0].narrative == "Lần một"
    assert other.get(url).get_data() == other.get("/ke-hoach/999999/bao-cao/quy-1").get_data()
    assert other.post(url, {"version": "1", "narrative": "x"}).status_code == 404
