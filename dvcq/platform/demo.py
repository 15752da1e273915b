"""`dvcq demo`: the seeded authority that lets a newcomer see every feature at once. Re-runnable: what exists is kept,
what is missing is added. Each area registers its seeders (`Registry.demo_seeder`); they run in registration order,
lowest floor first, and a seeder may return logins to print."""

from __future__ import annotations

from dvcq.platform import registry
from dvcq.platform.extensions import db

DEMO_PASSWORD = "Dvcq@2026demo"
# The audit action under which a seeder records, on an authority, what its pages must say about the demo's data (the
# demo holds a part of the province only): written by `dvcq demo`, so it never shows in a real deployment.
DATA_NOTE_ACTION = "demo.data_note"


def seed() -> list[tuple[str, str, str]]:
    """Run every registered seeder, committing after each; returns the logins to print (login, role, unit)."""
    logins: list[tuple[str, str, str]] = []
    for seeder in registry.of().demo_seeders:
        logins += seeder() or []
        db.session.commit()
    return logins
