"""The demo's sample evidence as real documents: an administrative document (kế hoạch, báo cáo, quyết định, biên bản)
laid out in the state format of Decree 30/2020/NĐ-CP — issuer and number top left, national title, motto and the
place and date top right, the title, the text, the signature block beside «Nơi nhận», page numbers from the second
page — written as a PDF with a TrueType font that has every Vietnamese glyph (embedded as a subset, so the text can
be searched and copied).

Plain data in, bytes out: no Flask, no database, and the same document always gives the same bytes (ReportLab's
invariant mode). ReportLab is pure Python, so the demo needs no LibreOffice. Without any of the fonts below on the
machine, the text is written without diacritics in the PDF's built-in Times, so the demo still runs."""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dvcq.scoring.decisions.document import MOTTO, NATIONAL_TITLE, header_lines, place_and_date, punctuated

# (regular, bold, italic) of a serif with every Vietnamese glyph, best first: Liberation Serif 2 has the metrics of
# Times New Roman, the administrative documents' font (Liberation 1.x lacks ơ, ư and most stacked accents).
FONT_FILES = (
    (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
    ),
)
VIETNAMESE = "ĂÂĐÊÔƠƯăâđêôơưẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
BUILT_IN = ("Times-Roman", "Times-Bold", "Times-Italic")
NAMES = ("DvcqSerif", "DvcqSerif-Bold", "DvcqSerif-Italic")
BODY, HEADER, SMALL = 13.0, 12.5, 11.0  # points
LEFT, TOP, RIGHT, BOTTOM = 30 * mm, 20 * mm, 20 * mm, 20 * mm  # as the decree sets them
WIDTH = A4[0] - LEFT - RIGHT
ISSUER_WIDTH = 68 * mm  # the left header column; the national title takes the rest


@dataclass(frozen=True)
class Block:
    """A piece of the text. `style`: "para" (justified, first line indented), "article" (a paragraph whose label, up
    to its first full stop, is bold: «Điều 1.»), "heading" (bold), "basis" (italic, as the grounds of a decision
    read), "center" (bold, centred: «QUYẾT ĐỊNH:»)."""

    text: str
    style: str = "para"


@dataclass(frozen=True)
class Signer:
    """A signature block: its capitalised lines ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH") and the signer's name."""

    lines: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class AdminDocument:
    """Everything printed on one document."""

    issuer: str  # "ỦY BAN NHÂN DÂN XÃ BA TÔ" or "SỞ TƯ PHÁP"
    number: str  # "12/BC-UBND"
    place: str  # "Ba Tô"
    day: date
    kind: str  # "BÁO CÁO"
    summary: str  # the trích yếu under the kind: "Kết quả thực hiện …"
    blocks: tuple[Block, ...]
    signers: tuple[Signer, ...]  # one (with «Nơi nhận» beside it) or two side by side (a biên bản)
    recipients: tuple[str, ...] = ()
    parent: str = ""  # the body above an agency: "UBND TỈNH QUẢNG NGÃI"


@functools.cache
def fonts() -> tuple[str, str, str] | None:
    """The names of the registered (regular, bold, italic) faces of the first font of FONT_FILES on this machine that
    has every Vietnamese glyph (its italic, when missing, is the regular); None when there is none."""
    for regular, bold, italic in FONT_FILES:
        if not (Path(regular).is_file() and Path(bold).is_file()):
            continue
        faces = [TTFont(NAMES[0], regular)]
        if not all(ord(ch) in faces[0].face.charToGlyph for ch in VIETNAMESE):
            continue
        faces += [TTFont(NAMES[1], bold), TTFont(NAMES[2], italic if Path(italic).is_file() else regular)]
        for face in faces:
            pdfmetrics.registerFont(face)
        registerFontFamily(NAMES[0], normal=NAMES[0], bold=NAMES[1], italic=NAMES[2], boldItalic=NAMES[1])
        return NAMES
    return None


