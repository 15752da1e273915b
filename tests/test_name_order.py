"""Names are sorted in Vietnamese alphabetical order (dvcq.platform.collation), never by the database's or Python's
code-point order, which puts "Ba Điền" after "Ba Xa" and "Ba Trang" before "Ba Tô". Checked on the source: no
`order_by(...name)`, no `sorted`/`.sort` of names or with a key on names outside `vn_key`, no pandas `sort_values`
on a name column (insights.services.sort_frame does it), no Jinja `|sort` on a name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dvcq"
MODULES = sorted(PACKAGE.rglob("*.py"))
TEMPLATES = sorted(PACKAGE.rglob("*.html"))
# What a name is called in the code: an attribute (unit.name, user.full_name) or a frame's column ("label").
NAME_FIELDS = {"name", "full_name", "unit_name", "group_name", "series_name", "label"}
# Calls that turn a name into its collation key (or sort by it), or into a number: a name inside them is no problem.
KEYED = {"vn_key", "vn_sorted", "vn_positions", "sort_key", "sort_frame", "int", "len"}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _raw_names(node: ast.AST) -> list[str]:
    """The names `node` reads that no collation call wraps: `x.name`, `row["label"]`, and the bare string "label"."""
    if isinstance(node, ast.Call) and _call_name(node) in KEYED:
        return []
    found = []
    if isinstance(node, ast.Attribute) and node.attr in NAME_FIELDS:
        found.append(ast.unparse(node))
    elif isinstance(node, ast.Constant) and node.value in NAME_FIELDS:
        found.append(repr(node.value))
    for child in ast.iter_child_nodes(node):
        found.extend(_raw_names(child))
    return found


def name_sorts(source: str) -> list[str]:
    """Every sort of names in `source` that does not go through the collation key, as "line: code"."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = _call_name(node)
        keyword = {k.arg: k.value for k in node.keywords}
        if called == "order_by":
            sorted_by = node.args
        elif called in ("sorted", "sort", "sort_values", "sort_index") and "key" in keyword:
            sorted_by = [keyword["key"]] if called in ("sorted", "sort") else []
        elif called in ("sorted", "sort_values"):
            sorted_by = node.args[:1] + ([keyword["by"]] if "by" in keyword else [])
        else:
            continue
        if any(_raw_names(arg) for arg in sorted_by):
            problems.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
    return problems


def template_name_sorts(text: str) -> list[str]:
    fields = "|".join(NAME_FIELDS)
    return re.findall(rf"\|\s*sort\([^)]*attribute\s*=\s*['\"](?:[\w.]+\.)?(?:{fields})['\"][^)]*\)", text)


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_rule_reads_real_files():
    assert len(MODULES) > 100 and len(TEMPLATES) > 20


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_names_are_sorted_with_the_vietnamese_key(path):
    problems = name_sorts(path.read_text(encoding="utf-8"))
    assert problems == [], f"{_rel(path)} sorts names by code point; use platform.collation.vn_key: {problems}"


def test_templates_do_not_sort_names():
    found = {_rel(p): template_name_sorts(p.read_text(encoding="utf-8")) for p in TEMPLATES}
    assert {path: sorts for path, sorts in found.items() if sorts} == {}


def test_the_rule_catches_a_deliberate_violation():
    bad = [
        "stmt = select(Unit).order_by(Unit.group_id, Unit.name)",
        "stmt = select(User).order_by(User.full_name)",
        "units = sorted(units, key=lambda u: (u.group_id, u.name))",
        "rows.sort(key=lambda r: r['unit_name'])",
        "names = sorted({a.campaign.name for a in submitted})",
        "frame = frame.sort_values(['year', 'label'])",
        "frame = frame.sort_values(by='group_name')",
    ]
    for line in bad:
        assert name_sorts(line), line
    good = [
        "stmt = select(Unit).order_by(Unit.code)",
        "units = sorted(units, key=lambda u: (u.group_id, vn_key(u.name)))",
        "units = sorted(units, key=Unit.sort_key)",
        "rows = sorted(rows, key=lambda r: (r.rank, r.code))",
        "names = vn_sorted({a.campaign.name for a in submitted})",
        "frame = sort_frame(frame, ['year', 'label'])",
        "frame = frame.sort_values(['year', 'rank'])",
    ]
    for line in good:
        assert not name_sorts(line), line
    assert template_name_sorts("{% for u in units|sort(attribute='name') %}")
    assert not template_name_sorts("{% for u in units|sort(attribute='code') %}")
