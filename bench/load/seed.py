"""Seed a province for the deadline-rush load run: N communes, an officer per commune, a criteria version and a
campaign open for self-assessment — through the models and the campaign services, like bench/open_campaign.py.

    DATABASE_URL=… STORAGE_URL=… python -m bench.load.seed --units 100 [--officers-per-unit 3] --out users.json

Writes `users.json`: each officer's login, password, assessment id and the ids of its items. With several officers
per commune (xa001, xa001b, xa001c…), each gets its own share of the commune's items (every k-th), as a commune splits
the work by area: what one saves, no other overwrites, so the last acknowledged score of every item is well defined.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta

PASSWORD = "TaiThu@2026x"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--leaves", type=int, default=30)
    parser.add_argument("--officers-per-unit", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seeded = seed(args.units, args.leaves, args.officers_per_unit)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(seeded, out)
    print(
        f"Seeded {args.units} communes × {args.leaves} items, {args.officers_per_unit} officer(s) each; "
        f"campaign {seeded['campaign_id']} open."
    )


def seed(units: int, leaves: int, officers_per_unit: int = 1) -> dict:
    """Seed the database of the environment's app (DATABASE_URL, STORAGE_URL); returns what users.json holds."""
    args = argparse.Namespace(units=units, leaves=leaves, officers_per_unit=officers_per_unit)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from bench.generate import authority_with_communes, criteria_version, every_group_on
    from dvcq.app import create_app
    from dvcq.platform.auth.models import Role, User
    from dvcq.platform.auth.passwords import hash_password
    from dvcq.platform.extensions import db
    from dvcq.platform.tenancy import SYSTEM, Scope, scoped
    from dvcq.scoring.campaigns import drafting, stages
    from dvcq.scoring.models import Assessment, CampaignStatus, ItemScore

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with scoped(SYSTEM):
            authority, units = authority_with_communes("TAI", args.units)
            hashed = hash_password(PASSWORD)
            officers = [
                User(
                    login=f"xa{i:03d}" + ("" if k == 0 else chr(ord("a") + k)),
                    full_name=f"Cán bộ xã {i:03d}" + ("" if k == 0 else f" ({k + 1})"),
                    role=Role.OFFICER,
                    unit_id=u.id,
                    password_hash=hashed,
                )
                for i, u in enumerate(units, start=1)
                for k in range(args.officers_per_unit)
            ]
            secretariat = User(
                login="thuongtruc.tai",
                full_name="Thường trực thử tải",
                role=Role.SECRETARIAT,
                unit_id=authority.id,
                password_hash=hashed,
            )
            db.session.add_all([*officers, secretariat])
            areas, per_area = 5, max(1, args.leaves // 5)
            version_id, _ = criteria_version(
                authority.id, areas, per_area, datetime.now(UTC).replace(tzinfo=None), name="Bộ tiêu chí thử tải"
            )
            db.session.commit()

        with scoped(Scope(authority_id=authority.id)):
            actor = db.session.get(User, secretariat.id)
            campaign = drafting.create_campaign(
                actor,
                year=2026,
                name="Kỳ đánh giá thử tải",
                criteria=every_group_on(authority.id, version_id),
                unit_ids=[u.id for u in units],
                deadlines={CampaignStatus.SELF_ASSESSMENT: date.today() + timedelta(days=21)},
            )
            stages.advance(actor, campaign.id, campaign.version)
        with scoped(SYSTEM):
            people = []
            for n, officer in enumerate(officers):
                assessment = db.session.execute(
                    select(Assessment).where(
                        Assessment.unit_id == officer.unit_id, Assessment.campaign_id == campaign.id
                    )
                ).scalar_one()
                items = (
                    db.session.execute(
                        select(ItemScore.id)
                        .where(ItemScore.assessment_id == assessment.id)
                        .order_by(ItemScore.node_position)
                    )
                    .scalars()
                    .all()
                )
                people.append(
                    {
                        "login": officer.login,
                        "password": PASSWORD,
                        "unit_id": officer.unit_id,
                        "assessment_id": assessment.id,
                        "items": list(items)[n % args.officers_per_unit :: args.officers_per_unit],
                    }
                )
        db.session.remove()
    return {"campaign_id": campaign.id, "users": people}


if __name__ == "__main__":
    main()