def _plain(text: str) -> str:
    """Without diacritics, for the built-in font (Latin-1 only)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


class _Writer:
    """Paragraph styles and text on the Vietnamese font when there is one, else on Times without diacritics."""

    def __init__(self):
        names = fonts()
        self.vietnamese = names is not None
        self.regular, self.bold, self.italic = names or BUILT_IN

    def text(self, text: str) -> str:
        return text if self.vietnamese else _plain(text)

    def para(
        self, text: str, face: str, size: float, *, align=TA_CENTER, indent: float = 0, after: float = 0, label=""
    ) -> Paragraph:
        """A paragraph of plain text (escaped here), after an optional bold `label`."""
        style = ParagraphStyle(
            "p",
            fontName=face,
            fontSize=size,
            leading=size * 1.3,
            alignment=align,
            firstLineIndent=indent,
            spaceAfter=after,
        )
        bold = f"<b>{escape(self.text(label))}</b> " if label else ""
        return Paragraph(bold + escape(self.text(text)), style)


def _rule(width: float, after: float = 2) -> HRFlowable:
    """The short line under the issuer, the motto and the title."""
    return HRFlowable(width=width, thickness=0.6, color="black", hAlign="CENTER", spaceBefore=1, spaceAfter=after)


def _header(w: _Writer, doc: AdminDocument) -> Table:
    issuer = [w.para(doc.parent, w.regular, HEADER)] if doc.parent else []
    issuer += [w.para(line, w.bold, HEADER) for line in header_lines(doc.issuer)]
    issuer += [_rule(22 * mm, 5), w.para(f"Số: {doc.number}", w.regular, BODY)]
    national = [
        w.para(NATIONAL_TITLE, w.bold, HEADER - 0.5),
        w.para(MOTTO, w.bold, BODY),
        _rule(58 * mm, 5),
        w.para(place_and_date(doc.place, doc.day), w.italic, BODY),
    ]
    table = Table([[issuer, national]], colWidths=[ISSUER_WIDTH, WIDTH - ISSUER_WIDTH])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _title(w: _Writer, doc: AdminDocument) -> list:
    return [
        Spacer(1, 8 * mm),
        w.para(doc.kind, w.bold, BODY + 1),
        w.para(doc.summary, w.bold, BODY + 1),
        _rule(40 * mm, 6 * mm),
    ]


def _text(w: _Writer, blocks: tuple[Block, ...]) -> list[Paragraph]:
    out = []
    for block in blocks:
        if block.style == "heading":
            out.append(w.para(block.text, w.bold, BODY, align=TA_LEFT, after=3))
        elif block.style == "article":
            label, _, rest = block.text.partition(". ")
            out.append(w.para(rest, w.regular, BODY, align=TA_JUSTIFY, indent=10 * mm, after=3, label=f"{label}."))
        elif block.style == "center":
            out.append(w.para(block.text, w.bold, BODY, after=4))
        else:
            face = w.italic if block.style == "basis" else w.regular
            out.append(w.para(block.text, face, BODY, align=TA_JUSTIFY, indent=10 * mm, after=3))
    return out


def _signer(w: _Writer, signer: Signer) -> list:
    lines = [w.para(line, w.bold, BODY) for line in signer.lines]
    return [*lines, w.para("(Đã ký)", w.italic, SMALL), Spacer(1, 16 * mm), w.para(signer.name, w.bold, BODY)]


def _signatures(w: _Writer, doc: AdminDocument) -> KeepTogether:
    """«Nơi nhận» on the left and the signer on the right, or two signers side by side; kept on one page."""
    if len(doc.signers) == 2:
        row = [_signer(w, signer) for signer in doc.signers]
    else:
        received = [w.para("Nơi nhận:", w.italic, SMALL + 1, align=TA_LEFT)]
        received += [w.para(f"- {line}", w.regular, SMALL, align=TA_LEFT) for line in punctuated(doc.recipients)]
        row = [received, _signer(w, doc.signers[0])]
    table = Table([row], colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 5 * mm), table])


def render(doc: AdminDocument) -> bytes:
    """The document as PDF bytes (A4 portrait, margins 2 / 2 / 3 / 2 cm)."""
    w = _Writer()

    def page_number(canvas, _template) -> None:
        canvas.setFont(w.regular, SMALL)
        canvas.drawCentredString(LEFT + WIDTH / 2, A4[1] - 12 * mm, str(canvas.getPageNumber()))

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=w.text(f"{doc.kind.capitalize()} số {doc.number}"),
        author=w.text(doc.issuer),
        invariant=1,
    )
    story = [_header(w, doc), *_title(w, doc), *_text(w, doc.blocks), _signatures(w, doc)]
    template.build(story, onLaterPages=page_number)
    return out.getvalue()
