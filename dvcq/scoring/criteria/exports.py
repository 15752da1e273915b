"""`dvcq criteria export`: a version written back in exactly the import format, so that export → import → export
gives the same cells. Points are numeric cells shown with two decimals (Excel displays the decimal comma of the
user's locale); codes are text cells so that «1.10» never turns into the number 1,1."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font

from dvcq.platform import workbooks
from dvcq.scoring.criteria.imports import (
    AUTHORITY_ONLY_LABEL,
    CONDITION_COLUMNS,
    CRITERIA_COLUMNS,
    EFFECT_LABELS,
    LEVEL_COLUMNS,
    SHEET_CONDITIONS,
    SHEET_CRITERIA,
    SHEET_LEVELS,
)
from dvcq.scoring.models import CriteriaNode, CriteriaVersion, NodeKind

POINTS_FORMAT = "0.00"
TEXT_FORMAT = "@"
CRITERIA_WIDTHS = [10, 60, 12, 12, 11, 14, 70, 16]
LEVEL_WIDTHS = [8, 36, 12]
CONDITION_WIDTHS = [10, 70, 16, 12]


def kind_text(node: CriteriaNode) -> str:
    """The `Loại` cell: `thưởng`/`trừ`, `cấp trên chấm`, or both separated by a comma."""
    words = [node.kind.label] if node.kind != NodeKind.NORMAL else []
    if node.authority_only:
        words.append(AUTHORITY_ONLY_LABEL)
    return ", ".join(words)


def _sheet(workbook, title: str, header: list[str], widths: list[int], first: bool = False):
    ws = workbook.active if first else workbook.create_sheet()
    ws.title = title
    workbooks.append(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
    ws.freeze_panes = "A2"
    return ws


def build_workbook(version: CriteriaVersion):
    """Text cells go through workbooks.append: a name starting with «=» or «-» stays text and reads back exactly."""
    workbook = workbooks.new_workbook()
    ws = _sheet(workbook, SHEET_CRITERIA, CRITERIA_COLUMNS, CRITERIA_WIDTHS, first=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    for node in version.nodes:
        leaf = node.is_leaf
        row = workbooks.append(
            ws,
            [
                node.code,
                node.name,
                node.max_points,
                node.method.label if leaf and node.method else None,
                node.step if leaf else None,
                ("có" if node.evidence_required else "không") if leaf else None,
                node.guidance or None,
                kind_text(node) or None,
            ],
        )
        ws.cell(row=row, column=1).number_format = TEXT_FORMAT
        for column in (3, 5):
            ws.cell(row=row, column=column).number_format = POINTS_FORMAT
        for column in (2, 7):
            ws.cell(row=row, column=column).alignment = wrap
        if not node.parent_id:
            ws.cell(row=row, column=1).font = Font(bold=True)
            ws.cell(row=row, column=2).font = Font(bold=True)
    ws = _sheet(workbook, SHEET_LEVELS, LEVEL_COLUMNS, LEVEL_WIDTHS)
    for level in version.levels:
        row = workbooks.append(ws, [level.order, level.name, level.min_points])
        ws.cell(row=row, column=3).number_format = POINTS_FORMAT
    ws = _sheet(workbook, SHEET_CONDITIONS, CONDITION_COLUMNS, CONDITION_WIDTHS)
    for condition in version.conditions:
        row = workbooks.append(
            ws, [condition.code, condition.name, EFFECT_LABELS[condition.effect], condition.cap_order]
        )
        ws.cell(row=row, column=1).number_format = TEXT_FORMAT
        ws.cell(row=row, column=2).alignment = wrap
    return workbook


def export_bytes(version: CriteriaVersion) -> bytes:
    return workbooks.save(build_workbook(version))


def export_file(version: CriteriaVersion, path) -> None:
    build_workbook(version).save(path)


def file_name(version: CriteriaVersion) -> str:
    """A download name that keeps the Vietnamese name (sent with RFC 5987 `filename*`)."""
    cleaned = "".join(c for c in version.name if c not in '\\/:*?"<>|').strip() or "bo-tieu-chi"
    return f"{cleaned[:120]}.xlsx"
