"""The plan as a commune's administrative plan and each period report as its report (.docx, Decree 30/2020/NĐ-CP
layout from the decision's helpers), signed by the unit's chairman, with nothing left for the clerk to retype; and
the authority's progress summary as .xlsx.

The plan reads like the plans communes write: "Thực hiện Quyết định số … phê duyệt kết quả …" (the published
decision), I. Mục tiêu, chỉ tiêu; II. Nhiệm vụ, giải pháp (1. focus tasks, 2. concrete solutions with the post in
charge and the deadline — no progress column: progress lives in the reports); III. Tổ chức thực hiện; the closing
line, Nơi nhận and the signature. A report cites the plan by number and date: I. Kết quả thực hiện (done, in
progress, not started, of N), II. Tồn tại, hạn chế và nguyên nhân, III. Nhiệm vụ, giải pháp kỳ tới, IV. Kiến nghị,
đề xuất. Sections the unit left empty are written from the tasks.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from sqlalchemy import select

from dvcq.plans import imported, monitoring, reports, services, wording
from dvcq.plans.models import ImprovementPlan, Period, PlanTask, ProgressReport, TaskKind, TaskStatus
from dvcq.platform import clock, workbooks
from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.formatting import points, vn_date
from dvcq.scoring.decisions.defaults import issuer_lines
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
    keep_years,
)
from dvcq.scoring.models import CriteriaNode
from dvcq.tenants.models import Unit

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOLUTION_COLUMNS = ("STT", "Nội dung giải pháp", "Tiêu chí", "Chức danh phụ trách", "Thời hạn")
SOLUTION_WIDTHS = (Cm(1.2), Cm(7.6), Cm(1.6), Cm(3.2), Cm(2.4))
PROGRESS_COLUMNS = ("STT", "Nhiệm vụ, giải pháp", "Chức danh phụ trách", "Thời hạn", "Kết quả")
PROGRESS_WIDTHS = (Cm(1.2), Cm(6.6), Cm(3.0), Cm(2.4), Cm(2.8))
INDENT = Cm(1.27)


# ---- what the documents say about their unit ----------------------------------------------------------------------


def _authority(plan: ImprovementPlan) -> Unit | None:
    return db.session.get(Unit, plan.unit.authority_id) if plan.unit.authority_id else None


def signer_name(plan: ImprovementPlan) -> str:
    """The chairman who signs: the plan's signer, or the unit leader's name for a plan drafted before it was kept."""
    if plan.signer_name.strip():
        return plan.signer_name.strip()
    leaders = services.users_of(plan.unit_id, Role.LEADER)
    return leaders[0].full_name if leaders else ""


def _signature(unit: Unit) -> tuple[str, str]:
    """A commune's committee signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"; an agency its head ("TRƯỞNG PHÒNG", …)."""
    if wording.is_commune(unit):
        return "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    name = unit.name.lower()
    for start, title in (("phòng", "TRƯỞNG PHÒNG"), ("văn phòng", "CHÁNH VĂN PHÒNG"), ("ban", "TRƯỞNG BAN")):
        if name.startswith(start + " "):
            return title, ""
    return "THỦ TRƯỞNG CƠ QUAN", ""


def _frame(plan: ImprovementPlan, number: str, signed_on: date | None, recipients: list[str]) -> DecisionDocument:
    """The header and signature of a plan or report, as the decision's layout takes them."""
    unit, authority = plan.unit, _authority(plan)
    signs_for, title = _signature(unit)
    return DecisionDocument(
        issuer_parent=wording.parent_line(unit, authority),
        issuer=wording.issuer(unit),
        issuer_in_text=wording.issuer_in_text(unit),
        number=number,
        place=wording.place(unit),
        date=signed_on,
        summary="",
        authority_line="",
        legal_bases=(),
        articles=(),
        signer_authority=signs_for,
        signer_title=title,
        signer_name=signer_name(plan),
        recipients=tuple(recipients),
        annex_title="",
    )


