"""The decision's .docx read back with python-docx: every element of the Decree 30/2020/NĐ-CP format, A4 portrait
with the decree's margins, the results as a landscape annex with one row per unit in rank order."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from dvcq.scoring.decisions.document import (
    AnnexGroup,
    AnnexRow,
    DecisionDocument,
    build_docx,
    docx_to_pdf,
    header_lines,
    place_and_date,
    punctuated,
)
from tests.documents import require_soffice

COMMUNES = (
    AnnexRow(1, "Thị trấn Ba Tơ", D("94.00"), D("88.75"), "Hoàn thành tốt nhiệm vụ", "01/19"),
    AnnexRow(2, "Xã Ba Động", D("97.00"), D("85.50"), "Hoàn thành tốt nhiệm vụ", "02/19"),
    AnnexRow(3, "Xã Ba Cung", D("80.25"), D("79.00"), "Hoàn thành tốt nhiệm vụ", "03/19"),
)
AGENCIES = (AnnexRow(1, "Phòng Nội vụ", D("95.00"), D("91.50"), "Hoàn thành xuất sắc nhiệm vụ", "01/05"),)


def sample(**changes) -> DecisionDocument:
    data = {
        "issuer_parent": "",
        "issuer": "ỦY BAN NHÂN DÂN HUYỆN BA TƠ",
        "issuer_in_text": "Ủy ban nhân dân huyện Ba Tơ",
        "number": "05/QĐ-UBND",
        "place": "Ba Tơ",
        "date": date(2026, 1, 15),
        "summary": "Về việc phê duyệt kết quả đánh giá, phân loại công tác dân vận chính quyền năm 2024",
        "authority_line": "ỦY BAN NHÂN DÂN HUYỆN BA TƠ",
        "legal_bases": (
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
            "Thực hiện Kết luận số 114-KL/TW ngày 14/7/2015 của Ban Bí thư;",
            "Theo đề nghị của Trưởng phòng Nội vụ huyện tại Tờ trình số 15/TTr-PNV ngày 10/01/2026.",
        ),
        "articles": (
            "Phê duyệt kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm 2025 "
            "(chi tiết tại Phụ lục kèm theo).",
            "Các cơ quan, đơn vị, địa phương xây dựng kế hoạch khắc phục, cải thiện và nâng cao Chỉ số.",
            "Quyết định này có hiệu lực kể từ ngày ký./.",
        ),
        "signer_authority": "TM. ỦY BAN NHÂN DÂN",
        "signer_title": "CHỦ TỊCH",
        "signer_name": "Đinh Văn Lãnh",
        "recipients": ("Như Điều 3", "Thường trực Huyện ủy;", "Lưu: VT, NV"),
        "annex_title": "Kết quả đánh giá, phân loại Chỉ số Dân vận chính quyền năm 2025",
        "annex_groups": (AnnexGroup("Khối xã", COMMUNES), AnnexGroup("Khối cơ quan", AGENCIES)),
    }
    data.update(changes)
    return DecisionDocument(**data)


@pytest.fixture(scope="module")
def docx():
    return Document(io.BytesIO(build_docx(sample())))


def body_paragraphs(document) -> list:
    return list(document.paragraphs)


def find(paragraphs, text: str):
    matches = [p for p in paragraphs if p.text.strip() == text]
    assert matches, f"no paragraph {text!r} in {[p.text for p in paragraphs]}"
    return matches[0]


def runs_are(paragraph, *, bold=None, italic=None, size=None) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    assert runs, f"no text in {paragraph.text!r}"
    return all(
        (bold is None or r.font.bold == bold)
        and (italic is None or r.font.italic == italic)
        and (size is None or r.font.size == Pt(size))
        for r in runs
    )


def header_cells(document):
    return document.tables[0].rows[0].cells


def test_the_header_has_the_issuer_left_and_the_national_title_right(docx):
    left, right = header_cells(docx)
    assert [p.text for p in left.paragraphs if p.text] == [
        "ỦY BAN NHÂN DÂN\nHUYỆN BA\u00a0TƠ",
        "Số: 05/QĐ-UBND",
    ]
    assert runs_are(left.paragraphs[0], bold=True)
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Ba Tơ, ngày 15 tháng 01 năm 2026",
    ]
    assert runs_are(find(right.paragraphs, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True)
    assert runs_are(find(right.paragraphs, "Độc lập - Tự do - Hạnh phúc"), bold=True)
    assert runs_are(find(right.paragraphs, "Ba Tơ, ngày 15 tháng 01 năm 2026"), italic=True, bold=False)


def test_the_header_table_has_no_borders_and_lines_under_issuer_and_motto(docx):
    table = docx.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}
    for cell in header_cells(docx):
        rules = [p for p in cell.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
        assert len(rules) == 1, "one short line under the issuer, one under the motto"


def test_the_body_has_the_title_summary_bases_and_articles(docx):
    paragraphs = body_paragraphs(docx)
    texts = [p.text for p in paragraphs]
    title = find(paragraphs, "QUYẾT ĐỊNH")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and runs_are(title, bold=True)
    summary = find(paragraphs, sample().summary.replace("năm 2024", "năm\u00a02024"))  # the year never starts a line
    assert runs_are(summary, bold=True) and summary.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert runs_are(find(paragraphs, "ỦY BAN NHÂN DÂN HUYỆN BA TƠ"), bold=True)
    bases = [p for p in paragraphs if p.text.startswith(("Căn cứ", "Thực hiện", "Theo đề nghị"))]
    assert [p.text[-1] for p in bases] == [";", ";", "."], "each basis ends with ';', the last with '.'"
    assert all(runs_are(p, italic=True) for p in bases)
    decide = find(paragraphs, "QUYẾT ĐỊNH:")
    assert runs_are(decide, bold=True) and decide.alignment == WD_ALIGN_PARAGRAPH.CENTER
    articles = [p for p in paragraphs if p.text.startswith("Điều ")]
    assert [p.runs[0].text for p in articles] == ["Điều 1. ", "Điều 2. ", "Điều 3. "]
    assert all(p.runs[0].font.bold and not p.runs[1].font.bold for p in articles)
    assert "(chi tiết tại Phụ lục kèm theo)" in articles[0].text
    assert texts.index("QUYẾT ĐỊNH") < texts.index("QUYẾT ĐỊNH:") < texts.index(articles[0].text)


def test_the_signature_block_and_recipients(docx):
    left, right = docx.tables[1].rows[0].cells
    where = find(left.paragraphs, "Nơi nhận:")
    assert runs_are(where, bold=True, italic=True, size=12)
    items = [p for p in left.paragraphs if p.text.startswith("- ")]
    assert [p.text for p in items] == ["- Như Điều 3;", "- Thường trực Huyện ủy;", "- Lưu: VT, NV."]
    assert all(runs_are(p, size=11) for p in items)
    signature = [p.text for p in right.paragraphs if p.text]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Đinh Văn Lãnh"]
    assert all(runs_are(p, bold=True) for p in right.paragraphs if p.text)
    blank_lines = [p for p in right.paragraphs if not p.text]
    assert len(blank_lines) >= 3, "room for the signature and the seal"


def test_the_first_section_is_a4_portrait_with_the_decree_margins(docx):
    first = docx.sections[0]
    assert first.orientation == WD_ORIENT.PORTRAIT
    assert (round(first.page_width.cm, 1), round(first.page_height.cm, 1)) == (21.0, 29.7)
    assert round(first.top_margin.cm, 1) == round(first.bottom_margin.cm, 1) == 2.0
    assert round(first.left_margin.cm, 1) == 3.0
    assert 1.5 <= round(first.right_margin.cm, 1) <= 2.0


def test_every_run_is_times_new_roman_13_to_14_points_in_the_body(docx):
    assert docx.styles["Normal"].font.name == "Times New Roman"
    runs = [r for p in docx.paragraphs for r in p.runs if r.text.strip()]
    assert {r.font.name for r in runs} == {"Times New Roman"}
    body = [r for p in docx.paragraphs if p.text.startswith(("Căn cứ", "Điều ")) for r in p.runs]
    assert {r.font.size.pt for r in body} <= {13.0, 14.0}


def test_the_annex_is_a_landscape_section_with_its_reference(docx):
    assert len(docx.sections) == 2
    annex = docx.sections[1]
    assert annex.orientation == WD_ORIENT.LANDSCAPE
    assert (round(annex.page_width.cm, 1), round(annex.page_height.cm, 1)) == (29.7, 21.0)
    texts = [p.text for p in docx.paragraphs]
    start = texts.index("PHỤ LỤC")
    assert texts[start + 1] == "KẾT QUẢ ĐÁNH GIÁ, PHÂN LOẠI CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM 2025"
    reference = docx.paragraphs[start + 2]
    assert reference.text == (
        "(Kèm theo Quyết định số 05/QĐ-UBND ngày 15 tháng 01 năm 2026 của Ủy ban nhân dân huyện Ba Tơ)"
    )
    assert runs_are(reference, italic=True)
    assert "I. Khối xã" in texts and "II. Khối cơ quan" in texts
    # The section break sits after the signature: the decision itself is entirely portrait.
    assert texts.index("PHỤ LỤC") > texts.index("QUYẾT ĐỊNH:")


def test_the_annex_has_one_row_per_unit_in_rank_order_with_decimal_commas(docx):
    communes, agencies = docx.tables[2], docx.tables[3]
    header = [c.text for c in communes.rows[0].cells]
    assert header == ["STT", "Tên đơn vị", "Điểm tự chấm", "Điểm thẩm định", "Xếp loại", "Xếp hạng"]
    rows = [[c.text for c in row.cells] for row in communes.rows[1:]]
    assert rows == [
        ["1", "Thị trấn Ba Tơ", "94,00", "88,75", "Hoàn thành tốt nhiệm vụ", "01/19"],
        ["2", "Xã Ba Động", "97,00", "85,50", "Hoàn thành tốt nhiệm vụ", "02/19"],
        ["3", "Xã Ba Cung", "80,25", "79,00", "Hoàn thành tốt nhiệm vụ", "03/19"],
    ]
    assert [[c.text for c in row.cells] for row in agencies.rows[1:]] == [
        ["1", "Phòng Nội vụ", "95,00", "91,50", "Hoàn thành xuất sắc nhiệm vụ", "01/05"]
    ]
    numbers = [communes.rows[2].cells[i].paragraphs[0] for i in (2, 3)]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in numbers)


def test_the_annex_header_row_repeats_on_every_page_and_the_table_has_borders(docx):
    table = docx.tables[2]
    tr_pr = table.rows[0]._tr.trPr
    assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {edge.get(qn("w:val")) for edge in borders} == {"single"}
    assert sum(table.columns[i].width for i in range(6)) <= Cm(25.2) + Cm(0.05)


def test_a_province_committee_has_no_parent_line_and_an_agency_keeps_its_own():
    document = Document(io.BytesIO(build_docx(sample(issuer="ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"))))
    left, _ = header_cells(document)
    assert [p.text for p in left.paragraphs if p.text] == ["ỦY BAN NHÂN DÂN\nTỈNH QUẢNG\u00a0NGÃI", "Số: 05/QĐ-UBND"]
    agency = Document(io.BytesIO(build_docx(sample(issuer_parent="UBND HUYỆN BA TƠ", issuer="PHÒNG NỘI VỤ"))))
    left, _ = header_cells(agency)
    assert [p.text for p in left.paragraphs if p.text] == ["UBND HUYỆN BA TƠ", "PHÒNG NỘI VỤ", "Số: 05/QĐ-UBND"]


@pytest.mark.parametrize(
    ("issuer", "lines"),
    [
        ("ỦY BAN NHÂN DÂN HUYỆN BA TƠ", ["ỦY BAN NHÂN DÂN", "HUYỆN BA\u00a0TƠ"]),
        ("Ủy ban nhân dân xã Ba Nam", ["ỦY BAN NHÂN DÂN", "XÃ BA\u00a0NAM"]),
        ("ỦY BAN NHÂN DÂN THÀNH PHỐ THỦ DẦU MỘT", ["ỦY BAN NHÂN DÂN", "THÀNH\u00a0PHỐ THỦ\u00a0DẦU\u00a0MỘT"]),
        ("ỦY BAN NHÂN DÂN THỊ TRẤN BA TƠ", ["ỦY BAN NHÂN DÂN", "THỊ\u00a0TRẤN BA\u00a0TƠ"]),
        ("PHÒNG NỘI VỤ", ["PHÒNG NỘI VỤ"]),
    ],
)
def test_the_issuer_breaks_after_the_committee_and_never_inside_a_place_name(issuer, lines):
    assert header_lines(issuer) == lines


def test_the_annex_is_numbered_on_its_own():
    annex = docx_of_sample().sections[1]
    numbering = annex._sectPr.find(qn("w:pgNumType"))
    assert numbering is not None and numbering.get(qn("w:start")) == "1"
    assert annex.different_first_page_header_footer, "no number on the annex's first page"


def docx_of_sample(**changes):
    return Document(io.BytesIO(build_docx(sample(**changes))))


def test_the_annex_names_each_group_with_its_members_and_its_criteria_set():
    groups = (
        AnnexGroup("Khối xã", COMMUNES, "Bộ tiêu chí xã, tối đa 100,00 điểm", "19 xã, thị trấn"),
        AnnexGroup("Khối cơ quan", AGENCIES, "Bộ tiêu chí cơ quan, tối đa 90,00 điểm", "05 cơ quan, đơn vị"),
    )
    texts = [p.text for p in docx_of_sample(annex_groups=groups).paragraphs]
    assert "I. Khối xã (19 xã, thị trấn)" in texts and "II. Khối cơ quan (05 cơ quan, đơn vị)" in texts
    assert "Chấm theo Bộ tiêu chí cơ quan, tối đa 90,00 điểm" in texts


def test_a_preview_is_marked_draft_and_blank_number_and_date_leave_room():
    document = Document(io.BytesIO(build_docx(sample(number="", date=None, draft=True))))
    texts = [p.text for p in document.paragraphs]
    assert "DỰ THẢO" in texts
    left, right = header_cells(document)
    assert any(p.text.startswith("Số:") and "/QĐ-UBND" in p.text for p in left.paragraphs)
    assert any(p.text.startswith("Ba Tơ, ngày") for p in right.paragraphs)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 15), "Ba Tơ, ngày 15 tháng 01 năm 2026"),
        (date(2026, 2, 5), "Ba Tơ, ngày 05 tháng 02 năm 2026"),
        (date(2026, 3, 9), "Ba Tơ, ngày 09 tháng 3 năm 2026"),
        (date(2025, 12, 31), "Ba Tơ, ngày 31 tháng 12 năm 2025"),
    ],
)
def test_place_and_date_pad_days_below_ten_and_the_months_january_and_february(day, expected):
    assert place_and_date("Ba Tơ", day) == expected


def test_list_items_get_the_decree_punctuation_whatever_the_user_typed():
    assert punctuated(["Như Điều 3", "Lưu: VT, NV;", "  ", "Thường trực Huyện ủy."]) == [
        "Như Điều 3;",
        "Lưu: VT, NV;",
        "Thường trực Huyện ủy.",
    ]


def test_libreoffice_renders_the_decision_to_a_pdf_of_two_or_more_pages():
    require_soffice()
    pdf = docx_to_pdf(build_docx(sample()))
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 2, "the decision on page 1, the landscape annex after it"
