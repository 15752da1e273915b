"""The read-only JSON API (/api/v1): published results per year and per unit, the list of years, and its OpenAPI 3.1
document. Authenticated by bearer tokens that an administrator issues (tokens.py); a token reads only its
authority's published results. No cookies are used, so the blueprint is exempt from CSRF.

Points are strings with two decimals ("85.50"): JSON numbers would be read as binary floats.
"""

from __future__ import annotations

import unicodedata

from flask import Blueprint, current_app, g, jsonify, request

from dvcq.insights import mergers, services, tokens
from dvcq.insights.openapi import CODE_MAX, YEAR_MAX, YEAR_MIN, document
from dvcq.insights.tables import rank_label
from dvcq.platform.collation import vn_key, vn_sorted
from dvcq.platform.extensions import limiter
from dvcq.platform.tenancy import Scope, reset_scope, set_scope
from dvcq.tenants.models import Unit

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}


def _bearer() -> str:
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _token_key() -> str:
    """Requests are counted per token (its hash, as stored): every client of one token shares its allowance."""
    return "api-token:" + tokens.digest(_bearer())


def _unlimited() -> bool:
    # The public document and requests without a token (a 401 that touches no table) are not counted.
    return request.endpoint in PUBLIC_ENDPOINTS or not _bearer()


limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"],
    "api-token",
    key_func=_token_key,
    exempt_when=_unlimited,
    error_message="Mã truy cập này đã gửi quá nhiều yêu cầu. Vui lòng đợi theo tiêu đề Retry-After rồi thử lại.",
)(bp)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token, problem = tokens.authenticate(request.headers.get("Authorization"))
    if token is None:
        response = jsonify(error=problem, problems=[])
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="dvcq-api"'
        return response
    g.api_authority_id = token.authority_id
    g._api_scope_token = set_scope(Scope(authority_id=token.authority_id))
    return None


@bp.teardown_request
def _reset(exc=None):
    token = g.pop("_api_scope_token", None)
    if token is not None:
        reset_scope(token)


@bp.after_request
def _no_store(response):
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def _points(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def result_json(row) -> dict:
    """One published result as the API shows it (the same fields for a year's list and a unit's history)."""
    gap = None
    if row["self_total"] is not None and row["appraised_total"] is not None:
        gap = row["self_total"] - row["appraised_total"]
    return {
        "year": int(row["year"]),
        "unit_code": row["unit_code"],
        "unit_name": row["unit_name"],
        "group": row["group_name"],
        "self_total": _points(row["self_total"]),
        "appraised_total": _points(row["appraised_total"]),
        "difference": _points(gap),
        "level_order": None if row["level_order"] is None else int(row["level_order"]),
        "level_name": row["level_name"] or None,
        "disqualified": bool(row["disqualified"]),
        "rank": None if row["rank"] is None else int(row["rank"]),
        "rank_of": None if row["rank_of"] is None else int(row["rank_of"]),
        "rank_label": rank_label(row["rank"], row["rank_of"]) or None,
        "by_area": {code: _points(v) for code, v in sorted(row["by_area"].items())},
        "source": row["source"],
        "campaign_id": None if row["campaign_id"] is None else int(row["campaign_id"]),
    }


def _not_found(message: str):
    response = jsonify(error=message, problems=[])
    response.status_code = 404
    return response


@bp.get("/years")
def years():
    frame = services.results_frame(g.api_authority_id)
    out = []
    for year, part in frame.groupby("year", sort=True):
        sources = set(part["source"])
        campaigns = {int(c) for c in part["campaign_id"] if c is not None}
        out.append(
            {
                "year": int(year),
                "units": len(part),
                "groups": vn_sorted({x for x in part["group_name"] if x}),
                "source": sources.pop() if len(sources) == 1 else "mixed",
                "campaign_id": campaigns.pop() if len(campaigns) == 1 else None,
            }
        )
    return jsonify(years=out)


@bp.get("/years/<int:year>/results")
def year_results(year: int):
    if not YEAR_MIN <= year <= YEAR_MAX:
        return _not_found(f"Không có kết quả đã công bố của năm {year}.")
    frame = services.results_frame(g.api_authority_id)
    part = frame[frame["year"] == year]
    if part.empty:
        return _not_found(f"Không có kết quả đã công bố của năm {year}.")
    group = request.args.get("group")
    if group:
        part = part[part["group_name"] == group]
    rows = sorted(
        (result_json(r) for _, r in part.iterrows()),
        key=lambda r: (vn_key(r["group"]), r["rank"] is None, r["rank"] or 0, vn_key(r["unit_name"]), r["unit_code"]),
    )
    return jsonify(year=year, group=group or None, results=rows)


def _valid_code(code: str) -> bool:
    return 0 < len(code) <= CODE_MAX and not any(unicodedata.category(ch).startswith("C") for ch in code)


@bp.get("/units/<code>/results")
def unit_results(code: str):
    missing = f"Không tìm thấy đơn vị có mã «{code[:CODE_MAX]}»."
    if not _valid_code(code):
        return _not_found(missing)
    unit = _unit_by_code(code)
    if unit is None:
        return _not_found(missing)
    lineage = mergers.predecessors_map([unit.id]).get(unit.id, [])
    frame = mergers.history_frame(unit.id, lineage)
    own = frame[frame["unit_id"] == unit.id]
    return jsonify(
        unit={
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind.value,
            "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        },
        results=[result_json(r) for _, r in own.sort_values("year").iterrows()],
        predecessors=[
            {
                "code": p.code,
                "name": p.name,
                "effective_on": p.effective_on.isoformat(),
                "results": [
                    result_json(r) for _, r in frame[frame["unit_id"] == p.unit_id].sort_values("year").iterrows()
                ],
            }
            for p in lineage
        ],
    )


def _unit_by_code(code: str) -> Unit | None:
    """A member unit of the token's authority; any other code is as missing as one that does not exist."""
    return services.member_unit(g.api_authority_id, code)


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
