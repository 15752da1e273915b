"""A published 2025 campaign (A 85,50, B 90,00 in "Khối xã") and helpers to draft 2026 plans from it."""

from __future__ import annotations

from sqlalchemy import select

from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import Scope, scoped
from dvcq.scoring.decisions import drafting, issuing
from tests.scoring.decision_factories import ISSUABLE, decision_campaign


def user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def published_2025(world):
    c = decision_campaign(world)
    with scoped(Scope(world.district_id)):
        secretariat = user(world.secretariat)
        decision = drafting.draft(secretariat, c.campaign_id)
        decision = drafting.update(secretariat, decision.id, decision.version, **ISSUABLE)
        issuing.issue(secretariat, decision.id, decision.version)
    db.session.remove()
    return c


def as_unit(world, unit_id):
    return scoped(Scope(world.district_id, unit_id))


def as_authority(world):
    return scoped(Scope(world.district_id))
