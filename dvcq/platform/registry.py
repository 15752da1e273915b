"""What an area plugs into the chassis: its jobs, periodic tasks, demo seeders, navigation links, home-page cards
and commands. The composition root (`dvcq/app.py`) calls each area's `register(app)`, which adds them here
explicitly — nothing registers itself by being imported, so a job nobody registered fails at enqueue, not in the
worker. One registry per app, kept in `app.extensions`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import Flask, current_app

KEY = "dvcq.registry"


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple  # of Role


@dataclass
class Registry:
    jobs: dict[str, Callable] = field(default_factory=dict)
    periodic: dict[str, Callable[[datetime], object]] = field(default_factory=dict)
    demo_seeders: list[Callable[[], object]] = field(default_factory=list)
    nav: list[NavItem] = field(default_factory=list)
    home_cards: list[Callable] = field(default_factory=list)
    commands: list[click.Command] = field(default_factory=list)
    # group name → the commands areas add under one of the ground floor's groups (`dvcq documents …`)
    subcommands: dict[str, list[click.Command]] = field(default_factory=dict)
    # (role, script root) → that role's navigation links: the same for every request, so built once per app.
    nav_links: dict[tuple, list[dict[str, str]]] = field(default_factory=dict)

    def job(self, name: str, fn: Callable) -> None:
        """`fn(ctx: JobContext, **kwargs) -> json-able result`, run by name from a JobRecord."""
        self._add(self.jobs, name, fn)

    def task(self, name: str, fn: Callable[[datetime], object]) -> None:
        """`fn(now) -> summary`, run on every tick of the periodic schedule; must be idempotent."""
        self._add(self.periodic, name, fn)

    def demo_seeder(self, fn: Callable[[], object]) -> None:
        """Demo data, run in registration order (areas register lowest floor first)."""
        self.demo_seeders.append(fn)

    def nav_item(self, label: str, endpoint: str, roles: tuple) -> None:
        """A link in the top navigation for the given roles."""
        self.nav.append(NavItem(label, endpoint, tuple(roles)))

    def home(self, provider: Callable) -> None:
        """A provider of home-page cards: `provider(user) -> [{"title", "body", "link", "link_text"}]`."""
        self.home_cards.append(provider)

    def pages(self, app: Flask, views) -> None:
        """A views module's blueprint (`bp`), its navigation links (`NAV`: label, endpoint, roles) and its home-page
        cards (`home_cards`), whichever it has."""
        app.register_blueprint(views.bp)
        for item in getattr(views, "NAV", ()):
            self.nav_item(*item)
        if hasattr(views, "home_cards"):
            self.home(views.home_cards)

    def command(self, command: click.Command, group: str | None = None) -> None:
        """A command or group of the `dvcq` command line; with `group`, a command under one of the ground floor's
        groups that several areas fill (`documents`: the decision from scoring, the plan and reports from plans)."""
        if group is None:
            self.commands.append(command)
        else:
            self.subcommands.setdefault(group, []).append(command)

    @staticmethod
    def _add(table: dict, name: str, fn: Callable) -> None:
        if table.get(name, fn) is not fn:
            raise ValueError(f"{name} is registered twice")
        table[name] = fn


def init_app(app: Flask) -> Registry:
    app.extensions[KEY] = Registry()
    return app.extensions[KEY]


def of(app: Flask | None = None) -> Registry:
    """The registry of `app`, or of the current app."""
    return (app or current_app).extensions[KEY]
