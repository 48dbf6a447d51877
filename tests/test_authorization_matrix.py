"""Authorization matrix over every route the app serves.

Walks the URL map, so a new endpoint that forgets its auth decorator fails here:
- anonymous callers get 401 from everything not listed as public;
- survivors and employers get 403 from every ``/staff/*`` endpoint;
- staff get 403 from admin-only endpoints.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.factories.accounts import make_employer_user, make_staff, make_survivor

# (method, rule) pairs reachable without a token. Everything else needs one.
PUBLIC = {
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/docs"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/recover"), ("POST", "/api/v1/auth/login/mfa"),
    # Jobs: public browsing (no account needed) and employer profiles while vetted.
    ("GET", "/api/v1/jobs"), ("GET", "/api/v1/jobs/<uuid:job_id>"),
    ("GET", "/api/v1/jobs/<uuid:job_id>/jsonld"), ("GET", "/api/v1/employers/<uuid:employer_id>"),
    ("GET", "/api/v1/job-categories"),
    # Training: the catalog, credential verification, status lists and issuer identity.
    ("GET", "/api/v1/courses"), ("GET", "/api/v1/courses/<uuid:course_id>"),
    ("POST", "/api/v1/credentials/verify"), ("GET", "/api/v1/credentials/status/<uuid:list_id>"),
    ("GET", "/.well-known/jwks.json"), ("GET", "/.well-known/did.json"),
    # Stripe calls it; the Stripe-Signature header is its credential.
    ("POST", "/api/v1/webhooks/stripe"),
    # Aggregate, suppressed figures for anyone.
    ("GET", "/api/v1/impact"),
    # How enum values read, in every language (no personal data).
    ("GET", "/api/v1/labels"),
}
ADMIN_ONLY = {("GET", "/api/v1/staff/audit-log"), ("GET", "/api/v1/admin/grievances"),
              ("GET", "/api/v1/admin/grievances/<uuid:grievance_id>"),
              ("PATCH", "/api/v1/admin/grievances/<uuid:grievance_id>")}


# The staff console (HTML) has its own cookie session, never a token: signed out, its one
# open page is the sign-in form; other pages send the browser there; every form post
# without the session's CSRF token is a 400. Bearer tokens change none of that.
CONSOLE_OPEN = {("GET", "/console")}
CONSOLE_ADMIN_ONLY = {("GET", "/console/audit")}


def console_endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint != "console.static":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def all_endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/static") or "/docs/" in rule.rule \
                or rule.endpoint.startswith("console."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule


def concrete(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", lambda _m: str(uuid.uuid4()), rule)


def call(client, method, rule):
    return client.open(concrete(rule), method=method, json={})


def test_every_non_public_endpoint_needs_a_token(app, client):
    offenders = []
    for method, rule in all_endpoints(app):
        if (method, rule) in PUBLIC:
            continue
        status = call(client, method, rule).status_code
        if status != 401:
            offenders.append((method, rule, status))
    assert not offenders, f"reachable without a token: {offenders}"


@pytest.mark.parametrize("maker", [make_survivor, make_employer_user], ids=["survivor", "employer"])
def test_staff_endpoints_refuse_other_roles(app, session, auth_client, maker):
    client = auth_client(maker(session))
    offenders = []
    for method, rule in all_endpoints(app):
        if not rule.startswith("/api/v1/staff/"):
            continue
        status = call(client, method, rule).status_code
        if status != 403:
            offenders.append((method, rule, status))
    assert not offenders, f"staff endpoints not refused: {offenders}"


def test_admin_endpoints_refuse_staff(app, session, auth_client):
    client = auth_client(make_staff(session))
    for method, rule in ADMIN_ONLY:
        assert call(client, method, rule).status_code == 403, rule


def test_public_list_names_real_routes(app):
    served = set(all_endpoints(app))
    core = {p for p in PUBLIC if "/jobs" not in p[1] and "/employers" not in p[1]}
    assert core <= served, core - served


def console_expectation(method, rule):
    if (method, rule) in CONSOLE_OPEN:
        return 200
    return 303 if method == "GET" else 400


@pytest.mark.parametrize("maker", [None, make_survivor, make_employer_user, make_staff],
                         ids=["anonymous", "survivor", "employer", "staff"])
def test_console_routes_open_only_with_the_console_session(app, session, auth_client, client,
                                                           maker):
    caller = auth_client(maker(session)) if maker else client
    offenders = []
    for method, rule in console_endpoints(app):
        response = caller.open(concrete(rule), method=method, data={})
        if response.status_code != console_expectation(method, rule):
            offenders.append((method, rule, response.status_code))
    assert not offenders, f"console routes answering otherwise: {offenders}"


def test_console_admin_pages_are_real_routes(app):
    assert set(console_endpoints(app)) >= CONSOLE_ADMIN_ONLY | CONSOLE_OPEN
