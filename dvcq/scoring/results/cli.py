"""`dvcq results …`: compute a campaign's results, export a year, import past years — inside one authority's scope."""

from __future__ import annotations

from pathlib import Path

import click

from dvcq.platform.cli import scoped_command
from dvcq.platform.errors import ServiceError
from dvcq.scoring.results import exports, imports
from dvcq.scoring.results.compute import compute


@click.group("results")
def results_group():
    """Kết quả đánh giá: tính, xuất, nhập kết quả các năm trước."""


@results_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--criteria",
    "criteria",
    multiple=True,
    metavar="[KHỐI=]MÃ",
    help="Bộ tiêu chí để xếp loại: «MÃ» cho mọi khối, «Khối cơ quan=MÃ» cho một khối (lặp lại được). Mặc định: bộ "
    "tiêu chí của khối trong kỳ đánh giá gần nhất, nếu không thì bộ mới nhất.",
)
@scoped_command()
def results_import(path: str, authority_code: str, criteria: tuple[str, ...]):
    """Nhập kết quả các năm trước (định dạng Kết quả các năm trước, .xlsx hoặc .csv)."""
    every, by_group = None, {}
    for text in criteria:
        group, _, number = text.rpartition("=")
        if not number.strip().isdigit():
            raise ServiceError(f"--criteria «{text}»: cần «MÃ» hoặc «Tên khối=MÃ» (MÃ là số).")
        if group.strip():
            by_group[" ".join(group.split())] = int(number)
        else:
            every = int(number)
    report = imports.import_file(
        path, authority_code=authority_code, criteria_version_id=every, group_criteria=by_group
    )
    for line in report.lines():
        click.echo(line)


@results_group.command("export")
@click.option("--year", type=int, required=True, help="Năm đánh giá")
@click.argument("path", type=click.Path(dir_okay=False))
@scoped_command()
def results_export(authority_code: str, year: int, path: str):
    """Xuất kết quả năm N (đã công bố hoặc đã nhập) ra tệp .xlsx, theo thứ hạng trong từng khối."""
    authority = imports.authority_by_code(authority_code)
    sheet = exports.results_sheet(authority.id, year, require_published=True)
    Path(path).write_bytes(exports.results_workbook(sheet))
    click.echo(f"Đã xuất kết quả năm {year} của {authority.name} ({len(sheet.rows)} đơn vị) ra {path}.")


@results_group.command("compute")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Mã kỳ đánh giá")
@scoped_command()
def results_compute(campaign_id: int, authority_code: str):
    """Tính (lại) tổng điểm, xếp loại và xếp hạng của một kỳ đánh giá chưa công bố."""
    done = compute(campaign_id)
    click.echo(
        f"Đã tính kết quả: {done.units} đơn vị, {done.ranked} đơn vị đã có điểm thẩm định đầy đủ và được xếp hạng."
    )
