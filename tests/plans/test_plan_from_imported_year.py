"""A plan from an imported year (issue 18, item 2): a commune whose last result was decided before the platform drafts
its plan from the imported result — goals from its total, level and rank, focus tasks from the areas where it lost
most, the decision it carries out from the imported year — and issues, files and reports on it like any plan; while
the year has no decision recorded, the plan is drafted but not issued."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dvcq.plans import documents, editing, handovers, reports
from dvcq.plans.models import ImprovementPlan, Period, PlanStatus, TaskKind
from dvcq.platform import clock
from dvcq.platform.audit import AuditRecord
from dvcq.platform.errors import Conflict, NotFound
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.results import past
from tests.documents import lines, open_docx
from tests.plans.plan_factories import as_authority, as_unit, user
from tests.plans.test_plan_documents import in_order
from tests.plans.test_plan_services import load
from tests.scoring.results_factories import XUAT_SAC, results_version

HEADER = ["Năm", "Mã đơn vị", "Khối", "Điểm tự chấm", "Điểm thẩm định", "Xếp hạng", "Xếp loại"]
DECISION = ["Số quyết định", "Ngày quyết định"]
# Xã An Bình (A) in 2023 as Xã Ba Nam was: 97,00 self-scored, 85,50 appraised, second of the group; Xã Bình Đông (B)
# first with 91,00. Per area (20 points each) A lost 1,50 · 5,00 · 1,00 · 4,00 · 3,00: areas 2, 4 and 5 lost most.
AREAS = ["Năm", "Mã đơn vị", "Mã lĩnh vực", "Điểm tự chấm", "Điểm thẩm định"]
A_AREAS = {"1": ("20", "18,50"), "2": ("19", "15"), "3": ("20", "19"), "4": ("19", "16"), "5": ("19", "17")}
OFFER = "Lập kế hoạch từ kết quả năm 2023 (Quyết định số 3807/QĐ-UBND ngày 29/12/2023)"
OPENING = (
    "Thực hiện Quyết định số 3807/QĐ-UBND ngày 29/12/2023 của Ủy ban nhân dân huyện Thử Nghiệm phê duyệt kết quả "
    "đánh giá, phân loại công tác dân vận chính quyền năm 2023; theo đó, năm 2023 xã An Bình tự chấm 97,00 điểm, "
    "được thẩm định 85,50 điểm, xếp loại Hoàn thành tốt nhiệm vụ, xếp hạng 02/02."
)
CV_245 = "Căn cứ Công văn số 245/UBND ngày 31/10/2023 của Ủy ban nhân dân huyện Thử Nghiệm;"


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


def at(monkeypatch, *when: int) -> None:
    monkeypatch.setattr(clock, "utc", lambda: datetime(*when, 3, tzinfo=UTC))


def imported_2023(world, runner, tmp_path, *, decided: bool = True, per_area: bool = True) -> None:
    """The district's 2023 results imported from the past-results file."""
    results_version(world)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KetQua"
    sheet.append(HEADER + DECISION)
    decision = ["3807/QĐ-UBND", "29/12/2023"] if decided else ["", ""]
    sheet.append([2023, "A", "Khối xã", "97,00", "85,50", "02/02", "Hoàn thành tốt", *decision])
    sheet.append([2023, "B", "Khối xã", "95,00", "91,00", "01/02", "Hoàn thành xuất sắc", *decision])
    if per_area:
        areas = workbook.create_sheet("TheoLinhVuc")
        areas.append(AREAS)
        for code, (own, appraised) in A_AREAS.items():
            areas.append([2023, "A", code, own, appraised])
    path = tmp_path / "ket-qua-2023.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["dvcq", "results", "import", str(path), "--authority", "D"])
    assert result.exit_code == 0, result.output


def plans_page(world, monkeypatch, make_browser, year: int):
    """Xã An Bình's officer on 15/01 of `year`, and the plans page as it reads then."""
    at(monkeypatch, year, 1, 15)
    officer = make_browser()
    officer.login(world.officer_a)
    return officer, officer.get("/ke-hoach/").get_data(as_text=True)


@pytest.fixture
def drafted(world, runner, tmp_path, monkeypatch, make_browser):
    """Xã An Bình's officer drafts its 2024 plan from the plans page on 15/01/2024."""
    imported_2023(world, runner, tmp_path)
    officer, index = plans_page(world, monkeypatch, make_browser, 2024)
    assert OFFER in index and "tự chấm 97,00 điểm, được thẩm định 85,50 điểm" in index
    response = officer.post("/ke-hoach/lap")
    assert response.status_code == 302
    with scoped(SYSTEM):
        return db.session.execute(select(ImprovementPlan.id).where(ImprovementPlan.unit_id == world.a_id)).scalar_one()


