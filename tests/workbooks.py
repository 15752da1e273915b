"""Workbooks as officials type them in Excel, built by the import tests: rows written as typed cells, one sheet or
several, saved to bytes; and the clean rows with some cells rewritten, the way each hand-made variant differs."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook


def put(ws, rows: list[list], top: int = 1, left: int = 1) -> None:
    """Write rows as typed cells from (top, left); None and "" leave a cell empty."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None and value != "":
                ws.cell(row=top + r, column=left + c, value=value)


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def one_sheet(rows: list[list], *, title: str, top: int = 1, left: int = 1, prepare: Callable | None = None) -> bytes:
    """A workbook of one sheet `title` with `rows` from (top, left); `prepare(ws)` may then add titles, merges…"""
    book = Workbook()
    ws = book.active
    ws.title = title
    put(ws, rows, top, left)
    if prepare:
        prepare(ws)
    return saved(book)


def changed(rows: list[list], column: str, values: dict[int, object]) -> list[list]:
    """A copy of `rows` with the cells of `column` (a header) replaced on the given row indexes."""
    index = rows[0].index(column)
    copy = [list(row) for row in rows]
    for row, value in values.items():
        copy[row][index] = value
    return copy
