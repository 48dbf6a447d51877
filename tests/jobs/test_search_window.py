"""The recency window of relevance search (PostgreSQL): candidates are looked for among
the newest postings first, and the answer is the one reading every match would give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from empower_api.db import utcnow
from empower_api.jobs import search as search_module
from empower_api.jobs.models import JobStatus, VettingStatus
from empower_api.jobs.search import PlannerStats, SearchParams, recency_window
from empower_api.searchtext import query_terms
from tests.conftest import IS_POSTGRES
from tests.factories.jobs import make_employer, make_job
from tests.sqlcount import counted

API = "/api/v1"


def every_page(client, **params):
    """Ids of every page of a search, in order, following the cursors."""
    seen, cursor = [], None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get(f"{API}/jobs?{urlencode(query)}")
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def force_window(monkeypatch, since):
    monkeypatch.setattr(search_module, "recency_window", lambda *_a, **_k: since)


@pytest.fixture
def mops(session):
    """Eight visible "mop" postings 1 to 8 days old (more mops: a better rank), and
    hidden ones among the newest: a draft, an expired one, a suspended employer's."""
    employer = make_employer(session)
    suspended = make_employer(session, status=VettingStatus.SUSPENDED)
    visible = {}
    for day, count in [(1, 1), (2, 3), (3, 2), (4, 4), (5, 1), (6, 5), (7, 2), (8, 3)]:
        job = make_job(session, employer, title=f"Cleaner {day}",
                       description="Bring a " + " ".join(["mop"] * count) + ".",
                       published_ago=timedelta(days=day))
        visible[job.id] = day
    make_job(session, employer, title="Mop draft", status=JobStatus.DRAFT)
    make_job(session, employer, title="Mop expired", published_ago=timedelta(hours=2),
             valid_through=utcnow() - timedelta(minutes=1))
    make_job(session, suspended, title="Mop suspended", published_ago=timedelta(hours=3))
    make_job(session, employer, title="Rare old quokka keeper",
             published_ago=timedelta(days=30))
    session.commit()
    return visible


def test_a_window_that_holds_the_candidates_gives_the_full_answer(client, mops, monkeypatch):
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 3)
    force_window(monkeypatch, None)
    full = every_page(client, q="mop", limit=2)
    force_window(monkeypatch, utcnow() - timedelta(days=4, hours=12))  # holds 4 matches
    assert every_page(client, q="mop", limit=2) == full
    assert len(full) == 8  # every visible match, none of the hidden ones


def test_a_window_short_of_candidates_reads_every_match(client, mops, monkeypatch):
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 3)
    force_window(monkeypatch, None)
    full = every_page(client, q="mop", limit=2)
    force_window(monkeypatch, utcnow() - timedelta(days=1, hours=12))  # 1 match only
    assert every_page(client, q="mop", limit=2) == full
    # A rare word is found however old its posting is.
    assert len(every_page(client, q="quokka", limit=2)) == 1


@pytest.mark.skipif(not IS_POSTGRES, reason="the window is PostgreSQL's")
def test_a_window_costs_no_statement(app, client, mops, monkeypatch):
    # The window and its fallback are one statement: a page costs what it did.
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 4)
    counts = []
    with counted(app) as statements:
        # None, one that holds the candidates, one short (limits: not a cached answer).
        for limit, days in ((1, None), (2, 4.5), (3, 1.5)):
            force_window(monkeypatch, days and utcnow() - timedelta(days=days))
            statements.clear()
            assert client.get(f"{API}/jobs?q=mop&limit={limit}").status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2] <= 5


BOUNDS = tuple(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i) for i in range(101))
STATS = PlannerStats(rows=1_000_000, published_bounds=BOUNDS,
                     token_shares={"care": 0.2, "caregiver": 0.05, "customer": 0.3,
                                   "service": 0.1, "it": 0.1})


def window(q, **params):
    return recency_window(STATS, query_terms(q), SearchParams(q=q, **params))


def test_recency_window_from_the_statistics():
    # "care:*" is in a quarter of the postings: 2 x 500 / 0.25 = 4,000 newest postings,
    # under 1% of a million: the last histogram bucket.
    assert window("care") == BOUNDS[99]
    # Two filters without an index of their own: 4,000 / 0.4^2 = 25,000: 3 buckets.
    assert window("care", workplace=["onsite"], employment_type=["part_time"]) == BOUNDS[97]
    # Words are taken as independent: 1,000 / 0.03 = 33,333 postings: 4 buckets.
    assert window("customer service") == BOUNDS[96]
    assert window("it") == BOUNDS[99]  # a short word is matched whole


@pytest.mark.parametrize("params", [
    {"q": "quokka"},                           # a rare word (not among the common ones)
    {"q": "care", "region": "Illinois"},       # a filter with its own index
    {"q": "care", "city": "Chicago"},
    {"q": "it", "languages": ["es"], "skills": ["x"], "min_pay": 1, "workplace": ["remote"],
     "flexible_schedule": True},               # too many filters: over half the postings
])
def test_no_recency_window(params):
    assert recency_window(STATS, query_terms(params["q"]), SearchParams(**params)) is None
    assert recency_window(None, query_terms("care"), SearchParams(q="care")) is None


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL statistics")
def test_planner_stats_are_read_with_the_settings_and_kept(app, session, monkeypatch):
    monkeypatch.setattr(search_module, "_stats_cache", {})
    employer = make_employer(session)
    for i in range(30):
        make_job(session, employer, title=f"Cook {i}", published_ago=timedelta(hours=i + 1))
    session.commit()
    session.execute(text("ANALYZE jobs"))
    stats = search_module._planner_stats(session)
    assert stats is None or stats.rows >= 30
    assert session.execute(text("SHOW enable_seqscan")).scalar() == "off"
    assert search_module._planner_stats(session) is stats  # from the cache
