"""The authorization matrix: every route of `app.url_map`, every method, every role, against real objects of unit A.

The expected answers live in tests/security/authz_matrix.py (one entry per "METHOD /rule", one status per role). The
test fails when a route is missing from the matrix (or the matrix names a route that is gone), when any answer
differs, and when a role's refusal (403 or 404) of a real object is anything but the byte-identical answer for a
missing id — for every role: a refusal that depends on the object existing tells who owns or is assigned to what.

The assignment dimension (ASSIGNMENT_MATRIX): the appraiser assigned to unit A only asks every route for unit B's
objects, those of the running year (before publication) and those of the published year (after it).

Regenerate after a deliberate change, then READ the diff: `DVCQ_WRITE_AUTHZ_MATRIX=1 pytest tests/security -k matrix`.
"""

from __future__ import annotations

import io
import os
import pprint
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from dvcq.insights import tokens
from dvcq.platform import jobs
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import drafting, generation, issuing
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import (
    AppraisalAssignment,
    Assessment,
    Campaign,
    Decision,
    EvidenceLink,
    Explanation,
    ItemScore,
)
from dvcq.scoring.results import compute as results_compute
from dvcq.scoring.results import exports
from dvcq.tenants.models import Unit
from tests import factories
from tests.factories import PASSWORD
from tests.scoring.appraisal_factories import build_campaign
from tests.scoring.decision_factories import ISSUABLE, decision_campaign
from tests.security import authz_matrix

MATRIX_FILE = Path(__file__).with_name("authz_matrix.py")
ROLES = authz_matrix.ROLES  # role name → login key in the world (None: anonymous)
MISSING = 987654
KEEP = ("year", "kind", "filename", "version", "period")  # not an object of A: the same in the missing-id URL
RULES = "per endpoint"  # values[RULES]: {endpoint: {argument: value}} where one route needs its own value
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _user(login: str) -> User:
    return db.session.execute(select(User).where(User.login == login)).scalar_one()


def build(world) -> dict[str, object]:
    """Unit A's objects: a campaign in appraisal (A's assessment, items, evidence, a link, an explanation, the appraiser
    assigned to A), a published 2025 campaign with results and its decision, an API token, a job of A."""
    with scoped(SYSTEM):  # the account the administrator's forms act on (disabling it must not end a role's session)
        spare = factories.user("canbo.a2", Role.OFFICER, db.session.get(Unit, world.a_id)).id
        db.session.commit()
    current = build_campaign(world)
    past = decision_campaign(world, year=2025)
    with scoped(SYSTEM):
        item_id = current.item_ids[("a", "1.1")]
        db.session.add(
            AppraisalAssignment(
                authority_id=world.district_id,
                campaign_id=current.id,
                appraiser_id=world.ids["appraiser"],
                unit_id=world.a_id,
                area_id=None,
                created_at=_now(),
            )
        )
        db.session.commit()
    with scoped(Scope.for_unit(_user(world.officer_a).unit)):
        officer = _user(world.officer_a)
        upload = FileStorage(io.BytesIO(PDF), filename="Kế hoạch dân vận.pdf", content_type="application/pdf")
        file = uploads.upload(officer, world.a_id, upload, {"title": "Kế hoạch dân vận"})
        evidence_id = file.id
    with scoped(SYSTEM):
        link = EvidenceLink(unit_id=world.a_id, item_id=item_id, evidence_id=evidence_id, added_at=_now())
        explanation = Explanation(
            unit_id=world.a_id, item_id=item_id, text="Đơn vị đã có kế hoạch đầy đủ", created_at=_now()
        )
        job = JobRecord(
            id=uuid.uuid4().hex,
            unit_id=world.a_id,
            name="results.export",
            queue="default",
            title="Xuất kết quả",
            status="finished",
            scope_authority_id=world.district_id,
            scope_unit_id=world.a_id,
            created_by_id=world.ids["officer_a"],
            created_at=_now(),
        )
        db.session.add_all([link, explanation, job])
        db.session.commit()
        ids = {"link_id": link.id, "explanation_id": explanation.id, "job_id": job.id}
    with scoped(SYSTEM):  # B's explanation of 2025, made before publication freezes the year's rows
        b_explanation = _explanation(world.b_id, past.items[("B", "1.1")])
    with scoped(Scope(world.district_id)):
        secretariat = _user(world.secretariat)
        draft = drafting.draft(secretariat, past.campaign_id)
        draft = drafting.update(secretariat, draft.id, draft.version, **ISSUABLE)
        issuing.issue(secretariat, draft.id, draft.version)
        _, api_token = tokens.issue(_user(world.admin), "Cổng thông tin tỉnh")
        token_id = db.session.execute(select(tokens.ApiToken.id)).scalar_one()
    plan = {}
    with scoped(Scope.for_unit(_user(world.officer_a).unit)):
        try:
            from dvcq.plans import editing
        except ImportError:  # improvement plans not built yet
            pass
        else:
            made = editing.draft_plan(_user(world.officer_a), world.a_id)
            plan = {"plan_id": made.id, "task_id": made.tasks[0].id if made.tasks else MISSING, "period": "quy-1"}
    with scoped(SYSTEM):
        decision_id = db.session.execute(
            select(Decision.id).where(Decision.campaign_id == past.campaign_id)
        ).scalar_one()
    db.session.remove()
    return {
        "campaign_id": current.id,
        "assessment_id": current.assessment_ids["a"],
        "item_id": item_id,
        "evidence_id": evidence_id,
        "unit_id": world.a_id,
        "user_id": spare,
        "version_id": current.version_id,
        "node_id": current.area_ids["1"],
        "decision_id": decision_id,
        "token_id": token_id,
        "year": 2025,
        "code": "A",
        "kind": "xlsx",
        "filename": "missing.js",
        "version": "0",
        "api_token": api_token,
        "b_explanation_2025": b_explanation,
        **ids,
        **plan,
    }


