"""The assessment: criteria versions, campaigns, self-assessment, evidence, appraisal, results and decisions."""


def init_app(app) -> None:
    """Blueprints of the assessment register here as they are built."""
