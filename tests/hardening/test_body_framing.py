"""Issue #8 point 8: every body passes the same checks whether it came with a
Content-Length or chunked, and nothing earlier refused can cause a 5xx either way."""

from __future__ import annotations

import io
import json

import pytest

from empower_api.inputs import MAX_DEPTH, find_problem
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor

API = "/api/v1"
JSON = "application/json"


def _deep(levels: int) -> bytes:
    return ('{"city": ' + '{"x": ' * levels + "1" + "}" * levels + "}").encode()


# (name, raw body, content type, status, field named in the problem)
REFUSED_BODIES = [
    ("lone surrogate", b'{"city": "a\\ud800b"}', JSON, 422, "city"),
    ("NUL", b'{"city": "a\\u0000b"}', JSON, 422, "city"),
    ("control character in a key", b'{"ci\\u0007ty": "x"}', JSON, 422, None),
    ("100,000-deep JSON", b"[" * 100_000, JSON, 400, None),
    ("deep but parseable", _deep(MAX_DEPTH + 2), JSON, 422, None),
    ("5,000-digit integer", b'{"city": ' + b"9" * 5000 + b"}", JSON, 400, None),
    ("integer wider than any column", b'{"city": ' + b"9" * 30 + b"}", JSON, 422, "city"),
    ("float that overflows", b'{"city": 1e400}', JSON, 422, "city"),
    ("NaN", b'{"city": NaN}', JSON, 400, None),
    ("invalid UTF-8", b'{"city": "\xff\xfe"}', JSON, 400, None),
    ("not JSON", b"{city: x", JSON, 400, None),
    ("text/plain", b'{"city": "Oakland"}', "text/plain", 415, None),
    ("form", b"city=Oakland", "application/x-www-form-urlencoded", 415, None),
    ("no content type", b'{"city": "Oakland"}', None, 415, None),
    ("over the size limit", b'{"city": "' + b"a" * (1024 * 1024 + 10) + b'"}', JSON, 413, None),
]


def _send(client, method: str, path: str, raw: bytes, content_type: str | None, chunked: bool):
    headers = {} if content_type is None else {"Content-Type": content_type}
    if not chunked:
        return client.open(path, method=method, data=raw, headers=headers)
    # No Content-Length; the server says the stream ends where the chunks end (as
    # gunicorn and werkzeug's server do for Transfer-Encoding: chunked).
    return client.open(path, method=method, input_stream=io.BytesIO(raw),
                       headers={**headers, "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("name,raw,content_type,status,field", REFUSED_BODIES,
                         ids=[b[0] for b in REFUSED_BODIES])
def test_refused_bodies_are_refused_however_framed(session, auth_client, chunked, name, raw,
                                                   content_type, status, field):
    client = auth_client(make_survivor(session))
    response = _send(client, "PATCH", f"{API}/me", raw, content_type, chunked)
    assert_problem(response, status, field=field)
    assert client.get(f"{API}/me").get_json()["city"] is None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("name,raw,content_type,status,field", REFUSED_BODIES,
                         ids=[b[0] for b in REFUSED_BODIES])
def test_refused_bodies_on_a_public_endpoint(client, chunked, name, raw, content_type, status,
                                            field):
    response = _send(client, "POST", f"{API}/auth/login", raw, content_type, chunked)
    assert response.status_code < 500
    assert response.status_code == (status if field is None else 422)


def test_a_good_chunked_body_is_read(session, auth_client):
    client = auth_client(make_survivor(session))
    response = _send(client, "PATCH", f"{API}/me", json.dumps({"city": "Oakland"}).encode(),
                     JSON, chunked=True)
    assert response.status_code == 200 and response.get_json()["city"] == "Oakland"


def test_an_empty_chunked_body_is_no_body(session, auth_client):
    client = auth_client(make_survivor(session))
    response = _send(client, "POST", f"{API}/auth/logout", b"", None, chunked=True)
    assert response.status_code == 204


def test_numbers_too_large_for_any_column_are_found():
    assert find_problem({"amount": 2**63}) == ("amount", "This number is too large.")
    assert find_problem({"amount": 2**63 - 1}) is None
    assert find_problem({"flag": True}) is None


def test_a_compressed_body_is_refused_clearly(client):
    import gzip
    import json as jsonlib

    body = gzip.compress(jsonlib.dumps({"mode": "anonymous"}).encode())
    for payload in (body, b'{"mode": "anonymous"}'):
        response = client.post("/api/v1/auth/register", data=payload, headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert response.status_code == 415, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        assert "Content-Encoding" in response.get_json()["detail"]
