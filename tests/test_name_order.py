"""Names are sorted in Vietnamese alphabetical order (dvcq.platform.collation), never by the database's or Python's
code-point order, which puts "Ba Điền" after "Ba Xa" and "Ba Trang" before "Ba Tô". Checked on the source: no
`order_by(...name)`, no `sorted`/`.sort` of names or with a key on names outside `vn_key`, no pandas `sort_values`
on a name column (insights.services.sort_frame does it), no Jinja `|sort` on a name."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.models import AssessmentStatus
from dvcq.tenants.models import Unit, UnitGroup, UnitKind
from tests import factories

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


# ---- the main pages, exports and documents list the communes in Vietnamese order -------------------------
# Codes in reverse code-point order of the names, so neither the codes nor the code points give the expected order.
BA_COMMUNES = [
    "Xã Ba Dinh",
    "Xã Ba Điền",
    "Xã Ba Động",
    "Xã Ba Tô",
    "Xã Ba Tơ",
    "Xã Ba Trang",
    "Xã Ba Vì",
    "Xã Ba Vinh",
]
BA_COMMUNES += ["Xã Ba Xa"]
TOWN = "Thị trấn Ba Tơ"  # the prefix is part of the name: T before every "Xã …"


@pytest.fixture
def ba_communes(world) -> dict[str, int]:
    """{name: unit id} of the town and the issue's communes, in the test district's "Khối xã"."""
    with scoped(SYSTEM):
        parent = db.session.get(Unit, world.district_id)
        group = db.session.get(UnitGroup, world.group_communes_id)
        ids = {}
        for i, name in enumerate(sorted([TOWN, *BA_COMMUNES], reverse=True)):
            kind = UnitKind.THI_TRAN if name == TOWN else UnitKind.XA
            ids[name] = factories.unit(f"N{i:02d}", name, kind, parent, group).id
        db.session.commit()
    return ids


def _names_of(codes: list[str]) -> list[str]:
    with scoped(SYSTEM):
        name_of = {code: name for code, name in db.session.execute(select(Unit.code, Unit.name))}
    return [name_of[c] for c in codes]


def test_the_units_page_lists_each_group_in_vietnamese_order(world, browser, ba_communes):
    browser.login(world.admin)
    page = browser.get("/quan-tri/don-vi").get_data(as_text=True)
    shown = _names_of(re.findall(r'<tr class="depth-\d" data-code="([^"]+)"', page))
    # the district, its communes (Khối xã, position 0) by name, then its agency
    assert shown == ["Huyện Thử Nghiệm", TOWN, "Xã An Bình", *BA_COMMUNES, "Xã Bình Đông", "Phòng Nội vụ"]


@pytest.fixture
def tied_results(world, ba_communes) -> int:
    """A campaign in final review, computed: B 90,00 (01), A 85,00 (02), the town and the Ba communes tied at 80,00."""
    from dvcq.scoring.results.compute import compute
    from tests.scoring.results_factories import add_assessment, make_campaign, results_version

    campaign_id = make_campaign(world, results_version(world), year=2023)
    final = AssessmentStatus.FINAL
    add_assessment(campaign_id, world.b_id, world.group_communes_id, self_total="95", appraised="90", status=final)
    add_assessment(campaign_id, world.a_id, world.group_communes_id, self_total="95", appraised="85", status=final)
    for unit_id in ba_communes.values():
        add_assessment(campaign_id, unit_id, world.group_communes_id, self_total="90", appraised="80", status=final)
    add_assessment(campaign_id, world.agency_id, world.group_agencies_id, self_total="90", appraised="80", status=final)
    with scoped(SYSTEM):
        compute(campaign_id)
    return campaign_id


RANKED = ["Xã Bình Đông", "Xã An Bình", TOWN, *BA_COMMUNES]  # the tie at 80,00 (03/12) in Vietnamese order


def test_the_results_page_and_its_export_order_tied_ranks_by_name(world, browser, tied_results):
    import pandas as pd

    from dvcq.scoring.results import exports

    browser.login(world.secretariat)
    page = browser.get("/ket-qua/2023").get_data(as_text=True)
    assert _names_of(re.findall(r'<tr data-code="([^"]+)"', page)) == [*RANKED, "Phòng Nội vụ"]
    response = browser.post("/ket-qua/2023/xuat/results")
    frame = pd.read_excel(io.BytesIO(response.get_data()), dtype=str, header=exports.HEADER_ROW - 1)
    assert list(frame["Tên đơn vị"]) == [*RANKED, "Phòng Nội vụ"]
    assert list(frame["Xếp hạng"])[:4] == ["01/12", "02/12", "03/12", "03/12"]


def test_the_decision_annex_lists_tied_ranks_by_name(world, tied_results):
    from docx import Document

    from dvcq.platform.auth.models import User
    from dvcq.scoring.decisions import document, drafting, generation

    with scoped(Scope(world.district_id)):
        secretariat = db.session.execute(select(User).where(User.login == world.secretariat)).scalar_one()
        decision = drafting.draft(secretariat, tied_results)
        docx = Document(io.BytesIO(document.build_docx(generation.document_data(decision))))
    annex = next(t for t in docx.tables if any(TOWN in c.text for c in t.columns[1].cells))
    rows = [[cell.text for cell in row.cells] for row in annex.rows[1:]]
    assert [r[1] for r in rows] == RANKED
    assert [r[0] for r in rows] == [str(n) for n in range(1, 13)] and rows[2][-1] == rows[-1][-1] == "03/12"


def test_the_campaign_overview_lists_the_participants_by_name(world, browser, tied_results):
    browser.login(world.secretariat)
    page = browser.get(f"/ky-danh-gia/{tied_results}").get_data(as_text=True)
    shown = _names_of(re.findall(r'<tr id="dv-\d+" data-unit="([^"]+)"', page))
    assert shown == [TOWN, "Xã An Bình", *BA_COMMUNES, "Xã Bình Đông", "Phòng Nội vụ"]


def test_the_dashboard_tables_list_units_by_name(world, browser, ba_communes):
    from tests.insights import factories as insight_factories
    from tests.insights.helpers import table

    with scoped(SYSTEM):
        for year in (2024, 2025):
            for unit_id in ba_communes.values():
                insight_factories.result(
                    unit_id, year, authority_id=world.district_id, appraised="80.00", rank=1, rank_of=10
                )
        db.session.commit()
    browser.login(world.leadership)
    page = browser.get("/tong-quan/").get_data(as_text=True)
    assert [r[0] for r in table(page, "table-thu-hang-1")[1:]] == [TOWN, *BA_COMMUNES]
