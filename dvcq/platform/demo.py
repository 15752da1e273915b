"""`dvcq demo`: the seeded authority that lets a newcomer see every feature at once. Re-runnable: what exists is kept,
what is missing is added. Each area registers its seeders (`Registry.demo_seeder`); they run in registration order,
lowest floor first, and a seeder may return logins to print."""

from __future__ import annotations

from dvcq.platform import registry
from dvcq.platform.extensions import db

DEMO_PASSWORD = "Dvcq@2026demo"


def seed() -> list[tuple[str, str, str]]:
    """Run every registered seeder, committing after each; returns the logins to print (login, role, unit)."""
    logins: list[tuple[str, str, str]] = []
    for seeder in registry.of().demo_seeders:
        logins += seeder() or []
        db.session.commit()
    return logins
