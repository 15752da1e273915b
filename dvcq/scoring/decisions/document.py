"""The decision as a Word file in the state format of Decree 30/2020/NĐ-CP (thể thức văn bản hành chính), and its PDF.

Plain data in (`DecisionDocument`), bytes out: no Flask, no database. The layout follows the decree's Appendix I:
A4 portrait, margins 2 / 2 / 3 / 2 cm, Times New Roman; the issuer top left and the national title and motto top
right in a borderless table; the results as an annex in its own landscape section.
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from dvcq.platform.formatting import points
from dvcq.scoring.decisions.signing import long_date

FONT = "Times New Roman"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ANNEX_COLUMNS = ("STT", "Tên đơn vị", "Điểm tự chấm", "Điểm thẩm định", "Xếp loại", "Xếp hạng")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
COMMITTEE = "ỦY BAN NHÂN DÂN"
# The kinds of administrative unit a committee's name starts with, longest first: the header breaks after one of
# them, never inside it or inside the place name that follows.
UNIT_WORDS = ("THÀNH PHỐ", "THỊ TRẤN", "ĐẶC KHU", "THỊ XÃ", "PHƯỜNG", "HUYỆN", "TỈNH", "QUẬN", "XÃ")
NBSP = "\u00a0"

# Portrait A4 text width: 21 − 3 (left) − 2 (right) = 16 cm; landscape: 29.7 − 2.5 − 2 = 25.2 cm.
HEADER_WIDTHS = (Cm(6.2), Cm(9.8))
SIGNATURE_WIDTHS = (Cm(8.0), Cm(8.0))
ANNEX_WIDTHS = (Cm(1.4), Cm(8.8), Cm(3.0), Cm(3.2), Cm(5.8), Cm(3.0))


@dataclass(frozen=True)
class AnnexRow:
    """One unit in the annex: its place in the table, name, totals, level and rank ("02/19")."""

    position: int
    unit_name: str
    self_total: Decimal | None
    appraised_total: Decimal | None
    level: str
    rank: str


@dataclass(frozen=True)
class AnnexGroup:
    """A group (khối) of the annex: "Khối xã", with its units in rank order, and the criteria set it was scored on
    with its maximum ("Bộ tiêu chí …, tối đa 100,00 điểm"): groups on different sets never share a table."""

    title: str
    rows: tuple[AnnexRow, ...]
    criteria: str = ""
    members: str = ""  # "19 xã, thị trấn"


@dataclass(frozen=True)
class DecisionDocument:
    """Everything printed on the decision. Lists are plain strings, one item each, without the punctuation the
    format adds (";" between items, "." after the last)."""

    issuer_parent: str  # "UBND TỈNH QUẢNG NGÃI" (may be empty)
    issuer: str  # "ỦY BAN NHÂN DÂN HUYỆN BA TƠ"
    issuer_in_text: str  # "Ủy ban nhân dân huyện Ba Tơ", for the annex's "(Kèm theo … của …)"
    number: str  # "05/QĐ-UBND"
    place: str  # "Ba Tơ"
    date: date | None
    summary: str  # "Về việc phê duyệt kết quả …"
    authority_line: str  # "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN BA TƠ"
    legal_bases: tuple[str, ...]
    articles: tuple[str, ...]  # Điều 1, Điều 2, … (text after the label)
    signer_authority: str  # "TM. ỦY BAN NHÂN DÂN"
    signer_title: str  # "CHỦ TỊCH"
    signer_name: str
    recipients: tuple[str, ...]
    annex_title: str  # "KẾT QUẢ ĐÁNH GIÁ, PHÂN LOẠI CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM 2025"
    annex_groups: tuple[AnnexGroup, ...] = field(default_factory=tuple)
    draft: bool = False  # a preview: "DỰ THẢO" at the top, number and date may be blank
    decided_by: str = ""  # who decided, for the annex's "(Kèm theo … của …)"; default: issuer_in_text


def place_and_date(place: str, day: date | None) -> str:
    """ "Ba Tơ, ngày 15 tháng 01 năm 2026": days below 10 and the months 1 and 2 take a leading zero (Decree 30)."""
    if day is None:
        return f"{place}, ngày     tháng     năm     "
    return f"{place}, {long_date(day)}"


def punctuated(items: tuple[str, ...] | list[str], last: str = ".") -> list[str]:
    """Items of a list as the decree prints them: each ends with ";", the last with `last`."""
    cleaned = [item.strip().rstrip(";.").rstrip() for item in items if item.strip()]
    return [item + (last if i == len(cleaned) - 1 else ";") for i, item in enumerate(cleaned)]


def number_line(number: str) -> str:
    return f"Số: {number}" if number.strip() else "Số:        /QĐ-UBND"


def annex_reference(doc: DecisionDocument) -> str:
    number = doc.number.strip() or "     /QĐ-UBND"
    day = long_date(doc.date) if doc.date else "ngày     tháng     năm     "
    return f"(Kèm theo Quyết định số {number} {day} của {doc.decided_by or doc.issuer_in_text})"


def keep_years(text: str) -> str:
    """ "năm 2025" never breaks between the word and the year: a title does not end on a line holding "2025" alone."""
    return re.sub(r"(năm|tháng) (\d{1,4})\b", lambda m: f"{m.group(1)}{NBSP}{m.group(2)}", text)


def header_lines(issuer: str) -> list[str]:
    """The issuer as the header prints it: "ỦY BAN NHÂN DÂN" on its own line, then the unit, whose kind and place
    name never break inside ("HUYỆN BA TƠ" → "HUYỆN" and "BA TƠ" joined by no-break spaces, a break allowed between
    them only). Any other issuer ("PHÒNG NỘI VỤ") is printed as it is."""
    text = " ".join(issuer.split()).upper()
    if not text.startswith(COMMITTEE + " "):
        return [text]
    rest = text[len(COMMITTEE) + 1 :]
    kind = next((w for w in UNIT_WORDS if rest == w or rest.startswith(w + " ")), "")
    place = rest[len(kind) :].strip()
    joined = " ".join(part.replace(" ", NBSP) for part in (kind, place) if part)
    return [COMMITTEE, joined]


# ---- low-level helpers ------------------------------------------------------------------------------------------


def _set_font(run, size: float, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _paragraph(
    container,
    text: str = "",
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
    first_line: Cm | None = None,
):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.0
    if first_line is not None:
        fmt.first_line_indent = first_line
    if text:
        _set_font(p.add_run(text), size, bold, italic)
    return p


def _first_paragraph(cell, text: str, size: float, bold: bool = False, italic: bool = False, after: float = 0):
    """A table cell starts with one empty paragraph: use it for the first line instead of leaving a blank one."""
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(0), Pt(after)
    p.paragraph_format.line_spacing = 1.0
    if text:
        _set_font(p.add_run(text), size, bold, italic)
    return p


def _rule(container, width: Cm, column: Cm, before: float = 0, after: float = 0) -> None:
    """A short solid line centred in a column (the lines under the issuer, the motto and the summary): an empty
    paragraph with a top border, narrowed by equal indents."""
    p = container.add_paragraph()
    side = max(0, (column - width) // 2)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = side
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = Pt(1)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    p._p.get_or_add_pPr().append(borders)
    _set_font(p.add_run(""), 1)


def _table_borders(table, kind: str) -> None:
    """`nil` everywhere (the header and signature blocks) or single lines everywhere (the annex)."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        if kind == "none":
            element.set(qn("w:val"), "nil")
        else:
            for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "000000")):
                element.set(qn(key), value)
        borders.append(element)
    tbl_pr.append(borders)


