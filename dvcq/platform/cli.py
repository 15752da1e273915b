"""The `dvcq` command line: one click group, reachable as `dvcq …` and as `flask --app wsgi dvcq …`.

Every command exits 0 on success and 1 on bad input with a Vietnamese message, having changed nothing.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from dvcq.platform.errors import ServiceError
from dvcq.platform.tenancy import SYSTEM, scoped

dvcq = AppGroup("dvcq", help="Quản trị nền tảng DVCQ.")


def fail(message: str, problems: list[str] | None = None) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    for problem in problems or []:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def system_command(fn):
    """Run a command with the system scope and turn ServiceError into exit 1 with the message."""
    import functools

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        from dvcq.platform.extensions import db

        with scoped(SYSTEM):
            try:
                return fn(*args, **kwargs)
            except ServiceError as err:
                db.session.rollback()
                fail(err.message, err.problems)

    return with_appcontext(wrapped)


@dvcq.command("demo")
@click.option("--serve", is_flag=True, help="Chạy máy chủ thử nghiệm sau khi tạo dữ liệu.")
@click.option("--port", type=int, default=None, envvar="PORT", help="Cổng (mặc định 5000, hoặc biến PORT).")
@click.option("--host", default="127.0.0.1")
@with_appcontext
def demo_command(serve: bool, port: int | None, host: str):
    """Tạo/nâng cấp cơ sở dữ liệu và nạp dữ liệu mẫu (chạy lại không thay đổi gì)."""
    from flask_migrate import upgrade

    from dvcq.platform import demo

    if current_app.config.get("DVCQ_ENV") == "production":
        click.echo(
            "Không chạy «dvcq demo» trên máy chủ chính thức (DVCQ_ENV=production): lệnh này nạp tài khoản và "
            "dữ liệu mẫu với mật khẩu chung.",
            err=True,
        )
        raise SystemExit(1)
    upgrade(directory=current_app.extensions["migrate"].directory)
    with scoped(SYSTEM):
        logins = demo.seed()
    click.echo("Dữ liệu mẫu đã sẵn sàng: Huyện Ba Tơ (Quảng Ngãi) và 19 xã.")
    click.echo(f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}")
    for login, role, unit in logins:
        click.echo(f"  {login:<22} {role:<28} {unit}")
    if serve:
        port = port or 5000
        click.echo(f"Mở http://{host}:{port} trong trình duyệt. Nhấn Ctrl+C để dừng.")
        from dvcq.platform.schedule import start_demo_ticker

        start_demo_ticker(current_app._get_current_object())
        current_app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


@dvcq.group("user")
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
    from dvcq.tenants import services

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


@dvcq.group("units")
def units_group():
    """Đơn vị hành chính."""


@units_group.command("import")
@click.argument("path")
@system_command
def units_import(path: str):
    """Nhập danh sách đơn vị từ tệp .xlsx hoặc .csv (định dạng Đơn vị)."""
    from dvcq.tenants import imports

    report = imports.import_units_file(path, actor=None)
    click.echo(report.summary())


@dvcq.group("criteria")
def criteria_group():
    """Bộ tiêu chí."""


@criteria_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--authority", "authority_code", default=None, help="Mã cơ quan đánh giá (bỏ trống nếu chỉ có một)")
@click.option("--name", default=None, help="Tên phiên bản (mặc định: tên tệp)")
@click.option("--replace", "replace_id", type=int, default=None, help="Nhập đè lên bản nháp có mã này")
@system_command
def criteria_import(path: str, authority_code: str | None, name: str | None, replace_id: int | None):
    """Nhập bộ tiêu chí từ tệp .xlsx (định dạng Bộ tiêu chí); in mã phiên bản mới."""
    from pathlib import Path

    from dvcq.platform.errors import ServiceError
    from dvcq.platform.formatting import points
    from dvcq.scoring.criteria import imports, services

    if not Path(path).is_file():
        raise ServiceError(f"Không tìm thấy tệp «{path}».")
    authority = services.authority_by_code(authority_code) if authority_code else services.default_authority()
    version = imports.import_criteria(
        actor=None, authority_id=authority.id, filename=path, name=name, replace_id=replace_id
    )
    info = services.summary(version)
    click.echo(version.id)
    click.echo(
        f"Đã nhập «{version.name}» cho {authority.name}: {info['areas']} lĩnh vực, {info['leaves']} tiêu chí chấm "
        f"điểm, tổng {points(version.max_total)} điểm, {len(info['levels'])} mức xếp loại, "
        f"{len(info['conditions'])} điều kiện.",
        err=True,
    )


@criteria_group.command("export")
@click.argument("version_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False))
@system_command
def criteria_export(version_id: int, path: str):
    """Xuất một phiên bản bộ tiêu chí ra tệp .xlsx (nhập lại được đúng như cũ)."""
    from dvcq.scoring.criteria import exports, services

    version = services.get_version(version_id)
    exports.export_file(version, path)
    click.echo(f"Đã xuất «{version.name}» ra {path}.")


@dvcq.group("audit")
def audit_group():
    """Nhật ký thay đổi."""


@audit_group.command("verify")
@system_command
def audit_verify():
    """Kiểm tra chuỗi băm của nhật ký; nêu bản ghi hỏng đầu tiên."""
    from dvcq.platform import audit

    count, bad, why = audit.verify()
    if bad is not None:
        fail(
            f"Nhật ký bị hỏng tại bản ghi số {bad.seq} (id {bad.id}, {bad.action}): {why}. "
            f"{count} bản ghi trước đó hợp lệ."
        )
    click.echo(f"Nhật ký toàn vẹn: {count} bản ghi, chuỗi băm khớp.")


@dvcq.group("jobs")
def jobs_group():
    """Công việc chạy nền."""


@jobs_group.command("requeue")
@system_command
def jobs_requeue():
    """Đưa lại vào hàng đợi các công việc bị tạm hoãn khi Redis không sẵn sàng."""
    from dvcq.platform import jobs

    click.echo(f"Đã đưa lại {jobs.requeue_delayed()} công việc vào hàng đợi.")


@dvcq.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
@system_command
def backup_command(directory: str):
    """Sao lưu cơ sở dữ liệu và toàn bộ tệp minh chứng, văn bản vào DIRECTORY (mới hoặc trống), kèm manifest.json."""
    from dvcq.platform import backup

    manifest = backup.backup(directory)
    head = manifest["audit_head"]
    click.echo(
        f"Đã sao lưu vào {directory}: cơ sở dữ liệu {manifest['database']['kind']}, "
        f"{sum(manifest['tables'].values())} dòng trong {len(manifest['tables'])} bảng, "
        f"{len(manifest['files'])} tệp, nhật ký đến bản ghi số {head['seq'] if head else 0}."
    )


@dvcq.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@system_command
def restore_command(directory: str):
    """Khôi phục một bản sao lưu vào hệ thống MỚI, chưa có dữ liệu; kiểm tra mã băm trước và sau khi khôi phục."""
    from dvcq.platform import backup

    manifest = backup.restore(directory)
    click.echo(
        f"Đã khôi phục bản sao lưu lúc {manifest['created_at']}: {sum(manifest['tables'].values())} dòng, "
        f"{len(manifest['files'])} tệp; số dòng, chuỗi nhật ký và mã băm mọi tệp đều khớp."
    )


@dvcq.command("tick")
@system_command
def tick_command():
    """Chạy một lượt các việc định kỳ (nhắc hạn, cảnh báo trễ hạn, gửi thư) — dùng khi không có `rq cron`."""
    from dvcq.platform.schedule import tick

    for name, result in tick().items():
        click.echo(f"{name}: {result}")


@dvcq.group("results")
def results_group():
    """Kết quả đánh giá: tính, xuất, nhập kết quả các năm trước."""


@results_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--authority", "authority_code", required=True, help="Mã cơ quan đánh giá (huyện hoặc tỉnh)")
@click.option(
    "--criteria", "criteria_id", type=int, default=None, help="Mã bộ tiêu chí để xếp loại (mặc định: mới nhất)"
)
@system_command
def results_import(path: str, authority_code: str, criteria_id: int | None):
    """Nhập kết quả các năm trước (định dạng Kết quả các năm trước, .xlsx hoặc .csv)."""
    from dvcq.scoring.results import imports

    report = imports.import_file(path, authority_code=authority_code, criteria_version_id=criteria_id)
    for line in report.lines():
        click.echo(line)


@results_group.command("export")
@click.option("--authority", "authority_code", required=True, help="Mã cơ quan đánh giá (huyện hoặc tỉnh)")
@click.option("--year", type=int, required=True, help="Năm đánh giá")
@click.argument("path", type=click.Path(dir_okay=False))
@system_command
def results_export(authority_code: str, year: int, path: str):
    """Xuất kết quả năm N (đã công bố hoặc đã nhập) ra tệp .xlsx, theo thứ hạng trong từng khối."""
    from pathlib import Path

    from dvcq.scoring.results import exports, imports

    authority = imports.authority_by_code(authority_code)
    rows = exports.result_rows(authority.id, year, require_published=True)
    Path(path).write_bytes(exports.results_workbook(year, rows))
    click.echo(f"Đã xuất kết quả năm {year} của {authority.name} ({len(rows)} đơn vị) ra {path}.")


@results_group.command("compute")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Mã kỳ đánh giá")
@system_command
def results_compute(campaign_id: int):
    """Tính (lại) tổng điểm, xếp loại và xếp hạng của một kỳ đánh giá chưa công bố."""
    from dvcq.scoring.results import services

    done = services.compute(campaign_id)
    click.echo(
        f"Đã tính kết quả: {done.units} đơn vị, {done.ranked} đơn vị đã có điểm thẩm định đầy đủ và được xếp hạng."
    )


def init_app(app) -> None:
    app.cli.add_command(dvcq)


def main() -> None:
    """The `dvcq` console script: the same group, with the app created from the environment."""
    from flask.cli import ScriptInfo

    from dvcq.platform.app import create_app

    info = ScriptInfo(create_app=lambda: create_app())
    dvcq.main(obj=info, prog_name="dvcq")