def issue(world, plan_id: int, *, bases: str = CV_245) -> None:
    """The leader numbers and sends the plan (10/02/2024); the district acknowledges it."""
    with as_unit(world, world.a_id):
        plan = load(plan_id)
        form = {"number": "05/KH-UBND", "bases": bases, "goals": plan.goals, "organization": plan.organization}
        form.update(target_rank=str(plan.target_rank), target_level_order=str(plan.target_level_order))
        form.update(target_total="90")
        plan = editing.update_plan(user(world.leader_a), plan_id, plan.version, form)
        plan = handovers.submit_plan(user(world.leader_a), plan_id, plan.version)
        version = plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    db.session.remove()


def test_the_plan_starts_from_the_imported_result_its_rank_level_and_the_areas_that_lost_most(world, drafted):
    plan = load(drafted)
    assert (plan.year, plan.source_result_year, plan.source_campaign_id) == (2024, 2023, None)
    base = json.loads(plan.baseline)
    assert (base["self_total"], base["appraised_total"], base["gap"]) == ("97.00", "85.50", "11.50")
    assert (base["level"], base["rank"]) == ("Hoàn thành tốt nhiệm vụ", "02/02")
    assert base["what_if"] == [
        "Cần thêm 4,50 điểm để đạt mức Hoàn thành xuất sắc nhiệm vụ (từ 90,00 điểm).",
        "Cần thêm 5,50 điểm để vươn lên hạng 01/02 (hiện xếp hạng 02/02).",
    ]
    # The next level at its threshold; 90,00 would still be below B's 91,00, so the rank to keep is the second.
    assert (plan.target_level_name, plan.target_total, plan.target_rank) == (XUAT_SAC, D("90.00"), 2)
    # The 4,50 points go back first where most was lost (area 2 lost 5,00).
    assert json.loads(plan.area_targets) == {"1": "18.50", "2": "19.50", "3": "19.00", "4": "16.00", "5": "17.00"}
    focus = [t for t in plan.tasks if t.kind == TaskKind.FOCUS]
    assert [(t.item_codes, t.points_lost) for t in focus] == [
        ("2.1,2.2,2.3", D("5.00")),
        ("4.1,4.2,4.3", D("4.00")),
        ("5.1,5.2,5.3", D("3.00")),
    ]
    assert focus[0].text.startswith("Tập trung khắc phục hạn chế ở lĩnh vực 2 «")
    assert focus[0].text.endswith("(năm 2023 đạt 15,00/20,00 điểm, tự chấm 19,00 điểm).")
    solutions = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION]
    assert [t.item_codes for t in solutions] == ["2.1,2.2,2.3", "4.1,4.2,4.3", "5.1,5.2,5.3", ""]
    assert "chênh lệch 11,50 điểm" in solutions[-1].text
    assert all(t.responsible_post == "Công chức Văn phòng - Thống kê" for t in solutions)
    assert [t.due_on.year for t in plan.tasks] == [2024] * len(plan.tasks)
    with scoped(SYSTEM):
        drafted_by = db.session.execute(select(AuditRecord).where(AuditRecord.action == "plan.draft")).scalar_one()
    assert json.loads(drafted_by.after) == {"year": 2024, "from_year": 2023, "imported": True}


def test_the_issued_plan_cites_the_imported_decision_in_the_sections_communes_write(world, drafted):
    issue(world, drafted)
    with as_unit(world, world.a_id):
        text = lines(open_docx(documents.plan_docx(load(drafted))))
    assert text[1] == "Số: 05/KH-UBND"
    in_order(
        text,
        "KẾ HOẠCH",
        "Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã năm 2024",
        CV_245,
        "I. MỤC TIÊU, CHỈ TIÊU",
        "1. Mục tiêu",
        "2. Chỉ tiêu",
        "- Giữ vững thứ hạng 02/02 trong khối.",
        "- Phấn đấu đạt xếp loại «Hoàn thành xuất sắc nhiệm vụ».",
        "- Tổng điểm thẩm định đạt từ 90,00 điểm trở lên.",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "1. Nhiệm vụ trọng tâm",
        "2. Nhiệm vụ, giải pháp cụ thể",
        "III. TỔ CHỨC THỰC HIỆN",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Thị Lãnh",
    )
    opening = text[text.index(CV_245) + 1]
    assert opening.startswith(OPENING)
    focus = text[text.index("1. Nhiệm vụ trọng tâm") + 1 : text.index("2. Nhiệm vụ, giải pháp cụ thể")]
    assert [line[:48] for line in focus] == ["- Tập trung khắc phục hạn chế ở lĩnh vực 2 «Lĩnh"] + [
        f"- Tập trung khắc phục hạn chế ở lĩnh vực {code} «Lĩnh" for code in ("4", "5")
    ]


