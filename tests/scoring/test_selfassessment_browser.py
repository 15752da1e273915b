"""The self-assessment in a real browser: the officer types every score (saved as typed by the page's script, totals
recomputed by the server), uploads a PDF with a Vietnamese name and cites it for the items that need it; the leader
checks and submits; the file downloads back with the same name and bytes. A second person's save on the same item
shows the conflict instead of overwriting. No console error (CSP) anywhere."""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dvcq.scoring.models import AssessmentStatus
from tests.e2e.conftest import (  # noqa: F401 — shared fixtures
    assert_stacks_on_a_phone,
    chromium,
    live_server,
    login,
    logout,
    page,
    traffic,
)
from tests.scoring.campaign_factories import assessment_of, item_of, open_campaign

pytestmark = pytest.mark.e2e

VN_NAME = "Quyết định kiện toàn Ban Chỉ đạo – Xã An Bình.pdf"
SCORES = {"1.1.a": "2,5", "1.1.b": "3", "1.2": "3,75", "2.1": "0,25", "T.1": "1,5", "P.1": "0,5"}


def _item(tab, code: str):
    return tab.locator(f"article[data-code='{code}']")


def test_fill_upload_cite_submit_and_download_the_evidence_back(page, world, traffic, tmp_path):  # noqa: F811
    campaign = open_campaign(world)
    assessment_id = assessment_of(world.a_id, campaign).id
    login(page, world.officer_a)
    page.click("text=Mở hồ sơ tự đánh giá")
    expect(page.locator("h1")).to_have_text("Hồ sơ tự đánh giá — Xã An Bình")
    # the heading is there while the page still parses: the deferred script that saves as one types runs before
    # DOMContentLoaded (typing earlier, on a busy machine, left the first item unsaved and the test waiting)
    page.wait_for_load_state("domcontentloaded")
    for code, score in SCORES.items():
        card = _item(page, code)
        card.locator("input[name=score]").fill(score)
        card.locator("textarea[name=note]").fill(f"Cách chấm tiêu chí {code}")
        expect(card.locator(".sa-state")).to_contain_text("Đã lưu")
    totals = page.locator("[data-testid=totals]")
    expect(totals.locator("[data-total=total]")).to_have_text("10,50")
    expect(totals.locator("[data-total=scored]")).to_have_text("6")
    expect(page.locator("[data-total-for='1']").first).to_have_text("9,25")

    data = b"%PDF-1.7\n" + os.urandom(50_000)
    page.goto("/tai-lieu/tai-len")
    page.set_input_files("input[name=file]", {"name": VN_NAME, "mimeType": "application/pdf", "buffer": data})
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    for code, where in (("1.1.a", "tr. 2, mục II"), ("T.1", "tr. 5")):
        page.goto(f"/tu-danh-gia/{assessment_id}")
        with page.expect_navigation():
            _item(page, code).locator("text=Đính kèm từ thư viện").click()
        page.fill("input[name=page_ref]", where)
        with page.expect_navigation():
            page.click("text=Dẫn tài liệu này")
    page.goto(f"/tu-danh-gia/{assessment_id}")
    expect(_item(page, "1.1.a").locator(".sa-evidence")).to_contain_text(f"{VN_NAME} — tr. 2, mục II")
    logout(page)

    login(page, world.leader_a)
    page.goto(f"/tu-danh-gia/{assessment_id}/kiem-tra")
    expect(page.locator("[data-testid=no-problems]")).to_be_visible()
    page.check("input[name=confirm]")
    with page.expect_navigation():
        page.click("text=Nộp hồ sơ tự đánh giá")
    expect(page.locator("[data-testid=assessment-status]")).to_have_text("Đã nộp")
    expect(page.locator("input[name=score]")).to_have_count(0)  # locked: nothing editable
    assert assessment_of(world.a_id, campaign).status == AssessmentStatus.SUBMITTED
    assert item_of(world.a_id, campaign, "1.2").self_score == Decimal("3.75")

    with page.expect_download() as info:
        _item(page, "1.1.a").locator(f"text={VN_NAME}").click()
    download = info.value
    assert download.suggested_filename == VN_NAME
    saved = tmp_path / "tai-ve.pdf"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_a_second_persons_save_shows_the_conflict_and_overwrites_nothing(
    page,  # noqa: F811
    chromium,  # noqa: F811
    live_server,  # noqa: F811
    world,
    traffic,  # noqa: F811
):
    campaign = open_campaign(world)
    assessment_id = assessment_of(world.a_id, campaign).id
    other = chromium.new_context(base_url=live_server, locale="vi-VN").new_page()
    for who, tab in ((world.officer_a, page), (world.leader_a, other)):
        login(tab, who)
        tab.goto(f"/tu-danh-gia/{assessment_id}")  # both see the item before either saves
    mine = _item(page, "2.1")
    mine.locator("input[name=score]").fill("3")
    expect(mine.locator(".sa-state")).to_contain_text("Đã lưu")
    theirs = _item(other, "2.1")
    theirs.locator("input[name=score]").fill("1")
    expect(theirs.locator(".sa-state")).to_have_text("Chưa lưu — có xung đột")
    box = theirs.locator(".sa-conflict")
    expect(box).to_contain_text("Mục này vừa được người khác lưu")
    expect(box).to_contain_text("điểm 3,00")
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("3.00")
    box.locator("text=Dùng giá trị đang được lưu").click()
    expect(theirs.locator("input[name=score]")).to_have_value("3,00")
    theirs.locator("input[name=score]").fill("3,5")
    expect(theirs.locator(".sa-state")).to_contain_text("Đã lưu")
    assert item_of(world.a_id, campaign, "2.1").self_score == Decimal("3.50")
    other.context.close()


def test_on_a_phone_the_list_of_assessments_stacks_instead_of_scrolling_sideways(page, world, traffic):  # noqa: F811
    open_campaign(world)
    login(page, world.officer_a)
    page.goto("/tu-danh-gia/")
    expect(page.locator("td[data-label='Nộp lúc']").first).to_have_text("Chưa nộp")
    assert_stacks_on_a_phone(page, "table.stack")
    assert traffic.console_errors == []
