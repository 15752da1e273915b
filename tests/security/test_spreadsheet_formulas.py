"""Formula injection (issue 14): every spreadsheet the platform writes is produced once with hostile text in every
user-supplied field — unit and group names and codes, the authority's name, criteria names, guidance, levels and
conditions, appraisal notes, users' names, plan targets — and each workbook is opened to check that no cell holds a
formula, that the hostile text reads back exactly as typed, and that it carries the quote-prefix flag that keeps it
text when edited. The criteria export still round-trips through the importer. A source check keeps every writer in
dvcq/platform/workbooks.py, so a new export cannot bypass it."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dvcq.insights import dashboard
from dvcq.plans import editing
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.criteria import exports as criteria_exports
from dvcq.scoring.criteria.imports import import_criteria
from dvcq.scoring.decisions import drafting, issuing
from dvcq.scoring.models import ClassificationLevel, CriteriaNode, CriteriaVersion, DisqualifyingCondition, ItemScore
from dvcq.tenants.models import Unit, UnitGroup
from tests.scoring.decision_factories import ISSUABLE, decision_campaign

DVCQ = Path(__file__).resolve().parents[2] / "dvcq"
HOSTILE_UNITS = {"a": "=1+1", "b": "+SUM(A1)", "agency": "-2+3", "district": "@cmd"}
HOSTILE_GROUPS = {"communes": "@SUM(1+1)", "agencies": "\t=1"}
HOSTILE_CRITERIA = {"1": "=1+1", "1.1": "+SUM(A1)", "2.1": "-2+3", "2.2": "@cmd"}
HOSTILE_LEVELS = ('=HYPERLINK("http://x.example","Xuất sắc")', "+1 Tốt", "-2+3 Đạt", "@Không đạt")
HOSTILE_GUIDANCE = "=cmd|' /C calc'!A0"
HOSTILE_CONDITION = "-1+1 vi phạm"
HOSTILE_NOTES = ("\t=1", "\r=2")
HOSTILE_PEOPLE = {"secretariat": "=1+2", "leadership": "+SUM(B1)"}


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


@pytest.fixture
def hostile(world):
    """The 2025 campaign of units A, B and agency C, every name hostile, published; A's plan for 2026 drafted."""
    campaign = decision_campaign(world)
    with scoped(SYSTEM):
        for key, unit_id in {"a": world.a_id, "b": world.b_id, "agency": world.agency_id}.items():
            db.session.get(Unit, unit_id).name = HOSTILE_UNITS[key]
        db.session.get(Unit, world.a_id).code = "-A"
        db.session.get(Unit, world.district_id).name = HOSTILE_UNITS["district"]
        db.session.get(UnitGroup, world.group_communes_id).name = HOSTILE_GROUPS["communes"]
        db.session.get(UnitGroup, world.group_agencies_id).name = HOSTILE_GROUPS["agencies"]
        nodes = {
            n.code: n
            for n in db.session.execute(
                select(CriteriaNode).where(CriteriaNode.version_id == campaign.version_id)
            ).scalars()
        }
        for code, name in HOSTILE_CRITERIA.items():
            nodes[code].name = name
        nodes["1.1"].guidance = HOSTILE_GUIDANCE
        levels = db.session.execute(
            select(ClassificationLevel)
            .where(ClassificationLevel.version_id == campaign.version_id)
            .order_by(ClassificationLevel.order)
        ).scalars()
        for level, name in zip(levels, HOSTILE_LEVELS, strict=True):
            level.name = name
        db.session.add(
            DisqualifyingCondition(
                version_id=campaign.version_id, code="DK1", name=HOSTILE_CONDITION, effect="disqualify", cap_order=None
            )
        )
        item = db.session.get(ItemScore, campaign.items[("A", "1.1")])
        item.appraisal_note, item.final_note = HOSTILE_NOTES
        for key, name in HOSTILE_PEOPLE.items():
            _user(getattr(world, key)).full_name = name
        db.session.commit()
    with scoped(Scope(world.district_id)):
        secretariat = _user(world.secretariat)
        decision = drafting.draft(secretariat, campaign.campaign_id)
        decision = drafting.update(secretariat, decision.id, decision.version, **ISSUABLE)
        issuing.issue(secretariat, decision.id, decision.version)
    with scoped(Scope(world.district_id, world.a_id)):
        editing.draft_plan(_user(world.officer_a), world.a_id)
    db.session.remove()
    dashboard.cache.clear()
    return campaign


