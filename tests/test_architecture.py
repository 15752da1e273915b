"""The architecture's rules, checked on the source (ARCHITECTURE.md): the results engine is pure; views parse, call a
service and render — they never query or write the database themselves; services never touch the request."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dvcq"
ENGINE = PACKAGE / "scoring" / "engine"
VIEWS = sorted(p for p in PACKAGE.rglob("*.py") if p.name in ("views.py", "api.py"))
SERVICES = sorted(p for p in PACKAGE.rglob("services.py"))
SESSION_CALLS_A_VIEW_MAY_MAKE = {"rollback", "remove"}  # undoing a refused service call is not a write


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module or "")
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_rules_are_checked_on_real_files():
    assert len(list(ENGINE.glob("*.py"))) >= 4 and len(VIEWS) >= 10 and len(SERVICES) >= 10


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=_rel)
def test_the_engine_imports_neither_flask_nor_sqlalchemy_nor_the_rest_of_the_app(path):
    forbidden = ("flask", "sqlalchemy", "werkzeug", "dvcq", "pandas")
    bad = sorted(name for name in _imported(_tree(path)) if name.split(".")[0] in forbidden)
    assert bad == [], f"{_rel(path)} imports {bad}: the engine takes plain data and returns plain data"


@pytest.mark.parametrize("path", VIEWS, ids=_rel)
def test_views_neither_query_nor_write_the_database(path):
    tree = _tree(path)
    problems = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
            and node.func.attr not in SESSION_CALLS_A_VIEW_MAY_MAKE
        ):
            problems.append(f"line {node.lineno}: session.{node.func.attr}()")
    statements = {"sqlalchemy.select", "sqlalchemy.insert", "sqlalchemy.update", "sqlalchemy.delete"}
    problems += sorted(f"imports {name}" for name in _imported(tree) & statements)
    assert problems == [], f"{_rel(path)}: {problems} — ask a service instead"


@pytest.mark.parametrize("path", SERVICES, ids=_rel)
def test_services_never_touch_the_request(path):
    bad = sorted(name for name in _imported(_tree(path)) if name in ("flask.request", "flask.session", "flask.g"))
    assert bad == [], f"{_rel(path)} imports {bad}: a service takes its inputs as arguments"
