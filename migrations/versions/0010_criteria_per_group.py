"""A criteria version per group of a campaign (campaign_criteria); campaigns.criteria_version_id goes

Every existing campaign gets one row per group (khối) of its authority, on the version the campaign was pinned to, so
nothing changes for it; then the campaign's own column is dropped: one record of which version a unit is scored on.
Downgrading puts the column back from those rows, and refuses a campaign whose groups are on different versions (the
old schema cannot say that; guessing would score some units on another set's criteria).

Revision ID: 0010_criteria_per_group
Revises: 0009_long_file_names
Create Date: 2026-11-27 10:00:00.000000

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_criteria_per_group"
down_revision = "0009_long_file_names"
branch_labels = None
depends_on = None

campaigns = sa.table(
    "campaigns",
    sa.column("id", sa.Integer),
    sa.column("authority_id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("criteria_version_id", sa.Integer),
)
groups = sa.table("unit_groups", sa.column("id", sa.Integer), sa.column("authority_id", sa.Integer))
assessments = sa.table(
    "assessments", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("group_id", sa.Integer)
)
units = sa.table("units", sa.column("id", sa.Integer), sa.column("group_id", sa.Integer))
criteria = sa.table(
    "campaign_criteria",
    sa.column("authority_id", sa.Integer),
    sa.column("campaign_id", sa.Integer),
    sa.column("group_id", sa.Integer),
    sa.column("version_id", sa.Integer),
)


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite drops a column by rebuilding the table (create, copy, drop, rename), and dropping `campaigns` while
    assessments, decisions, results… refer to it fails when foreign keys are enforced. The pragma is ignored inside a
    transaction, and Alembic runs SQLite's DDL outside one: what an earlier step left open is committed first. The
    references are checked before enforcement is turned back on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if raw.in_transaction:
            raw.commit()
        raw.execute("PRAGMA foreign_keys=ON")
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
    assert not broken, f"foreign keys broken by the rebuild: {broken}"


def upgrade():
    op.create_table(
        "campaign_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["authority_id"], ["units.id"], name=op.f("fk_campaign_criteria_authority_id_units")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_criteria_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["unit_groups.id"], name=op.f("fk_campaign_criteria_group_id_unit_groups")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["criteria_versions.id"], name=op.f("fk_campaign_criteria_version_id_criteria_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_criteria")),
        sa.UniqueConstraint("campaign_id", "group_id", name=op.f("uq_campaign_criteria_campaign_id_group_id")),
    )
    with op.batch_alter_table("campaign_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_criteria_authority_id"), ["authority_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_criteria_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_criteria_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_criteria_version_id"), ["version_id"], unique=False)

    bind = op.get_bind()
    # Every group of the campaign's authority, on the campaign's version: one INSERT … SELECT.
    every_group = sa.select(
        campaigns.c.authority_id, campaigns.c.id, groups.c.id, campaigns.c.criteria_version_id
    ).select_from(campaigns.join(groups, groups.c.authority_id == campaigns.c.authority_id))
    bind.execute(criteria.insert().from_select(["authority_id", "campaign_id", "group_id", "version_id"], every_group))
    # A participant reaches its version through its group: one without (possible only in data made before groups
    # were snapshotted) takes its unit's group, as opening a campaign does. On PostgreSQL the publication freeze
    # refuses changing a published campaign's assessments unless the transaction says it is amending.
    without_group = assessments.c.group_id.is_(None)
    if bind.execute(sa.select(assessments.c.id).where(without_group).limit(1)).first():
        unit_group = sa.select(units.c.group_id).where(units.c.id == assessments.c.unit_id).scalar_subquery()
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT set_config('dvcq.amending', 'on', true)"))
        bind.execute(assessments.update().where(without_group).values(group_id=unit_group))
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT set_config('dvcq.amending', 'off', true)"))

    with _foreign_keys_off_on_sqlite(), op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_criteria_version_id"))
        batch_op.drop_constraint(batch_op.f("fk_campaigns_criteria_version_id_criteria_versions"), type_="foreignkey")
        batch_op.drop_column("criteria_version_id")


def downgrade():
    bind = op.get_bind()
    mixed = bind.execute(
        sa.select(campaigns.c.year, campaigns.c.authority_id)
        .join(criteria, criteria.c.campaign_id == campaigns.c.id)
        .group_by(campaigns.c.id, campaigns.c.year, campaigns.c.authority_id)
        .having(sa.func.count(sa.distinct(criteria.c.version_id)) > 1)
    ).all()
    if mixed:
        years = ", ".join(f"{year} (cơ quan đánh giá {authority})" for year, authority in mixed)
        raise RuntimeError(
            "Không hạ cấp được: kỳ đánh giá năm " + years + " chấm các khối theo những bộ tiêu chí khác nhau, "
            "điều mà lược đồ cũ (một bộ tiêu chí cho cả kỳ) không biểu diễn được."
        )
    missing = bind.execute(
        sa.select(campaigns.c.year).where(~sa.exists().where(criteria.c.campaign_id == campaigns.c.id))
    ).all()
    if missing:
        raise RuntimeError(
            "Không hạ cấp được: kỳ đánh giá năm "
            + ", ".join(str(year) for (year,) in missing)
            + " chưa chọn bộ tiêu chí cho khối nào, mà lược đồ cũ bắt buộc mỗi kỳ có một bộ tiêu chí."
        )
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table("campaigns", schema=None) as batch_op:
            batch_op.add_column(sa.Column("criteria_version_id", sa.Integer(), nullable=True))
        chosen = (
            sa.select(sa.func.min(criteria.c.version_id))
            .where(criteria.c.campaign_id == campaigns.c.id)
            .scalar_subquery()
        )
        bind.execute(campaigns.update().values(criteria_version_id=chosen))
        with op.batch_alter_table("campaigns", schema=None) as batch_op:
            batch_op.alter_column("criteria_version_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(
                batch_op.f("fk_campaigns_criteria_version_id_criteria_versions"),
                "criteria_versions",
                ["criteria_version_id"],
                ["id"],
            )
            batch_op.create_index(batch_op.f("ix_campaigns_criteria_version_id"), ["criteria_version_id"], unique=False)

    with op.batch_alter_table("campaign_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_criteria_version_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_criteria_group_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_criteria_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_criteria_authority_id"))
    op.drop_table("campaign_criteria")