def _explanation(unit_id: int, item_id: int) -> int:
    row = Explanation(unit_id=unit_id, item_id=item_id, text="Đơn vị đã có kế hoạch đầy đủ", created_at=_now())
    db.session.add(row)
    db.session.commit()
    return row.id


def _export(secretariat, authority_id: int, year: int) -> str:
    """The secretariat's export of a year's results table, finished (jobs run inline in the tests)."""
    record = jobs.enqueue(
        exports.JOB_NAME,
        scope=Scope(authority_id),
        unit_id=authority_id,
        actor=secretariat,
        title=f"Xuất kết quả năm {year}",
        authority_id=authority_id,
        year=year,
        kind=exports.KIND_RESULTS,
    )
    assert record.status == "finished", record.error
    return record.id


def build_b(world, values: dict[str, object]) -> dict[str, dict[str, object]]:
    """Unit B's objects for the assignment dimension, as the values of two columns: B's library file (cited), job and
    plan; before publication B's 2026 assessment, item and explanation, the 2026 result pages and ranking with the
    secretariat's export of it, and a draft decision of the unpublished year 2024 with its preview; after publication
    B's 2025 assessment, item and explanation, the 2025 results, decision and export. The appraiser is assigned to A
    only, in 2026."""
    with scoped(SYSTEM):
        years = dict(db.session.execute(select(Campaign.year, Campaign.id)).all())
        assessments = dict(
            db.session.execute(
                select(Assessment.campaign_id, Assessment.id).where(Assessment.unit_id == world.b_id)
            ).all()
        )

        def first_item(assessment_id: int) -> int:
            stmt = select(ItemScore.id).where(ItemScore.assessment_id == assessment_id)
            return db.session.execute(stmt.order_by(ItemScore.node_position).limit(1)).scalar_one()

        now_item, past_item = first_item(assessments[years[2026]]), first_item(assessments[years[2025]])
    with scoped(Scope.for_unit(_user(world.officer_b).unit)):
        officer = _user(world.officer_b)
        upload = FileStorage(io.BytesIO(PDF), filename="Báo cáo xã Bình Đông.pdf", content_type="application/pdf")
        evidence_id = uploads.upload(officer, world.b_id, upload, {"title": "Báo cáo"}).id
        from dvcq.plans import editing

        made = editing.draft_plan(officer, world.b_id)
        plan = {"plan_id": made.id, "task_id": made.tasks[0].id if made.tasks else MISSING}
    with scoped(SYSTEM):
        link = EvidenceLink(unit_id=world.b_id, item_id=now_item, evidence_id=evidence_id, added_at=_now())
        job = JobRecord(
            id=uuid.uuid4().hex,
            unit_id=world.b_id,
            name="results.export",
            queue="default",
            title="Xuất kết quả",
            status="finished",
            scope_authority_id=world.district_id,
            scope_unit_id=world.b_id,
            created_by_id=world.ids["officer_b"],
            created_at=_now(),
        )
        db.session.add_all([link, job])
        db.session.commit()
        common = {"unit_id": world.b_id, "code": "B", "evidence_id": evidence_id, "link_id": link.id, "job_id": job.id}
        now_explanation = _explanation(world.b_id, now_item)
    older = decision_campaign(world, year=2024)  # in final review: its decision is a draft
    with scoped(Scope(world.district_id)):
        secretariat = _user(world.secretariat)
        results_compute.compute(older.campaign_id)  # its results: the draft's annex
        draft = drafting.draft(secretariat, older.campaign_id)
        draft = drafting.update(secretariat, draft.id, draft.version, **{**ISSUABLE, "number": "01/QĐ-UBND"})
        preview = generation.preview(secretariat, draft.id)
        results_compute.compute(years[2026])
        export_now = _export(secretariat, world.district_id, 2026)
        export_past = _export(secretariat, world.district_id, 2025)
        draft_id, preview_id = draft.id, preview.id
    db.session.remove()
    kinds = {"results.export": {"kind": exports.KIND_RESULTS}, "decisions.download": {"kind": "docx"}}
    before = {
        **values,
        **common,
        **plan,
        "year": 2026,
        "campaign_id": years[2026],
        "assessment_id": assessments[years[2026]],
        "item_id": now_item,
        "explanation_id": now_explanation,
        "decision_id": draft_id,
        RULES: {
            **kinds,
            "decisions.preview_download": {"job_id": preview_id},
            "decisions.campaign": {"campaign_id": older.campaign_id},
            "results.download": {"job_id": export_now},
        },
    }
    after = {
        **values,
        **common,
        **plan,
        "year": 2025,
        "campaign_id": years[2025],
        "assessment_id": assessments[years[2025]],
        "item_id": past_item,
        "explanation_id": values["b_explanation_2025"],
        RULES: {**kinds, "results.download": {"job_id": export_past}},
    }
    return dict(zip(authz_matrix.ASSIGNMENT, (before, after), strict=True))


