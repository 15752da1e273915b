"""The `dvcq` console script. The command group is the ground floor's (`dvcq/platform/cli.py`) with every area's
commands added by the app factory, so the same commands answer `flask --app wsgi dvcq …`."""

from __future__ import annotations

from flask.cli import ScriptInfo

from dvcq.app import create_app
from dvcq.platform.cli import dvcq


def main() -> None:
    """The app is created from the environment first, so that `dvcq --help` lists every area's commands."""
    app = create_app()
    dvcq.main(obj=ScriptInfo(create_app=lambda: app), prog_name="dvcq")
