"""The architecture's rules, checked on the source (ARCHITECTURE.md): the results engine is pure; views parse, call a
service and render — they never query or write the database themselves; services never touch the request."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dvcq"
ENGINE = PACKAGE / "scoring" / "engine"
VIEWS = sorted(p for p in PACKAGE.rglob("*.py") if p.name in ("views.py", "api.py"))
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
    assert len(list(ENGINE.glob("*.py"))) >= 4 and len(VIEWS) >= 10


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=_rel)
def test_the_engine_imports_neither_flask_nor_sqlalchemy_nor_the_rest_of_the_app(path):
    forbidden = ("flask", "sqlalchemy", "werkzeug", "dvcq", "pandas")
    bad = sorted(name for name in _imported(_tree(path)) if name.split(".")[0] in forbidden)
    assert bad == [], f"{_rel(path)} imports {bad}: the engine takes plain data and returns plain data"


# ---- floors: who may import whom ------------------------------------------------------------------------------------
# platform → tenants → scoring → plans → insights, then the composition root. A module imports its own floor and those
# below, never above — lazy imports inside functions included.
FLOORS = {"platform": 0, "tenants": 1, "scoring": 2, "plans": 3, "insights": 4}
ROOT_FLOOR = 5  # dvcq/app.py, cli.py, worker.py, cron.py: the only modules that know every area
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_imports(path: Path) -> set[str]:
    """Every dvcq module a file imports, wherever the import stands (relative imports resolved)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in names if name == "dvcq" or name.startswith("dvcq.")}


def floor_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return ROOT_FLOOR
    return FLOORS.get(parts[1], ROOT_FLOOR)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """`graph`: module → the dvcq modules it imports. Every import that reaches a higher floor."""
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if floor_of(target) > floor_of(module) and target != "dvcq"
    )


def area_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Circles in the graph of area packages (platform, tenants, scoring, plans, insights) — any length."""
    edges: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = module.split(".")[1] if module.count(".") else "dvcq"
        for target in targets:
            area = target.split(".")[1] if target.count(".") else "dvcq"
            if area != source and source in FLOORS and area in FLOORS:
                edges.setdefault(source, set()).add(area)
    cycles, seen = [], set()

    def walk(node, path):
        for nxt in sorted(edges.get(node, ())):
            if nxt == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*path, nxt])
            elif nxt not in path:
                walk(nxt, [*path, nxt])

    for start in sorted(edges):
        walk(start, [start])
    return cycles


IMPORT_GRAPH = {_module_name(path): _all_imports(path) for path in MODULES}


def test_the_import_graph_is_read_from_every_module():
    assert len(IMPORT_GRAPH) >= 130
    assert "dvcq.platform.registry" in IMPORT_GRAPH["dvcq.platform.chassis"]


def test_no_module_imports_a_floor_above_its_own():
    assert upward_imports(IMPORT_GRAPH) == []


@pytest.mark.parametrize("area", ["platform", "tenants", "scoring", "plans"])
def test_an_area_imports_nothing_above_it(area):
    """The issue's two named rules among them: `platform` imports no area; `scoring` neither `plans` nor `insights`."""
    above = {name for name, floor in FLOORS.items() if floor > FLOORS[area]} | {"app", "cli", "worker", "cron"}
    bad = sorted(
        f"{module} imports {target}"
        for module, targets in IMPORT_GRAPH.items()
        if module.startswith(f"dvcq.{area}.") or module == f"dvcq.{area}"
        for target in targets
        if target.count(".") and target.split(".")[1] in above
    )
    assert bad == []


def test_there_is_no_import_circle_across_areas():
    assert area_cycles(IMPORT_GRAPH) == []


def test_the_floor_rules_catch_a_deliberate_violation():
    graph = dict(IMPORT_GRAPH)
    graph["dvcq.platform.home"] = IMPORT_GRAPH["dvcq.platform.home"] | {"dvcq.scoring.models"}  # chassis reaching up
    graph["dvcq.scoring.results.queries"] = {"dvcq.plans.models"}
    assert upward_imports(graph) == [
        "dvcq.platform.home imports dvcq.scoring.models",
        "dvcq.scoring.results.queries imports dvcq.plans.models",
    ]
    circles = {frozenset(cycle) for cycle in area_cycles(graph)}
    assert {frozenset({"platform", "scoring"}), frozenset({"plans", "scoring"})} <= circles


# ---- every table that holds a unit's or an authority's data says how it is scoped ----------------------------------
# Tables with a unit_id/authority_id the tenancy guard does not filter, and why.
SCOPING_EXEMPT = {
    "units": "the administrative tree itself: every scope reads it to know who belongs where",
    "unit_groups": "group names of an authority, read with the tree (no data of a unit)",
    "users": "identity: login finds the user before any scope exists; staff lists filter by unit in their services",
    "audit_log": "append-only, hash-chained over every row; read only by administrators and `dvcq audit verify`",
}


def unscoped_tables(mappers) -> list[str]:
    from dvcq.platform.tenancy import AuthorityScoped, TenantScoped

    return sorted(
        mapper.local_table.name
        for mapper in mappers
        if {"unit_id", "authority_id"} & set(mapper.local_table.c.keys())
        and not issubclass(mapper.class_, TenantScoped | AuthorityScoped)
        and mapper.local_table.name not in SCOPING_EXEMPT
    )


