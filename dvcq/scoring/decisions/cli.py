"""`dvcq documents decision`: the authority's decision approving the results of year N, as the clerk files it —
.docx, or .pdf when the file name ends in .pdf (LibreOffice) — inside the authority's scope."""

from __future__ import annotations

import click
from sqlalchemy import select

from dvcq.platform.cli import document_extension, fail, scoped_command, write_file
from dvcq.platform.extensions import db
from dvcq.scoring.decisions import generation
from dvcq.scoring.models import DecisionStatus
from dvcq.tenants.models import Unit


@click.command("decision")
@click.option("--year", type=int, required=True, help="Năm đánh giá")
@click.argument("path", type=click.Path(dir_okay=False))
@scoped_command()
def decision_command(authority_code: str, year: int, path: str):
    """Quyết định phê duyệt kết quả đánh giá năm N (.docx, hoặc .pdf theo đuôi tệp)."""
    extension = document_extension(path)
    authority = db.session.execute(select(Unit).where(Unit.code == authority_code)).scalar_one()
    decision = generation.decision_of_year(authority.id, year)
    if decision is None:
        fail(f"{authority.name} chưa có quyết định phê duyệt kết quả đánh giá năm {year}.")
    try:
        data = generation.file_of(decision, extension)
    except RuntimeError as err:
        fail(str(err))
    write_file(path, data)
    if decision.status == DecisionStatus.ISSUED:
        click.echo(f"Đã ghi Quyết định số {decision.number} ngày {decision.signed_on:%d/%m/%Y} ra {path}.")
    else:
        click.echo(f"Quyết định năm {year} của {authority.name} chưa ban hành: đã ghi bản dự thảo ra {path}.")
