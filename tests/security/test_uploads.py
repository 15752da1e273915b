"""Upload attacks: the guarantees in one place. Each is pinned by a test; most live with the evidence feature in
tests/scoring/test_evidence_upload.py (named here), this file adds what was only checked below HTTP.

- oversize → a Vietnamese 413 and nothing kept: test_a_request_over_max_content_length_is_a_vietnamese_413_and_
  nothing_is_kept, test_a_file_over_max_upload_mb_is_refused_while_streaming;
- empty file / no file: test_an_empty_file_is_refused, test_no_file_chosen_is_refused;
- renamed executables, HTML, SVG, scripts: test_content_that_does_not_match_the_extension_is_refused (MZ, ELF, HTML,
  SVG with onload, a BOM before HTML, a shell script), test_bad_names_are_refused_over_http (.exe, .html, .svg,
  a double extension .pdf.exe);
- a .docx zip bomb: test_a_docx_that_is_a_zip_bomb_is_refused, test_a_docx_with_an_absurd_compression_ratio_is_refused,
  test_a_docx_whose_header_lies_about_its_size_is_refused_as_damaged; macro documents and plain zips renamed .docx;
- names with ../ (and Windows paths) kept as text, never as a path: the file is under the storage root only, with a
  random key: test_names_are_kept_as_sent_paths_included_and_stored_under_the_storage_root,
  test_windows_paths_are_kept_as_text_too, and tests/security/test_upload_names.py (long Vietnamese names, escaping,
  RFC 5987 filename*);
- NUL and other control characters, bidi overrides: test_names_with_control_characters_are_refused (service) and here
  over HTTP;
- over 1,000 characters, nothing but diacritics: test_bad_names_are_refused_over_http;
- an upload cut off half way leaves no file and no row: test_an_upload_cut_off_half_way_leaves_no_file_and_no_row,
  test_a_request_body_cut_off_half_way_is_refused_before_anything_is_stored;
- a failure after the file is written (database, audit) leaves neither: test_a_database_failure_after_the_file_is_
  written_deletes_the_file, test_an_audit_failure_after_the_insert_deletes_the_file_and_the_row.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Evidence
from tests.scoring.test_evidence_upload import VN_NAME, assert_nothing_kept, page, pdf, send


@pytest.fixture
def officer_a(world, browser):
    browser.login(world.officer_a)
    return browser


@pytest.mark.parametrize("name", ["Báo\x00cáo.pdf", "Báo cáo\x1b.pdf", "gpj.\u202eexe.pdf"])
def test_control_characters_in_a_name_are_refused_over_http(world, officer_a, app, name):
    response = send(officer_a, pdf(), name)
    assert response.status_code == 400
    assert "ký tự điều khiển" in page(response)
    assert_nothing_kept(app)


def test_a_stored_file_is_served_as_an_attachment_the_browser_may_not_sniff(world, officer_a, app):
    assert send(officer_a, pdf(), VN_NAME).status_code == 302
    with scoped(SYSTEM):
        evidence_id = db.session.execute(select(Evidence.id)).scalar_one()
    download = officer_a.get(f"/tai-lieu/{evidence_id}/tai-ve")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in download.headers["Content-Security-Policy"]
    assert download.mimetype == "application/pdf"
