"""`dvcq user …` and `dvcq units …`. Both run in the system scope: the first administrator is created before any
authority has staff, and a units file may add authorities as well as their members."""

from __future__ import annotations

import click

from dvcq.platform.cli import system_command
from dvcq.tenants import imports, services


@click.group("user")
def user_group():
    """Tài khoản người dùng."""


@user_group.command("create")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị")
@click.option("--role", required=True, help="officer, leader, appraiser, secretariat, leadership, admin")
@click.option("--login", required=True)
@click.option("--name", "full_name", default=None, help="Họ và tên")
@click.option("--password", default=None, help="Bỏ trống để nhập (không hiện trên màn hình)")
@system_command
def user_create(unit_code: str, role: str, login: str, full_name: str | None, password: str | None):
    """Tạo tài khoản (ví dụ: quản trị viên đầu tiên)."""
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    user = services.create_user(
        actor=None,
        unit_code=unit_code,
        role=role,
        login=login,
        full_name=full_name or login,
        password=password,
    )
    click.echo(f"Đã tạo tài khoản {user.login} ({user.role.label}) tại {user.unit.name}.")


@click.group("units")
def units_group():
    """Đơn vị hành chính."""


@units_group.command("import")
@click.argument("path")
@system_command
def units_import(path: str):
    """Nhập danh sách đơn vị từ tệp .xlsx hoặc .csv (định dạng Đơn vị)."""
    report = imports.import_units_file(path, actor=None)
    click.echo(report.summary())


COMMANDS = (user_group, units_group)