def plan_recipients(plan: ImprovementPlan) -> list[str]:
    """The level above (b/c), the party committee, the council, the chairman and vice-chairmen, the steering
    committee, the website and the archive."""
    unit, authority = plan.unit, _authority(plan)
    kind = wording.kind_word(unit)
    if not wording.is_commune(unit):
        return [
            f"{wording.home_affairs(authority)} (b/c)",
            "Lãnh đạo cơ quan",
            "Các bộ phận, cá nhân liên quan",
            "Lưu: VT",
        ]
    return [
        f"{wording.home_affairs(authority)} (b/c)",
        f"TT Đảng ủy, TT HĐND {kind} (b/c)",
        f"CT, các PCT UBND {kind}",
        f"Ban Chỉ đạo công tác DVCQ {kind}",
        f"Trang thông tin điện tử {kind}",
        "Lưu: VT",
    ]


def report_recipients(plan: ImprovementPlan) -> list[str]:
    unit, authority = plan.unit, _authority(plan)
    level = wording.authority_level(authority)
    above = [f"{wording.home_affairs(authority)} (b/c)", f"Thường trực Ban Chỉ đạo DVCQ {level} (b/c)"]
    if not wording.is_commune(unit):
        return [*above, "Lãnh đạo cơ quan", "Lưu: VT"]
    kind = wording.kind_word(unit)
    return [*above, f"TT Đảng ủy, TT HĐND {kind} (b/c)", f"CT, các PCT UBND {kind}", "Lưu: VT"]


def _plan_date(plan: ImprovementPlan) -> date | None:
    return plan.submitted_at.date() if plan.submitted_at else None


def plan_reference(plan: ImprovementPlan) -> str:
    """ "Kế hoạch số 12/KH-UBND ngày 10/02/2026 của Ủy ban nhân dân xã Ba Nam" (what the plan's reports cite)."""
    number = f" số {plan.number}" if plan.number.strip() else ""
    day = f" ngày {vn_date(_plan_date(plan))}" if plan.submitted_at else ""
    return f"Kế hoạch{number}{day} của {wording.issuer_in_text(plan.unit)}"


def decision_basis(plan: ImprovementPlan) -> str:
    """The decision the plan carries out: "Thực hiện Quyết định số 05/QĐ-UBND ngày … của Ủy ban nhân dân huyện Ba Tơ
    phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền năm 2025"; for a plan from an imported year,
    the decision recorded for that year (without one the plan is not issued: `imported.require_decision`)."""
    from dvcq.scoring.decisions.generation import citation, published_decision

    year = plan.year - 1
    approved = f"phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền năm {year}"
    if plan.source_campaign_id is None:  # an imported year: the decision recorded for it
        cited = imported.plan_decision(plan)
    else:
        decision = published_decision(plan.source_campaign_id)
        cited = citation(decision) if decision is not None else ""
    if not cited:
        return f"Căn cứ kết quả đánh giá, phân loại công tác dân vận chính quyền năm {year}"
    return f"Thực hiện {cited} {approved}"


def _area_names(plan: ImprovementPlan) -> dict[str, str]:
    version_id = services._version_id(plan)
    if version_id is None:
        return {}
    rows = db.session.execute(
        select(CriteriaNode.code, CriteriaNode.name).where(
            CriteriaNode.version_id == version_id, CriteriaNode.parent_id.is_(None)
        )
    ).all()
    return dict(rows)


