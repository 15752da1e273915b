"""The .xlsx exports of a year's results: the results table a clerk prints and files — the authority, the title, the
groups and whether the figures are published above it; the Past results columns plus `Chênh lệch` and, for a campaign
year, the criteria set each group was scored on with its maximum; ranks "02/19"; A4 landscape, one page wide, the
header on every page — and the full item-by-item scores, each unit on its group's set, with the score that counts.
Scores are written as numbers (exact decimals) with the format "0.00"; write-only workbooks keep memory flat for a
national table. Big exports run as a job with progress."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from dvcq.platform import workbooks
from dvcq.platform.collation import vn_key
from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.formatting import vn_datetime
from dvcq.platform.jobs import JobContext
from dvcq.platform.storage import get_storage, new_key
from dvcq.platform.workbooks import PrintedTable, StreamingSheet, TitleBlock
from dvcq.scoring.decisions.defaults import issuer_lines
from dvcq.scoring.models import Assessment, Campaign, ItemScore, UnitResult
from dvcq.scoring.results.access import private_drafts, year_state
from dvcq.scoring.results.inputs import engine_inputs
from dvcq.scoring.results.queries import TableRow, YearTable, year_table
from dvcq.tenants.models import Unit

RESULT_HEADERS = (
    "STT",
    "Năm",
    "Mã đơn vị",
    "Tên đơn vị",
    "Khối",
    "Điểm tự chấm",
    "Điểm thẩm định",
    "Xếp hạng",
    "Xếp loại",
    "Chênh lệch",
    "Bộ tiêu chí",
    "Điểm tối đa",
)
ITEM_HEADERS = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Khối",
    "Bộ tiêu chí",
    "Mã tiêu chí",
    "Tên tiêu chí",
    "Điểm tối đa",
    "Điểm tự chấm",
    "Điểm thẩm định",
    "Điểm cuối cùng",
    "Lý do trừ điểm",
)
RESULT_WIDTHS = (5, 6, 10, 26, 14, 10, 10, 9, 26, 10, 30, 9)
RESULT_TITLE_LINES = 2  # the groups, the status: the header row is row 6
HEADER_ROW = 3 + RESULT_TITLE_LINES + 1
DIRECT_LIMIT = 200  # units: up to this many the page answers with the file; above, a job with progress
KIND_RESULTS, KIND_ITEMS = "results", "items"
JOB_NAME = "results.export"


def file_name(kind: str, year: int) -> str:
    return f"Kết quả DVCQ năm {year}.xlsx" if kind == KIND_RESULTS else f"Điểm chi tiết DVCQ năm {year}.xlsx"


@dataclass(frozen=True)
class ResultsSheet:
    """A year's results as the export prints them: the rows in rank order per group, {group name: (its criteria set,
    its maximum)} for a campaign year, and the title block above the table."""

    year: int
    rows: list[TableRow]
    sets: dict[str, tuple[str, object]]
    title: TitleBlock


def results_sheet(authority_id: int, year: int, *, require_published: bool) -> ResultsSheet:
    """The year's results for the export. With `require_published` (the command line) a year that is neither
    published nor imported is refused."""
    campaign, published = year_state(authority_id, year)
    if require_published and not published:
        raise ServiceError(
            f"Kết quả năm {year} chưa được công bố ({campaign.status.label.lower()}); chỉ xuất được kết quả "
            "đã công bố hoặc đã nhập từ các năm trước."
        )
    table = year_table(authority_id, year, staff=True)
    if table is None or not table.rows:
        raise ServiceError(f"Năm {year} chưa có kết quả đánh giá nào để xuất.")
    choices = campaign.criteria_sets if campaign is not None else []
    sets = {c.group.name: (c.criteria_version.name, c.criteria_version.max_total) for c in choices}
    _, issuer = issuer_lines(db.session.get(Unit, authority_id))
    groups = "; ".join(f"{name}: {len(rows):02d} đơn vị" for name, rows in table.groups)
    title = TitleBlock(
        issuer,
        f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM {year}",
        (groups, _status(table, campaign)),
    )
    return ResultsSheet(year, table.rows, sets, title)


def _status(table: YearTable, campaign: Campaign | None) -> str:
    """Whether the figures may be relied on: published (by which decision), imported, or preliminary."""
    if campaign is None:
        cited = f" theo {table.decision}" if table.decision else ""
        return f"Kết quả chính thức{cited} (số liệu nhập từ các năm trước)"
    if table.published:
        from dvcq.scoring.decisions.generation import citation, published_decision

        decision = published_decision(campaign.id)
        return "Kết quả chính thức, đã công bố" + (f" theo {citation(decision)}" if decision else "")
    computed = f", tính lúc {vn_datetime(table.computed_at)}" if table.computed_at else ""
    return (
        f"KẾT QUẢ SƠ BỘ, CHƯA CÔNG BỐ — kỳ đánh giá đang ở bước «{campaign.status.label}»{computed}; số liệu còn "
        "có thể thay đổi"
    )


def results_workbook(sheet: ResultsSheet) -> bytes:
    """The last two columns stay empty for an imported year."""
    workbook = workbooks.new_workbook(write_only=True)
    table = PrintedTable(workbook, "KetQua", sheet.title, RESULT_HEADERS, RESULT_WIDTHS, centred=(0, 1, 2, 7))
    for n, row in enumerate(sheet.rows, start=1):
        set_name, maximum = sheet.sets.get(row.group_name, ("", None))
        table.append(
            (
                n,
                sheet.year,
                row.unit_code,
                row.unit_name,
                row.group_name,
                row.self_total,
                row.appraised_total,
                row.rank_display,
                row.level_name,
                row.gap,
                set_name,
                maximum,
            )
        )
    return workbooks.save(workbook)


def items_workbook(authority_id: int, year: int, progress: Callable[[int, str], None] | None = None) -> bytes:
    """One row per unit × leaf of the year's campaign, units in the results table's order."""
    from dvcq.scoring.appraisal.services import reason_labels

    campaign, _ = year_state(authority_id, year)
    if campaign is None:
        raise ServiceError(f"Năm {year} không có kỳ đánh giá trên hệ thống nên không có điểm chi tiết từng tiêu chí.")
    inputs_of = {c.group_id: engine_inputs(c.version_id) for c in campaign.criteria}  # each unit on its group's set
    set_names = {c.group_id: c.criteria_version.name for c in campaign.criteria}
    assessments = {
        a.id: a
        for a in db.session.execute(
            select(Assessment.id, Assessment.unit_id, Assessment.group_id).where(Assessment.campaign_id == campaign.id)
        ).all()
    }
    units = {
        u.id: u
        for u in db.session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.authority_id == authority_id))
    }
    table = year_table(authority_id, year, staff=True)
    rows = {row.unit_id: row for row in (table.rows if table else [])}
    position = {unit_id: n for n, unit_id in enumerate(rows)}
    items: dict[int, dict[str, tuple]] = {aid: {} for aid in assessments}
    stmt = (
        select(
            ItemScore.assessment_id,
            ItemScore.node_id,
            ItemScore.self_score,
            ItemScore.appraised_score,
            ItemScore.result_score,
            ItemScore.deduction_reasons,
            ItemScore.appraisal_note,
            ItemScore.final_note,
        )
        .join(Assessment, Assessment.id == ItemScore.assessment_id)
        .where(Assessment.campaign_id == campaign.id)
    )
    drafts = private_drafts(campaign)  # a unit's draft is its own until it submits: no self-score leaves with it
    for assessment_id, node_id, self_score, appraised, counts, reasons, note, final_note in db.session.execute(stmt):
        if assessment_id in drafts:
            self_score = None
        inputs = inputs_of.get(assessments[assessment_id].group_id)
        code = inputs.code_of_leaf.get(node_id) if inputs else None
        if code is not None:
            why = "; ".join([*reason_labels(reasons or ""), *(t for t in (note, final_note) if t)])
            items[assessment_id][code] = (self_score, appraised, counts, why)

    def order(assessment_id: int):  # the results table's order; units never computed last, by name
        unit = units[assessments[assessment_id].unit_id]
        return (position.get(unit.id, len(position)), vn_key(unit.name), unit.code)

    ordered = sorted(assessments, key=order)
    # Streamed XML, not openpyxl cells: 332,100 rows of a national campaign in seconds (see platform/workbooks).
    with StreamingSheet("DiemChiTiet", ITEM_HEADERS, (16, 30, 14, 30, 10, 60, 10, 12, 14, 14, 50)) as sheet:
        _item_rows(sheet, ordered, assessments, units, rows, (inputs_of, set_names), items, progress)
    return sheet.getvalue()


def _item_rows(sheet, ordered, assessments, units, rows, sets, items, progress) -> None:
    """One row per leaf of each unit's own criteria set (`sets`: the sets' inputs and names by group id)."""
    inputs_of, set_names = sets
    for n, assessment_id in enumerate(ordered, start=1):
        assessment = assessments[assessment_id]
        unit = units[assessment.unit_id]
        row = rows.get(unit.id)
        inputs = inputs_of.get(assessment.group_id)
        for code in inputs.tree.leaves if inputs else ():
            self_score, appraised, counts, why = items[assessment_id].get(code, (None, None, None, ""))
            sheet.append(
                (
                    unit.code,
                    unit.name,
                    row.group_name if row else "",
                    set_names[assessment.group_id],
                    code,
                    inputs.nodes[code].name,
                    inputs.tree.max_of[code],
                    self_score,
                    appraised,
                    counts,
                    why,
                )
            )
        if progress is not None and (n % 50 == 0 or n == len(ordered)):
            progress(int(n * 90 / len(ordered)), f"Đã ghi {n}/{len(ordered)} đơn vị")


def unit_count(authority_id: int, year: int, kind: str) -> int:
    """How many units an export covers: above DIRECT_LIMIT it runs as a job."""
    if kind == KIND_RESULTS:
        stmt = select(func.count(UnitResult.id)).where(UnitResult.authority_id == authority_id, UnitResult.year == year)
    else:
        campaign, _ = year_state(authority_id, year)
        if campaign is None:
            return 0
        stmt = select(func.count(Assessment.id)).where(Assessment.campaign_id == campaign.id)
    return db.session.execute(stmt).scalar_one()


def build(authority_id: int, year: int, kind: str, progress=None) -> bytes:
    if kind == KIND_RESULTS:
        return results_workbook(results_sheet(authority_id, year, require_published=False))
    if kind == KIND_ITEMS:
        return items_workbook(authority_id, year, progress)
    raise ServiceError("Loại tệp xuất không hợp lệ.")


def export_job(ctx: JobContext, authority_id: int, year: int, kind: str) -> dict:
    """Write the export to storage; the page's progress bar then offers the download. Re-running writes a new file
    (the job is idempotent in what the user gets)."""
    ctx.progress(5, "Đang đọc kết quả")
    data = build(authority_id, year, kind, progress=lambda p, m: ctx.progress(5 + p, m))
    key = new_key()
    get_storage().save(io.BytesIO(data), key)
    path = current_app.url_map.bind("localhost").build("results.download", {"job_id": ctx.record.id})
    return {"download": path, "label": f"Tải tệp «{file_name(kind, year)}»", "key": key, "name": file_name(kind, year)}
