"""Upload names (issue 14): officials' long Vietnamese names are accepted, the name is kept exactly as the user sent
it and only ever shown — HTML-escaped on the pages, RFC 5987 `filename*` in Content-Disposition — while the stored
file lives under a random key inside the storage root whatever the name says. Refused are only control characters and
bidi overrides, in Vietnamese. The rest of the name policy: tests/scoring/test_evidence_upload.py."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.storage import get_storage
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Evidence
from tests.scoring.test_evidence_upload import assert_nothing_kept, page, pdf, send, stored_files

LONG = (
    "Báo cáo kết quả thực hiện công tác dân vận chính quyền, xây dựng và thực hiện quy chế dân chủ ở cơ sở, "
    "phong trào thi đua «Dân vận khéo» trên địa bàn xã An Bình năm 2025 – kèm biên bản hội nghị, danh sách đại "
    "biểu tham dự, ý kiến của Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội (ký).pdf"
)


@pytest.fixture
def officer_a(world, browser):
    browser.login(world.officer_a)
    return browser


def _stored() -> Evidence:
    with scoped(SYSTEM):
        return db.session.execute(select(Evidence)).scalar_one()


def _filename_star(header: str) -> str:
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert match, header
    return unquote(match.group(1), encoding="utf-8")


def test_a_294_character_vietnamese_name_is_accepted_and_returned_whole(world, officer_a, app):
    assert len(LONG) == 294
    response = send(officer_a, pdf(), LONG)
    assert response.status_code == 302, page(response)
    evidence = _stored()
    assert evidence.original_name == LONG
    library = page(officer_a.get("/tai-lieu/"))
    assert LONG in library
    header = officer_a.get(f"/tai-lieu/{evidence.id}/tai-ve").headers["Content-Disposition"]
    assert header.startswith("attachment; filename=")
    assert _filename_star(header) == LONG


def test_a_path_in_a_name_is_kept_as_text_and_never_used_as_a_path(world, officer_a, app):
    assert send(officer_a, pdf(), "../../etc/passwd.pdf").status_code == 302
    evidence = _stored()
    assert evidence.original_name == "../../etc/passwd.pdf"
    root = get_storage(app).root
    assert stored_files(app) == [root / evidence.storage_key]  # a random key inside the storage root
    assert "passwd" not in evidence.storage_key
    header = officer_a.get(f"/tai-lieu/{evidence.id}/tai-ve").headers["Content-Disposition"]
    assert _filename_star(header) == "../../etc/passwd.pdf"
    assert "/" not in header  # percent-encoded in filename*, replaced in the ASCII fallback
    assert "../../etc/passwd.pdf" in page(officer_a.get("/tai-lieu/"))


def test_markup_in_a_name_is_shown_escaped(world, officer_a):
    name = "<img src=x onerror=alert(1)> Tờ trình.pdf"
    assert send(officer_a, pdf(), name).status_code == 302
    library = page(officer_a.get("/tai-lieu/"))
    assert "<img src=x" not in library
    assert "&lt;img src=x onerror=alert(1)&gt;" in library


def test_names_up_to_a_thousand_characters_are_accepted(world, officer_a):
    name = "Biên bản " + "ệ" * 987 + ".pdf"
    assert len(name) == 1000
    assert send(officer_a, pdf(), name).status_code == 302
    assert _stored().original_name == name


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidi_overrides_are_refused_in_vietnamese(world, officer_a, app, mark):
    response = send(officer_a, pdf(), f"Báo cáo {mark}fdp.exe.pdf")
    assert response.status_code == 400
    assert "ký tự đảo chiều văn bản" in page(response)
    assert_nothing_kept(app)