def target_lines(plan: ImprovementPlan) -> list[str]:
    """I.2. Chỉ tiêu: the rank to keep or reach ("Giữ vững thứ hạng 02/19"), the level, the total, each area."""
    base = services.baseline(plan)
    lines = []
    rank_text = base.get("rank") or ""
    of = rank_text.split("/")[1] if "/" in rank_text else ""
    if plan.target_rank:
        target = f"{plan.target_rank:02d}/{of}" if of else f"{plan.target_rank:02d}"
        current = base.get("rank_value")
        if current == plan.target_rank:
            lines.append(f"Giữ vững thứ hạng {target} trong khối.")
        elif current and plan.target_rank < current:
            lines.append(f"Phấn đấu nâng thứ hạng từ {rank_text} lên {target} trở lên.")
        else:
            lines.append(f"Phấn đấu đạt thứ hạng {target} trở lên.")
    if plan.target_level_name:
        keep = plan.target_level_name == base.get("level")
        lines.append(f"{'Giữ vững' if keep else 'Phấn đấu đạt'} xếp loại «{plan.target_level_name}».")
    if plan.target_total is not None:
        lines.append(f"Tổng điểm thẩm định đạt từ {points(plan.target_total)} điểm trở lên.")
    names = _area_names(plan)
    for code, value in services.area_targets(plan).items():
        name = f" «{names[code]}»" if code in names else ""
        lines.append(f"Lĩnh vực {code}{name}: đạt từ {points(value)} điểm trở lên.")
    return lines


def _responsible(task: PlanTask) -> str:
    """The post in charge (chức danh); a person's name only where no post was given."""
    if task.responsible_post.strip():
        return task.responsible_post.strip()
    return task.responsible_user.full_name if task.responsible_user is not None else ""


def points_text(value: str | None) -> str:
    return points(Decimal(value)) if value else "—"


# ---- layout ---------------------------------------------------------------------------------------------------------


def _new_document(title: str, subject: str, author: str):
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    props = document.core_properties
    props.title, props.subject, props.author, props.language = title, subject, author, "vi-VN"
    section = document.sections[0]
    _page_setup(section, landscape=False)
    _page_number_header(section)
    return document


def _title(document, kind: str, summary: str) -> None:
    _paragraph(document, kind, 14, bold=True, before=18)
    _paragraph(document, keep_years(summary), 14, bold=True)
    _rule(document, Cm(4.5), Cm(16), before=6, after=12)


def _heading(document, text: str) -> None:
    p = _paragraph(document, text, 14, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6, after=6, first_line=INDENT)
    p.paragraph_format.keep_with_next = True  # a heading never ends a page


def _text(document, text: str, after: float = 6, keep_with_next: bool = False) -> None:
    """Each line of `text` as a justified paragraph with the first line indented."""
    written = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for i, line in enumerate(written):
        p = _paragraph(document, line, 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=after, first_line=INDENT)
        p.paragraph_format.keep_with_next = keep_with_next and i == len(written) - 1


def _bullets(document, items: list[str]) -> None:
    _text(document, "\n".join(f"- {item}" for item in items), after=3)


