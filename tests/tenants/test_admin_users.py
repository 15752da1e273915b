"""The administrator's users screens: list, create with a one-time password shown once, reset a password and
disable an account (both log the person out at once), enable again; scoped to the administrator's district."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from tests.factories import PASSWORD
from tests.tenants.helpers import audit_actions, user, without_csrf


def new_user_form(**changes) -> dict:
    data = {
        "login": "canbo.moi",
        "full_name": "Hồ Thị Mới",
        "title": "Công chức Văn phòng - Thống kê",
        "email": "canbo.moi@example.test",
        "unit_code": "A",
        "role": Role.OFFICER.value,
    }
    data.update(changes)
    return data


def one_time_password(page: str) -> str:
    match = re.search(r'data-testid="one-time-password">([^<]+)<', page)
    assert match, "no one-time password on the page"
    return match.group(1)


def user_count() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


def test_users_page_lists_this_districts_accounts_only(world, logged_in_admin):
    response = logged_in_admin.get("/quan-tri/tai-khoan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    logins = re.findall(r'<tr data-login="([^"]+)"', page)
    assert set(logins) == {
        "canbo.a",
        "lanhdao.a",
        "canbo.b",
        "lanhdao.b",
        "thamdinh",
        "thamdinh2",
        "thuongtruc",
        "lanhdao",
        "quantri",
    }
    assert "canbo.f" not in page
    assert "Cán bộ đầu mối" in page and "Thành viên tổ thẩm định" in page and "Đang hoạt động" in page
    assert '<div class="table-wrap"><table class="users" data-testid="users">' in page
    assert "Tài khoản của bạn" in page  # no button to lock oneself out


def test_admin_creates_a_user_and_sees_the_one_time_password_once(world, logged_in_admin, make_browser):
    response = logged_in_admin.post("/quan-tri/tai-khoan/moi", new_user_form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã tạo tài khoản" in page and "chỉ hiện <strong>một lần</strong>" in page
    password = one_time_password(page)
    created = user("canbo.moi")
    assert (created.full_name, created.role, created.unit_id) == ("Hồ Thị Mới", Role.OFFICER, world.a_id)
    assert created.must_change_password and created.password_hash.startswith("$argon2id$")
    assert password not in created.password_hash
    # never again: not on the list, not in a flash message carried by the cookie
    assert password not in logged_in_admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert password not in logged_in_admin.get("/").get_data(as_text=True)
    (record,) = audit_actions("user.created")
    assert record.actor_login == world.admin and password not in record.after
    assert json.loads(record.after)["unit"] == "A"
    newcomer = make_browser()
    landed = newcomer.login("canbo.moi", password)
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/doi-mat-khau")
    assert "Xã An Bình" in newcomer.get("/", follow_redirects=True).get_data(as_text=True)


def test_the_new_user_form_offers_only_this_districts_units(world, logged_in_admin):
    page = logged_in_admin.get("/quan-tri/tai-khoan/moi").get_data(as_text=True)
    values = re.findall(r'<option value="([^"]+)">', page.split('name="unit_code"')[1].split("</select>")[0])
    assert values == ["D", "A", "B", "C"]
    assert "Thành viên tổ thẩm định" in page and "Quản trị hệ thống" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"login": "canbo.a"}, "Tên đăng nhập «canbo.a» đã được dùng."),
        ({"login": "Cán Bộ"}, "không hợp lệ: chỉ gồm chữ không dấu"),
        ({"role": Role.OFFICER.value, "unit_code": "D"}, "chỉ đặt tại đơn vị được đánh giá"),
        ({"role": Role.APPRAISER.value, "unit_code": "A"}, "chỉ đặt tại cơ quan đánh giá (huyện/tỉnh)"),
        ({"role": "thu-ky"}, "Vai trò «thu-ky» không hợp lệ"),
        ({"unit_code": "F"}, "Không có đơn vị mã «F»."),  # another district's commune
        ({"unit_code": "KHONG-CO"}, "Không có đơn vị mã «KHONG-CO»."),
        ({"full_name": ""}, "Vui lòng nhập họ và tên."),
    ],
)
def test_creating_a_bad_user_is_refused_with_a_vietnamese_message(world, logged_in_admin, changes, message):
    before = user_count()
    response = logged_in_admin.post("/quan-tri/tai-khoan/moi", new_user_form(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user_count() == before
    assert audit_actions("user.created") == []


def test_resetting_a_password_logs_the_user_out_and_shows_the_new_one_once(world, logged_in_admin, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.get("/").status_code == 200
    response = logged_in_admin.post(f"/quan-tri/tai-khoan/{world.ids['officer_a']}/dat-lai-mat-khau")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã đặt lại mật khẩu" in page and "Mọi phiên đăng nhập của tài khoản này đã bị đăng xuất." in page
    password = one_time_password(page)
    assert officer.get("/").status_code == 302  # logged out on the next request
    assert make_browser().login(world.officer_a, PASSWORD).status_code == 200  # the old password is gone
    assert make_browser().login(world.officer_a, password).status_code == 302
    assert user(world.officer_a).must_change_password
    (record,) = audit_actions("user.password_reset")
    assert json.loads(record.after) == {"sessions_revoked": 1}


def test_disabling_an_account_logs_out_its_open_browser_and_enabling_lets_it_back(world, logged_in_admin, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    assert officer.get("/").status_code == 200
    version = user(world.officer_a).version
    url = f"/quan-tri/tai-khoan/{world.ids['officer_a']}/trang-thai"
    response = logged_in_admin.post(url, {"active": "0", "version": str(version)}, follow_redirects=True)
    assert "Đã khoá tài khoản «canbo.a»; mọi phiên đăng nhập của tài khoản này đã bị đăng xuất." in response.get_data(
        as_text=True
    )
    assert not user(world.officer_a).active
    after = officer.get("/")
    assert after.status_code == 302 and "/dang-nhap" in after.headers["Location"]
    assert make_browser().login(world.officer_a).status_code == 200  # refused, same answer as a wrong password

    version = user(world.officer_a).version
    page = logged_in_admin.post(url, {"active": "1", "version": str(version)}, follow_redirects=True)
    assert "Đã mở khoá tài khoản «canbo.a»." in page.get_data(as_text=True)
    assert officer.get("/").status_code == 302  # its old session was revoked, not merely suspended
    assert make_browser().login(world.officer_a).status_code == 302
    assert [r.action for r in audit_actions("user.")] == ["user.disabled", "user.enabled"]


def test_a_stale_lock_button_changes_nothing(world, logged_in_admin):
    url = f"/quan-tri/tai-khoan/{world.ids['officer_a']}/trang-thai"
    stale = user(world.officer_a).version
    logged_in_admin.post(url, {"active": "0", "version": str(stale)})
    logged_in_admin.post(url, {"active": "1", "version": str(stale + 1)})
    response = logged_in_admin.post(url, {"active": "0", "version": str(stale)}, follow_redirects=True)
    assert "Tài khoản vừa được người khác thay đổi" in response.get_data(as_text=True)
    assert user(world.officer_a).active


def test_an_admin_cannot_lock_out_or_reset_themselves(world, logged_in_admin):
    me = world.ids["admin"]
    locked = logged_in_admin.post(f"/quan-tri/tai-khoan/{me}/trang-thai", {"active": "0"}, follow_redirects=True)
    assert "Không thể tự khoá tài khoản của chính mình." in locked.get_data(as_text=True)
    reset = logged_in_admin.post(f"/quan-tri/tai-khoan/{me}/dat-lai-mat-khau", follow_redirects=True)
    assert "hãy dùng «Đổi mật khẩu»" in reset.get_data(as_text=True)
    assert user(world.admin).active and logged_in_admin.get("/").status_code == 200


def test_another_districts_admin_cannot_touch_this_districts_users(world, admin_d2, make_browser):
    officer = make_browser()
    officer.login(world.officer_a)
    intruder = make_browser()
    intruder.login(admin_d2)
    for action, data in (("dat-lai-mat-khau", {}), ("trang-thai", {"active": "0"})):
        foreign = intruder.post(f"/quan-tri/tai-khoan/{world.ids['officer_a']}/{action}", data)
        missing = intruder.post(f"/quan-tri/tai-khoan/987654/{action}", data)
        assert foreign.status_code == missing.status_code == 404
        assert without_csrf(foreign.get_data()) == without_csrf(missing.get_data())
    assert officer.get("/").status_code == 200  # still logged in, password and status untouched
    assert user(world.officer_a).active and not user(world.officer_a).must_change_password
    page = intruder.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert re.findall(r'<tr data-login="([^"]+)"', page) == ["quantri.d2", "canbo.f"]
