"""The assessment: criteria versions, campaigns, self-assessment, evidence, appraisal, results and decisions.

Each room is a subpackage with the same layout (services.py changes state; views.py parses, calls, renders).
"""


def init_app(app) -> None:
    from dvcq.scoring import models  # noqa: F401 — the tables must be known to the app and to Alembic
    from dvcq.scoring.appraisal.views import bp as appraisal_bp
    from dvcq.scoring.campaigns.views import bp as campaigns_bp
    from dvcq.scoring.criteria.views import bp as criteria_bp
    from dvcq.scoring.decisions.views import bp as decisions_bp
    from dvcq.scoring.evidence.views import bp as evidence_bp
    from dvcq.scoring.results.views import bp as results_bp
    from dvcq.scoring.selfassessment.views import bp as selfassessment_bp

    for bp in (criteria_bp, campaigns_bp, selfassessment_bp, evidence_bp, appraisal_bp, results_bp, decisions_bp):
        app.register_blueprint(bp)