def test_reports_are_filed_on_it_and_the_district_follows_it(world, drafted, monkeypatch, make_browser):
    at(monkeypatch, 2024, 2, 10)
    issue(world, drafted)
    at(monkeypatch, 2024, 4, 10)
    with as_unit(world, world.a_id):
        plan = load(drafted)
        first = plan.tasks[0]
        form = {"narrative": "Đã rà soát các tiêu chí của lĩnh vực 2.", f"status:{first.id}": "doing"}
        reports.submit_report(user(world.leader_a), drafted, Period.Q1, "", {**form, f"percent:{first.id}": "40"})
        version = reports.report_of(load(drafted), Period.Q1).version
    with as_authority(world):
        reports.acknowledge_report(user(world.secretariat), drafted, Period.Q1, version)
    db.session.remove()
    with as_unit(world, world.a_id):
        text = lines(open_docx(documents.report_docx(load(drafted), Period.Q1)))
    assert text[text.index("BÁO CÁO") + 2].startswith(
        "Thực hiện Kế hoạch số 05/KH-UBND ngày 10/02/2024 của Ủy ban nhân dân xã An Bình về khắc phục"
    )
    district = make_browser()
    district.login(world.secretariat)
    follow_up = district.get("/ke-hoach/theo-doi?nam=2024").get_data(as_text=True)
    assert "Xã An Bình" in follow_up and "Đã tiếp nhận" in follow_up
    assert reports.report_state(load(drafted), Period.Q1, clock.today_in_vietnam()) == "acknowledged"


def test_another_unit_gets_404_the_district_may_not_draft_and_a_form_without_its_token_is_refused(
    world, drafted, make_browser
):
    other = make_browser()
    other.login(world.officer_b)
    assert other.get(f"/ke-hoach/{drafted}").status_code == 404
    assert other.get(f"/ke-hoach/{drafted}/ke-hoach.docx").status_code == 404
    with as_unit(world, world.b_id), pytest.raises(NotFound):
        editing.draft_plan(user(world.officer_b), world.a_id)
    district = make_browser()
    district.login(world.secretariat)
    assert district.post("/ke-hoach/lap").status_code == 403
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.client.post(f"/ke-hoach/{drafted}/luu", data={"goals": "Khác"}).status_code == 400
    assert load(drafted).goals != "Khác"


def test_without_a_recorded_decision_the_plan_is_drafted_but_not_issued_until_the_district_records_it(
    world, runner, tmp_path, monkeypatch, make_browser
):
    imported_2023(world, runner, tmp_path, decided=False, per_area=False)
    officer, index = plans_page(world, monkeypatch, make_browser, 2024)
    assert "Lập kế hoạch từ kết quả năm 2023 (chưa ghi số, ngày quyết định)" in index
    assert 'data-testid="no-decision"' in index
    assert officer.post("/ke-hoach/lap").status_code == 302
    with scoped(SYSTEM):
        plan_id = db.session.execute(select(ImprovementPlan.id)).scalar_one()
    plan = load(plan_id)
    version = plan.version
    # No points per area: the general focus tasks and solutions.
    assert [t.item_codes for t in plan.tasks] == [""] * len(plan.tasks)
    assert len([t for t in plan.tasks if t.kind == TaskKind.FOCUS]) == 3
    page = officer.get(f"/ke-hoach/{plan_id}").get_data(as_text=True)
    assert 'data-testid="missing-decision"' in page and "chưa ghi số, ngày Quyết định phê duyệt kết quả" in page
    assert 'data-testid="plan-docx"' not in page
    download = officer.get(f"/ke-hoach/{plan_id}/ke-hoach.docx")
    assert download.status_code == 409 and "Thường trực Ban Chỉ đạo ghi số, ngày quyết định" in download.get_data(
        as_text=True
    )
    leader = make_browser()
    leader.login(world.leader_a)
    refused = leader.post(f"/ke-hoach/{plan_id}/gui", {"version": version})
    assert refused.status_code == 409 and load(plan_id).status == PlanStatus.DRAFT
    printed = runner.invoke(args=["dvcq", "documents", "plan", "--unit", "A", "--year", "2024", "kh.docx"])
    assert printed.exit_code == 1 and "chưa ghi số, ngày Quyết định" in printed.stderr
    with as_unit(world, world.a_id), pytest.raises(Conflict):
        documents.plan_docx(load(plan_id))

    with as_authority(world):
        year = past.year_decision(world.district_id, 2023)
        past.record_decision(user(world.secretariat), 2023, "3807/QĐ-UBND", "29/12/2023", year.seen)
    db.session.remove()
    assert leader.post(f"/ke-hoach/{plan_id}/gui", {"version": version}).status_code == 302
    text = lines(open_docx(leader.get(f"/ke-hoach/{plan_id}/ke-hoach.docx").data))
    assert text[text.index("KẾ HOẠCH") + 2].startswith(OPENING)


def test_an_imported_year_older_than_last_year_is_not_offered(world, runner, tmp_path, monkeypatch, make_browser):
    imported_2023(world, runner, tmp_path)
    _, index = plans_page(world, monkeypatch, make_browser, 2026)
    assert "Lập kế hoạch từ kết quả" not in index
    assert "Chưa có kết quả đánh giá nào được công bố nên chưa thể lập kế hoạch." in index
