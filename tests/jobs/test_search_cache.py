"""The anonymous search cache never shows what should be hidden (issue #15).

Every test runs twice: with the in-process store and with Redis (DB 5; skipped only
when no Redis answers there). The suite's own engine (SQLite, or PostgreSQL when
``DATABASE_URL`` says so) is the other axis.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import event

from empower_api import response_cache
from empower_api.db import db, utcnow
from empower_api.jobs import search as job_search
from empower_api.moderation import service as moderation
from empower_api.response_cache import MemoryStore, RedisStore
from empower_api.training.models import Course
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.factories.moderation import hide_by_reports
from tests.factories.training import make_course

API = "/api/v1"
REDIS_URL = "redis://127.0.0.1:6379/5"


def _redis_or_skip() -> Any:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({type(error).__name__}): the Redis store "
                    "is not exercised; the in-process store is")
    return client


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest, app: Flask) -> Iterator[Any]:
    """The cache store for this test, empty, with a long TTL (expiry must come from
    the postings, not the backstop)."""
    saved_store = app.extensions["empower_response_cache"]
    saved_seconds = app.config["SEARCH_CACHE_SECONDS"]
    store = MemoryStore(64) if request.param == "memory" else RedisStore(_redis_or_skip())
    store.clear()
    app.extensions["empower_response_cache"] = store
    app.config["SEARCH_CACHE_SECONDS"] = 3600
    yield store
    store.clear()
    app.extensions["empower_response_cache"] = saved_store
    app.config["SEARCH_CACHE_SECONDS"] = saved_seconds


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Data statements (not BEGIN or SAVEPOINT) run meanwhile, on every connection."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"SELECT", "WITH", "INSERT",
                                                            "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def titles(response: Any) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["title"] for item in response.get_json()["items"]}


def test_a_hit_skips_the_search_sql(session, client, cache, statements):
    make_job(session, make_employer(session), title="Baker")
    session.commit()
    first = client.get(f"{API}/jobs?q=baker")
    assert titles(first) == {"Baker"}
    statements.clear()
    second = client.get(f"{API}/jobs?q=baker")
    assert second.get_json() == first.get_json()
    assert len(statements) <= 1
    assert all("cache_generations" in statement for statement in statements)


def test_cached_answer_has_the_headers_of_an_uncached_one(app, session, client, cache):
    make_job(session, make_employer(session), title="Baker")
    session.commit()
    app.config["SEARCH_CACHE_SECONDS"] = 0
    uncached = client.get(f"{API}/jobs?q=baker")
    app.config["SEARCH_CACHE_SECONDS"] = 3600
    client.get(f"{API}/jobs?q=baker")  # fills the cache
    hit = client.get(f"{API}/jobs?q=baker")

    def comparable(response: Any) -> list[tuple[str, str]]:
        # Date and the request id are per response; a hit must carry its own, not the stored one.
        return sorted(
            (k, v) for k, v in response.headers.items() if k not in {"X-Request-ID", "Date"}
        )

    assert comparable(hit) == comparable(uncached)
    assert ("Date" in hit.headers) == ("Date" in uncached.headers)
    assert hit.get_data() == uncached.get_data()
    etag = hit.headers["ETag"]
    not_modified = client.get(f"{API}/jobs?q=baker", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""


@pytest.mark.parametrize("accept, encoded", [
    ("gzip, deflate, br", True), ("gzip", True), ("*", True), ("br;q=1, gzip;q=0.1", True),
    ("gzip;q=0", False), ("identity", False), ("br", False), (None, False),
    ("identity;q=1, gzip;q=0.5", False), ("identity, *", False), ("*;q=0", False)])
def test_a_hit_is_served_in_the_encoding_an_uncached_answer_has(app, session, client, cache,
                                                                accept, encoded):
    employer = make_employer(session)
    for i in range(12):  # a page well over the compression minimum
        make_job(session, employer, title=f"Baker {i}")
    session.commit()
    headers = {"Accept-Encoding": accept} if accept else {}
    app.config["SEARCH_CACHE_SECONDS"] = 0
    uncached = client.get(f"{API}/jobs?q=baker", headers=headers)
    app.config["SEARCH_CACHE_SECONDS"] = 3600
    miss = client.get(f"{API}/jobs?q=baker", headers=headers)
    hit = client.get(f"{API}/jobs?q=baker", headers=headers)

    def plain(response: Any) -> bytes:
        raw = response.get_data()
        return gzip.decompress(raw) if response.headers.get("Content-Encoding") else raw

    for response in (miss, hit):
        assert response.headers.get("Content-Encoding") == uncached.headers.get(
            "Content-Encoding") == ("gzip" if encoded else None)
        assert response.headers["ETag"] == uncached.headers["ETag"]
        assert response.headers["Vary"] == uncached.headers["Vary"]
        assert int(response.headers["Content-Length"]) == len(response.get_data())
        assert plain(response) == plain(uncached)
    # Either variant's validator answers 304 from the cache.
    again = client.get(f"{API}/jobs?q=baker",
                       headers={**headers, "If-None-Match": hit.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_an_entry_with_its_gzip_variant_survives_the_store(app):
    from datetime import UTC, datetime

    from empower_api.response_cache import Entry

    entry = Entry(200, [("ETag", '"x"')], b'{"items": []}\n', datetime.now(UTC), b"\x1f\x8b..")
    assert Entry.loads(entry.dumps()) == entry
    bare = Entry(200, [], b"{}", datetime.now(UTC))
    assert Entry.loads(bare.dumps()) == bare


def test_a_suspended_employer_vanishes_from_the_next_search(session, client, auth_client,
                                                            cache):
    employer = make_employer(session)
    job = make_job(session, employer, title="Baker")
    staff = auth_client(make_staff(session))
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    suspended = staff.post(f"{API}/staff/employers/{employer.id}/vetting",
                           json={"decision": "suspend", "note": "Complaint under review."})
    assert suspended.status_code == 200
    assert titles(client.get(f"{API}/jobs?q=baker")) == set()
    assert client.get(f"{API}/jobs/{job.id}").status_code == 404


def test_a_posting_hidden_then_removed_by_moderation_vanishes(session, client, cache):
    job = make_job(session, make_employer(session), title="Baker")
    staff = make_staff(session)
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    hide_by_reports(session, job)
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == set()
    assert client.get(f"{API}/jobs/{job.id}").status_code == 404
    moderation.decide(session, actor=staff, job_id=job.id, decision="restore", note=None)
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    hide_by_reports(session, job, reasons=("scam", "unsafe", "misleading"))
    moderation.decide(session, actor=staff, job_id=job.id, decision="remove", note="Scam.")
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == set()
    assert client.get(f"{API}/jobs/{job.id}").status_code == 404


def test_an_expired_posting_vanishes_before_the_ttl(session, client, cache, monkeypatch):
    now = utcnow()
    job = make_job(session, make_employer(session), title="Baker",
                   valid_through=now + timedelta(minutes=10))
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert client.get(f"{API}/jobs/{job.id}").status_code == 200
    later = now + timedelta(minutes=11)  # well inside the one-hour TTL of the fixture
    for module in (response_cache, job_search):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    monkeypatch.setattr("empower_api.jobs.service.utcnow", lambda: later)
    assert titles(client.get(f"{API}/jobs?q=baker")) == set()
    assert client.get(f"{API}/jobs/{job.id}").status_code == 404


def test_closed_and_edited_postings_change_in_the_next_search(session, client, auth_client,
                                                              cache):
    employer = make_employer(session)
    edited = make_job(session, employer, title="Baker")
    closed = make_job(session, employer, title="Pastry baker")
    owner = auth_client(owner_of(session, employer))
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker", "Pastry baker"}
    assert client.get(f"{API}/jobs/{edited.id}").get_json()["title"] == "Baker"
    assert owner.post(f"{API}/jobs/{closed.id}/close").status_code == 200
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert owner.patch(f"{API}/jobs/{edited.id}",
                       json={"title": "Head baker"}).status_code == 200
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Head baker"}
    assert client.get(f"{API}/jobs/{edited.id}").get_json()["title"] == "Head baker"
    assert client.get(f"{API}/jobs/{closed.id}").status_code == 404


def test_signed_in_requests_bypass_the_cache(session, client, auth_client, cache,
                                             statements):
    make_job(session, make_employer(session), title="Baker")
    survivor = auth_client(make_survivor(session))
    session.commit()
    for _ in range(2):
        statements.clear()
        assert titles(survivor.get(f"{API}/jobs?q=baker")) == {"Baker"}
        assert len(statements) > 1  # the search ran each time
    statements.clear()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert len(statements) > 1  # nothing the signed-in requests did was stored


def test_different_queries_do_not_collide_and_equal_ones_share(session, client, cache,
                                                                statements):
    employer = make_employer(session)
    make_job(session, employer, title="Baker", city="Chicago")
    make_job(session, employer, title="Driver", city="Chicago")
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    assert titles(client.get(f"{API}/jobs?q=driver")) == {"Driver"}
    assert titles(client.get(f"{API}/jobs?q=baker&limit=1")) == {"Baker"}
    assert titles(client.get(f"{API}/jobs?city=Chicago&q=driver")) == {"Driver"}
    statements.clear()
    # The same search: parameters in another order, q in other case and spacing.
    assert titles(client.get(f"{API}/jobs?q=%20DRIVER%20&city=Chicago")) == {"Driver"}
    assert len(statements) <= 1
    english = client.get(f"{API}/jobs?q=baker", headers={"Accept-Language": "en"})
    statements.clear()
    client.get(f"{API}/jobs?q=baker", headers={"Accept-Language": "es"})
    assert len(statements) > 1  # another language is another entry
    assert titles(english) == {"Baker"}


def test_a_repeated_parameter_in_another_order_is_another_search(session, client, cache):
    # The search reads a repeated parameter's first value: its order is part of the key.
    employer = make_employer(session)
    make_job(session, employer, title="Baker", city="Chicago")
    make_job(session, employer, title="Driver", city="Chicago")
    session.commit()
    for _ in range(2):
        assert titles(client.get(f"{API}/jobs?q=baker&q=driver")) == {"Baker"}
    assert titles(client.get(f"{API}/jobs?q=driver&q=baker")) == {"Driver"}


def test_course_changes_show_in_the_next_catalog_search_and_read(session, client, cache):
    course = make_course(session, title="Food safety basics")
    session.commit()
    assert titles(client.get(f"{API}/courses?q=food")) == {"Food safety basics"}
    assert client.get(f"{API}/courses/{course.id}").get_json()["title"] == "Food safety basics"
    stored = session.get(Course, course.id)
    stored.title = "Food safety, level one"
    session.commit()
    assert titles(client.get(f"{API}/courses?q=food")) == {"Food safety, level one"}
    assert client.get(f"{API}/courses/{course.id}").get_json()["title"] == \
        "Food safety, level one"
    make_course(session, title="Food handling at home")
    session.commit()
    assert len(titles(client.get(f"{API}/courses?q=food"))) == 2


def test_bulk_updates_bump_the_generation_too(session, client, cache):
    make_job(session, make_employer(session), title="Baker")
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == {"Baker"}
    from sqlalchemy import update

    from empower_api.jobs.models import Job
    session.execute(update(Job).values(status="closed"))
    session.commit()
    assert titles(client.get(f"{API}/jobs?q=baker")) == set()
