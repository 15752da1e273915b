"""The plan as a commune's administrative plan (.docx, Decree 30 layout from the decision's helpers), each period
report as .docx, and the authority's progress summary as .xlsx."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.styles import Alignment, Font

from dvcq.plans import monitoring, reports, services
from dvcq.plans.models import ImprovementPlan, Period, TaskKind, TaskStatus
from dvcq.platform import workbooks
from dvcq.platform.formatting import points, vn_date
from dvcq.scoring.decisions.document import (
    FONT,
    DecisionDocument,
    _cell_text,
    _fixed_widths,
    _header_block,
    _page_number_header,
    _page_setup,
    _paragraph,
    _rule,
    _signature_block,
    _table_borders,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TASK_COLUMNS = ("STT", "Nhiệm vụ, giải pháp", "Tiêu chí", "Phụ trách", "Thời hạn", "Tiến độ")
TASK_WIDTHS = (Cm(1.0), Cm(6.6), Cm(1.6), Cm(3.2), Cm(2.0), Cm(1.6))


def _place(unit_name: str) -> str:
    for prefix in ("Xã ", "Thị trấn ", "Phường "):
        if unit_name.startswith(prefix):
            return unit_name[len(prefix) :]
    return unit_name


def _issuer(plan: ImprovementPlan) -> str:
    return f"ỦY BAN NHÂN DÂN {plan.unit.name.upper()}"


def _frame(plan: ImprovementPlan, number: str, summary: str, signed_on: date | None) -> DecisionDocument:
    parent = plan.unit.parent.name.upper() if plan.unit.parent else ""
    return DecisionDocument(
        issuer_parent=f"UBND {parent}" if parent else "",
        issuer=_issuer(plan),
        issuer_in_text=f"Ủy ban nhân dân {plan.unit.name}",
        number=number,
        place=_place(plan.unit.name),
        date=signed_on,
        summary=summary,
        authority_line="",
        legal_bases=(),
        articles=(),
        signer_authority="TM. ỦY BAN NHÂN DÂN",
        signer_title="CHỦ TỊCH",
        signer_name="",
        recipients=("Thường trực Ban Chỉ đạo Dân vận chính quyền huyện", "Thường trực Đảng ủy, HĐND xã", "Lưu: VT"),
        annex_title="",
    )


def _new_document(title: str):
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    document.core_properties.title = title
    document.core_properties.language = "vi-VN"
    section = document.sections[0]
    _page_setup(section, landscape=False)
    _page_number_header(section)
    return document


def _heading(document, text: str) -> None:
    _paragraph(document, text, 14, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6, after=6)


def _text(document, text: str, italic: bool = False) -> None:
    for line in (text or "").splitlines() or [""]:
        if line.strip():
            _paragraph(
                document,
                line.strip(),
                14,
                italic=italic,
                align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                after=6,
                first_line=Cm(1.27),
            )


def _responsible(task) -> str:
    if task.responsible_user is not None:
        return task.responsible_user.full_name
    return task.responsible_post


def _tasks_table(document, tasks, progress: dict | None = None) -> None:
    table = document.add_table(rows=1 + len(tasks), cols=len(TASK_COLUMNS))
    _table_borders(table, "single")
    _fixed_widths(table, TASK_WIDTHS)
    left, centre = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
    for cell, title in zip(table.rows[0].cells, TASK_COLUMNS, strict=True):
        _cell_text(cell, title, centre, bold=True, size=12)
    for i, (row, task) in enumerate(zip(table.rows[1:], tasks, strict=True), start=1):
        state = (progress or {}).get(task.id, {"status": task.status.value, "percent": task.percent})
        values = (
            (str(i), centre),
            (task.text, left),
            (task.item_codes.replace(",", ", "), centre),
            (_responsible(task), left),
            (vn_date(task.due_on) if task.due_on else "", centre),
            (f"{TaskStatus(state['status']).label} ({state['percent']}%)", centre),
        )
        for cell, (text, align) in zip(row.cells, values, strict=True):
            _cell_text(cell, text, align, size=12)


def plan_docx(plan: ImprovementPlan) -> bytes:
    base = services.baseline(plan)
    number = plan.number or "     /KH-UBND"
    frame = _frame(plan, number, "", plan.submitted_at.date() if plan.submitted_at else None)
    document = _new_document(f"Kế hoạch {plan.number}".strip())
    _header_block(document, frame)
    _paragraph(document, "KẾ HOẠCH", 14, bold=True, before=18)
    _paragraph(document, f"Khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền năm {plan.year}", 14, bold=True)
    _rule(document, Cm(4.5), Cm(16), before=4, after=12)
    _text(
        document,
        f"Năm {base.get('year')}, {plan.unit.name} đạt {points_text(base.get('appraised_total'))} điểm "
        f"(tự chấm {points_text(base.get('self_total'))} điểm), xếp loại {base.get('level', '')}"
        + (f", xếp hạng {base['rank']}" if base.get("rank") else "")
        + f". Ủy ban nhân dân {plan.unit.name} xây dựng Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận "
        f"chính quyền năm {plan.year} như sau:",
    )
    _heading(document, "I. MỤC TIÊU, CHỈ TIÊU")
    _heading(document, "1. Mục tiêu")
    _text(document, plan.goals)
    _heading(document, "2. Chỉ tiêu")
    for line in target_lines(plan):
        _paragraph(document, f"- {line}", 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=3, first_line=Cm(1.27))
    _heading(document, "II. NHIỆM VỤ, GIẢI PHÁP")
    focus = [t for t in plan.tasks if t.kind == TaskKind.FOCUS]
    solutions = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION]
    _heading(document, "1. Nhiệm vụ trọng tâm")
    if focus:
        _tasks_table(document, focus)
    _heading(document, "2. Nhiệm vụ, giải pháp cụ thể")
    if solutions:
        _tasks_table(document, solutions)
    _heading(document, "III. TỔ CHỨC THỰC HIỆN")
    _text(document, plan.organization)
    _signature_block(document, frame)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def points_text(value: str | None) -> str:
    from decimal import Decimal

    return points(Decimal(value)) if value else "—"


def target_lines(plan: ImprovementPlan) -> list[str]:
    lines = []
    if plan.target_total is not None:
        lines.append(f"Tổng điểm đạt từ {points(plan.target_total)} điểm trở lên.")
    if plan.target_level_name:
        lines.append(f"Xếp loại: {plan.target_level_name}.")
    if plan.target_rank:
        lines.append(f"Xếp hạng trong khối: từ hạng {plan.target_rank:02d} trở lên.")
    for code, value in services.area_targets(plan).items():
        lines.append(f"Lĩnh vực {code}: đạt từ {points(value)} điểm trở lên.")
    return lines


def report_docx(plan: ImprovementPlan, period: Period) -> bytes:
    report = reports.report_of(plan, period)
    day = report.submitted_at.date() if report and report.submitted_at else None
    frame = _frame(plan, "     /BC-UBND", "", day)
    document = _new_document(f"Báo cáo {period.label} năm {plan.year}")
    _header_block(document, frame)
    _paragraph(document, "BÁO CÁO", 14, bold=True, before=18)
    _paragraph(
        document,
        f"Kết quả thực hiện Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền "
        f"{period.label.lower()} năm {plan.year}",
        14,
        bold=True,
    )
    _rule(document, Cm(4.5), Cm(16), before=4, after=12)
    _heading(document, "I. KẾT QUẢ THỰC HIỆN")
    _text(document, report.narrative if report else "")
    _heading(document, "II. TIẾN ĐỘ TỪNG NHIỆM VỤ")
    _tasks_table(document, plan.tasks, reports.progress_of(report))
    _signature_block(document, frame)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def summary_xlsx(rows: list[monitoring.FollowUpRow], year: int) -> bytes:
    wb = workbooks.new_workbook()
    ws = wb.active
    ws.title = f"Tiến độ {year}"
    workbooks.append(ws, [f"TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH CẢI THIỆN CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM {year}"])
    ws["A1"].font = Font(bold=True)
    header = ["STT", "Đơn vị", "Kế hoạch", "Chỉ tiêu xếp loại", "Chỉ tiêu tổng điểm", "Chỉ tiêu xếp hạng"]
    header += [f"Báo cáo {p.label}" for p in Period] + ["Nhiệm vụ quá hạn"]
    workbooks.append(ws, header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(rows, start=1):
        plan = row.plan
        workbooks.append(
            ws,
            [
                i,
                row.unit.name,
                plan.status.label if plan else reports.STATE_LABELS["no_plan"],
                plan.target_level_name if plan else "",
                points(plan.target_total) if plan and plan.target_total is not None else "",
                f"{plan.target_rank:02d}" if plan and plan.target_rank else "",
                *[reports.STATE_LABELS[row.states[p]] if p in row.states else "" for p in Period],
                row.overdue if plan else "",
            ],
        )
    for column, width in zip("ABCDEFGHIJK", (6, 28, 22, 28, 12, 10, 16, 16, 16, 16, 12), strict=True):
        ws.column_dimensions[column].width = width
    return workbooks.save(wb)
