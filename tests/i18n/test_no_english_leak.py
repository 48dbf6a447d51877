"""No English reaches someone who asked for another language.

Every kind of error is requested in English and in each shipped locale: the
``title``, ``detail`` and ``errors`` messages must differ from the English, while
``code``, ``type``, ``status`` and field names stay exactly the same. Statuses no
request here can reach are rendered directly, so every code of ``errors.py`` is covered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.exceptions import TooManyRequests

from empower_api.errors import STATUS_CODES, handle_http_exception, handle_unexpected, problem
from empower_api.i18n import shipped_locales
from empower_api.idempotency import HEADER, IdempotencyRecord
from tests.factories.accounts import make_staff, make_survivor

LOCALES = shipped_locales()[1:]
API = "/api/v1"


def _register(alias: str, **extra: Any) -> dict[str, Any]:
    return {"mode": "anonymous", "alias": alias, "password": "correct horse battery", **extra}


Request = Callable[[Any, dict[str, str]], Any]


def kinds(session, client, auth_client) -> dict[str, tuple[int, Request]]:
    """name -> (status, call(client, headers)); built per test (users and records)."""
    survivor = auth_client(make_survivor(session))
    staff_user = make_staff(session)
    staff = auth_client(staff_user)
    session.commit()
    taken = f"taken{uuid.uuid4().hex[:8]}"
    client.post(f"{API}/auth/register", json=_register(taken))
    mark_paid = f"{API}/staff/disbursements/{uuid.uuid4()}/mark-paid"
    session.add(IdempotencyRecord(
        user_id=staff_user.id, key="used-key", request_hash="0" * 64, status=200, body="{}",
        scope="POST /api/v1/staff/disbursements/<uuid:disbursement_id>/mark-paid",
        content_type="application/json"))
    session.commit()
    return {
        "unknown route": (404, lambda c, h: c.get(f"{API}/no-such-thing", headers=h)),
        "unknown object": (404, lambda c, h: c.get(f"{API}/jobs/{uuid.uuid4()}", headers=h)),
        "method not allowed": (405, lambda c, h: c.delete(f"{API}/job-categories", headers=h)),
        "missing token": (401, lambda c, h: c.get(f"{API}/me", headers=h)),
        "invalid token": (401, lambda c, h: c.get(
            f"{API}/me", headers={**h, "Authorization": "Bearer not-a-token"})),
        "wrong role": (403, lambda _c, h: survivor.get(f"{API}/staff/employers",
                                                       headers=h)),
        "missing access reason": (428, lambda _c, h: staff.get(
            f"{API}/staff/users/{uuid.uuid4()}", headers=h)),
        "marshmallow: required and unknown": (422, lambda c, h: c.post(
            f"{API}/auth/register", json={"surprise": 1}, headers=h)),
        "marshmallow: type and length": (422, lambda c, h: c.post(
            f"{API}/auth/register", json=_register("a" * 41, device_label=7), headers=h)),
        "marshmallow: query integer": (422, lambda c, h: c.get(f"{API}/jobs?limit=many",
                                                              headers=h)),
        "custom validator message": (422, lambda c, h: c.post(
            f"{API}/auth/register", json=_register("someone", role="admin"), headers=h)),
        "service rule": (422, lambda c, h: c.post(
            f"{API}/auth/register", json=_register("someone", password="short"), headers=h)),
        "control characters": (422, lambda c, h: c.post(
            f"{API}/auth/register", json=_register("some\x00one"), headers=h)),
        "conflict": (409, lambda c, h: c.post(f"{API}/auth/register", json=_register(taken),
                                              headers=h)),
        "idempotency key reused": (422, lambda _c, h: staff.post(
            mark_paid, json={"reference": "x"}, headers={**h, HEADER: "used-key"})),
        "idempotency key unprintable": (422, lambda _c, h: staff.post(
            mark_paid, json={"reference": "x"}, headers={**h, HEADER: "k" * 300})),
        "malformed json": (400, lambda c, h: c.post(
            f"{API}/auth/login", data=b"{not json", headers={
                **h, "Content-Type": "application/json"})),
        "not json": (415, lambda c, h: c.post(
            f"{API}/auth/login", data=b"login=x", headers={
                **h, "Content-Type": "application/x-www-form-urlencoded"})),
        "compressed body": (415, lambda c, h: c.post(
            f"{API}/auth/login", data=b"{}", headers={
                **h, "Content-Type": "application/json", "Content-Encoding": "gzip"})),
        "body too large": (413, lambda c, h: c.post(
            f"{API}/auth/login", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
            headers={**h, "Content-Type": "application/json"})),
        "chunked body too large": (413, lambda c, h: c.post(
            f"{API}/auth/login", input_stream=_chunks(1024 * 1024 + 10),
            headers={**h, "Content-Type": "application/json",
                     "Transfer-Encoding": "chunked"})),
    }


def _chunks(size: int) -> Any:
    import io

    return io.BytesIO(b"{" + b" " * size + b"}")


def _messages(body: dict[str, Any]) -> list[str]:
    return [body["title"], body["detail"],
            *[m for messages in body.get("errors", {}).values() for m in messages]]


def test_every_error_kind_speaks_every_locale(session, client, auth_client):
    failures = []
    for name, (status, call) in kinds(session, client, auth_client).items():
        english = call(client, {"Accept-Language": "en"})
        assert english.status_code == status, (name, english.get_json())
        english_body = english.get_json()
        for locale in LOCALES:
            response = call(client, {"Accept-Language": locale})
            body = response.get_json()
            assert response.status_code == status, (name, locale, body)
            assert response.headers["Content-Language"] == locale, (name, locale)
            for key in ("code", "type", "status"):
                assert body[key] == english_body[key], (name, locale, key)
            assert set(body.get("errors", {})) == set(english_body.get("errors", {})), name
            leaked = [text for text, english_text in zip(
                _messages(body), _messages(english_body), strict=True)
                if text == english_text]
            if leaked:
                failures.append((name, locale, leaked))
    assert not failures, failures


# Statuses no request above reaches: rendered as the app renders them.
RENDERED: dict[int, Callable[[], Any]] = {
    429: lambda: handle_http_exception(TooManyRequests()),
    500: lambda: handle_unexpected(RuntimeError("boom")),
}


def test_every_status_of_errors_py_has_a_title_and_detail_in_every_locale(app):
    for status in STATUS_CODES:
        render = RENDERED.get(status, lambda status=status: problem(status))
        with app.test_request_context(headers={"Accept-Language": "en"}):
            english = render().get_json()
        for locale in LOCALES:
            with app.test_request_context(headers={"Accept-Language": locale}):
                body = render().get_json()
            assert body["code"] == english["code"] and body["type"] == english["type"]
            assert body["title"] != english["title"], (status, locale)
            assert body["detail"] != english["detail"], (status, locale)


def test_the_kinds_requested_cover_the_statuses_clients_meet(session, client, auth_client):
    requested = {status for status, _call in kinds(session, client, auth_client).values()}
    reachable = {400, 401, 403, 404, 405, 409, 413, 415, 422, 428}
    assert reachable <= requested
    assert set(STATUS_CODES) >= requested | set(RENDERED)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_sync_item_rejected_inside_a_200_speaks_the_locale(app, locale):
    from empower_api.savings.service import not_processed

    with app.test_request_context(headers={"Accept-Language": locale}):
        detail = not_processed([{"client_id": "x"}])[0].error["detail"]
    assert detail != "Send this item again."
