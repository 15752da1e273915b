"""The authorization matrix: every route of `app.url_map`, every method, every role, against real objects of unit A.

The expected answers live in tests/security/authz_matrix.py (one entry per "METHOD /rule", one status per role). The
test fails when a route is missing from the matrix (or the matrix names a route that is gone), when any answer
differs, and when unit B's officer sees anything but the byte-identical answer for a missing id.

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
from dvcq.platform.auth.models import Role, User
from dvcq.platform.extensions import db
from dvcq.platform.jobs import JobRecord
from dvcq.platform.tenancy import SYSTEM, Scope, scoped
from dvcq.scoring.decisions import drafting, issuing
from dvcq.scoring.evidence import uploads
from dvcq.scoring.models import AppraisalAssignment, Decision, EvidenceLink, Explanation
from dvcq.tenants.models import Unit
from tests import factories
from tests.factories import PASSWORD
from tests.scoring.appraisal_factories import build_campaign
from tests.scoring.decision_factories import decision_campaign
from tests.security import authz_matrix

MATRIX_FILE = Path(__file__).with_name("authz_matrix.py")
ROLES = authz_matrix.ROLES  # role name → login key in the world (None: anonymous)
MISSING = 987654
KEEP = ("year", "kind", "filename", "version", "period")  # not an object of A: the same in the missing-id URL
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
    with scoped(Scope(world.district_id)):
        secretariat = _user(world.secretariat)
        draft = drafting.draft(secretariat, past.campaign_id)
        draft = drafting.update(secretariat, draft.id, draft.version, number="05/QĐ-UBND")
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
            plan = {"plan_id": made.id, "task_id": made.tasks[0].id if made.tasks else MISSING, "period": "q1"}
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
        **ids,
        **plan,
    }


def _url(rule, values: dict[str, object], missing: bool = False) -> str:
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
    """Every signed-in role calls the API with the authority's token; anonymous calls it without one."""
    headers = {"Authorization": f"Bearer {api_token}"} if api_token and url.startswith("/api/") else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, data={"csrf_token": csrf}, headers=headers)


def test_every_route_answers_every_role_as_the_matrix_says(app, world, make_browser):
    app.config["DECISIONS_PDF"] = False
    values = build(world)
    clients = {}
    for role, key in ROLES.items():
        browser = make_browser()
        if key:
            assert browser.login(getattr(world, key), PASSWORD).status_code == 302, role
        clients[role] = (browser.client, _token(browser.client))
    routes = list(_routes(app))
    # GETs first and the logout/login forms last, so that a POST that changes something cannot hide a GET's answer
    routes.sort(key=lambda r: (r[1] != "GET", r[2].rule in ("/dang-xuat", "/dang-nhap"), r[0]))
    seen: dict[str, dict[str, int]] = {}
    leaks = []
    for name, method, rule in routes:
        url = _url(rule, values)
        row = {}
        for role, (client, csrf) in clients.items():
            api_token = values["api_token"] if ROLES[role] else None
            response = _ask(client, method, url, csrf, api_token)
            row[role] = response.status_code
            if role == "officer_b" and rule.arguments - set(KEEP):
                other = _ask(client, method, _url(rule, values, missing=True), csrf, api_token)
                if response.status_code == 404 and other.get_data() != response.get_data():
                    leaks.append(name)
        seen[name] = row
    if os.environ.get("DVCQ_WRITE_AUTHZ_MATRIX"):
        _write(seen)
    expected = {name: dict(zip(ROLES, statuses, strict=True)) for name, statuses in authz_matrix.MATRIX.items()}
    assert sorted(set(seen) - set(expected)) == [], "routes missing from tests/security/authz_matrix.py"
    assert sorted(set(expected) - set(seen)) == [], "the matrix names routes that no longer exist"
    wrong = {name: (expected[name], row) for name, row in seen.items() if expected[name] != row}
    assert wrong == {}, "answers differ from the matrix (expected, got):\n" + pprint.pformat(wrong, width=200)
    assert leaks == [], "unit B's answer on A's objects differs from the answer for a missing id"
    assert not any(status >= 500 for row in seen.values() for status in row.values())


def _write(seen: dict[str, dict[str, int]]) -> None:
    text = MATRIX_FILE.read_text(encoding="utf-8")
    head = text.split("MATRIX = ")[0]
    lines = ["MATRIX = {"]
    for name in sorted(seen):
        lines.append(f'    "{name}": ({", ".join(str(seen[name][role]) for role in ROLES)}),')
    lines.append("}")
    MATRIX_FILE.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", str(MATRIX_FILE)], check=False)
