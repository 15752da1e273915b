"""The evidence viewer's file may be framed by our own pages, and only it: its response says frame-ancestors 'self'
and X-Frame-Options SAMEORIGIN; every other response keeps DENY and frame-ancestors 'none'."""

from __future__ import annotations

import io

from docx import Document
from werkzeug.datastructures import FileStorage

from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.evidence import uploads
from tests.scoring.campaign_factories import user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _docx() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


def _upload(world, name: str, data: bytes) -> int:
    with scoped(SYSTEM):
        ev = uploads.upload(user(world.officer_a), world.a_id, FileStorage(io.BytesIO(data), filename=name), None)
        return ev.id


def test_only_the_viewed_file_may_be_framed_by_our_own_pages(world, browser):
    pdf_id = _upload(world, "Biên bản.pdf", PDF)
    doc_id = _upload(world, "Báo cáo.docx", _docx())
    browser.login(world.officer_a)
    shown = browser.get(f"/tai-lieu/{pdf_id}/xem")
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    assert "frame-ancestors 'self'" in shown.headers["Content-Security-Policy"]
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    for other in (f"/tai-lieu/{pdf_id}/tai-ve", f"/tai-lieu/{doc_id}/xem", "/tai-lieu/", "/", "/khong-co"):
        response = browser.get(other)
        assert response.headers["X-Frame-Options"] == "DENY", other
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "frame-ancestors 'self'" not in csp, other
