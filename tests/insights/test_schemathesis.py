"""Schemathesis against /api/v1/openapi.json, through the WSGI app with a valid token: no generated request makes
the server fail, and every answer conforms to the document (status codes, content types, headers, schemas).
Bounded: a few examples per operation, no deadline, no example database."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.insights.test_api import issue_token

EXAMPLES = 25


def test_api_conforms_to_its_openapi_document(app, world, history):
    headers = {"Authorization": f"Bearer {issue_token(world)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/api/v1/years",
        "/api/v1/years/{year}/results",
        "/api/v1/units/{code}/results",
    }  # schemathesis leaves out the document's own path
    # Real data first (generated codes and years seldom hit a published one): the 200 answers conform too.
    by_path = {op.path: op for op in operations}
    known = [
        by_path["/api/v1/years/{year}/results"].Case(path_parameters={"year": 2025}, query={"group": "Khối xã"}),
        by_path["/api/v1/years/{year}/results"].Case(path_parameters={"year": 2022}),
        by_path["/api/v1/units/{code}/results"].Case(path_parameters={"code": "M"}),
        by_path["/api/v1/units/{code}/results"].Case(path_parameters={"code": "A"}),
    ]
    for case in known:
        assert case.call_and_validate(headers=headers).status_code == 200
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers)

        check()