def test_every_table_with_a_unit_or_authority_declares_its_scoping(app):
    from dvcq.platform.extensions import db

    mappers = list(db.Model.registry.mappers)
    assert len(mappers) >= 20
    assert unscoped_tables(mappers) == []
    assert set(SCOPING_EXEMPT) <= {m.local_table.name for m in mappers}  # no stale exemption


def test_the_scoping_rule_catches_a_deliberate_violation(app):
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import DeclarativeBase

    class Base(DeclarativeBase):
        pass

    class Forgotten(Base):
        __tablename__ = "forgotten_notes"
        id = Column(Integer, primary_key=True)
        unit_id = Column(Integer)

    assert unscoped_tables(Base.registry.mappers) == ["forgotten_notes"]


# ---- every module that defines a blueprint follows the view rules ---------------------------------------------------
def view_problems(tree: ast.Module) -> list[str]:
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
    return problems


def _defines_a_blueprint(path: Path) -> bool:
    return any(
        isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
        for node in ast.walk(_tree(path))
    )


BLUEPRINT_MODULES = [path for path in MODULES if _defines_a_blueprint(path)]


def test_blueprint_modules_are_found_beyond_views_py():
    names = {_rel(path) for path in BLUEPRINT_MODULES}
    assert {"dvcq/platform/home.py", "dvcq/platform/job_views.py", "dvcq/insights/vendor.py"} <= names
    assert len(names) >= 16


@pytest.mark.parametrize("path", BLUEPRINT_MODULES, ids=_rel)
def test_a_module_with_a_blueprint_neither_queries_nor_writes_the_database(path):
    assert view_problems(_tree(path)) == [], f"{_rel(path)} — ask a service instead"


def test_the_view_rule_catches_a_deliberate_violation():
    source = "from flask import Blueprint\nbp = Blueprint('x', __name__)\ndef v():\n    db.session.commit()\n"
    assert view_problems(ast.parse(source)) == ["line 4: session.commit()"]


# ---- every job the code enqueues is registered by the composition root ----------------------------------------------
def _enqueued_names(path: Path) -> list[ast.expr]:
    """The job-name arguments of `jobs.enqueue(NAME, …)` and of an area's own `_enqueue(…, SOME_JOB, …)` wrapper (not
    RQ's `Queue(…).enqueue`, which carries the worker's entry point)."""
    found = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call) or isinstance(getattr(node.func, "value", None), ast.Call):
            continue
        if getattr(node.func, "id", getattr(node.func, "attr", "")).lstrip("_") != "enqueue" or not node.args:
            continue
        named = [
            arg for arg in node.args if getattr(arg, "id", getattr(arg, "attr", "")).endswith(("_JOB", "JOB_NAME"))
        ]
        found += named or [node.args[0]]
    return found


def _value_of(path: Path, expr: ast.expr):
    """The string a job-name argument stands for: a literal, or a constant of the module or one it imports."""
    import importlib

    if isinstance(expr, ast.Constant):
        return expr.value
    module = importlib.import_module(_module_name(path))
    if isinstance(expr, ast.Name):
        return getattr(module, expr.id, None)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return getattr(getattr(module, expr.value.id, None), expr.attr, None)
    return None


def unregistered_jobs(registered: dict) -> list[str]:
    problems = []
    for path in MODULES:
        for expr in _enqueued_names(path):
            value = _value_of(path, expr)
            if isinstance(value, str) and value not in registered:
                problems.append(f"{_rel(path)}:{expr.lineno} enqueues {value!r}, which no area registers")
    return problems


def test_every_job_is_registered_from_the_composition_root_and_importable(app):
    import importlib

    from dvcq.platform import registry

    jobs = registry.of(app).jobs
    assert {"platform.selftest", "results.export", "decisions.generate", "decisions.preview"} <= set(jobs)
    for name, fn in jobs.items():
        assert getattr(importlib.import_module(fn.__module__), fn.__name__) is fn, name
    assert unregistered_jobs(jobs) == []


def test_the_job_rule_catches_a_deliberate_violation(app):
    from dvcq.platform import registry

    jobs = dict(registry.of(app).jobs)
    jobs.pop("decisions.preview")
    assert any("'decisions.preview', which no area registers" in p for p in unregistered_jobs(jobs))


# ---- below the views, nothing reads the request ----------------------------------------------------------------------
AREA_MODULES_BELOW_VIEWS = [
    path
    for path in MODULES
    if path.relative_to(PACKAGE).parts[0] in ("tenants", "scoring", "plans", "insights")
    and not _defines_a_blueprint(path)
]


def request_imports(tree: ast.Module) -> list[str]:
    return sorted(name for name in _imported(tree) if name in ("flask.request", "flask.session", "flask.g"))


def test_the_request_rule_reads_every_service_module():
    names = {_rel(path) for path in AREA_MODULES_BELOW_VIEWS}
    assert {"dvcq/scoring/results/compute.py", "dvcq/plans/editing.py", "dvcq/scoring/evidence/uploads.py"} <= names
    assert len(names) >= 80


@pytest.mark.parametrize("path", AREA_MODULES_BELOW_VIEWS, ids=_rel)
def test_services_never_touch_the_request(path):
    """Services, models, jobs, documents, demo seeders: every module of an area that is not a view."""
    assert request_imports(_tree(path)) == [], f"{_rel(path)}: a service takes its inputs as arguments"


def test_the_request_rule_catches_a_deliberate_violation():
    assert request_imports(ast.parse("from flask import request, g\n")) == ["flask.g", "flask.request"]
