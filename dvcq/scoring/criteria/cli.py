"""`dvcq criteria …`: import, export and list criteria versions, inside one authority's scope."""

from __future__ import annotations

from pathlib import Path

import click

from dvcq.platform.cli import echo_table, scoped_command
from dvcq.platform.errors import ServiceError
from dvcq.platform.formatting import points
from dvcq.scoring.criteria import exports, imports, queries, services
from dvcq.scoring.models import VersionStatus

LIST_HEADER = ["Mã", "Tên bộ tiêu chí", "Dùng cho khối (năm)", "Trạng thái", "Điểm tối đa"]


@click.group("criteria")
def criteria_group():
    """Bộ tiêu chí."""


@criteria_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="Tên phiên bản (mặc định: tên tệp)")
@click.option("--replace", "replace_id", type=int, default=None, help="Nhập đè lên bản nháp có mã này")
@scoped_command(default_authority=True)
def criteria_import(path: str, authority_code: str, name: str | None, replace_id: int | None):
    """Nhập bộ tiêu chí từ tệp .xlsx (định dạng Bộ tiêu chí); in mã phiên bản mới."""
    if not Path(path).is_file():
        raise ServiceError(f"Không tìm thấy tệp «{path}».")
    authority = services.authority_by_code(authority_code)
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
@scoped_command(default_authority=True)
def criteria_export(version_id: int, path: str, authority_code: str):
    """Xuất một phiên bản bộ tiêu chí ra tệp .xlsx (nhập lại được đúng như cũ)."""
    version = services.get_version(version_id)
    exports.export_file(version, path)
    click.echo(f"Đã xuất «{version.name}» ra {path}.")


@criteria_group.command("list")
@scoped_command(default_authority=True)
def criteria_list(authority_code: str):
    """Liệt kê các phiên bản bộ tiêu chí: mã, tên, khối dùng nó (năm), trạng thái, điểm tối đa (cách nhau bằng tab)."""
    authority = services.authority_by_code(authority_code)
    rows = [
        [
            row.version.id,
            row.version.name,
            "; ".join(f"{group} ({', '.join(map(str, years))})" for group, years in row.uses.items()) or "—",
            (VersionStatus.IN_USE if row.locked else VersionStatus.DRAFT).label,
            points(row.version.max_total),
        ]
        for row in queries.versions_with_uses(authority.id)
    ]
    echo_table(LIST_HEADER, rows)
    if not rows:
        click.echo(f"{authority.name} chưa có bộ tiêu chí nào.", err=True)
