"""How long opening a campaign takes: 100 units × 60 leaves (6 000 item scores in one bulk insert).

    python -m bench.open_campaign                       # a throwaway SQLite file
    DATABASE_URL=postgresql+psycopg://… python -m bench.open_campaign --units 100 --leaves 60

Builds an authority, its units and a criteria version straight from the models, creates the campaign through the
service, then times `advance` (draft → self-assessment). Not a test: prints the times, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--leaves", type=int, default=60)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="dvcq-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("STORAGE_URL", f"file://{workdir}/evidence")

    from flask_migrate import upgrade
    from generate import authority_with_communes, criteria_version, every_group_on
    from sqlalchemy import func, select

    from dvcq.app import create_app
    from dvcq.platform.auth.models import Role, User
    from dvcq.platform.auth.passwords import hash_password
    from dvcq.platform.extensions import db
    from dvcq.platform.tenancy import SYSTEM, Scope, scoped
    from dvcq.scoring.campaigns import drafting, stages
    from dvcq.scoring.models import CampaignStatus, CriteriaVersion, ItemScore, VersionStatus

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with scoped(SYSTEM):
            stamp = datetime.now(UTC).strftime("%H%M%S%f")
            authority, units = authority_with_communes(f"BENCH{stamp}", args.units, "Xã Thử")
            secretariat = User(
                login=f"bench.{stamp}",
                full_name="Thường trực thử tải",
                role=Role.SECRETARIAT,
                unit_id=authority.id,
                password_hash=hash_password("Bench@2026x"),
            )
            db.session.add(secretariat)
            areas, per_area = 6, max(1, args.leaves // 6)
            version_id, _ = criteria_version(
                authority.id, areas, per_area, datetime.now(UTC).replace(tzinfo=None), name="Bộ thử tải"
            )
            db.session.commit()
            leaves = areas * per_area

        with scoped(Scope(authority_id=authority.id)):
            actor = db.session.get(User, secretariat.id)
            started = time.perf_counter()
            campaign = drafting.create_campaign(
                actor,
                year=2026,
                name="Kỳ thử tải",
                criteria=every_group_on(authority.id, version_id),
                unit_ids=[u.id for u in units],
                deadlines={CampaignStatus.SELF_ASSESSMENT: date.today() + timedelta(days=21)},
            )
            created = time.perf_counter() - started
            started = time.perf_counter()
            stages.advance(actor, campaign.id, campaign.version)
            opened = time.perf_counter() - started
            rows = db.session.execute(
                select(func.count(ItemScore.id))
                .join(ItemScore.assessment)
                .where(ItemScore.unit_id.in_([u.id for u in units]))
            ).scalar_one()
            assert db.session.get(CriteriaVersion, version_id).status == VersionStatus.IN_USE
        backend = db.engine.dialect.name
    print(f"{backend}: {args.units} units × {leaves} leaves")
    print(f"  create campaign (participants, lock version): {created * 1000:.0f} ms")
    print(f"  open campaign ({rows} item scores, notifications, audit): {opened * 1000:.0f} ms")


if __name__ == "__main__":
    main()
