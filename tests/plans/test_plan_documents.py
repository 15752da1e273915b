"""The improvement plan and its period reports as a clerk signs them, read back from the .docx: the decision the plan
carries out, its sections in the order communes write them, the signer, the recipients, nothing left to fill; and
the command line that prints them (`dvcq documents plan|report`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from dvcq.plans import documents, editing, handovers, reports, wording
from dvcq.plans.drafting import solution_text
from dvcq.plans.models import Period, TaskKind
from dvcq.platform import clock
from dvcq.platform.extensions import db
from dvcq.scoring.decisions.document import docx_to_pdf
from dvcq.scoring.results.whatif import LostItem
from tests.documents import lines, open_docx, pdf_pages, placeholders, require_soffice
from tests.plans.plan_factories import as_authority, as_unit, published_2025, user
from tests.plans.test_plan_services import load

SIGNATURE = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Thị Lãnh"]


@pytest.fixture(autouse=True)
def _no_pdf(app):
    app.config["DECISIONS_PDF"] = False


def at(monkeypatch, *when: int) -> None:
    monkeypatch.setattr(clock, "utc", lambda: datetime(*when, 3, tzinfo=UTC))


@pytest.fixture
def plan_id(world, monkeypatch):
    """Xã An Bình's 2026 plan, numbered 12/KH-UBND, sent on 10/02/2026 and acknowledged; its Quý I report sent
    on 10/04/2026 with one task done and one under way."""
    published_2025(world)
    at(monkeypatch, 2026, 2, 10)
    with as_unit(world, world.a_id):
        plan = editing.draft_plan(user(world.officer_a), world.a_id)
        form = {"number": "12/KH-UBND", "goals": plan.goals, "organization": plan.organization}
        form.update(target_rank=str(plan.target_rank), target_level_order=str(plan.target_level_order))
        plan = editing.update_plan(user(world.leader_a), plan.id, plan.version, form)
        plan = handovers.submit_plan(user(world.leader_a), plan.id, plan.version)
        plan_id, version = plan.id, plan.version
    with as_authority(world):
        handovers.acknowledge_plan(user(world.secretariat), plan_id, version)
    at(monkeypatch, 2026, 4, 10)
    with as_unit(world, world.a_id):
        plan = load(plan_id)
        first, second = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION][:2]
        progress = {f"status:{first.id}": "done", f"status:{second.id}": "doing", f"percent:{second.id}": "50"}
        reports.submit_report(
            user(world.leader_a), plan_id, Period.Q1, "", {"narrative": "Đã tổ chức 02 hội nghị đối thoại.", **progress}
        )
    db.session.remove()
    return plan_id


def plan_lines(world, plan_id) -> list[str]:
    with as_unit(world, world.a_id):
        return lines(open_docx(documents.plan_docx(load(plan_id))))


def report_lines(world, plan_id, period: Period) -> list[str]:
    with as_unit(world, world.a_id):
        return lines(open_docx(documents.report_docx(load(plan_id), period)))


def in_order(text: list[str], *expected: str) -> None:
    """Each expected line is there, after the one before it."""
    at = -1
    for line in expected:
        assert line in text[at + 1 :], f"{line!r} missing after {text[at]!r}"
        at = text.index(line, at + 1)


def test_the_plan_carries_out_the_decision_in_the_sections_communes_write(world, plan_id):
    text = plan_lines(world, plan_id)
    assert text[:5] == [
        "ỦY BAN NHÂN DÂN XÃ AN BÌNH",
        "Số: 12/KH-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "An Bình, ngày 10 tháng 02 năm 2026",
    ]
    in_order(
        text,
        "KẾ HOẠCH",
        "Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã năm 2026",
        "I. MỤC TIÊU, CHỈ TIÊU",
        "1. Mục tiêu",
        "2. Chỉ tiêu",
        "II. NHIỆM VỤ, GIẢI PHÁP",
        "1. Nhiệm vụ trọng tâm",
        "2. Nhiệm vụ, giải pháp cụ thể",
        "III. TỔ CHỨC THỰC HIỆN",
        "Nơi nhận:",
        *SIGNATURE,
    )
    opening = text[text.index("KẾ HOẠCH") + 2]
    assert opening.startswith(
        "Thực hiện Quyết định số 05/QĐ-UBND ngày 15/01/2025 của Ủy ban nhân dân huyện Thử Nghiệm phê duyệt kết quả "
        "đánh giá, phân loại công tác dân vận chính quyền năm 2025; theo đó, năm 2025 xã An Bình tự chấm 97,00 điểm, "
        "được thẩm định 85,50 điểm, xếp loại Hoàn thành tốt nhiệm vụ, xếp hạng 02/02."
    )
    assert opening.endswith(
        "Ủy ban nhân dân xã An Bình xây dựng Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số "
        "Dân vận chính quyền của xã năm 2026 như sau:"
    )
    targets = text[text.index("2. Chỉ tiêu") + 1 : text.index("II. NHIỆM VỤ, GIẢI PHÁP")]
    assert targets[:2] == [
        "- Phấn đấu nâng thứ hạng từ 02/02 lên 01/02 trở lên.",
        "- Phấn đấu đạt xếp loại «Hoàn thành xuất sắc nhiệm vụ».",
    ]
    focus = text[text.index("1. Nhiệm vụ trọng tâm") + 1 : text.index("2. Nhiệm vụ, giải pháp cụ thể")]
    assert [line[:60] for line in focus] == [
        "- Tập trung khắc phục hạn chế ở lĩnh vực 2 «Lĩnh vực 2» (năm",
        "- Tập trung khắc phục hạn chế ở lĩnh vực 1 «Lĩnh vực 1» (năm",
    ]
    organization = " ".join(text[text.index("III. TỔ CHỨC THỰC HIỆN") + 1 : text.index("Nơi nhận:")])
    assert organization.startswith("1. Ban Chỉ đạo công tác dân vận chính quyền xã")
    assert (
        "2. Giao công chức Văn phòng - Thống kê theo dõi, tổng hợp, báo cáo kết quả thực hiện Kế hoạch định kỳ "
        "quý, 6 tháng, 9 tháng và năm"
        in organization
        and "sơ kết, tổng kết" in organization
    )
    closing = text[text.index("Nơi nhận:") - 1]
    assert closing.startswith("Trên đây là Kế hoạch khắc phục") and closing.endswith("./.")
    recipients = text[text.index("Nơi nhận:") + 1 : text.index(SIGNATURE[0])]
    assert recipients == [
        "- Phòng Nội vụ huyện (b/c);",
        "- TT Đảng ủy, TT HĐND xã (b/c);",
        "- CT, các PCT UBND xã;",
        "- Ban Chỉ đạo công tác DVCQ xã;",
        "- Trang thông tin điện tử xã;",
        "- Lưu: VT.",
    ]
    assert all("Xã Xã" not in line and "UBND xã Xã" not in line for line in text)


def test_the_plans_solutions_name_the_post_and_a_deadline_and_no_progress(world, plan_id):
    with as_unit(world, world.a_id):
        document = open_docx(documents.plan_docx(load(plan_id)))
    assert placeholders(document) == []
    header, signature = document.tables[0], document.tables[-1]
    assert header.rows[0].cells[0].paragraphs[0].text == "ỦY BAN NHÂN DÂN\nXÃ AN\u00a0BÌNH"
    solutions = document.tables[1]
    assert [c.text for c in solutions.rows[0].cells] == [
        "STT",
        "Nội dung giải pháp",
        "Tiêu chí",
        "Chức danh phụ trách",
        "Thời hạn",
    ]
    rows = [[c.text for c in row.cells] for row in solutions.rows[1:]]
    assert [r[2] for r in rows] == ["2.1", "1.1", "2.2"], "the largest loss first"
    assert {r[3] for r in rows} == {"Công chức Văn phòng - Thống kê"}
    assert [r[4] for r in rows] == ["31/03/2026", "30/06/2026", "30/09/2026"], "deadlines spread over the year"
    assert rows[0][1].startswith("Khắc phục các hạn chế đối với tiêu chí 2.1 «"), "no reason given: a general action"
    assert rows[0][1].endswith("(năm 2025 bị trừ 9,00 điểm).")
    assert [p.text for p in signature.rows[0].cells[1].paragraphs if p.text] == SIGNATURE


def test_the_quarter_report_cites_the_plan_and_counts_the_tasks(world, plan_id):
    text = report_lines(world, plan_id, Period.Q1)
    assert text[1] == "Số: /BC-UBND", "the number is the clerk's to give at registration"
    assert text[4] == "An Bình, ngày 10 tháng 4 năm 2026"
    in_order(
        text,
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của xã quý I năm 2026",
        "I. KẾT QUẢ THỰC HIỆN",
        "Đã tổ chức 02 hội nghị đối thoại.",
        "Kế hoạch có 5 nhiệm vụ, giải pháp: đã hoàn thành 1, đang thực hiện 1, chưa thực hiện 3.",
        "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
        "III. NHIỆM VỤ, GIẢI PHÁP QUÝ II NĂM 2026",
        "IV. KIẾN NGHỊ, ĐỀ XUẤT",
        "Nơi nhận:",
        *SIGNATURE,
    )
    assert text[text.index("BÁO CÁO") + 2] == (
        "Thực hiện Kế hoạch số 12/KH-UBND ngày 10/02/2026 của Ủy ban nhân dân xã An Bình về khắc phục, cải thiện và "
        "nâng cao Chỉ số Dân vận chính quyền của xã năm 2026, Ủy ban nhân dân xã An Bình báo cáo kết quả thực hiện quý "
        "I năm 2026 như sau:"
    )
    shortcomings = text[text.index("II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN") + 1]
    assert shortcomings == "- Còn 4/5 nhiệm vụ, giải pháp chưa hoàn thành."
    recipients = text[text.index("Nơi nhận:") + 1 : text.index(SIGNATURE[0])]
    assert recipients[:2] == ["- Phòng Nội vụ huyện (b/c);", "- Thường trực Ban Chỉ đạo DVCQ huyện (b/c);"]
    assert recipients[-1] == "- Lưu: VT."


def test_the_year_report_reads_nam_2026_and_plans_the_next_year(world, plan_id, monkeypatch):
    at(monkeypatch, 2026, 12, 1)
    with as_unit(world, world.a_id):
        reports.save_report(
            user(world.leader_a),
            plan_id,
            Period.YEAR,
            "",
            {"narrative": "Hoàn thành phần lớn nhiệm vụ.", "proposals": "Đề nghị mở lớp bồi dưỡng kỹ năng đối thoại."},
        )
    db.session.remove()
    text = report_lines(world, plan_id, Period.YEAR)
    title = text[text.index("BÁO CÁO") + 1]
    assert title.endswith("của xã năm 2026") and "cả năm" not in title.lower()
    assert "III. NHIỆM VỤ, GIẢI PHÁP NĂM 2027" in text
    assert text[text.index("IV. KIẾN NGHỊ, ĐỀ XUẤT") + 1] == "Đề nghị mở lớp bồi dưỡng kỹ năng đối thoại."
    assert not any("…" in line or "..." in line for line in text)


def test_a_solution_is_the_action_the_appraisers_reasons_call_for():
    item = LostItem(
        code="2.1",
        name="Tổ chức đối thoại với Nhân dân",
        max_points=D("10"),
        self_score=D("10"),
        appraised_score=D("8.5"),
        lost=D("1.5"),
        reasons=("Thiếu tài liệu kiểm chứng", "Tài liệu kiểm chứng ngoài thời gian đánh giá", "Lý do khác (ghi rõ)"),
        note="Biên bản đối thoại quý IV chưa có chữ ký.",
        final_note="",
    )
    assert solution_text(item, 2025) == (
        "Bổ sung, lưu trữ đầy đủ tài liệu kiểm chứng; bảo đảm tài liệu kiểm chứng được ban hành trong thời gian đánh "
        "giá đối với tiêu chí 2.1 «Tổ chức đối thoại với Nhân dân» (năm 2025 bị trừ 1,50 điểm: biên bản đối thoại quý "
        "IV chưa có chữ ký)."
    )


@pytest.mark.parametrize(
    ("period", "span"),
    [
        (Period.Q1, "quý I năm 2026"),
        (Period.H1, "6 tháng đầu năm 2026"),
        (Period.M9, "9 tháng đầu năm 2026"),
        (Period.YEAR, "năm 2026"),
    ],
)
def test_every_period_reads_as_a_title_says_it(period, span):
    assert wording.span(period, 2026) == span


def test_a_plan_and_a_report_render_to_pdf_through_libreoffice(world, plan_id):
    require_soffice()
    with as_unit(world, world.a_id):
        plan = load(plan_id)
        for data in (documents.plan_docx(plan), documents.report_docx(plan, Period.Q1)):
            pdf = docx_to_pdf(data)
            assert pdf.startswith(b"%PDF") and pdf_pages(pdf) >= 1


# ---- the command line ----------------------------------------------------------------------------------------------


def dvcq(runner, *args: str):
    return runner.invoke(args=["dvcq", "documents", *args])


def test_the_commands_write_the_plan_and_its_report(world, plan_id, runner, tmp_path):
    result = dvcq(runner, "plan", "--unit", "A", "--year", "2026", str(tmp_path / "ke-hoach.docx"))
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip() == f"Đã ghi Kế hoạch số 12/KH-UBND năm 2026 của xã An Bình ra {tmp_path}/ke-hoach.docx."
    )
    assert lines(open_docx((tmp_path / "ke-hoach.docx").read_bytes()))[1] == "Số: 12/KH-UBND"
    result = dvcq(runner, "report", "--unit", "A", "--year", "2026", "--period", "quy-1", str(tmp_path / "q1.docx"))
    assert result.exit_code == 0, result.output
    assert "KẾT QUẢ THỰC HIỆN" in " ".join(lines(open_docx((tmp_path / "q1.docx").read_bytes())))


def test_a_missing_plan_or_report_exits_1_in_vietnamese_and_writes_nothing(world, plan_id, runner, tmp_path):
    target = tmp_path / "x.docx"
    result = dvcq(runner, "plan", "--unit", "B", "--year", "2026", str(target))
    assert result.exit_code == 1 and "Xã Bình Đông chưa có kế hoạch" in result.output
    result = dvcq(runner, "report", "--unit", "A", "--year", "2026", "--period", "6-thang", str(target))
    assert result.exit_code == 1 and "Xã An Bình chưa có báo cáo kết quả thực hiện kế hoạch 6 tháng đầu năm 2026" in (
        result.output
    )
    result = dvcq(runner, "plan", "--unit", "A", "--year", "2026", str(tmp_path / "x.odt"))
    assert result.exit_code == 1 and "phải có đuôi .docx hoặc .pdf" in result.output
    assert not target.exists()


def test_the_decision_command_writes_the_issued_decision_or_says_there_is_none(world, runner, tmp_path):
    published_2025(world)
    result = runner.invoke(
        args=["dvcq", "documents", "decision", "--authority", "D", "--year", "2025", str(tmp_path / "qd.docx")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Đã ghi Quyết định số 05/QĐ-UBND ngày 15/01/2025 ra {tmp_path}/qd.docx."
    text = lines(open_docx((tmp_path / "qd.docx").read_bytes()))
    assert "Số: 05/QĐ-UBND" in text and "DỰ THẢO" not in text
    missing = runner.invoke(
        args=["dvcq", "documents", "decision", "--authority", "D", "--year", "2019", str(tmp_path / "none.docx")]
    )
    assert missing.exit_code == 1
    assert "Huyện Thử Nghiệm chưa có quyết định phê duyệt kết quả đánh giá năm 2019." in missing.output
