"""The demo's sample evidence reads like real documents: multi-page PDFs whose text (read back with its diacritics)
carries the national header, the unit as issuer (never «Xã Xã»), a number in the real pattern, the place and date,
the title and a signer; the upload checks accept them; the same unit gets the same bytes on every run."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from dvcq.scoring.campaigns import demo_evidence
from dvcq.scoring.evidence import demo_pdf
from dvcq.scoring.evidence.file_checks import check_head, clean_meta, clean_name

NUMBER = re.compile(r"^\d{2,3}/(KH|QĐ|BC|BB)-(UBND|SNV|STP|STC|SGDĐT|VPUB)$")
BA_TO = demo_evidence.issuer("Xã Ba Tô", True, "Phạm Văn Sơn", "Đinh Thị Lan")
SO_GD = demo_evidence.issuer("Sở Giáo dục và Đào tạo", False, "Nguyễn Thị Giáo", "Lê Văn An")


def _read(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.replace("\u00a0", " ").split())


@pytest.mark.parametrize(("unit", "code"), [(BA_TO, "QNG-BTO"), (SO_GD, "QNG-SGD")])
def test_each_file_is_a_multi_page_document_of_its_unit_in_vietnamese(unit, code):
    files = [*demo_evidence.library(unit, code), demo_evidence.explanation_file(unit, code)]
    assert len({f.data for f in files}) == len(files) == 5
    for sample in files:
        pages, text = _read(sample.data)
        assert 2 <= pages <= 4, (sample.name, pages)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        assert NUMBER.match(sample.meta["doc_number"]), sample.meta["doc_number"]
        assert f"Số: {sample.meta['doc_number']}" in text
        day = sample.meta["doc_date"]
        assert date(2026, 1, 1) <= day <= date(2026, 9, 30)
        assert f"{unit.place}, ngày {day.day:02d} tháng" in text
        assert unit.header in text and unit.leader in text
        assert "Xã Xã" not in text and "xã Xã" not in text and "UBND xã Xã" not in sample.meta["issuer"]
        # what the upload form checks, as the real upload does
        assert clean_name(sample.name) == (sample.name, "pdf")
        check_head(sample.data[:8192], sample.name, "pdf")
        assert clean_meta(sample.meta)["doc_number"] == sample.meta["doc_number"]


def test_a_commune_writes_as_its_committee_and_an_agency_under_the_province():
    plan, decision, report, minutes = demo_evidence.library(BA_TO, "QNG-BTO")
    assert plan.meta["issuer"] == "UBND xã Ba Tô"
    _, text = _read(decision.data)
    assert "ỦY BAN NHÂN DÂN XÃ BA TÔ" in text and "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ BA TÔ" in text
    assert "Điều 1. Kiện toàn Ban Chỉ đạo" in text and "QUYẾT ĐỊNH:" in text
    _, text = _read(report.data)
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text and "Nơi nhận:" in text
    _, text = _read(minutes.data)
    assert "THƯ KÝ" in text and "CHỦ TRÌ" in text and "Đinh Thị Lan" in text
    agency_plan = demo_evidence.library(SO_GD, "QNG-SGD")[0]
    assert (
        agency_plan.meta["doc_number"].endswith("/KH-SGDĐT") and agency_plan.meta["issuer"] == "Sở Giáo dục và Đào tạo"
    )
    _, text = _read(agency_plan.data)
    assert "UBND TỈNH QUẢNG NGÃI SỞ GIÁO DỤC VÀ ĐÀO TẠO" in text and "Quảng Ngãi, ngày" in text
    assert "GIÁM ĐỐC" in text


def test_the_same_unit_gets_the_same_bytes_and_another_unit_other_ones():
    first = [f.data for f in demo_evidence.library(BA_TO, "QNG-BTO")]
    assert [f.data for f in demo_evidence.library(BA_TO, "QNG-BTO")] == first
    other = demo_evidence.issuer("Xã Ba Vì", True, "Phạm Văn Sơn", "Đinh Thị Lan")
    assert not set(first) & {f.data for f in demo_evidence.library(other, "QNG-BVI")}


def test_an_agency_numbers_its_documents_with_its_initials():
    assert [
        demo_evidence.agency_symbol(n) for n in ("Sở Tư pháp", "Sở Giáo dục và Đào tạo", "Văn phòng UBND tỉnh")
    ] == [
        "STP",
        "SGDĐT",
        "VPUB",
    ]


def test_without_a_vietnamese_font_the_document_is_still_written_without_diacritics(monkeypatch):
    monkeypatch.setattr(demo_pdf, "fonts", lambda: None)
    pages, text = _read(demo_evidence.library(BA_TO, "QNG-BTO")[0].data)
    assert pages >= 2 and "CONG HOA XA HOI CHU NGHIA VIET NAM" in text and "UY BAN NHAN DAN XA BA TO" in text
