"""The `dvcq` command line, assembled: the ground floor's system commands plus each area's own, as registered.
Reachable as `dvcq …` (the console script) and as `flask --app wsgi dvcq …`."""

from __future__ import annotations

from flask import Flask

from dvcq.platform import registry
from dvcq.platform.cli import dvcq


def attach(app: Flask) -> None:
    for command in registry.of(app).commands:
        dvcq.add_command(command)
    app.cli.add_command(dvcq)


def main() -> None:
    """The `dvcq` console script: the app is created from the environment first, so that `dvcq --help` lists every
    area's commands."""
    from flask.cli import ScriptInfo

    from dvcq.app import create_app

    app = create_app()
    dvcq.main(obj=ScriptInfo(create_app=lambda: app), prog_name="dvcq")