def _fixed_widths(table, widths) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both, and a fixed layout."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(_cells(table, row), widths, strict=True):
            cell.width = width


def _cells(table, row) -> list[_Cell]:
    """The row's cells from its own <w:tc> elements. python-docx's `row.cells` walks the whole table's grid on every
    call, which made a 3,321-row annex quadratic (47 s); our tables have no merged cells, so this is the same list."""
    return [_Cell(tc, table) for tc in row._tr.tc_lst]


def _repeat_as_header(row) -> None:
    """The row is repeated at the top of every page the table runs onto (w:tblHeader), and never split."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        tr_pr.append(element)


def _no_split(row) -> None:
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _page_number_header(section) -> None:
    """Page numbers centred at the top from the second page on (Decree 30), none on the first."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _set_font(run, 13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# ---- the document -----------------------------------------------------------------------------------------------


def _page_setup(section, landscape: bool) -> None:
    short, long_ = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin = Cm(2.5 if landscape else 3)
    section.right_margin = Cm(2)
    section.header_distance = section.footer_distance = Cm(1)


def _header_block(document, doc: DecisionDocument) -> None:
    table = document.add_table(rows=1, cols=2)
    _table_borders(table, "none")
    _fixed_widths(table, HEADER_WIDTHS)
    left, right = table.rows[0].cells
    left_width, right_width = HEADER_WIDTHS

    if doc.issuer_parent.strip():
        _first_paragraph(left, doc.issuer_parent.strip().upper(), 12.5)
        issuer = _paragraph(left, "", 12.5)
    else:
        issuer = _first_paragraph(left, "", 12.5)
    for i, line in enumerate(header_lines(doc.issuer)):
        run = issuer.add_run()
        if i:
            run.add_break()
        run.add_text(line)
        _set_font(run, 12.5, bold=True)
    _rule(left, Cm(2.4), left_width, before=3, after=6)
    _paragraph(left, number_line(doc.number), 13)

    _first_paragraph(right, NATIONAL_TITLE, 12.5, bold=True)
    _paragraph(right, MOTTO, 13.5, bold=True)
    _rule(right, Cm(6.0), right_width, before=3, after=6)
    _paragraph(right, place_and_date(doc.place, doc.date), 13.5, italic=True)


