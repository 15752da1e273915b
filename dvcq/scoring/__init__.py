"""The assessment: criteria versions, campaigns, self-assessment, evidence, appraisal, results and decisions.

Each room is a subpackage with the same layout (services change state; views parse, call, render). `register` plugs
every room into the app, in the order a user meets them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package stays importable without Flask: the pure engine lives under scoring/
    from flask import Flask


def register(app: Flask) -> None:
    """Plug the area into the app (called once by the composition root, `dvcq/app.py`)."""
    from dvcq.platform import registry
    from dvcq.scoring import models  # noqa: F401 — the tables must be known to the app and to Alembic
    from dvcq.scoring.appraisal import reminders
    from dvcq.scoring.appraisal import views as appraisal
    from dvcq.scoring.campaigns import cli as campaigns_cli
    from dvcq.scoring.campaigns import demo as campaigns_demo
    from dvcq.scoring.campaigns import views as campaigns
    from dvcq.scoring.criteria import cli as criteria_cli
    from dvcq.scoring.criteria import demo as criteria_demo
    from dvcq.scoring.criteria import views as criteria
    from dvcq.scoring.decisions import cli as decisions_cli
    from dvcq.scoring.decisions import demo as decisions_demo
    from dvcq.scoring.decisions import jobs as decision_jobs
    from dvcq.scoring.decisions import services as decision_services
    from dvcq.scoring.decisions import views as decisions
    from dvcq.scoring.evidence import views as evidence
    from dvcq.scoring.results import cli as results_cli
    from dvcq.scoring.results import demo as results_demo
    from dvcq.scoring.results import exports as results_exports
    from dvcq.scoring.results import views as results
    from dvcq.scoring.selfassessment import views as selfassessment

    areas = registry.of(app)
    for room in (criteria, campaigns, selfassessment, evidence, appraisal, results, decisions):
        areas.pages(app, room)
    areas.job(results_exports.JOB_NAME, results_exports.export_job)
    areas.job(decision_services.GENERATE_JOB, decision_jobs.generate)
    areas.job(decision_services.PREVIEW_JOB, decision_jobs.preview)
    areas.task("scoring.self_assessment_deadlines", reminders.self_assessment_deadlines)
    areas.task("scoring.explanation_deadlines", reminders.explanation_deadlines)
    # The demo's story in time order: the criteria, the imported years 2021–2023, the 2024 cycle decided by the
    # district and the 2025 cycle by the province, 2026 running.
    areas.demo_seeder(criteria_demo.seed_sample_criteria)
    areas.demo_seeder(results_demo.seed_past_results)
    areas.demo_seeder(decisions_demo.seed_published_2024)
    areas.demo_seeder(decisions_demo.seed_published_2025)
    areas.demo_seeder(campaigns_demo.seed_campaign_2026)
    areas.command(criteria_cli.criteria_group)
    areas.command(campaigns_cli.campaigns_group)
    areas.command(results_cli.results_group)
    areas.command(decisions_cli.decision_command, group="documents")
