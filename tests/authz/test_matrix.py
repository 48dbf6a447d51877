"""The authorization matrix: every operation the app serves, called as every kind of
caller, with the status each must get. The source of truth for who may do what.

Callers (columns of ``MATRIX`` in tests/authz/matrix.py), all signed in through the
real log-in endpoints over the committed demo world (tests/factories/world.py):

- ``anonymous``: no token;
- ``survivor``: the demo survivor, who owns the objects in the path (their application,
  savings group, enrollment, credential, grant application...);
- ``other_survivor``: a survivor who owns none of them;
- ``employer``: a member of the demo employer, the organisation those postings and
  applications belong to;
- ``other_employer``: the owner of another, vetted organisation;
- ``staff`` and ``admin``.

The operations are read from the app's URL map, so a new one without a row fails
``test_every_operation_has_a_row`` with the row to add. Each call is a realistic request
(tests/authz/requests.py) made in a savepoint that is rolled back, so callers do not
see each other's changes.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest
from flask import Flask

from empower_api.apidoc import example_for
from tests.authz.matrix import COLUMNS, MATRIX
from tests.authz.requests import PATH_IDS, body_for

SKIPPED_RULES = ("/static", "/docs/")


def served_operations(app: Flask) -> list[str]:
    """``METHOD /path/{param}`` for every rule and method the app answers."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or any(part in rule.rule for part in SKIPPED_RULES):
            continue
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add(f"{method} {path}")
    return sorted(found)


def _collection_app() -> tuple[list[str], dict[str, Any]]:
    from empower_api import create_app
    from tests.conftest import make_config

    app = create_app(make_config(DATABASE_URL="sqlite://"))
    with app.test_client() as client:
        document = client.get("/api/v1/openapi.json").get_json()
    return served_operations(app), document


OPERATIONS, DOCUMENT = _collection_app()


def openapi_operation(key: str) -> dict[str, Any] | None:
    method, path = key.split(" ", 1)
    operation = DOCUMENT["paths"].get(path, {}).get(method.lower())
    if operation is None:
        return None
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        schemas = DOCUMENT["components"]["schemas"]
        operation = {**operation, "requestBody": {"_example": example_for(body["schema"],
                                                                          schemas)}}
    return operation


def call(app: Flask, world: Any, key: str, caller: str) -> int:
    """The status ``caller`` gets for a realistic ``key`` request (rolled back after)."""
    method, path = key.split(" ", 1)
    # A name the world has no object for gets an unknown id (404 for whoever may call).
    ids = {name: world.ids.get(PATH_IDS.get(key, {}).get(name, name), str(uuid.uuid4()))
           for name in re.findall(r"{([a-z_]+)}", path)}
    url = path.format(**ids)
    body = body_for(key, openapi_operation(key), world, caller)
    # Staff reads of a person's record need a stated reason (428 without one).
    headers = {**world.headers(caller), "X-Access-Reason": "authorization matrix"}
    if method in ("POST", "PUT", "PATCH", "DELETE") and "/api/" in path:
        headers["Idempotency-Key"] = f"matrix-{caller}-{abs(hash(key))}"
    connection = app.extensions["empower_db"]["sessionmaker"].kw["bind"]
    nested = connection.begin_nested()
    try:
        with app.test_client() as client:
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = body
            return client.open(url, method=method, **kwargs).status_code
    finally:
        nested.rollback()


def test_every_operation_has_a_row() -> None:
    missing = [key for key in OPERATIONS if key not in MATRIX]
    assert not missing, (
        "operations without a row in tests/authz/matrix.py; add, with the status each caller "
        f"({', '.join(COLUMNS)}) must get:\n"
        + "\n".join(f'    "{key}": (401, 200, 403, 403, 403, 200, 200),' for key in missing))


def test_every_row_names_a_served_operation() -> None:
    stale = sorted(set(MATRIX) - set(OPERATIONS))
    assert not stale, f"rows for operations the app no longer serves: {stale}"


@pytest.mark.parametrize("key", OPERATIONS)
def test_operation_as_every_caller(key: str, app: Flask, world: Any) -> None:
    got = tuple(call(app, world, key, caller) for caller in COLUMNS)
    if os.environ.get("AUTHZ_PRINT"):
        print(f'ROW    "{key}": {got},')
        return
    expected = MATRIX.get(key)
    assert expected is not None, f"no row for {key} (see test_every_operation_has_a_row)"
    wrong = {caller: (want, have) for caller, want, have in zip(COLUMNS, expected, got,
                                                                  strict=True) if want != have}
    assert not wrong, f"{key}: caller → (expected, got): {wrong}"
