"""Reading the platform's Word documents back as a clerk reads them: the paragraphs in order (tables' cells
included, where the header, the signature block and the recipients live), placeholders, and LibreOffice's PDF.

`require_soffice()` skips a PDF test where LibreOffice is not installed, and fails it instead when
DVCQ_REQUIRE_SOFFICE=1 (CI sets it: the documents' PDFs are then always rendered, never skipped)."""

from __future__ import annotations

import io
import os
import re
import shutil

import pytest
from docx import Document

PLACEHOLDERS = ("…", "...")


def require_soffice() -> None:
    if shutil.which("soffice") is None:
        if os.environ.get("DVCQ_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (DVCQ_REQUIRE_SOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def lines(document) -> list[str]:
    """Every non-empty paragraph of the body in reading order, a table's cells row by row, left to right; no-break
    spaces read as spaces and a line break inside a paragraph as one space."""
    body = document.element.body
    out: list[str] = []
    for p in body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
        parts = []
        for node in p.iter():
            tag = node.tag.rsplit("}", 1)[-1]
            if tag == "t" and node.text:
                parts.append(node.text)
            elif tag in ("br", "tab"):
                parts.append(" ")
        text = " ".join("".join(parts).replace("\u00a0", " ").split())
        if text:
            out.append(text)
    return out


def placeholders(document) -> list[str]:
    return [line for line in lines(document) if any(mark in line for mark in PLACEHOLDERS)]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
