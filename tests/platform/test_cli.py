"""`dvcq user create` and `dvcq units import` from the command line: exit 0 with a message, or exit 1 with a
Vietnamese message and nothing created."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db


def create(runner, *args: str, input: str | None = None):
    return runner.invoke(args=["dvcq", "user", "create", *args], input=input)


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.execute(select(func.count(User.id))).scalar_one(),
        db.session.execute(select(func.count(AuditRecord.id))).scalar_one(),
    )


def test_user_create_makes_an_administrator_who_can_log_in(world, runner, browser):
    result = create(
        runner, "--unit", "D", "--role", "admin", "--login", "QuanTri.Moi", "--name", "Võ Văn Quản",
        "--password", "Khoi@tao2026",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản quantri.moi (Quản trị hệ thống) tại Huyện Thử Nghiệm." in result.output
    user = db.session.execute(select(User).where(User.login == "quantri.moi")).scalar_one()
    assert (user.role, user.unit_id, user.full_name, user.must_change_password) == (
        Role.ADMIN,
        world.district_id,
        "Võ Văn Quản",
        False,
    )
    record = db.session.execute(select(AuditRecord).where(AuditRecord.action == "user.created")).scalar_one()
    assert record.actor_id is None and json.loads(record.after)["role"] == "admin"
    assert browser.login("quantri.moi", "Khoi@tao2026").status_code == 302
    assert "Trang quản trị hệ thống" in browser.get("/").get_data(as_text=True)


def test_user_create_accepts_the_vietnamese_role_name_and_asks_for_the_password(world, runner):
    result = create(
        runner, "--unit", "A", "--role", "Cán bộ đầu mối", "--login", "canbo.a2",
        input="MatKhau#2026\nMatKhau#2026\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản canbo.a2 (Cán bộ đầu mối) tại Xã An Bình." in result.output
    assert "MatKhau#2026" not in result.output  # typed, not echoed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "KHONG-CO", "--role", "admin", "--login", "x.y"], "Không có đơn vị mã «KHONG-CO»."),
        (["--unit", "D", "--role", "boss", "--login", "x.y"], "Vai trò «boss» không hợp lệ; chọn một trong: officer"),
        (
            ["--unit", "D", "--role", "officer", "--login", "x.y"],
            "Vai trò «Cán bộ đầu mối» chỉ đặt tại đơn vị được đánh giá",
        ),
        (
            ["--unit", "A", "--role", "appraiser", "--login", "x.y"],
            "Vai trò «Thành viên tổ thẩm định» chỉ đặt tại cơ quan đánh giá (huyện/tỉnh), không đặt tại «Xã An Bình»",
        ),
        (["--unit", "A", "--role", "officer", "--login", "canbo.a"], "Tên đăng nhập «canbo.a» đã được dùng."),
        (["--unit", "A", "--role", "officer", "--login", "CANBO.A"], "Tên đăng nhập «canbo.a» đã được dùng."),
        (["--unit", "A", "--role", "officer", "--login", "cán.bộ"], "Tên đăng nhập «cán.bộ» không hợp lệ"),
    ],
)
def test_user_create_refuses_bad_input_with_exit_1_and_creates_nothing(world, runner, args, message):
    before = counts()
    result = create(runner, *args, "--password", "Matkhau@2099")
    assert result.exit_code == 1, result.output
    assert "Lỗi: " in result.output and message in result.output
    assert "Traceback" not in result.output
    assert counts() == before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ngan@1", "Mật khẩu phải có ít nhất 10 ký tự."),
        ("chiconchudaiqua", "Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt."),
        ("12345678901", "Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt."),
    ],
)
def test_user_create_refuses_a_weak_password(world, runner, password, message):
    before = counts()
    result = create(runner, "--unit", "D", "--role", "admin", "--login", "quantri2", "--password", password)
    assert result.exit_code == 1
    assert message in result.output
    assert counts() == before


def test_user_create_in_a_unit_that_no_longer_exists_is_refused(world, runner):
    from datetime import date

    from dvcq.platform.tenancy import SYSTEM, scoped
    from dvcq.tenants.models import Unit

    with scoped(SYSTEM):
        db.session.get(Unit, world.b_id).valid_to = date(2025, 6, 30)
        db.session.commit()
    before = counts()
    result = create(runner, "--unit", "B", "--role", "officer", "--login", "canbo.b2", "--password", "Matkhau@2099")
    assert result.exit_code == 1
    assert "Đơn vị «Xã Bình Đông» đã hết hiệu lực từ 30/06/2025" in result.output
    assert counts() == before


def test_units_import_prints_what_it_did(world, runner, tmp_path):
    path = tmp_path / "đơn vị.csv"
    path.write_text("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên,Khối\nE,Xã Mới,xã,D,Khối xã\n", encoding="utf-8")
    result = runner.invoke(args=["dvcq", "units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Đã nhập 1 đơn vị mới, cập nhật 0 đơn vị, 0 đơn vị không thay đổi."


def test_units_import_of_a_bad_file_exits_1_with_every_problem_on_stderr(world, runner, tmp_path):
    path = tmp_path / "donvi.csv"
    path.write_text(
        "Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên,Khối\nE,,xã,D,Khối xã\nG,Xã G,xã,ZZ,Khối xã\n", encoding="utf-8"
    )
    before = counts()
    result = runner.invoke(args=["dvcq", "units", "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Lỗi: Tệp đơn vị có 2 lỗi; chưa nhập dòng nào. Vui lòng sửa và nhập lại.",
        "  - Dòng 2, cột «Tên đơn vị»: thiếu tên đơn vị",
        "  - Dòng 3, cột «Mã đơn vị cấp trên»: không có đơn vị cấp trên mã «ZZ» trong tệp hay trong hệ thống",
    ]
    assert result.stdout == ""
    assert counts() == before
