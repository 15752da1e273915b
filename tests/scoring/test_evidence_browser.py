"""The evidence library in a real browser: upload a PDF with a Vietnamese name through the form and download it back
with the same name and bytes; a file over the limit is stopped before it is sent. No console error (CSP) anywhere."""

from __future__ import annotations

import hashlib
import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (  # noqa: F401 — the shared browser fixtures
    assert_stacks_on_a_phone,
    chromium,
    live_server,
    login,
    page,
    traffic,
)

pytestmark = pytest.mark.e2e

VN_NAME = "Báo cáo kết quả công tác dân vận năm 2025 – Xã An Bình.pdf"


def test_upload_a_vietnamese_pdf_and_download_it_back_unchanged(page, world, traffic, tmp_path):  # noqa: F811
    data = b"%PDF-1.7\n" + os.urandom(300_000)
    login(page, world.officer_a)
    page.click("nav >> text=Tài liệu kiểm chứng")
    expect(page.locator("[data-testid=empty-library]")).to_be_visible()
    page.click("text=Tải lên tài liệu")
    page.set_input_files("input[name=file]", {"name": VN_NAME, "mimeType": "application/pdf", "buffer": data})
    page.fill("input[name=doc_number]", "15/BC-UBND")
    page.fill("input[name=doc_date]", "20/12/2025")
    page.fill("input[name=issuer]", "UBND xã An Bình")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    row = page.locator("[data-testid=evidence-library] tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(VN_NAME)
    expect(row).to_contain_text("20/12/2025")
    expect(row).to_contain_text("293 KB")

    with page.expect_download() as info:
        page.click("[data-testid=evidence-library] a[download]")
    download = info.value
    assert download.suggested_filename == VN_NAME
    saved = tmp_path / "tai-ve.pdf"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert_stacks_on_a_phone(page, "[data-testid=evidence-library]")


def test_a_file_over_the_limit_is_stopped_in_the_page_before_it_is_sent(page, world, traffic, app):  # noqa: F811
    app.config["MAX_UPLOAD_MB"] = 1
    login(page, world.officer_a)
    page.goto("/tai-lieu/tai-len")
    big = b"%PDF-1.7\n" + bytes(2 * 1024 * 1024)
    page.set_input_files("input[name=file]", {"name": "Lớn.pdf", "mimeType": "application/pdf", "buffer": big})
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.click("main form button[type=submit]")
    page.wait_for_timeout(300)
    assert posts == []
    message = page.eval_on_selector("input[name=file]", "el => el.validationMessage")
    assert message == "Tệp vượt quá dung lượng cho phép (tối đa 1 MB)."
