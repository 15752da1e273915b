"""Improvement plans: targets, tasks and progress reports through the year after a published campaign."""


def init_app(app) -> None:
    """Nothing to register yet."""