def _table(document, columns, widths, rows: list[tuple[tuple[str, object], ...]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(columns))
    _table_borders(table, "single")
    _fixed_widths(table, widths)
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        _cell_text(cell, title, WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=12)
    header = table.rows[0]._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = header.makeelement(qn(tag), {qn("w:val"): "true"})
        header.append(element)
    for row, values in zip(table.rows[1:], rows, strict=True):
        row._tr.get_or_add_trPr().append(header.makeelement(qn("w:cantSplit"), {qn("w:val"): "true"}))
        for cell, (text, align) in zip(row.cells, values, strict=True):
            _cell_text(cell, text, align, size=12)


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---- the plan -------------------------------------------------------------------------------------------------------


def plan_docx(plan: ImprovementPlan) -> bytes:
    """The plan as issued; refused (Conflict) while its imported year has no decision recorded."""
    imported.require_decision(plan)
    unit = plan.unit
    base = services.baseline(plan)
    who = wording.issuer_in_text(unit)
    title = wording.plan_title(unit, plan.year)
    frame = _frame(plan, plan.number.strip() or "     /KH-UBND", _plan_date(plan), plan_recipients(plan))
    document = _new_document(f"Kế hoạch {plan.number}".strip(), f"Kế hoạch {title[:1].lower()}{title[1:]}", who)
    _header_block(document, frame)
    _title(document, "KẾ HOẠCH", title)

    for line in (line.strip() for line in plan.bases.splitlines()):
        if line:
            _text(document, line if line[-1] in ";:.," else f"{line};")
    rank = f", xếp hạng {base['rank']}" if base.get("rank") else ""
    level = f", xếp loại {base['level']}" if base.get("level") else ""
    _text(
        document,
        f"{decision_basis(plan)}; theo đó, năm {base.get('year', plan.year - 1)} {wording.in_text(unit.name)} tự chấm "
        f"{points_text(base.get('self_total'))} điểm, được thẩm định {points_text(base.get('appraised_total'))} điểm"
        f"{level}{rank}. {who} xây dựng Kế hoạch {title[:1].lower()}{title[1:]} như sau:",
    )

    _heading(document, "I. MỤC TIÊU, CHỈ TIÊU")
    _heading(document, "1. Mục tiêu")
    _text(document, plan.goals)
    _heading(document, "2. Chỉ tiêu")
    _bullets(document, target_lines(plan))

    _heading(document, "II. NHIỆM VỤ, GIẢI PHÁP")
    _heading(document, "1. Nhiệm vụ trọng tâm")
    focus = [t for t in plan.tasks if t.kind == TaskKind.FOCUS]
    _bullets(document, [t.text.strip() for t in focus])
    _heading(document, "2. Nhiệm vụ, giải pháp cụ thể")
    left, centre = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
    solutions = [t for t in plan.tasks if t.kind == TaskKind.SOLUTION]
    _table(
        document,
        SOLUTION_COLUMNS,
        SOLUTION_WIDTHS,
        [
            (
                (str(i), centre),
                (task.text, left),
                (task.item_codes.replace(",", ", "), centre),
                (_responsible(task), left),
                (vn_date(task.due_on) if task.due_on else "", centre),
            )
            for i, task in enumerate(solutions, start=1)
        ],
    )

    _heading(document, "III. TỔ CHỨC THỰC HIỆN")
    _text(document, plan.organization)
    _text(
        document,
        f"Trên đây là Kế hoạch {title[:1].lower()}{title[1:]} của {who}; đề nghị cán bộ, công chức và các bộ phận "
        "liên quan nghiêm túc triển khai thực hiện./.",
        keep_with_next=True,
    )
    _signature_block(document, frame)
    return _save(document)


# ---- the period reports -------------------------------------------------------------------------------------------


def report_title(plan: ImprovementPlan, period: Period) -> str:
    """ "Kết quả thực hiện Kế hoạch khắc phục, … của xã 6 tháng đầu năm 2026"."""
    return (
        "Kết quả thực hiện Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của "
        f"{wording.kind_word(plan.unit)} {wording.span(period, plan.year)}"
    )


def _progress(plan: ImprovementPlan, report: ProgressReport | None) -> dict[int, tuple[TaskStatus, int]]:
    reported = reports.progress_of(report)
    return {
        t.id: (
            TaskStatus(reported[t.id]["status"]) if t.id in reported else t.status,
            int(reported[t.id]["percent"]) if t.id in reported else t.percent,
        )
        for t in plan.tasks
    }


def progress_counts(plan: ImprovementPlan, report: ProgressReport | None) -> str:
    """ "Kế hoạch có 12 nhiệm vụ, giải pháp: đã hoàn thành 5, đang thực hiện 4, chưa thực hiện 3."."""
    states = [status for status, _ in _progress(plan, report).values()]
    done, doing = states.count(TaskStatus.DONE), states.count(TaskStatus.DOING)
    return (
        f"Kế hoạch có {len(states)} nhiệm vụ, giải pháp: đã hoàn thành {done}, đang thực hiện {doing}, chưa thực hiện "
        f"{states.count(TaskStatus.TODO)}."
    )


def _numbers(plan: ImprovementPlan, tasks: list[PlanTask]) -> str:
    """The tasks' numbers in the report's table: "3, 7, 12"."""
    position = {t.id: i for i, t in enumerate(plan.tasks, start=1)}
    return ", ".join(str(position[t.id]) for t in tasks)


def _shortcomings(plan: ImprovementPlan, report: ProgressReport | None, period: Period) -> list[str]:
    """II, when the unit wrote none: what is not finished, and what is past its deadline at the period's end, by
    their numbers in the table above."""
    progress = _progress(plan, report)
    unfinished = [t for t in plan.tasks if progress[t.id][0] != TaskStatus.DONE]
    if not unfinished:
        return ["Các nhiệm vụ, giải pháp của Kế hoạch đã được hoàn thành; không có tồn tại, hạn chế."]
    end = period.due_on(plan.year)
    late = [t for t in unfinished if t.due_on and t.due_on < end]
    lines = [f"Còn {len(unfinished)}/{len(plan.tasks)} nhiệm vụ, giải pháp chưa hoàn thành."]
    if late:
        lines.append(
            f"{len(late)} nhiệm vụ, giải pháp đã quá thời hạn mà chưa hoàn thành (số thứ tự {_numbers(plan, late)} "
            "tại bảng trên)."
        )
    return lines


def _next_tasks(plan: ImprovementPlan, report: ProgressReport | None, period: Period) -> list[str]:
    """III, when the unit wrote none: finish what is late first, then what falls due before the next report."""
    progress = _progress(plan, report)
    unfinished = [t for t in plan.tasks if progress[t.id][0] != TaskStatus.DONE]
    if not unfinished:
        return ["Duy trì kết quả đã đạt được; chuẩn bị hồ sơ, tài liệu kiểm chứng phục vụ tự đánh giá."]
    end = period.due_on(plan.year)
    periods = list(Period)
    following = periods[periods.index(period) + 1] if period != Period.YEAR else None
    late = [t for t in unfinished if t.due_on and t.due_on < end]
    due = [t for t in unfinished if following and t.due_on and end <= t.due_on <= following.due_on(plan.year)]
    lines = []
    if late:
        lines.append(f"Khẩn trương hoàn thành các nhiệm vụ, giải pháp quá thời hạn (số thứ tự {_numbers(plan, late)}).")
    if due:
        lines.append(
            f"Hoàn thành đúng thời hạn các nhiệm vụ, giải pháp đến hạn trong {wording.next_span(period, plan.year)} "
            f"(số thứ tự {_numbers(plan, due)})."
        )
    rest = len(unfinished) - len(late) - len(due)
    if rest:
        lines.append(f"Tiếp tục triển khai {rest} nhiệm vụ, giải pháp còn lại theo thời hạn của Kế hoạch.")
    if period == Period.YEAR:
        lines.append(f"Chuyển các nhiệm vụ chưa hoàn thành vào Kế hoạch năm {plan.year + 1}.")
    return lines


def report_docx(plan: ImprovementPlan, period: Period) -> bytes:
    report = reports.report_of(plan, period)
    unit = plan.unit
    who = wording.issuer_in_text(unit)
    span = wording.span(period, plan.year)
    title = report_title(plan, period)
    day = report.submitted_at.date() if report and report.submitted_at else None
    frame = _frame(plan, "     /BC-UBND", day, report_recipients(plan))
    document = _new_document(f"Báo cáo {span}", f"Báo cáo {title[:1].lower()}{title[1:]}", who)
    _header_block(document, frame)
    _title(document, "BÁO CÁO", title)
    _text(
        document,
        f"Thực hiện {plan_reference(plan)} về khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền của "
        f"{wording.kind_word(unit)} năm {plan.year}, {who} báo cáo kết quả thực hiện {span} như sau:",
    )

    _heading(document, "I. KẾT QUẢ THỰC HIỆN")
    _text(document, report.narrative if report else "")
    _text(document, progress_counts(plan, report))
    progress = _progress(plan, report)
    left, centre = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
    _table(
        document,
        PROGRESS_COLUMNS,
        PROGRESS_WIDTHS,
        [
            (
                (str(i), centre),
                (task.text, left),
                (_responsible(task), left),
                (vn_date(task.due_on) if task.due_on else "", centre),
                (f"{progress[task.id][0].label} ({progress[task.id][1]}%)", centre),
            )
            for i, task in enumerate(plan.tasks, start=1)
        ],
    )

    written = {name: (getattr(report, name).strip() if report else "") for name in ("shortcomings", "next_tasks")}
    _heading(document, "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")
    if written["shortcomings"]:
        _text(document, written["shortcomings"])
    else:
        _bullets(document, _shortcomings(plan, report, period))
    _heading(document, f"III. NHIỆM VỤ, GIẢI PHÁP {wording.next_span(period, plan.year).upper()}")
    if written["next_tasks"]:
        _text(document, written["next_tasks"])
    else:
        _bullets(document, _next_tasks(plan, report, period))
    _heading(document, "IV. KIẾN NGHỊ, ĐỀ XUẤT")
    _text(document, (report.proposals.strip() if report else "") or "Không có kiến nghị, đề xuất.")
    _text(
        document,
        f"Trên đây là báo cáo kết quả thực hiện Kế hoạch khắc phục, cải thiện và nâng cao Chỉ số Dân vận chính quyền "
        f"{span} của {who}./.",
        keep_with_next=True,
    )
    _signature_block(document, frame)
    return _save(document)


FOLLOW_UP_HEADERS = (
    "STT",
    "Đơn vị",
    "Kế hoạch",
    "Chỉ tiêu xếp loại",
    "Chỉ tiêu tổng điểm",
    "Chỉ tiêu xếp hạng",
    *(f"Báo cáo {p.label}" for p in Period),
    "Nhiệm vụ quá hạn",
)
FOLLOW_UP_WIDTHS = (5, 24, 18, 26, 10, 10, 14, 14, 14, 14, 11)


def summary_xlsx(actor, year: int) -> bytes:
    """The authority's follow-up of the year's plans, printed and filed as it is: the authority and the title above
    the table, each unit's plan, its targets (the total and the rank as numbers: 85,50 and 02), each period's report
    and its overdue tasks; A4 landscape, one page wide, the header on every page (platform.workbooks.PrintedTable)."""
    today = clock.today_in_vietnam()
    rows = monitoring.follow_up(actor, year, on=today)
    _, issuer = issuer_lines(db.session.get(Unit, actor.unit_id))
    title = workbooks.TitleBlock(
        issuer,
        f"THEO DÕI THỰC HIỆN KẾ HOẠCH KHẮC PHỤC, NÂNG CAO CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM {year}",
        (f"Tình hình đến ngày {vn_date(today)}",),
    )
    wb = workbooks.new_workbook(write_only=True)
    table = workbooks.PrintedTable(
        wb,
        f"Theo dõi {year}",
        title,
        FOLLOW_UP_HEADERS,
        FOLLOW_UP_WIDTHS,
        formats={5: "00"},
        centred=(0, 5, 10),
    )
    for i, row in enumerate(rows, start=1):
        plan = row.plan
        table.append(
            [
                i,
                row.unit.name,
                plan.status.label if plan else reports.STATE_LABELS["no_plan"],
                plan.target_level_name if plan else None,
                plan.target_total if plan else None,
                plan.target_rank if plan else None,
                *[reports.STATE_LABELS[row.states[p]] if p in row.states else None for p in Period],
                row.overdue if plan else None,
            ]
        )
    return workbooks.save(wb)