def _cells(data: bytes) -> list:
    """Every cell of every sheet, after checking that the file holds no formula at all."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                xml = package.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return cells


def _assert_kept_as_text(data: bytes, *texts: str) -> None:
    by_value = {c.value: c for c in _cells(data) if isinstance(c.value, str)}
    for text in texts:
        assert text in by_value, f"{text!r} is not a cell of the workbook"
        assert by_value[text].data_type == "s" and by_value[text].quotePrefix, text


def _xlsx(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.get_data()


def test_the_results_export_keeps_every_name_as_text(world, hostile, browser):
    browser.login(world.secretariat)
    data = _xlsx(browser.post("/ket-qua/2025/xuat/results"))
    _assert_kept_as_text(
        data,
        "-A",
        HOSTILE_UNITS["a"],
        HOSTILE_UNITS["b"],
        HOSTILE_UNITS["agency"],
        HOSTILE_GROUPS["communes"],
        HOSTILE_GROUPS["agencies"],
        HOSTILE_LEVELS[0],
    )


def test_the_item_score_export_keeps_names_criteria_and_notes_as_text(world, hostile, browser):
    browser.login(world.secretariat)
    data = _xlsx(browser.post("/ket-qua/2025/xuat/items"))
    _assert_kept_as_text(
        data,
        HOSTILE_UNITS["a"],
        HOSTILE_UNITS["agency"],
        HOSTILE_GROUPS["agencies"],
        HOSTILE_CRITERIA["1.1"],
        HOSTILE_CRITERIA["2.2"],
        "; ".join(HOSTILE_NOTES),
    )


def test_the_criteria_export_keeps_its_text_and_still_round_trips(world, hostile, browser):
    browser.login(world.secretariat)
    first = _xlsx(browser.get(f"/tieu-chi/{hostile.version_id}/tai-ve"))
    _assert_kept_as_text(first, *HOSTILE_CRITERIA.values(), HOSTILE_GUIDANCE, *HOSTILE_LEVELS, HOSTILE_CONDITION)
    with scoped(Scope(world.district_id)):
        again = import_criteria(
            actor=_user(world.secretariat), authority_id=world.district_id, filename="xuat.xlsx", data=first
        )
        second = criteria_exports.export_bytes(db.session.get(CriteriaVersion, again.id))
    assert [c.value for c in _cells(first)] == [c.value for c in _cells(second)]


def test_the_plan_follow_up_keeps_names_and_targets_as_text(world, hostile, browser):
    browser.login(world.secretariat)
    data = _xlsx(browser.get("/ke-hoach/theo-doi.xlsx?nam=2026"))
    _assert_kept_as_text(data, HOSTILE_UNITS["a"], HOSTILE_UNITS["b"])
    assert any(c.value in HOSTILE_LEVELS and c.quotePrefix for c in _cells(data))  # A's target level


def test_the_dashboard_export_keeps_names_and_who_made_it_as_text(world, hostile, browser):
    browser.login(world.leadership)
    data = _xlsx(browser.get("/tong-quan/xuat.xlsx"))
    _assert_kept_as_text(
        data,
        HOSTILE_UNITS["a"],
        HOSTILE_UNITS["b"],
        HOSTILE_UNITS["district"],
        HOSTILE_PEOPLE["leadership"],
        HOSTILE_GROUPS["communes"],
    )


# ---- the source keeps every writer in one place -------------------------------------------------------------------

WRITER = DVCQ / "platform" / "workbooks.py"
READER = DVCQ / "platform" / "spreadsheets.py"  # reads users' files (load_workbook, csv.reader); writes nothing


def _is_sheet(expression) -> bool:
    """An expression that yields a worksheet: `wb.active`, `wb.create_sheet(…)` (possibly inside a conditional)."""
    return any(isinstance(n, ast.Attribute) and n.attr in ("active", "create_sheet") for n in ast.walk(expression))


def _target_names(targets) -> set[str]:
    return {t.id if isinstance(t, ast.Name) else t.attr for t in targets if isinstance(t, ast.Name | ast.Attribute)}


def _writes(source: str, path: Path) -> list[str]:
    """What in `source` (the text of `path`) creates a workbook or a CSV writer, or writes a cell or a row itself."""
    tree = ast.parse(source)
    sheets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_sheet(node.value):
            sheets |= _target_names(node.targets)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("openpyxl"):
            if node.module in ("openpyxl", "openpyxl.cell", "openpyxl.cell.cell") and path != READER:
                found.append(f"imports from {node.module}")
        elif isinstance(node, ast.Import) and any(a.name.startswith(("openpyxl", "xlsxwriter")) for a in node.names):
            found.append("imports openpyxl")
        elif isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter", "WriteOnlyCell", "Workbook"):
            found.append(f"uses .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", None)
            if node.func.attr == "cell" and any(k.arg == "value" for k in node.keywords):
                found.append("writes a cell's value")
            elif node.func.attr == "append" and name in sheets:
                found.append(f"appends to the sheet {name} itself")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(part, ast.Attribute) and part.attr == "value":
                        found.append("assigns a cell's value")
                    elif isinstance(part, ast.Subscript) and _target_names([part.value]) & sheets:
                        found.append("assigns a cell by its reference")
    return [f"{path.relative_to(DVCQ.parent)}: {what}" for what in found]


def test_no_module_but_the_workbook_writer_writes_spreadsheets():
    paths = [p for p in sorted(DVCQ.rglob("*.py")) if p != WRITER]
    offenders = [w for path in paths for w in _writes(path.read_text(encoding="utf-8"), path)]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        "from openpyxl import Workbook\nwb = Workbook()",
        "import csv\nw = csv.writer(out)",
        "ws.cell(row=1, column=1, value=name)",
        "ws.cell(row=1, column=1).value = name",
        "cell = ws.cell(row=1, column=1)\ncell.value, cell.data_type = name, 's'",
        "ws = wb.active\nws.append([name])",
        "ws = wb.active if first else wb.create_sheet()\nws['A1'] = name",
        "self.ws = wb.create_sheet(title)\nself.ws.append(row)",
        "import openpyxl",
    ],
)
def test_the_source_check_sees_a_writer_outside_the_module(source):
    assert _writes(source, DVCQ / "scoring" / "probe.py")
