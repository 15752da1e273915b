"""`dvcq results …`: compute a campaign's results, export a year, import past years — inside one authority's scope."""

from __future__ import annotations

from pathlib import Path

import click

from dvcq.platform.cli import scoped_command
from dvcq.scoring.results import exports, imports
from dvcq.scoring.results.compute import compute


@click.group("results")
def results_group():
    """Kết quả đánh giá: tính, xuất, nhập kết quả các năm trước."""


@results_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--criteria", "criteria_id", type=int, default=None, help="Mã bộ tiêu chí để xếp loại (mặc định: mới nhất)"
)
@scoped_command()
def results_import(path: str, authority_code: str, criteria_id: int | None):
    """Nhập kết quả các năm trước (định dạng Kết quả các năm trước, .xlsx hoặc .csv)."""
    report = imports.import_file(path, authority_code=authority_code, criteria_version_id=criteria_id)
    for line in report.lines():
        click.echo(line)


@results_group.command("export")
@click.option("--year", type=int, required=True, help="Năm đánh giá")
@click.argument("path", type=click.Path(dir_okay=False))
@scoped_command()
def results_export(authority_code: str, year: int, path: str):
    """Xuất kết quả năm N (đã công bố hoặc đã nhập) ra tệp .xlsx, theo thứ hạng trong từng khối."""
    authority = imports.authority_by_code(authority_code)
    rows = exports.result_rows(authority.id, year, require_published=True)
    Path(path).write_bytes(exports.results_workbook(year, rows))
    click.echo(f"Đã xuất kết quả năm {year} của {authority.name} ({len(rows)} đơn vị) ra {path}.")


@results_group.command("compute")
@click.option("--campaign", "campaign_id", type=int, required=True, help="Mã kỳ đánh giá")
@scoped_command()
def results_compute(campaign_id: int, authority_code: str):
    """Tính (lại) tổng điểm, xếp loại và xếp hạng của một kỳ đánh giá chưa công bố."""
    done = compute(campaign_id)
    click.echo(
        f"Đã tính kết quả: {done.units} đơn vị, {done.ranked} đơn vị đã có điểm thẩm định đầy đủ và được xếp hạng."
    )
