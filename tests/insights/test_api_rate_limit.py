"""The API counts requests per token (API_RATE_LIMIT, default 120 per minute): beyond it a 429 in Vietnamese JSON
with Retry-After, for every client of that token and for that token only."""

from __future__ import annotations

import pytest

from tests.insights.test_api import issue_token


@pytest.fixture
def limited(app, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    return issue_token(world, "Cổng thông tin tỉnh"), issue_token(world, "Ứng dụng thống kê")


def _get(app, token: str | None, path: str = "/api/v1/years"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get(path, headers=headers)


def test_the_default_allowance(app):
    assert app.config["API_RATE_LIMIT"] == "120 per minute"


def test_a_token_beyond_its_allowance_gets_a_vietnamese_429_with_retry_after(app, limited):
    portal, _ = limited
    for _ in range(3):
        assert _get(app, portal).status_code == 200
    response = _get(app, portal, "/api/v1/units/A/results")  # any route of the API: one allowance per token
    assert response.status_code == 429
    assert response.is_json
    assert response.json["error"].startswith("Mã truy cập này đã gửi quá nhiều yêu cầu")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers.get("Set-Cookie") is None


def test_the_allowance_is_per_token_not_per_client(app, limited):
    portal, statistics = limited
    for _ in range(3):
        _get(app, portal)
    assert _get(app, portal).status_code == 429  # a fresh client, the same token
    assert _get(app, statistics).status_code == 200  # another token from the same address


def test_the_public_document_and_missing_tokens_are_not_counted(app, limited):
    portal, _ = limited
    for _ in range(5):
        assert _get(app, None, "/api/v1/openapi.json").status_code == 200
        assert _get(app, None).status_code == 401
    assert _get(app, portal).status_code == 200


def test_the_document_announces_the_429(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path, item in paths.items():
        if path != "/api/v1/openapi.json":
            assert "Retry-After" in item["get"]["responses"]["429"]["headers"], path
