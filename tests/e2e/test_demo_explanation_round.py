"""The demo's running 2026 campaign in a real browser: Xã Ba Tô's officer (canbo.batoo), as the README's demo section
sends a newcomer, finds the preliminary result on the home page, reads the points deducted and the explanation the
commune sent for 7.3.a with the missing minutes attached, its round still open until the deadline — and the minutes
open as a real PDF in Vietnamese."""

from __future__ import annotations

import io
import os
import tempfile

import pypdf
import pytest
from playwright.sync_api import expect

from dvcq.platform import demo, registry
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.campaigns.demo import seed_campaign_2026
from dvcq.scoring.criteria.demo import seed_sample_criteria
from dvcq.tenants import demo as tenants_demo
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("DVCQ_E2E_SHOTS", tempfile.gettempdir())  # where the pages seen are saved, to look at


@pytest.fixture
def seeded(app, monkeypatch):
    """The units, the criteria and the 2026 campaign, as `dvcq demo` seeds them (accounts on the tests' password)."""
    monkeypatch.setattr(tenants_demo, "hash_password", lambda password: factories._HASH)
    monkeypatch.setattr(registry.of(app), "demo_seeders", [tenants_demo.seed, seed_sample_criteria, seed_campaign_2026])
    with scoped(SYSTEM):
        demo.seed()


def test_ba_tos_officer_sees_the_open_explanation_round_with_its_attachment(seeded, page, traffic):
    login(page, "canbo.batoo")
    card = page.locator(".card").filter(has_text="Kết quả thẩm định sơ bộ")
    expect(card).to_contain_text("Đánh giá Chỉ số Dân vận chính quyền năm 2026")
    with page.expect_navigation():
        card.get_by_text("Xem và giải trình").click()

    expect(page.locator("h1")).to_have_text("Kết quả thẩm định sơ bộ — Xã Ba Tô")
    expect(page.locator("main")).to_contain_text("Đã công bố kết quả sơ bộ")
    expect(page.locator("[data-testid=total-gap]")).to_contain_text("−")  # points were deducted
    expect(page.locator("[data-testid=gap-7\\.3\\.a]")).to_be_visible()
    round_open = page.locator("[data-testid=round]")
    expect(round_open).to_contain_text("Đơn vị có thể giải trình từng tiêu chí đến")
    expect(round_open).to_contain_text("còn")  # days left before the deadline

    sent = page.locator("[data-testid='explanation-7.3.a-1']")
    expect(sent).to_contain_text("Giải trình lần 1")
    expect(sent).to_contain_text("02 cuộc đối thoại trực tiếp")
    expect(sent).to_contain_text("Chưa xem")  # the appraisers have not opened it yet
    minutes = sent.locator("details.ev-viewer")
    expect(minutes.locator("summary")).to_contain_text("Biên bản đối thoại lần 2 ngày 22-09-2026.pdf")
    expect(minutes.locator("summary")).to_contain_text("bổ sung khi giải trình")
    sent.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/demo-ba-to-giai-trinh.png")

    # the attached minutes are the real document: two pages, the commune's header, in Vietnamese
    href = minutes.get_by_text("Tải về").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    text = " ".join(reader.pages[0].extract_text().replace("\u00a0", " ").split())
    assert len(reader.pages) >= 2 and "ỦY BAN NHÂN DÂN XÃ BA TÔ" in text and "BIÊN BẢN" in text
    assert "Hội nghị đối thoại giữa Chủ tịch UBND xã với Nhân dân" in text
    assert traffic.console_errors == []
