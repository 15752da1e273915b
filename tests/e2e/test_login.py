"""Signing in with a real browser: each role lands on its own home page, with no outside request and no console
error (the CSP forbids inline script; a violation would show in the console)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dvcq.platform.auth.services import BAD_LOGIN
from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def test_commune_officer_lands_on_the_officer_home(page, world, traffic):
    login(page, world.officer_a)
    title = page.locator("[data-testid=home-title]")
    expect(title).to_have_attribute("data-role", "officer")
    expect(title).to_have_text("Trang làm việc của cán bộ đầu mối")
    expect(page.locator("main")).to_contain_text("Xã An Bình")
    assert traffic.foreign_requests() == []
    assert traffic.console_errors == []


def test_appraiser_lands_on_the_appraiser_home(page, world, traffic):
    login(page, world.appraiser)
    title = page.locator("[data-testid=home-title]")
    expect(title).to_have_attribute("data-role", "appraiser")
    expect(title).to_have_text("Trang làm việc của thành viên tổ thẩm định")
    assert traffic.foreign_requests() == []
    assert traffic.console_errors == []


def test_wrong_password_shows_the_vietnamese_error_and_stays_on_login(page, world, traffic):
    login(page, world.officer_a, password="sai-mat-khau")
    expect(page.locator("[data-testid=login-error]")).to_have_text(BAD_LOGIN)
    expect(page).to_have_url(re.compile(r"/dang-nhap$"))
    expect(page.locator("[data-testid=home-title]")).to_have_count(0)
    assert traffic.console_errors == []


def test_logout_returns_to_the_login_page(page, world, traffic):
    login(page, world.officer_a)
    expect(page.locator("[data-testid=home-title]")).to_be_visible()
    logout(page)
    expect(page).to_have_url(re.compile(r"/dang-nhap$"))
    expect(page.locator("main")).to_contain_text("Bạn đã đăng xuất.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    assert traffic.foreign_requests() == []
    assert traffic.console_errors == []


def test_every_page_declares_the_icon_and_favicon_ico_serves_it(page, world, traffic, live_server):
    page.goto("/dang-nhap")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.endswith("/favicon.svg")
    icon = page.request.get(href)
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.body()
    legacy = page.request.get("/favicon.ico")  # what browsers ask for on their own; follows the redirect
    assert legacy.status == 200 and legacy.body() == icon.body()
    assert traffic.console_errors == []