def _body(document, doc: DecisionDocument) -> None:
    if doc.draft:
        _paragraph(document, "DỰ THẢO", 13, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    _paragraph(document, "QUYẾT ĐỊNH", 14, bold=True, before=18)
    _paragraph(document, keep_years(doc.summary), 14, bold=True)
    _rule(document, Cm(4.5), Cm(16), before=6, after=12)
    _paragraph(document, doc.authority_line.upper(), 14, bold=True, after=12)

    for basis in punctuated(doc.legal_bases):
        _paragraph(document, basis, 14, italic=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, first_line=Cm(1.27))

    _paragraph(document, "QUYẾT ĐỊNH:", 14, bold=True, before=6, after=12)
    for i, text in enumerate(doc.articles, start=1):
        p = _paragraph(document, "", 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=6, first_line=Cm(1.27))
        _set_font(p.add_run(f"Điều {i}. "), 14, bold=True)
        _set_font(p.add_run(text.strip()), 14)
        # The last article goes with the signature: a page never holds the signature block alone.
        p.paragraph_format.keep_with_next = i == len(doc.articles)


def _signature_block(document, doc: DecisionDocument) -> None:
    table = document.add_table(rows=1, cols=2)
    _table_borders(table, "none")
    _fixed_widths(table, SIGNATURE_WIDTHS)
    _no_split(table.rows[0])
    left, right = table.rows[0].cells

    first = _first_paragraph(left, "Nơi nhận:", 12, bold=True, italic=True)
    first.alignment = WD_ALIGN_PARAGRAPH.LEFT
    first.paragraph_format.space_before = Pt(12)
    for item in punctuated(doc.recipients):
        _paragraph(left, f"- {item}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)

    top = _first_paragraph(right, doc.signer_authority.upper(), 14, bold=True)
    top.paragraph_format.space_before = Pt(12)
    if doc.signer_title.strip():
        _paragraph(right, doc.signer_title.upper(), 14, bold=True)
    for _ in range(4):  # room for the signature and the seal
        _paragraph(right, "", 14, after=6)
    _paragraph(right, doc.signer_name, 14, bold=True)


def _restart_page_numbers(section) -> None:
    """The annex is numbered on its own (Decree 30/2020/NĐ-CP): from 1, no number on its first page."""
    section.different_first_page_header_footer = True
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    section._sectPr.find(qn("w:pgMar")).addnext(numbering)  # the schema's place: right after the margins


def _annex(document, doc: DecisionDocument) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section, landscape=True)
    _restart_page_numbers(section)
    _paragraph(document, "PHỤ LỤC", 14, bold=True)
    _paragraph(document, doc.annex_title.upper(), 14, bold=True)
    _paragraph(document, annex_reference(doc), 14, italic=True)
    _rule(document, Cm(5), Cm(25.2), before=4, after=12)

    for index, group in enumerate(doc.annex_groups):
        numeral = ROMAN[index] if index < len(ROMAN) else str(index + 1)
        title = f"{numeral}. {group.title}" + (f" ({group.members})" if group.members else "")
        _paragraph(document, title, 14, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6, after=6)
        if group.criteria:
            _paragraph(document, f"Chấm theo {group.criteria}", 14, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=6)
        _annex_table(document, group)


def _cell_text(cell, text: str, align, bold: bool = False, size: float = 13) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(3)
    p.paragraph_format.line_spacing = 1.0
    _set_font(p.add_run(text), size, bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _annex_table(document, group: AnnexGroup) -> None:
    """The group's table. One data row is built with python-docx (fonts, alignment, no split) and every unit's row is
    a copy of its XML with the texts replaced: building each cell through python-docx cost ~6 ms a row, so ~20 s for
    3,321 units; copying the row is ~50× cheaper and writes the same XML."""
    table = document.add_table(rows=1 + min(1, len(group.rows)), cols=len(ANNEX_COLUMNS))
    _table_borders(table, "single")
    _fixed_widths(table, ANNEX_WIDTHS)
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, title in zip(_cells(table, header), ANNEX_COLUMNS, strict=True):
        _cell_text(cell, title, WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    if not group.rows:
        return
    left, right, centre = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.CENTER
    template = table.rows[1]
    _no_split(template)
    for cell, align in zip(_cells(table, template), (centre, left, right, right, left, centre), strict=True):
        _cell_text(cell, "·", align)  # a placeholder, so that every cell has its w:t to fill
    tr = template._tr
    tbl = tr.getparent()
    tbl.remove(tr)
    w_t = qn("w:t")
    for data in group.rows:
        values = (
            str(data.position),
            data.unit_name,
            points(data.self_total) if data.self_total is not None else "",
            points(data.appraised_total) if data.appraised_total is not None else "",
            data.level,
            data.rank,
        )
        row = copy.deepcopy(tr)
        for t, text in zip(row.iter(w_t), values, strict=True):
            t.text = text
        tbl.append(row)


def build_docx(doc: DecisionDocument) -> bytes:
    """The decision as .docx bytes: the decision on A4 portrait, the annex in a landscape section."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    props = document.core_properties
    props.title = f"Quyết định {doc.number}".strip()
    props.subject = doc.summary
    props.author = doc.issuer_in_text
    props.language = "vi-VN"

    first = document.sections[0]
    _page_setup(first, landscape=False)
    _page_number_header(first)
    _header_block(document, doc)
    _body(document, doc)
    _signature_block(document, doc)
    _annex(document, doc)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---- PDF ----------------------------------------------------------------------------------------------------------


def pdf_available() -> bool:
    return shutil.which("soffice") is not None


def docx_to_pdf(data: bytes, timeout: int = 120) -> bytes | None:
    """Convert with LibreOffice when `soffice` is installed; None when it is not. Each run has its own profile and
    HOME, so parallel conversions do not share LibreOffice's lock. A failed conversion raises RuntimeError."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="dvcq-pdf-") as tmp:
        work = Path(tmp)
        source = work / "quyet-dinh.docx"
        source.write_bytes(data)
        env = {**os.environ, "HOME": str(work / "home")}
        command = [
            soffice,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=timeout, check=False, cwd=work)
        except subprocess.TimeoutExpired as err:
            raise RuntimeError(f"LibreOffice không chuyển xong sang PDF trong {timeout} giây") from err
        result = work / "out" / "quyet-dinh.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            raise RuntimeError("LibreOffice không tạo được tệp PDF")
        return result.read_bytes()
