"""Issue #8 points 10 and 14: one time format across every domain (UTC, ``Z``, whole
seconds, offsets converted first) and ``no-store`` on every response that is not
explicitly public."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.accounts.test_auth_api import API, register_anonymous
from tests.factories.accounts import make_admin
from tests.factories.jobs import job_payload, make_employer, owner_of
from tests.savings.conftest import circle  # noqa: F401  (fixture)
from tests.savings.helpers import approve, ok, request_loan

RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
TIME_KEYS = re.compile(r"(_at|_until|_through|^datePosted|^validThrough)$")


def _times(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, string) in a JSON document that is a datetime or is named like one."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            child = f"{path}.{key}"
            if isinstance(inner, str) and (TIME_KEYS.search(key) or
                                           LOOKS_LIKE_A_TIME.match(inner)):
                found.append((child, inner))
            else:
                found.extend(_times(inner, child))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(_times(inner, f"{path}.{index}"))
    elif isinstance(value, str) and LOOKS_LIKE_A_TIME.match(value):
        found.append((path, value))
    return found


def test_an_offset_is_converted_before_it_is_echoed(session, auth_client):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    created = client.post(f"{API}/jobs", json=job_payload(
        employer.id, valid_through="2027-03-14T02:30:00-08:00"))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["valid_through"] == "2027-03-14T10:30:00Z"
    job_id = created.get_json()["id"]
    again = client.get(f"{API}/jobs/{job_id}").get_json()
    assert again["valid_through"] == "2027-03-14T10:30:00Z"
    changed = client.patch(f"{API}/jobs/{job_id}",
                           json={"valid_through": "2027-03-15T05:00:00+05:30"})
    assert changed.get_json()["valid_through"] == "2027-03-14T23:30:00Z"
    jsonld = client.get(f"{API}/jobs/{job_id}/jsonld").get_json()
    assert jsonld["validThrough"] == "2027-03-14T23:30:00Z"


def test_every_datetime_in_every_domain_has_one_format(
        session, auth_client, client, circle):  # noqa: F811
    responses: dict[str, Any] = {}
    registered = register_anonymous(client, alias="timecheck1").get_json()
    me = auth_client(circle.users["cleo"])
    for path in ("/me", "/me/sessions", "/me/export"):
        responses[path] = ok(me.get(f"{API}{path}"))

    employer = make_employer(session)
    owner = auth_client(owner_of(session, employer))
    job = ok(owner.post(f"{API}/jobs", json=job_payload(
        employer.id, valid_through="2027-03-14T02:30:00-08:00")), 201)
    responses["POST /jobs"] = job
    for path in (f"/jobs/{job['id']}", f"/jobs/{job['id']}/jsonld", "/jobs",
                 f"/employers/{employer.id}", f"/employers/{employer.id}/members",
                 f"/employers/{employer.id}/jobs"):
        responses[path] = ok(owner.get(f"{API}{path}"))
    assert me.put(f"{API}/me/saved-jobs/{job['id']}").status_code == 204
    responses["saved"] = ok(me.get(f"{API}/me/saved-jobs"))

    for _ in range(2):
        ok(circle.chair.post(f"/api/v1/savings/groups/{circle.gid}/transactions", json={
            "client_id": str(uuid.uuid4()), "meeting_id": circle.meeting_id,
            "member_id": circle.member_id, "type": "share_purchase", "shares": 2}), 201)
    loan = ok(request_loan(circle.member, circle.gid, 500), 201)
    responses["loan"] = loan
    responses["approved"] = ok(approve(circle.chair, circle.gid, loan["id"]))
    group = f"/api/v1/savings/groups/{circle.gid}"
    for path in ("", "/ledger", "/meetings", "/loans", "/transactions",
                 f"/members/{circle.member_id}/statement"):
        response = circle.chair.get(f"{group}{path}")
        if response.status_code == 200:
            responses[f"savings{path}"] = response.get_json()
    responses["export after savings"] = ok(me.get(f"{API}/me/export"))

    staff = auth_client(make_admin(session))
    responses["audit"] = ok(staff.get(f"{API}/staff/audit-log"))
    assert registered

    found = [(name, path, value) for name, body in responses.items()
             for path, value in _times(body)]
    names = {name for name, _path, _value in found}
    # The walk sees times in each domain: accounts, jobs (incl. JSON-LD), savings, audit.
    assert {"/me", "/me/sessions", "/me/export", "POST /jobs", f"/jobs/{job['id']}/jsonld",
            "loan", "audit", "saved"} <= names, names
    wrong = [(name, path, value) for name, path, value in found
             if value is not None and not RFC3339_UTC.fullmatch(value)]
    assert wrong == []


# --- 14. no-store -----------------------------------------------------------------------


def test_token_responses_without_authorization_are_never_cached(client):
    registered = register_anonymous(client, alias="cachecheck1")
    assert registered.headers["Cache-Control"] == "no-store"
    body = registered.get_json()
    login = client.post(f"{API}/auth/login", json={"login": "cachecheck1",
                                                   "password": "river-stone-lantern"})
    assert login.status_code == 200 and login.headers["Cache-Control"] == "no-store"
    refreshed = client.post(f"{API}/auth/refresh",
                            headers={"Authorization": f"Bearer {body['refresh_token']}"})
    assert refreshed.headers["Cache-Control"] == "no-store"
    recovered = client.post(f"{API}/auth/recover", json={
        "alias": "cachecheck1", "recovery_code": body["recovery_codes"][0],
        "new_password": "another-long-phrase"})
    assert recovered.status_code == 200 and recovered.headers["Cache-Control"] == "no-store"
    failed = client.post(f"{API}/auth/login", json={"login": "x", "password": "y" * 12})
    assert failed.status_code == 401 and failed.headers["Cache-Control"] == "no-store"


def test_only_views_that_say_so_are_cacheable(client):
    public = client.get(f"{API}/jobs")
    assert public.headers["Cache-Control"] == "no-cache"  # revalidate with the ETag
    for path in ("/healthz", f"{API}/openapi.json", f"{API}/nowhere"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