def _url(rule, values: dict[str, object], missing: bool = False) -> str:
    values = {**values, **values.get(RULES, {}).get(rule.endpoint, {})}

    def sub(match):
        name = match.group(2)
        if missing and name not in KEEP:
            return "ZZ" if name == "code" else ("0" * 32 if name == "job_id" else str(MISSING))
        return str(values[name])

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", sub, rule.rule)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield f"{method} {rule.rule}", method, rule


def _token(client) -> str:
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    return match.group(1) if match else ""


def _ask(client, method: str, url: str, csrf: str, api_token: str | None):
    """Every signed-in role calls the API with the authority's token; anonymous calls it without one. A message an
    earlier request flashed (and whose redirect was not followed) is dropped first: it would show on whichever page
    comes next and make two otherwise identical answers differ."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    headers = {"Authorization": f"Bearer {api_token}"} if api_token and url.startswith("/api/") else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, data={"csrf_token": csrf}, headers=headers)


def test_every_route_answers_every_role_as_the_matrix_says(app, world, make_browser):
    app.config["DECISIONS_PDF"] = False
    values = build(world)
    worlds = build_b(world, values)
    clients = {}
    for role, key in ROLES.items():
        browser = make_browser()
        if key:
            assert browser.login(getattr(world, key), PASSWORD).status_code == 302, role
        clients[role] = (browser.client, _token(browser.client))
    # column → (the role asking, the objects it asks for)
    columns = {role: (role, values) for role in ROLES} | {
        c: ("appraiser_a", worlds[c]) for c in authz_matrix.ASSIGNMENT
    }
    routes = list(_routes(app))
    # GETs first and the logout/login forms last, so that a POST that changes something cannot hide a GET's answer
    routes.sort(key=lambda r: (r[1] != "GET", r[2].rule in ("/dang-xuat", "/dang-nhap"), r[0]))
    seen: dict[str, dict[str, int]] = {}
    leaks = []
    for name, method, rule in routes:
        row = {}
        for column, (role, objects) in columns.items():
            client, csrf = clients[role]
            api_token = values["api_token"] if ROLES[role] else None
            response = _ask(client, method, _url(rule, objects), csrf, api_token)
            row[column] = response.status_code
            if response.status_code in (403, 404) and rule.arguments - set(KEEP):
                other = _ask(client, method, _url(rule, objects, missing=True), csrf, api_token)
                if (other.status_code, _body(other)) != (response.status_code, _body(response)):
                    leaks.append(
                        f"{name} — {column}: {response.status_code} for a real object, {other.status_code} missing"
                    )
        seen[name] = row
    if os.environ.get("DVCQ_WRITE_AUTHZ_MATRIX"):
        _write(seen)
    expected = {name: dict(zip(ROLES, statuses, strict=True)) for name, statuses in authz_matrix.MATRIX.items()}
    for name, statuses in authz_matrix.ASSIGNMENT_MATRIX.items():
        expected.setdefault(name, {}).update(zip(authz_matrix.ASSIGNMENT, statuses, strict=True))
    problems = []
    if missing := sorted(name for name, row in seen.items() if set(expected.get(name, {})) != set(row)):
        problems.append(
            "routes missing from tests/security/authz_matrix.py (MATRIX or ASSIGNMENT_MATRIX): " + str(missing)
        )
    if gone := sorted(set(expected) - set(seen)):
        problems.append("the matrix names routes that no longer exist: " + str(gone))
    wrong = {
        name: {
            column: (expected[name].get(column), status)
            for column, status in row.items()
            if expected[name].get(column) != status
        }
        for name, row in seen.items()
        if name in expected
    }
    if wrong := {name: diff for name, diff in wrong.items() if diff}:
        problems.append(
            "answers differ from the matrix ({column: (expected, got)}):\n" + pprint.pformat(wrong, width=200)
        )
    if leaks:
        problems.append("a refusal of a real object differs from the answer for a missing id:\n" + "\n".join(leaks))
    if errors := sorted(name for name, row in seen.items() if any(status >= 500 for status in row.values())):
        problems.append("server errors: " + str(errors))
    assert not problems, "\n\n".join(problems)


def _body(response) -> bytes:
    """The answer byte for byte, but for the CSRF token in a page's <meta>, which is signed anew with each request."""
    return re.sub(rb'name="csrf-token" content="[^"]+"', b"", response.get_data())


def _write(seen: dict[str, dict[str, int]]) -> None:
    text = MATRIX_FILE.read_text(encoding="utf-8")
    head = text.split("MATRIX = ")[0]
    lines = ["MATRIX = {"]
    for name in sorted(seen):
        lines.append(f'    "{name}": ({", ".join(str(seen[name][role]) for role in ROLES)}),')
    lines += [
        "}",
        "",
        "# For each route, as ASSIGNMENT: the answers to the appraiser assigned to A only, on B's objects.",
    ]
    lines.append("ASSIGNMENT_MATRIX = {")
    for name in sorted(seen):
        lines.append(f'    "{name}": ({", ".join(str(seen[name][c]) for c in authz_matrix.ASSIGNMENT)}),')
    lines.append("}")
    MATRIX_FILE.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", str(MATRIX_FILE)], check=False)
