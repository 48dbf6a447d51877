"""Browser-facing headers: CSP, framing, referrer, HSTS in production, CORS by list."""

from __future__ import annotations

from flask import Response

from empower_api import create_app
from empower_api.security.headers import DATA_POLICY, HTML_POLICY
from tests.conftest import make_config


def test_json_responses_forbid_framing_and_loading(client):
    response = client.get("/healthz")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == DATA_POLICY
    assert "Strict-Transport-Security" not in response.headers  # not in development/testing


def test_the_docs_page_keeps_a_strict_policy_without_inline_script(client):
    response = client.get("/docs")
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_any_html_page_gets_the_strict_policy(database_url):
    app = create_app(make_config(DATABASE_URL=database_url))
    app.add_url_rule("/page-for-test", "page_for_test",
                     lambda: Response("<p>hello</p>", mimetype="text/html"))
    response = app.test_client().get("/page-for-test")
    assert response.headers["Content-Security-Policy"] == HTML_POLICY
    assert "'unsafe-inline'" not in HTML_POLICY and "script-src 'self'" in HTML_POLICY


def test_problem_responses_carry_the_headers_too(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_in_production(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, EMPOWER_ENV="production"))
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_no_cors_headers_by_default(client):
    response = client.get("/api/v1/jobs", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/api/v1/jobs", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_only_for_listed_origins(database_url):
    app = create_app(make_config(DATABASE_URL=database_url,
                                 CORS_ORIGINS=["https://app.empower.example"]))
    client = app.test_client()
    allowed = client.options("/api/v1/me", headers={
        "Origin": "https://app.empower.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.empower.example"
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    other = client.get("/api/v1/jobs", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_origins_are_read_from_the_environment():
    from empower_api.config import build_config

    config = build_config("/tmp/empower-cors-test", environ={
        "CORS_ORIGINS": "https://a.example/, https://b.example", "EMPOWER_ENV": "testing",
        "SECRET_KEY": "s", "JWT_SECRET_KEY": "j", "PII_ENCRYPTION_KEYS": "k",
        "PII_INDEX_KEY": "i"})
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert build_config("/tmp/empower-cors-test", environ={
        "EMPOWER_ENV": "testing", "SECRET_KEY": "s", "JWT_SECRET_KEY": "j",
        "PII_ENCRYPTION_KEYS": "k", "PII_INDEX_KEY": "i"})["CORS_ORIGINS"] == []
