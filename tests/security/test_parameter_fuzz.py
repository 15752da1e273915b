"""Ids and malformed parameters never answer 500 (issue 14): every route of `app.url_map`, every method, as every role
of the authorization matrix, with out-of-range and malformed values in the path, the query string, the form and a
JSON body. An id that cannot exist answers 404; a malformed field 400 (in Vietnamese) or whatever the form answers to
a bad value — never a 500, never an exception.

The field names tried are every name the code reads from a request (request.args/form/values, a JSON body's `data`)
and every field of every form class, all at once with the same value."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from dvcq.platform.params import ID_MAX
from tests.factories import PASSWORD
from tests.security import authz_matrix
from tests.security.test_authz_matrix import KEEP, _routes, _token, build

DVCQ = Path(__file__).resolve().parents[2] / "dvcq"
BAD = ["9223372036854775808", "18446744073709551616", "-1", "abc", "1e5", "", "9" * 5000]
ROUTED = ("anonymous", "officer_a")  # roles that try out-of-range ids in the path (see below)
_ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")


def _read_names() -> set[str]:
    """String keys the code reads from requests: `request.args.get("nam")`, `request.form.getlist("items")`,
    `data.get("score")` (a JSON body or the form)."""
    names = set()
    for path in DVCQ.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getlist")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                receiver = ast.unparse(node.func.value)
                if receiver.startswith("request.") or receiver in ("data", "values", "form", "raw", "payload"):
                    names.add(node.args[0].value)
    return names


def _form_fields() -> set[str]:
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names |= {name for name, value in vars(form).items() if isinstance(value, UnboundField)}
    return names


def _url(rule, values: dict, bad: tuple[str, str] | None = None) -> str:
    def sub(match):
        name = match.group(2)
        if bad and name == bad[0]:
            return bad[1]
        return str(values[name])

    return _ARGUMENT.sub(sub, rule.rule)


def _ask(client, method: str, url: str, csrf: str, api_token: str | None, **kwargs):
    headers = {"Authorization": f"Bearer {api_token}"} if api_token and url.startswith("/api/") else {}
    if "json" in kwargs:
        headers["X-CSRFToken"] = csrf
    elif method != "GET":
        kwargs["data"] = {"csrf_token": csrf, **kwargs.get("data", {})}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_no_route_answers_500_to_out_of_range_or_malformed_parameters(app, world, make_browser):
    app.config["DECISIONS_PDF"] = False
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    values = build(world)
    fields = sorted((_read_names() | _form_fields()) - {"csrf_token"})
    clients = {}
    for role, key in authz_matrix.ROLES.items():
        browser = make_browser()
        if key:
            assert browser.login(getattr(world, key), PASSWORD).status_code == 302, role
        clients[role] = (browser.client, _token(browser.client), values["api_token"] if key else None)
    routes = list(_routes(app))
    routes.sort(key=lambda r: (r[1] != "GET", r[2].rule in ("/dang-xuat", "/dang-nhap"), r[0]))
    failures = []
    for name, method, rule in routes:
        arguments = [m.group(2) for m in _ARGUMENT.finditer(rule.rule)]
        expected = dict(zip(authz_matrix.ROLES, authz_matrix.MATRIX.get(name, ()), strict=False))
        for role, (client, csrf, api_token) in clients.items():
            # A role the route turns away (403, or the login page) never reaches the view's parsing: one bad value
            # of each kind shows it stays turned away; the roles it serves get them all.
            bad_values = BAD[:1] if expected.get(role) in (302, 403) else BAD
            attempts = []
            for argument in arguments:
                if rule._converters[argument].__class__.__name__ == "IdConverter" and role not in ROUTED:
                    continue  # the converter refuses before any view code runs: the same for every role
                for bad in bad_values:
                    if bad or argument not in KEEP:
                        attempts.append((f"path {argument}={bad[:20]!r}", _url(rule, values, (argument, bad)), {}))
            url = _url(rule, values)
            for bad in bad_values:
                if method == "GET":
                    attempts.append((f"query ={bad[:20]!r}", url, {"query_string": dict.fromkeys(fields, bad)}))
                else:
                    attempts.append((f"form ={bad[:20]!r}", url, {"data": dict.fromkeys(fields, bad)}))
                    attempts.append((f"json ={bad[:20]!r}", url, {"json": dict.fromkeys(fields, bad)}))
            for what, target, kwargs in attempts:
                try:
                    status = _ask(client, method, target, csrf, api_token, **kwargs).status_code
                except Exception as err:  # noqa: BLE001 — every exception is a failure to report, with its route
                    failures.append(f"{name} as {role}, {what}: {type(err).__name__}: {str(err)[:160]}")
                    continue
                if status >= 500:
                    failures.append(f"{name} as {role}, {what}: {status}")
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures[:80])


# ---- the cases the review found, one by one -----------------------------------------------------------------------


def _same_as_missing(browser, url: str, missing: str):
    response, other = browser.get(url), browser.get(missing)
    assert response.status_code == 404 and response.get_data() == other.get_data()


@pytest.mark.parametrize("bad", [str(ID_MAX + 1), str(2**63), str(2**64), "9" * 5000])
def test_an_id_beyond_what_an_id_column_holds_in_the_path_is_missing(world, browser, bad):
    browser.login(world.officer_a)
    _same_as_missing(browser, f"/tu-danh-gia/{bad}", "/tu-danh-gia/987654")
    _same_as_missing(browser, f"/tu-danh-gia/{bad}/muc/1/tai-lieu", "/tu-danh-gia/987654/muc/1/tai-lieu")


def test_the_largest_id_is_routed_and_simply_not_found(world, browser):
    browser.login(world.officer_a)
    _same_as_missing(browser, f"/tu-danh-gia/{ID_MAX}", "/tu-danh-gia/987654")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/ke-hoach/theo-doi?nam=99999999999999999999", "«Năm» phải là số nguyên từ 1 đến 9999."),
        ("/ke-hoach/theo-doi?nam=abc", "«Năm» phải là một số nguyên."),
        ("/ke-hoach/theo-doi.xlsx?nam=1e5", "«Năm» phải là một số nguyên."),
        (f"/tieu-chi/so-sanh?a={2**64}", "«Phiên bản cũ» không hợp lệ."),
        ("/tieu-chi/so-sanh?a=1&b=" + "9" * 5000, "«Phiên bản mới» phải là một số nguyên."),
    ],
)
def test_a_malformed_query_field_is_a_400_in_vietnamese(world, browser, url, says):
    browser.login(world.secretariat)
    response = browser.get(url)
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


def test_ids_in_a_form_that_cannot_exist_are_refused_not_looked_up(world, browser):
    browser.login(world.officer_a)
    for bad in (str(ID_MAX + 1), str(2**63), "-1", "abc", "9" * 5000):
        response = browser.post("/tai-lieu/lien-ket", {"item_id": bad, "evidence_id": "1"})
        assert response.status_code == 400, bad
