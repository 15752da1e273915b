"""The demo's story up to the province's 2025 decision — units and accounts on both sides of the 2025 reform, the
criteria, Huyện Ba Tơ's imported 2021–2023, its 2024 cycle and the province's 2025 cycle — seeded for a test without
the seeders after it (the running 2026 campaign, the plans)."""

from __future__ import annotations

from dvcq.platform import demo, registry
from dvcq.platform.tenancy import SYSTEM, scoped
from tests import factories


def seed_until_2025(app, monkeypatch) -> None:
    """Seed, as `dvcq demo` does; every account's password is the tests' (factories.PASSWORD), hashed once."""
    from dvcq.scoring.criteria.demo import seed_sample_criteria
    from dvcq.scoring.decisions.demo import seed_published_2024, seed_published_2025
    from dvcq.scoring.results.demo import seed_past_results
    from dvcq.tenants import demo as tenants_demo

    app.config["DECISIONS_PDF"] = False
    monkeypatch.setattr("dvcq.tenants.demo.hash_password", lambda password: factories._HASH)
    seeders = [tenants_demo.seed, seed_sample_criteria, seed_past_results, seed_published_2024, seed_published_2025]
    monkeypatch.setattr(registry.of(app), "demo_seeders", seeders)
    with scoped(SYSTEM):
        demo.seed()
