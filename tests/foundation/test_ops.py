"""Health, readiness, docs, request ids and the OpenAPI document."""

from __future__ import annotations

import pytest

from empower_api import create_app
from tests.conftest import assert_problem, make_config


def test_healthz_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_ok_when_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_503_when_database_unreachable():
    # Nothing listens on port 1: the connection is refused at once.
    app = create_app(make_config(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    body = assert_problem(client.get("/readyz"), 503)
    assert "127.0.0.1" not in body["detail"]


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["X-Request-ID"] != "bad id with spaces"
    assert len(generated.headers["X-Request-ID"]) == 32


def test_openapi_document_is_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/auth/register" in spec["paths"]


def test_docs_ui_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.get_data(as_text=True).lower()


def test_metrics_are_exposed(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "empower_http_requests_total" in response.get_data(as_text=True)


def test_responses_are_gzipped_when_asked(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/api/v1/openapi.json")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]


@pytest.mark.parametrize("refusal", ["gzip;q=0", "identity;q=1, gzip;q=0.5", "*;q=0",
                                     "identity, *"])
def test_a_client_that_refuses_gzip_gets_plain_json(client, refusal):
    # RFC 9110 §12.4.2: q=0 means "not acceptable" (flask-compress alone would gzip).
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": refusal})
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["openapi"]
    assert "Accept-Encoding" in response.headers["Vary"]


def test_signed_in_responses_are_never_cached(session, auth_client):
    from tests.factories.accounts import make_survivor

    response = auth_client(make_survivor(session)).get("/api/v1/me")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_oversized_body_is_413(client):
    from tests.conftest import assert_problem

    response = client.post("/api/v1/auth/login", data="x" * (1024 * 1024 + 10),
                           content_type="application/json")
    assert_problem(response, 413)
