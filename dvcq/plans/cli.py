"""`dvcq documents plan` and `dvcq documents report`: a unit's improvement plan for year N and its report for one
period, as the clerk files them — .docx, or .pdf when the file name ends in .pdf (LibreOffice) — inside the unit's
scope. They sit in the ground floor's `documents` group, beside the decision's command."""

from __future__ import annotations

import click
from sqlalchemy import select

from dvcq.plans import documents, reports, services, wording
from dvcq.plans.models import Period
from dvcq.platform.cli import document_extension, fail, scoped_command, write_file
from dvcq.platform.extensions import db
from dvcq.scoring.decisions.document import docx_to_pdf
from dvcq.tenants.models import Unit

PERIODS = [p.slug for p in Period]


def _unit(unit_code: str | None) -> Unit:
    if not unit_code:
        fail("Hãy chọn đơn vị bằng --unit MÃ (mã xã, cơ quan).")
    return db.session.execute(select(Unit).where(Unit.code == unit_code.strip())).scalar_one()


def _plan(unit: Unit, year: int):
    plan = services.plan_of(unit.id, year)
    if plan is None:
        fail(f"{unit.name} chưa có kế hoạch khắc phục, cải thiện Chỉ số Dân vận chính quyền năm {year}.")
    return plan


def _write(path: str, data: bytes, extension: str) -> None:
    if extension == "pdf":
        try:
            data = docx_to_pdf(data)
        except RuntimeError as err:
            fail(str(err))
        if data is None:
            fail("Máy này chưa cài LibreOffice (soffice) nên không tạo được tệp PDF; hãy xuất tệp .docx.")
    write_file(path, data)


@click.command("plan")
@click.option("--year", type=int, required=True, help="Năm kế hoạch")
@click.argument("path", type=click.Path(dir_okay=False))
@scoped_command(unit=True)
def plan_command(authority_code: str, unit_code: str | None, year: int, path: str):
    """Kế hoạch khắc phục, cải thiện Chỉ số Dân vận chính quyền năm N của một đơn vị (.docx hoặc .pdf)."""
    extension = document_extension(path)
    plan = _plan(_unit(unit_code), year)
    _write(path, documents.plan_docx(plan), extension)
    number = f"số {plan.number} " if plan.number else ""
    click.echo(f"Đã ghi Kế hoạch {number}năm {year} của {wording.in_text(plan.unit.name)} ra {path}.")


@click.command("report")
@click.option("--year", type=int, required=True, help="Năm kế hoạch")
@click.option("--period", type=click.Choice(PERIODS), required=True, help="Kỳ báo cáo")
@click.argument("path", type=click.Path(dir_okay=False))
@scoped_command(unit=True)
def report_command(authority_code: str, unit_code: str | None, year: int, period: str, path: str):
    """Báo cáo kết quả thực hiện kế hoạch năm N của một đơn vị cho một kỳ: quy-1, 6-thang, 9-thang, ca-nam."""
    extension = document_extension(path)
    plan = _plan(_unit(unit_code), year)
    chosen = Period.from_slug(period)
    if reports.report_of(plan, chosen) is None:
        fail(f"{plan.unit.name} chưa có báo cáo kết quả thực hiện kế hoạch {wording.span(chosen, year)}.")
    _write(path, documents.report_docx(plan, chosen), extension)
    click.echo(f"Đã ghi Báo cáo {wording.span(chosen, year)} của {wording.in_text(plan.unit.name)} ra {path}.")
