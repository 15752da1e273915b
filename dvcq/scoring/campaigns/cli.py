"""`dvcq campaigns …`: the authority's campaigns, inside its scope."""

from __future__ import annotations

import click

from dvcq.platform.cli import echo_table, scoped_command
from dvcq.scoring.campaigns import queries
from dvcq.scoring.criteria.services import authority_by_code

LIST_HEADER = ["Mã", "Năm", "Tên kỳ đánh giá", "Trạng thái", "Bộ tiêu chí theo khối"]


@click.group("campaigns")
def campaigns_group():
    """Kỳ đánh giá."""


@campaigns_group.command("list")
@scoped_command(default_authority=True)
def campaigns_list(authority_code: str):
    """Liệt kê các kỳ đánh giá: mã, năm, tên, trạng thái, bộ tiêu chí của từng khối (cách nhau bằng tab)."""
    authority = authority_by_code(authority_code)
    rows = [
        [
            campaign.id,
            campaign.year,
            campaign.name,
            campaign.status.label,
            "; ".join(f"{c.group.name}: {c.version_id} «{c.criteria_version.name}»" for c in campaign.criteria_sets)
            or "—",
        ]
        for campaign in queries.campaigns_with_criteria(authority.id)
    ]
    echo_table(LIST_HEADER, rows)
    if not rows:
        click.echo(f"{authority.name} chưa có kỳ đánh giá nào.", err=True)
