"""One problem shape: every error, from any layer, has a ``code`` and a ``type`` naming it."""

from __future__ import annotations

import pytest

from empower_api.errors import STATUS_CODES, problem
from tests.conftest import assert_problem


@pytest.mark.parametrize("method,path,status,code", [
    ("get", "/api/v1/no-such-thing", 404, "not_found"),
    ("get", "/nowhere", 404, "not_found"),
    ("delete", "/api/v1/auth/login", 405, "method_not_allowed"),
    ("get", "/api/v1/me", 401, "unauthorized"),
])
def test_framework_errors_have_code_and_type(client, method, path, status, code):
    body = assert_problem(getattr(client, method)(path), status)
    assert body["code"] == code
    assert body["type"] == f"/problems/{code}"


def test_unsupported_media_type_has_code(client):
    response = client.post("/api/v1/auth/login", data="login=x", content_type="text/plain")
    assert assert_problem(response, 415)["code"] == "unsupported_media_type"


def test_payload_too_large_has_code(client):
    response = client.post("/api/v1/auth/login", data="x" * (1024 * 1024 + 1),
                           content_type="application/json")
    assert assert_problem(response, 413)["code"] == "payload_too_large"


@pytest.mark.parametrize("status", sorted(STATUS_CODES))
def test_problem_without_code_takes_the_status_code(app, status):
    with app.test_request_context():
        body = problem(status).get_json()
    assert body["code"] == STATUS_CODES[status]
    assert body["type"] == f"/problems/{STATUS_CODES[status]}"
