"""Shared fixtures: one app per test run, a clean database per test by rollback.

The suite runs on SQLite by default and on PostgreSQL when ``DATABASE_URL`` points
at one. Each test runs inside an outer transaction; every request's session joins it
through a savepoint, so the request's "commit" is real to the code but vanishes when
the test ends. Tests marked ``postgres_only`` use real commits on separate
connections (threads, row locks) and clean up by truncating.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from empower_api import create_app
from empower_api.db import db
from empower_api.models import metadata

TEST_CONFIG: dict[str, Any] = {
    "EMPOWER_ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-" + "x" * 32,
    "JWT_SECRET_KEY": "test-jwt-secret-" + "y" * 32,
    "PII_ENCRYPTION_KEYS": "pQ2yRPu5sQh3g9m0rKq1sW8vXzY4aB6cD7eF0gH1iJk=",
    "PII_INDEX_KEY": "test-index-key-" + "z" * 32,
    "CREDENTIAL_SIGNING_KEYS": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "PASSWORD_HASH_PROFILE": "fast",
    "RATELIMIT_ENABLED": False,
    "STRIPE_API_KEY": "sk_test_local",
    # Never Stripe's servers: a closed local port unless a test starts the stub.
    "STRIPE_API_BASE": "http://127.0.0.1:9",
}

IS_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgres")


def make_config(**overrides: Any) -> dict[str, Any]:
    config = {**TEST_CONFIG, **overrides}
    # Production refuses a Stripe test key: a production-mode app gets none unless asked.
    if overrides.get("EMPOWER_ENV") == "production" and "STRIPE_API_KEY" not in overrides:
        config["STRIPE_API_KEY"] = None
    return config


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); runs in CI's second pass")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def reset_schema(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            metadata.drop_all(engine)
        metadata.create_all(engine)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    application = create_app(make_config(DATABASE_URL=database_url))
    reset_schema(application)
    return application


@pytest.fixture(autouse=True)
def _restore_global_extensions() -> Iterator[None]:
    """Tests that build a second app rebind the module-level limiter, Api and Celery
    (one app per process in production); give them back to the suite's app after."""
    from empower_api.extensions import api, limiter
    from empower_api.tasks import celery

    saved = {obj: dict(obj.__dict__) for obj in (limiter, api)}
    celery_conf = {k: celery.conf[k] for k in ("task_always_eager", "broker_url")}
    celery_task = celery.Task
    yield
    for obj, state in saved.items():
        obj.__dict__.clear()
        obj.__dict__.update(state)
    celery.conf.update(celery_conf)
    celery.Task = celery_task


@functools.cache
def _test_sources() -> str:
    return "\n".join(path.read_text() for path in Path(__file__).parent.rglob("*.py"))


@pytest.fixture(autouse=True)
def _every_message_is_in_the_catalogs() -> Iterator[None]:
    """A problem that says something no catalog holds would reach other languages in
    English: any test that renders one fails (``empower_api.i18n.on_unknown_message``).
    Messages of the tests' own probe routes are left alone."""
    from empower_api import i18n

    unknown: list[str] = []
    i18n.on_unknown_message = unknown.append
    try:
        yield
    finally:
        i18n.on_unknown_message = None
    unknown = [text for text in unknown if text not in _test_sources()]
    assert not unknown, f"messages missing from the catalogs (make messages): {unknown}"


@pytest.fixture(autouse=True)
def _empty_response_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test's rollback takes the cache generations back to where they were, which
    production never does: an answer cached by an earlier test would match again."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.extensions["empower_response_cache"].clear()


@pytest.fixture(autouse=True)
def _isolated_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Wrap each test in a transaction that is rolled back afterwards."""
    if "postgres_only" in request.keywords or "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    state = application.extensions["empower_db"]
    engine = state["engine"]
    original = state["sessionmaker"]
    connection = engine.connect()
    outer = connection.begin()
    state["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield
    finally:
        state["sessionmaker"] = original
        outer.rollback()
        connection.close()


@pytest.fixture
def committing_app(app: Flask) -> Iterator[Flask]:
    """Real commits on pooled connections (thread tests); tables emptied afterwards."""
    yield app
    with app.app_context():
        # Not the cache generations: the app's own rows (the response cache is off without).
        names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables)
                          if t.name != "cache_generations")
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of the test's own, in an app context held open for the test.

    Requests made meanwhile get sessions of their own, as in production; objects
    this session loaded may be stale after a request: ``session.expire_all()``.
    """
    with app.app_context():
        own = app.extensions["empower_db"]["sessionmaker"]()
        try:
            yield own
        finally:
            own.close()


class ApiClient(FlaskClient):
    """A test client that sends a bearer token when it has one."""

    token: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if self.token:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Authorization", f"Bearer {self.token}")
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = ApiClient
    return app.test_client()


@pytest.fixture
def auth_client(app: Flask) -> Any:
    """``auth_client(user)`` → a client signed in as ``user`` (a fresh session)."""
    from empower_api.accounts import service

    def make(user: Any, device_label: str = "test device") -> ApiClient:
        with app.app_context():
            db_user = db.session.get(type(user), user.id)
            tokens = service.start_session(db.session, db_user, device_label)
            db.session.commit()
        app.test_client_class = ApiClient
        signed_in: ApiClient = app.test_client()  # type: ignore[assignment]
        signed_in.token = tokens.access_token
        signed_in.refresh_token = tokens.refresh_token  # type: ignore[attr-defined]
        return signed_in

    return make


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is problem+json with this status (and names ``field`` if given)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail", "code"} <= set(body)
    assert body["type"] == f"/problems/{body['code']}", body  # one scheme for every problem
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


@pytest.fixture
def caplog_json() -> Iterator[Any]:
    """Capture what the JSON log handler writes; call it to get the parsed lines."""
    import io
    import json as jsonlib
    import logging

    root = logging.getLogger()
    handler = next(h for h in root.handlers if h.get_name() == "empower_json")
    buffer = io.StringIO()
    original = handler.setStream(buffer)  # type: ignore[attr-defined]

    def lines() -> list[dict[str, Any]]:
        return [jsonlib.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    try:
        yield lines
    finally:
        handler.setStream(original)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[Any]:
    """The demo data plus a few extras, committed, with every caller signed in through
    the real log-in endpoints (tests/factories/world.py); emptied after the module."""
    from tests.factories import world as world_module

    built = world_module.build(app)
    try:
        yield built
    finally:
        world_module.wipe(app)
