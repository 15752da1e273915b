"""The ground floor of the `dvcq` command line: the group, the commands that are truly system-wide (demo, audit,
jobs, backup, restore, tick) and the two ways a command runs — in the system scope, or in one authority's or one
unit's scope through the tenancy guard (`--authority CODE`, `--unit CODE`). Areas add their own commands through the
registry; `dvcq/cli.py` assembles the whole group.

Every command exits 0 on success and 1 on bad input with a Vietnamese message, having changed nothing.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler

from dvcq.platform.errors import ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, UNITS, Scope, scoped

AUTHORITY_KINDS = ("tinh", "huyen")  # the unit kinds that run campaigns (stored values of tenants' UnitKind)

dvcq = AppGroup("dvcq", help="Quản trị nền tảng DVCQ.")


def fail(message: str, problems: list[str] | None = None) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    for problem in problems or []:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def document_extension(path: str) -> str:
    """ "docx" or "pdf" from a `dvcq documents …` file name; a Vietnamese refusal for anything else."""
    extension = Path(path).suffix.lower().lstrip(".")
    if extension not in ("docx", "pdf"):
        fail(f"Tệp «{path}» phải có đuôi .docx hoặc .pdf.")
    return extension


def write_file(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        fail(f"Không ghi được tệp «{path}»: {err.strerror or err}.")


def echo_table(header: list[str], rows: list[list[str]]) -> None:
    """A listing for people and scripts alike: a header line, then one line per row, tab-separated (`cut -f1`, a
    spreadsheet's paste). A tab or line break inside a value becomes a space, so a line is always one row."""
    for values in (header, *rows):
        click.echo("\t".join(" ".join(str(v).split()) for v in values))


def _run(scope: Scope, fn, args, kwargs):
    with scoped(scope):
        try:
            return fn(*args, **kwargs)
        except ServiceError as err:
            db.session.rollback()
            fail(err.message, err.problems)


def system_command(fn):
    """Run a truly system-wide command (backup, restore, audit, demo, units of every authority) with the system scope;
    ServiceError becomes exit 1 with the message."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        return _run(SYSTEM, fn, args, kwargs)

    return with_appcontext(wrapped)


def scoped_command(*, unit: bool = False, default_authority: bool = False):
    """Run a command on tenant data inside one authority's scope (`--authority CODE`), or, with `unit=True`, one
    member unit's (`--unit CODE`, whose authority is implied), through the same tenancy guard as a web request. The
    command receives `authority_code` (and `unit_code`). With `default_authority`, `--authority` may be left out when
    there is exactly one authority with member units."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapped(*args, authority_code: str | None = None, unit_code: str | None = None, **kwargs):
            with scoped(SYSTEM):  # reading the unit tree to find the scope
                scope, authority_code = _scope_for(authority_code, unit_code, default_authority, unit)
            if unit:
                kwargs["unit_code"] = unit_code
            return _run(scope, fn, args, {"authority_code": authority_code, **kwargs})

        wrapped = with_appcontext(wrapped)
        if unit:
            wrapped = click.option("--unit", "unit_code", default=None, help="Mã đơn vị (xã, cơ quan)")(wrapped)
        help_text = "Mã cơ quan đánh giá (huyện hoặc tỉnh)"
        if default_authority:
            help_text += "; bỏ trống nếu chỉ có một"
        return click.option("--authority", "authority_code", default=None, help=help_text)(wrapped)

    return decorate


def _scope_for(
    authority_code: str | None, unit_code: str | None, default_authority: bool, takes_unit: bool
) -> tuple[Scope, str]:
    units = UNITS.c
    if unit_code:
        row = db.session.execute(
            select(units.id, units.name, units.authority_id).where(units.code == unit_code.strip())
        ).first()
        if row is None or row.authority_id in (None, row.id):
            fail(f"Không có đơn vị trực thuộc mã «{unit_code}».")
        authority = db.session.execute(select(units.code).where(units.id == row.authority_id)).scalar_one()
        if authority_code and authority_code.strip() != authority:
            fail(f"Đơn vị «{row.name}» không thuộc cơ quan đánh giá mã «{authority_code}».")
        return Scope(authority_id=row.authority_id, unit_id=row.id), authority
    if not authority_code:
        if not default_authority:
            fail(
                "Hãy chọn cơ quan đánh giá bằng --authority MÃ"
                + (" (hoặc một đơn vị bằng --unit MÃ)." if takes_unit else ".")
            )
        members = select(units.authority_id).where(units.authority_id != units.id).distinct()
        codes = list(db.session.execute(select(units.code).where(units.id.in_(members)).order_by(units.code)).scalars())
        if len(codes) != 1:
            fail(
                "Chưa có cơ quan đánh giá nào có đơn vị trực thuộc; hãy nhập danh sách đơn vị trước."
                if not codes
                else f"Có nhiều cơ quan đánh giá ({', '.join(codes)}): hãy chọn một bằng --authority MÃ."
            )
        authority_code = codes[0]
    row = db.session.execute(
        select(units.id, units.name, units.kind).where(units.code == authority_code.strip())
    ).first()
    if row is None:
        fail(f"Không có đơn vị mã «{authority_code}».")
    if row.kind not in AUTHORITY_KINDS:
        fail(f"«{row.name}» không phải cơ quan đánh giá (huyện hoặc tỉnh).")
    return Scope(authority_id=row.id), authority_code.strip()


@dvcq.command("demo")
@click.option("--serve", is_flag=True, help="Chạy máy chủ thử nghiệm sau khi tạo dữ liệu.")
@click.option("--port", type=int, default=None, envvar="PORT", help="Cổng (mặc định 5000, hoặc biến PORT).")
@click.option("--host", default="127.0.0.1")
@click.option("--verbose", is_flag=True, help="Hiện nhật ký chi tiết của bước nâng cấp cơ sở dữ liệu (Alembic).")
@with_appcontext
def demo_command(serve: bool, port: int | None, host: str, verbose: bool):
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
    # Alembic's own log is English and line by line; by default one Vietnamese line says the same (migrations/env.py).
    upgrade(directory=current_app.extensions["migrate"].directory, x_arg=None if verbose else ["log=quiet"])
    click.echo("Cơ sở dữ liệu đã được nâng cấp lên phiên bản mới nhất.")
    with scoped(SYSTEM):
        logins = demo.seed()
    click.echo(
        "Dữ liệu mẫu đã sẵn sàng: Huyện Ba Tơ với 19 xã, thị trấn đến 30/06/2025; Tỉnh Quảng Ngãi với 8 xã hình thành "
        "từ đó ngày 01/07/2025."
    )
    click.echo(f"Mật khẩu chung cho mọi tài khoản mẫu: {demo.DEMO_PASSWORD}")
    for login, role, unit in logins:
        click.echo(f"  {login:<22} {role:<28} {unit}")
    if serve:
        _serve(current_app._get_current_object(), host, port or 5000)


class PlainRequestLog(WSGIRequestHandler):
    """werkzeug's request log line without the terminal colour codes it adds by status (they show as raw escapes in a
    file, a CI log or a Windows console)."""

    def log_request(self, code="-", size="-") -> None:
        self.log("info", '"%s" %s %s', self.requestline.translate(self._control_char_table), code, size)


def _serve(app, host: str, port: int) -> None:
    """The demo's web server: werkzeug's, without its English banner and with a plain request log."""
    from werkzeug.serving import make_server

    from dvcq.platform.schedule import start_demo_ticker

    server = make_server(host, port, app, threaded=True, request_handler=PlainRequestLog)
    start_demo_ticker(app)
    click.echo(f"Mở http://{host}:{port} trong trình duyệt. Nhấn Ctrl+C để dừng.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Đã dừng máy chủ thử nghiệm.")
    finally:
        server.server_close()


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


@dvcq.group("documents")
def documents_group():
    """Văn bản để ký: quyết định phê duyệt kết quả, kế hoạch cải thiện, báo cáo định kỳ (.docx, hoặc .pdf theo đuôi
    tệp)."""


# The groups of the ground floor that areas fill through the registry (`areas.command(cmd, group="documents")`): one
# group, defined once here, so no area owns a name that another area's commands live under.
GROUPS = {"documents": documents_group}


def attach(app) -> None:
    """Give the `dvcq` group every command the areas registered, and hang it on `app.cli` (called by the factory)."""
    from dvcq.platform import registry

    areas = registry.of(app)
    for command in areas.commands:
        dvcq.add_command(command)
    for group, commands in areas.subcommands.items():
        for command in commands:
            GROUPS[group].add_command(command)
    app.cli.add_command(dvcq)
