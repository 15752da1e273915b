"""Migration 0010 (a criteria version per group of a campaign): data written at revision 0009 — a published campaign
and a draft one, each pinned to one version, a participant without a group — comes out with every group of each
campaign on that campaign's version; downgrading puts the campaign's column back, and refuses a campaign whose groups
are on different versions. Runs on SQLite and, with DVCQ_TEST_DATABASE_URL, on PostgreSQL (where the publication
freeze triggers guard the published campaign's rows during the upgrade)."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.scoring.models import Assessment, Campaign, CampaignCriteria
from tests.scoring.criteria_factories import make_version

BEFORE, THIS = "0009_long_file_names", "0010_criteria_per_group"


def _tables(connection) -> dict[str, sa.Table]:
    meta = sa.MetaData()
    return {name: sa.Table(name, meta, autoload_with=connection) for name in ("campaigns", "assessments")}


def _campaign(tables, connection, world, year: int, version_id: int, status: str) -> int:
    """A campaign as revision 0009 stored it, with units A (no group recorded), B and the agency C."""
    campaigns, assessments = tables["campaigns"], tables["assessments"]
    campaign_id = connection.execute(
        campaigns.insert().values(
            authority_id=world.district_id,
            year=year,
            name=f"Đánh giá năm {year}",
            criteria_version_id=version_id,
            status="final_review",
            explanation_rounds=1,
            created_at=datetime(year, 10, 1),
            version=1,
        )
    ).inserted_primary_key[0]
    for unit_id, group_id in (
        (world.a_id, None),
        (world.b_id, world.group_communes_id),
        (world.agency_id, world.group_agencies_id),
    ):
        connection.execute(
            assessments.insert().values(
                unit_id=unit_id,
                campaign_id=campaign_id,
                group_id=group_id,
                status="final",
                self_deadline_reason="",
                conditions_met="",
                version=1,
            )
        )
    connection.execute(campaigns.update().where(campaigns.c.id == campaign_id).values(status=status))
    return campaign_id


def _move_to(revision: str, app, *, up: bool) -> None:
    db.session.remove()
    (upgrade if up else downgrade)(directory=app.extensions["migrate"].directory, revision=revision)
    db.engine.dispose()


def test_0010_puts_every_group_on_its_campaigns_version_and_back(app, world):
    old = make_version(world.district_id, name="Bộ tiêu chí 2024")
    new = make_version(world.district_id, name="Bộ tiêu chí 2025")
    with scoped(SYSTEM):
        old_id, new_id = old.id, new.id
    _move_to(BEFORE, app, up=False)
    with db.engine.begin() as connection:
        tables = _tables(connection)
        published = _campaign(tables, connection, world, 2024, old_id, "published")
        draft = _campaign(tables, connection, world, 2025, new_id, "draft")

    _move_to(THIS, app, up=True)
    with db.engine.connect() as connection:  # at 0010 itself, read as tables: later revisions change the models
        assert "criteria_version_id" not in {c["name"] for c in sa.inspect(connection).get_columns("campaigns")}
        rows = connection.execute(sa.text("SELECT campaign_id, group_id, version_id FROM campaign_criteria")).all()
        groups = dict(connection.execute(sa.text("SELECT unit_id, group_id FROM assessments")).all())
        status = connection.execute(sa.text(f"SELECT status FROM campaigns WHERE id = {published}")).scalar_one()
    assert sorted(rows) == sorted(
        [
            (published, world.group_communes_id, old_id),
            (published, world.group_agencies_id, old_id),
            (draft, world.group_communes_id, new_id),
            (draft, world.group_agencies_id, new_id),
        ]
    )
    assert groups[world.a_id] == world.group_communes_id  # the participant without a group took its unit's
    assert status == "published"

    _move_to("head", app, up=True)
    with scoped(SYSTEM):
        campaign = db.session.get(Campaign, published)
        assert [v.id for v in campaign.versions] == [old_id]
        members = db.session.execute(sa.select(Assessment).where(Assessment.campaign_id == published)).scalars()
        assert {a.criteria_version_id for a in members} == {old_id}
    db.session.remove()

    _move_to(BEFORE, app, up=False)
    with db.engine.connect() as connection:
        pinned = dict(connection.execute(sa.text("SELECT id, criteria_version_id FROM campaigns")).all())
        assert pinned == {published: old_id, draft: new_id}
        assert "campaign_criteria" not in sa.inspect(connection).get_table_names()
    _move_to("head", app, up=True)


def test_downgrading_refuses_a_campaign_whose_groups_are_on_different_versions(app, world, capfd):
    communes = make_version(world.district_id, name="Bộ tiêu chí khối xã")
    agencies = make_version(world.district_id, name="Bộ tiêu chí khối cơ quan")
    with scoped(SYSTEM):
        db.session.add(
            Campaign(
                authority_id=world.district_id,
                year=2026,
                name="Đánh giá năm 2026",
                created_at=datetime(2026, 1, 5),
                criteria=[
                    CampaignCriteria(
                        authority_id=world.district_id, group_id=world.group_communes_id, version_id=communes.id
                    ),
                    CampaignCriteria(
                        authority_id=world.district_id, group_id=world.group_agencies_id, version_id=agencies.id
                    ),
                ],
            )
        )
        db.session.commit()
    db.session.remove()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
        _move_to(BEFORE, app, up=False)
    assert (
        "Không hạ cấp được: kỳ đánh giá năm 2026 (cơ quan đánh giá "
        f"{world.district_id}) chấm các khối theo những bộ tiêu chí khác nhau" in capfd.readouterr().err
    )
    db.engine.dispose()
    with db.engine.connect() as connection:  # nothing was changed
        assert "campaign_criteria" in sa.inspect(connection).get_table_names()
        assert connection.execute(sa.text("SELECT count(*) FROM campaign_criteria")).scalar_one() == 2
