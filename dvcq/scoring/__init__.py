"""The assessment: criteria versions, campaigns, self-assessment, evidence, appraisal, results and decisions."""


def init_app(app) -> None:
    from dvcq.scoring import models  # noqa: F401 — the tables must be known to the app and to Alembic
