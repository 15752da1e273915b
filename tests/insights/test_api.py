"""The read-only API: bearer tokens issued and revoked by an administrator (only a hash stored, shown once), 401 in
Vietnamese without a valid token, a token reads only its authority's published results, and the API agrees with
the pages."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from dvcq.insights import tokens
from dvcq.insights.models import ApiToken
from dvcq.platform.audit import AuditRecord
from dvcq.platform.auth.models import User
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from tests.insights.helpers import table


def issue_token(world, name: str = "Cổng thông tin") -> str:
    with scoped(SYSTEM):
        admin = db.session.execute(select(User).where(User.login == world.admin)).scalar_one()
        _, plain = tokens.issue(admin, name)
    db.session.remove()
    return plain


@pytest.fixture
def api(app, world):
    token = issue_token(world)
    client = app.test_client()

    def get(path: str, token_value: str | None = token):
        headers = {"Authorization": f"Bearer {token_value}"} if token_value else {}
        return client.get(path, headers=headers)

    get.token = token
    return get


# ---- authentication -----------------------------------------------------------------------------------------------


def test_no_token_is_a_401_in_vietnamese(api, history):
    response = api("/api/v1/years", None)
    assert response.status_code == 401
    assert response.json["error"].startswith("Thiếu mã truy cập")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers.get("Set-Cookie") is None


@pytest.mark.parametrize("header", ["Bearer dvcq_sai", "Basic abc", "Bearer "])
def test_a_bad_token_is_a_401(app, world, history, header):
    response = app.test_client().get("/api/v1/years", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.is_json and "mã truy cập" in response.json["error"].lower()


def test_a_revoked_token_is_refused(api, world, browser):
    assert api("/api/v1/years").status_code == 200
    browser.login(world.admin)
    with scoped(SYSTEM):
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    assert browser.post(f"/tong-quan/ma-truy-cap/{token_id}/thu-hoi").status_code == 302
    response = api("/api/v1/years")
    assert response.status_code == 401
    assert response.json["error"] == "Mã truy cập không hợp lệ hoặc đã bị thu hồi."


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(api, history):
    response = api("/api/v1/years")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_last_use_is_recorded(api, history):
    api("/api/v1/years")
    with scoped(SYSTEM):
        assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is not None


# ---- the administrator's screen -------------------------------------------------------------------------------------


def test_administrator_issues_a_token_shown_once_and_stored_as_a_hash(browser, world, app):
    browser.login(world.admin)
    response = browser.post("/tong-quan/ma-truy-cap", {"name": "Cổng thông tin tỉnh"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    plain = re.search(r'data-testid="token-value">([^<]+)<', page).group(1)
    assert "mã chỉ hiện một lần" in page
    with scoped(SYSTEM):
        row = db.session.execute(select(ApiToken)).scalar_one()
        assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert row.name == "Cổng thông tin tỉnh" and row.authority_id == world.district_id
        assert plain not in repr([row.token_hash, row.prefix, row.name])
        actions = db.session.execute(select(AuditRecord.action)).scalars().all()
        assert "api_token.issue" in actions
    again = browser.get("/tong-quan/ma-truy-cap").get_data(as_text=True)
    assert plain not in again and "Cổng thông tin tỉnh" in again
    answer = app.test_client().get("/api/v1/years", headers={"Authorization": f"Bearer {plain}"})
    assert answer.status_code == 200


def test_a_token_needs_a_name(browser, world):
    browser.login(world.admin)
    response = browser.post("/tong-quan/ma-truy-cap", {"name": "   "})
    assert response.status_code == 400
    assert "Vui lòng đặt tên cho mã truy cập" in response.get_data(as_text=True)
    with scoped(SYSTEM):
        assert db.session.execute(select(ApiToken)).first() is None


def test_the_token_form_needs_its_csrf_token(browser, world):
    browser.login(world.admin)
    response = browser.client.post("/tong-quan/ma-truy-cap", data={"name": "X"})
    assert response.status_code == 400
    with scoped(SYSTEM):
        assert db.session.execute(select(ApiToken)).first() is None


@pytest.mark.parametrize("who", ["leadership", "secretariat", "officer_a"])
def test_only_the_administrator_manages_tokens(browser, world, who):
    browser.login(getattr(world, who))
    assert browser.get("/tong-quan/ma-truy-cap").status_code == 403
    assert browser.post("/tong-quan/ma-truy-cap", {"name": "X"}).status_code == 403


def test_revoking_is_audited_and_shown(browser, world):
    issue_token(world, "Báo cáo")
    browser.login(world.admin)
    with scoped(SYSTEM):
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    browser.post(f"/tong-quan/ma-truy-cap/{token_id}/thu-hoi")
    page = browser.get("/tong-quan/ma-truy-cap").get_data(as_text=True)
    assert "Đã thu hồi" in page
    with scoped(SYSTEM):
        assert "api_token.revoke" in db.session.execute(select(AuditRecord.action)).scalars().all()


def test_revoking_a_missing_token_is_a_404(browser, world):
    browser.login(world.admin)
    assert browser.post("/tong-quan/ma-truy-cap/4242/thu-hoi").status_code == 404


# ---- what a token reads ------------------------------------------------------------------------------------------


def test_years_lists_published_years_only(api, history):
    years = api("/api/v1/years").json["years"]
    assert [y["year"] for y in years] == [2022, 2023, 2024, 2025]
    assert years[0]["source"] == "import" and years[0]["campaign_id"] is None
    assert years[-1]["source"] == "campaign" and years[-1]["campaign_id"] == history.campaign_id
    assert years[-1]["units"] == 4 and years[-1]["groups"] == ["Khối cơ quan", "Khối xã"]


def test_year_results_with_exact_points_as_strings(api, history):
    body = api("/api/v1/years/2025/results?group=Khối xã").json
    assert body["year"] == 2025 and body["group"] == "Khối xã"
    first = body["results"][0]
    assert first["unit_code"] == "A"
    assert (first["self_total"], first["appraised_total"], first["difference"]) == ("100.00", "88.00", "12.00")
    assert first["rank_label"] == "01/03" and first["level_name"] == "Hoàn thành tốt nhiệm vụ"
    assert first["by_area"] == {"1": "35.50", "2": "52.50", "T": "0.00"}
    assert [r["unit_code"] for r in body["results"]] == ["A", "B", "M"]


def test_unpublished_and_unknown_years_are_404(api, history):
    for year in (2026, 2030, 1):
        response = api(f"/api/v1/years/{year}/results")
        assert response.status_code == 404, year
        assert response.is_json and response.json["error"].startswith("Không có kết quả đã công bố")
    beyond = api("/api/v1/years/99999999999999999999/results")  # no route takes a number beyond 64 bits (issue 14)
    assert beyond.status_code == 404 and beyond.is_json and beyond.json["error"]


def test_unit_results_include_predecessors(api, history):
    body = api("/api/v1/units/M/results").json
    assert body["unit"]["code"] == "M" and body["unit"]["valid_from"] == "2025-07-01"
    assert [r["year"] for r in body["results"]] == [2025]
    assert [(p["code"], p["effective_on"]) for p in body["predecessors"]] == [
        ("E1", "2025-07-01"),
        ("E2", "2025-07-01"),
    ]
    assert [r["rank_label"] for r in body["predecessors"][0]["results"]] == ["01/04", "01/04", "02/04"]


def test_a_unit_of_another_authority_is_as_missing_as_none(api, history):
    foreign = api("/api/v1/units/F/results")
    missing = api("/api/v1/units/F/results".replace("F", "KHONGCO"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["error"] == "Không tìm thấy đơn vị có mã «F»."
    assert api("/api/v1/units/D/results").status_code == 404  # the authority itself


def test_a_token_of_another_authority_reads_only_its_own(app, world, history):
    from tests import factories as base

    with scoped(SYSTEM):
        from dvcq.platform.auth.models import Role
        from dvcq.tenants.models import Unit

        far_district = db.session.get(Unit, db.session.get(Unit, world.far_id).authority_id)
        admin = base.user("quantri.d2", Role.ADMIN, far_district)
        db.session.commit()
        _, plain = tokens.issue(admin, "Huyện khác")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    years = client.get("/api/v1/years", headers=headers).json["years"]
    assert [(y["year"], y["units"]) for y in years] == [(2025, 1)]
    assert client.get("/api/v1/units/A/results", headers=headers).status_code == 404
    assert [r["unit_code"] for r in client.get("/api/v1/years/2025/results", headers=headers).json["results"]] == ["F"]


def test_the_api_agrees_with_the_profile_and_the_dashboard(api, browser, world, history):
    browser.login(world.leadership)
    profile = table(browser.get(f"/tong-quan/don-vi/{world.a_id}").get_data(as_text=True), "history-table")[1:]
    body = api("/api/v1/units/A/results").json
    by_year = {r["year"]: r for r in body["results"]}
    for year, group, self_total, appraised, level, rank, *_ in profile:
        row = by_year[int(year)]
        assert (row["group"], row["level_name"], row["rank_label"]) == (group, level, rank)
        assert row["self_total"].replace(".", ",") == self_total
        assert row["appraised_total"].replace(".", ",") == appraised
    dashboard = browser.get("/tong-quan/?khoi=tat-ca").get_data(as_text=True)
    shown = {(r[0], r[2]): r for r in table(dashboard, "table-tu-cham-1")[1:]}
    for year in (2022, 2023, 2024, 2025):
        for r in api(f"/api/v1/years/{year}/results").json["results"]:
            cells = shown[(r["unit_name"], str(year))]
            assert cells[3:] == [r[k].replace(".", ",") for k in ("self_total", "appraised_total", "difference")]
    ranks = {r[0]: r for r in table(dashboard, "table-thu-hang-1")[1:]}
    for r in api("/api/v1/years/2024/results").json["results"]:
        assert ranks[r["unit_name"]][4] == r["rank_label"]


def test_openapi_document_describes_every_path_and_the_bearer_scheme(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/api/v1/years",
        "/api/v1/years/{year}/results",
        "/api/v1/units/{code}/results",
        "/api/v1/openapi.json",
    }
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    documented = {p.replace("{year}", "<int:year>").replace("{code}", "<code>") for p in doc["paths"]}
    assert routes == documented
