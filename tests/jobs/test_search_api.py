"""Public job search: visibility, full text on both engines, filters, order, pages."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empower_api import create_app
from empower_api.db import utcnow
from empower_api.extensions import limiter
from empower_api.jobs import search as search_module
from empower_api.jobs.models import JobStatus, VettingStatus, search_rowid_for
from empower_api.searchtext import words as search_words
from empower_api.tasks import init_celery
from tests.conftest import IS_POSTGRES, assert_problem, make_config
from tests.factories.jobs import make_employer, make_job
from tests.sqlcount import counted

API = "/api/v1"


def search(client, **params):
    response = client.get(f"{API}/jobs?{urlencode(params)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def titles(client, **params):
    return {item["title"] for item in search(client, limit=100, **params)["items"]}


@pytest.fixture
def corpus(session):
    """A small fixed corpus; expected result sets below hold on SQLite and PostgreSQL."""
    bakery = make_employer(session, name="Harbor Bakery Co-op")
    clinic = make_employer(session, name="Northside Clínica")
    jobs = [
        make_job(session, bakery, title="Baker's assistant", skills=["baking", "food safety"],
                 description="Early shifts. Apply at jobs@harbor-bakery.example.org.",
                 pay_min_amount=1800, pay_max_amount=2200, workplace="onsite",
                 employment_type="part_time", languages=["en", "es"], flexible_schedule=True,
                 background_check="fair_chance", region="Illinois", city="Chicago"),
        make_job(session, bakery, title="Café counter staff", skills=["customer service"],
                 description="Part-time counter work, café au lait and pastries.",
                 pay_min_amount=1600, pay_max_amount=1900, workplace="onsite",
                 employment_type="part_time", languages=["es-MX"], region="Illinois",
                 city="Evanston"),
        make_job(session, clinic, title="Medical receptionist", skills=["scheduling"],
                 description="Greet patients; bilingual (English/Spanish) is a plus. 3.5 days.",
                 pay_min_amount=3_500_000, pay_max_amount=4_200_000, pay_period="year",
                 workplace="hybrid", employment_type="full_time", languages=["en"],
                 background_check="required", region="Île-de-France", city="Paris"),
        make_job(session, clinic, title="Remote data entry", skills=["typing", "it support"],
                 description="Enter patient forms from home. NEAR-zero experience needed.",
                 pay_min_amount=1500, pay_max_amount=1700, workplace="remote",
                 employment_type="contract", languages=["fr"], region="Illinois",
                 city="Chicago"),
    ]
    hidden = make_employer(session, name="Hidden Bakery", status=VettingStatus.SUSPENDED)
    make_job(session, hidden, title="Suspended baker", skills=["baking"])
    make_job(session, bakery, title="Draft baker", status=JobStatus.DRAFT)
    session.commit()
    return jobs


@pytest.mark.parametrize(("q", "expected"), [
    ("baker", {"Baker's assistant", "Café counter staff"}),  # "baker" is a prefix of "bakery"
    ("assist", {"Baker's assistant"}),                      # prefix of a title word
    ("baker's", {"Baker's assistant"}),                     # apostrophes split words
    ("BAKERY", {"Baker's assistant", "Café counter staff"}),  # employer name
    ("cafe", {"Café counter staff"}),                       # accents are ignored
    ("clinica", {"Medical receptionist", "Remote data entry"}),
    ("food safety", {"Baker's assistant"}),                 # skills, every word required
    ("patients", {"Medical receptionist"}),                 # description
    ("patient", {"Medical receptionist", "Remote data entry"}),
    ("part time", {"Café counter staff"}),                  # hyphenated words
    ("harbor bakery example", {"Baker's assistant"}),       # e-mail-like text is words too
    ("it", {"Remote data entry"}),                          # short words match whole words
    ("3 5 days", {"Medical receptionist"}),
    ("plumber", set()),
])
def test_full_text_matches_the_same_postings_on_every_engine(client, corpus, q, expected):
    assert titles(client, q=q) == expected


@pytest.mark.parametrize("q", [
    '"baker', "baker*", "title:baker", "-baker", "baker -", "(baker", "baker)",
    "NEAR(baker assistant)", "baker AND", "OR baker", "NOT baker", "baker & | !", "'baker'",
    "baker:*", "^baker", "{baker}", "baker NEAR/2 assistant",
])
def test_search_syntax_in_q_is_plain_words(client, corpus, q):
    plain = " ".join(search_words(q))
    assert titles(client, q=q) == titles(client, q=plain)
    if plain == "baker":
        assert "Baker's assistant" in titles(client, q=q)


def test_syntax_only_q_is_no_text_filter(client, corpus):
    assert len(titles(client, q='"*:-()')) == 4


def test_near_is_an_ordinary_word(client, corpus):
    assert titles(client, q="near zero") == {"Remote data entry"}


def test_long_q_and_too_many_words_are_422(client):
    assert_problem(client.get(f"{API}/jobs?q={'a' * 201}"), 422, field="q")
    assert client.get(f"{API}/jobs?q={'a' * 200}").status_code == 200
    many = " ".join(f"w{i}" for i in range(13))
    assert_problem(client.get(f"{API}/jobs?{urlencode({'q': many})}"), 422, field="q")


@pytest.mark.parametrize("query", [
    "min_pay=abc", "min_pay=-1", "min_pay=99999999999999999999", "workplace=moon",
    "employment_type=gig", "flexible_schedule=maybe", "employer_id=not-a-uuid", "sort=random",
    "limit=0", "limit=101", "cursor=garbage", "languages=english!", "region=",
    "background_check=sometimes", "region=%00x", "q=%00", "workplace=remote,,onsite",
])
def test_malformed_filters_are_422(client, query):
    assert_problem(client.get(f"{API}/jobs?{query}"), 422)


@pytest.mark.parametrize(("params", "expected"), [
    ({"region": "illinois"}, {"Baker's assistant", "Café counter staff", "Remote data entry"}),
    ({"region": "ile de france"}, {"Medical receptionist"}),
    ({"region": "ÎLE-DE-FRANCE"}, {"Medical receptionist"}),
    ({"city": "Chicago"}, {"Baker's assistant", "Remote data entry"}),
    ({"workplace": "remote"}, {"Remote data entry"}),
    ({"workplace": "remote,hybrid"}, {"Remote data entry", "Medical receptionist"}),
    ({"employment_type": "part_time"}, {"Baker's assistant", "Café counter staff"}),
    ({"min_pay": 2000}, {"Baker's assistant", "Medical receptionist"}),
    ({"skills": "typing,baking"}, {"Remote data entry", "Baker's assistant"}),
    ({"skills": "Customer Service"}, {"Café counter staff"}),
    ({"languages": "es"}, {"Baker's assistant", "Café counter staff"}),
    ({"languages": "es-MX"}, {"Café counter staff"}),
    ({"languages": "ES-mx"}, {"Café counter staff"}),
    ({"languages": "fr"}, {"Remote data entry"}),
    ({"flexible_schedule": "true"}, {"Baker's assistant"}),
    ({"background_check": "fair_chance,none"},
     {"Baker's assistant", "Café counter staff", "Remote data entry"}),
    ({"q": "patient", "workplace": "remote", "city": "chicago"}, {"Remote data entry"}),
])
def test_filters(client, corpus, params, expected):
    assert titles(client, **params) == expected


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "patient", "languages": "fr"}, {"Remote data entry"}),
    ({"q": "bakery", "skills": "Customer Service"}, {"Café counter staff"}),
    ({"q": "bakery", "employment_type": "part_time", "flexible_schedule": "true"},
     {"Baker's assistant"}),
    ({"q": "bakery", "flexible_schedule": "false"}, {"Café counter staff"}),
    ({"q": "cafe", "region": "ILLINOIS", "city": "evanston"}, {"Café counter staff"}),
    ({"q": "patient", "background_check": "required,fair_chance"}, {"Medical receptionist"}),
    ({"q": "bakery", "languages": "es-MX"}, {"Café counter staff"}),
    ({"q": "bakery", "languages": "es"}, {"Baker's assistant", "Café counter staff"}),
    ({"q": "clinica", "workplace": "remote,onsite"}, {"Remote data entry"}),
    ({"q": "clinica", "min_pay": 1000000}, {"Medical receptionist"}),
    ({"q": "bakery", "city": "Paris"}, set()),
])
def test_text_and_filters_together(client, corpus, params, expected):
    assert titles(client, **params) == expected


def test_text_and_employer_filter(client, corpus):
    clinic = corpus[2].employer_id
    assert titles(client, q="patient", employer_id=str(clinic)) == {
        "Medical receptionist", "Remote data entry"}
    assert titles(client, q="bakery", employer_id=str(clinic)) == set()


def test_employer_filter_and_vetting_badge(client, corpus):
    employer_id = corpus[0].employer_id
    body = search(client, employer_id=str(employer_id))
    assert {item["title"] for item in body["items"]} == {"Baker's assistant",
                                                         "Café counter staff"}
    badge = body["items"][0]["employer"]
    assert badge["id"] == str(employer_id) and badge["name"] == "Harbor Bakery Co-op"
    assert badge["vetted"] is True and badge["vetted_until"]
    assert "fair_chance_hiring" in badge["commitments"]
    assert badge["language_support"] == ["en", "es"]


@pytest.mark.parametrize("state", [
    VettingStatus.PENDING, VettingStatus.REJECTED, VettingStatus.SUSPENDED,
    VettingStatus.EXPIRED, "lapsed",
])
def test_postings_of_unvetted_employers_never_appear(client, session, state):
    employer = make_employer(session, status=state, name="Zebra Unvetted Works")
    make_job(session, employer, title="Zebra keeper")
    session.commit()
    assert search(client, q="zebra")["items"] == []
    assert search(client, employer_id=str(employer.id))["items"] == []


def test_drafts_closed_and_out_of_date_postings_never_appear(client, session):
    employer = make_employer(session)
    make_job(session, employer, title="Zebra draft", status=JobStatus.DRAFT)
    make_job(session, employer, title="Zebra closed", status=JobStatus.CLOSED)
    make_job(session, employer, title="Zebra old", published_ago=timedelta(days=61))
    make_job(session, employer, title="Zebra open")
    session.commit()
    assert {item["title"] for item in search(client, q="zebra")["items"]} == {"Zebra open"}


def test_newest_is_the_default_order_without_q(client, session):
    employer = make_employer(session)
    for hours in (3, 1, 2):
        make_job(session, employer, title=f"Posted {hours}h ago",
                 published_ago=timedelta(hours=hours))
    session.commit()
    got = [item["title"] for item in search(client)["items"]]
    assert got == ["Posted 1h ago", "Posted 2h ago", "Posted 3h ago"]


def test_pay_sort_is_highest_maximum_first(client, corpus):
    got = [item["pay_max_amount"] for item in search(client, sort="pay")["items"]]
    assert got == sorted(got, reverse=True) and len(got) == 4


def test_relevance_ranks_title_matches_above_description_matches(client, session):
    employer = make_employer(session, name="Acme")
    make_job(session, employer, title="Warehouse helper",
             description="Help the gardener carry soil and water plants.")
    make_job(session, employer, title="Gardener", description="Keep the grounds tidy.")
    session.commit()
    got = [item["title"] for item in search(client, q="gardener")["items"]]
    assert got == ["Gardener", "Warehouse helper"]


@pytest.mark.parametrize("sort", ["relevance", "newest", "pay"])
def test_pages_cover_every_match_exactly_once(client, session, sort):
    employer = make_employer(session)
    for i in range(7):
        make_job(session, employer, title=f"Painter {i}", pay_max_amount=2000 + (i % 3),
                 description="paint " * (i + 1), published_ago=timedelta(minutes=i % 2))
    session.commit()
    seen, cursor = [], None
    while True:
        params = {"q": "paint", "sort": sort, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = search(client, **params)
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 and len(set(seen)) == 7


def test_relevance_pages_when_most_ranked_matches_fail_a_filter(client, session):
    # Pay is not a facet token: the best-ranked matches (title hits) all fail min_pay,
    # so SQLite's ranked-first search must check past its first batch.
    employer = make_employer(session)
    for i in range(20):
        make_job(session, employer, title=f"Welder {i}", pay_min_amount=900,
                 pay_max_amount=1000)
    wanted = {make_job(session, employer, title=f"Helper {i}", pay_max_amount=5000,
                       description="The welder needs a helper.").id.hex for i in range(3)}
    session.commit()
    seen, cursor = [], None
    while True:
        params = {"q": "welder", "min_pay": 3000, "limit": 1}
        if cursor:
            params["cursor"] = cursor
        body = search(client, **params)
        seen.extend(item["id"].replace("-", "") for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3 and set(seen) == wanted


def test_relevance_ranks_the_newest_candidates_then_the_rest_newest_first(
        client, session, monkeypatch):
    # Only RANKED_CANDIDATES matches are ranked: on PostgreSQL the newest, on SQLite those
    # with the highest full-text rowids; the rest follow in that same order.
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 2)
    employer = make_employer(session)
    jobs = {}
    for name, hours, text in [("a", 1, "mop"), ("b", 2, "mop mop mop"), ("c", 3, "mop mop"),
                              ("d", 4, "mop mop mop mop"), ("e", 5, "mop")]:
        jobs[name] = make_job(session, employer, title=f"Cleaner {name}",
                              description=f"Bring a {text}.",
                              published_ago=timedelta(hours=hours)).id.hex
    session.commit()
    seen, cursor = [], None
    while True:
        params = {"q": "mop", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = search(client, **params)
        seen.extend(item["id"].replace("-", "") for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    order = [name for hex_id in seen for name, job in jobs.items() if job == hex_id]
    if IS_POSTGRES:
        assert order == ["b", "a", "c", "d", "e"]  # b, a ranked; then newest first
    else:
        mops = {"a": 1, "b": 3, "c": 2, "d": 4, "e": 1}
        by_rowid = sorted(jobs, key=lambda name: search_rowid_for(uuid.UUID(jobs[name])),
                          reverse=True)
        assert order == sorted(by_rowid[:2], key=lambda name: -mops[name]) + by_rowid[2:]


def test_cursor_of_another_sort_is_422(client, session):
    employer = make_employer(session)
    for i in range(3):
        make_job(session, employer, title=f"Cook {i}")
    session.commit()
    cursor = search(client, sort="newest", limit=1)["next_cursor"]
    assert_problem(client.get(f"{API}/jobs?sort=pay&cursor={cursor}"), 422, field="cursor")


def test_etag_and_if_none_match_give_304(client, corpus):
    first = client.get(f"{API}/jobs?q=baker")
    etag = first.headers["ETag"]
    assert etag
    again = client.get(f"{API}/jobs?q=baker", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(f"{API}/jobs?q=cafe", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_list_items_are_compact_and_full_view_has_the_description(client, corpus):
    item = search(client, q="receptionist")["items"][0]
    assert "description" not in item and item["title"] == "Medical receptionist"
    full = client.get(f"{API}/jobs/{item['id']}").get_json()
    assert full["description"].startswith("Greet patients")


def test_search_issues_the_same_few_queries_for_20_and_100_items(app, client, session):
    employers = [make_employer(session) for _ in range(3)]
    for i in range(120):
        make_job(session, employers[i % 3], title=f"Cook {i}", skills=["cooking"])
    session.commit()
    with counted(app) as statements:
        counts = {}
        for limit in (20, 100):
            for params in ({"q": "cook"}, {"skills": "cooking", "sort": "pay"}):
                statements.clear()
                body = search(client, limit=limit, **params)
                assert len(body["items"]) == limit
                counts[(limit, params.get("q"))] = len(statements)
    assert counts[(20, "cook")] == counts[(100, "cook")] <= 5
    assert counts[(20, None)] == counts[(100, None)] <= 5


def test_page_of_20_is_under_16_kb(client, session):
    # Typical sizes (as in the bench reference data); descriptions are long.
    employer = make_employer(session, name="Lakeside Community Kitchen")
    for i in range(25):
        make_job(session, employer, title="Warehouse associate, night shift",
                 description="Sorting and packing orders in a friendly team. " * 40,
                 skills=["forklift", "inventory", "customer service"], languages=["en", "es"],
                 city="Minneapolis", region="Minnesota", pay_max_amount=2000 + i)
    session.commit()
    response = client.get(f"{API}/jobs?limit=20")
    assert len(response.get_json()["items"]) == 20
    assert len(response.get_data()) < 16 * 1024


@pytest.fixture
def limited_client(app, database_url):
    was_enabled = limiter.enabled
    limited = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                     RATELIMIT_SEARCH="3/minute"))
    yield limited.test_client()
    # The limiter and Celery are global: creating an app rebinds them to it. Give them
    # back to the suite's app so later tests are not affected.
    limiter.enabled = was_enabled
    init_celery(app)


def test_public_search_is_rate_limited_per_ip(limited_client):
    statuses = [limited_client.get(f"{API}/jobs", environ_base={"REMOTE_ADDR": "10.1.1.1"})
                .status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other_ip = limited_client.get(f"{API}/jobs", environ_base={"REMOTE_ADDR": "10.1.1.2"})
    assert other_ip.status_code == 200


def test_head_requests_count_against_the_search_limit(limited_client):
    # HEAD runs the same search (Flask answers it with the GET view): the same limit.
    address = {"REMOTE_ADDR": "10.1.1.3"}
    statuses = [limited_client.head(f"{API}/jobs?q=cook{n}", environ_base=address).status_code
                for n in range(3)]
    statuses.append(limited_client.get(f"{API}/jobs", environ_base=address).status_code)
    statuses.append(limited_client.head(f"{API}/jobs?q=baker",
                                        environ_base=address).status_code)
    assert statuses == [200, 200, 200, 429, 429]
    course = limited_client.head(f"{API}/courses?q=a", environ_base={"REMOTE_ADDR": "10.1.1.4"})
    assert course.status_code == 200


def test_a_head_is_answered_from_the_cache_like_a_get(app, session, client):
    make_job(session, make_employer(session), title="Baker")
    session.commit()
    was = app.config.get("SEARCH_CACHE_SECONDS")
    app.config["SEARCH_CACHE_SECONDS"] = 3600
    try:
        get = client.get(f"{API}/jobs?q=baker")
        head = client.head(f"{API}/jobs?q=baker")
    finally:
        app.config["SEARCH_CACHE_SECONDS"] = was
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(get.get_data())


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=210))
def test_fuzzed_q_never_fails_on_the_server(client, corpus, q):
    response = client.get(f"{API}/jobs", query_string={"q": q})
    assert response.status_code in (200, 422), (q, response.get_data(as_text=True))
    if len(q) <= 200 and response.status_code == 422:
        assert set(response.get_json()["errors"]) == {"q"}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(alphabet=st.sampled_from('ab "*:-()^{}NEARORANDNOT~+\'.,/&|!'), max_size=60),
       sort=st.sampled_from(["relevance", "newest", "pay"]))
def test_fuzzed_query_syntax_never_fails_on_the_server(client, corpus, q, sort):
    response = client.get(f"{API}/jobs", query_string={"q": q, "sort": sort})
    assert response.status_code in (200, 422), (q, response.get_data(as_text=True))


def test_expired_vetting_hides_postings_at_once(client, session):
    employer = make_employer(session, vetted_until=utcnow() + timedelta(seconds=2))
    make_job(session, employer, title="Quokka handler")
    session.commit()
    assert len(search(client, q="quokka")["items"]) == 1
    employer.vetted_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert search(client, q="quokka")["items"] == []


def test_fast_list_items_equal_the_schema_dump(session, client, corpus):
    from empower_api.jobs.models import Job
    from empower_api.jobs.schemas import JobSummarySchema, summary_of

    draft = make_job(session, make_employer(session), status=JobStatus.DRAFT,
                     languages=["pt-BR"], skills=["x"])
    for job in [*corpus, draft]:
        loaded = session.get(Job, job.id)
        assert summary_of(loaded) == JobSummarySchema().dump(loaded)


@pytest.mark.parametrize("first, then", [
    ("q=cook", "q=baker"),
    ("q=cook", "q=cook&region=Illinois"),
    ("sort=newest", "sort=newest&workplace=remote"),
    ("q=cook&languages=en", "q=cook&languages=en&min_pay=1"),
])
def test_cursor_of_another_search_is_422(client, session, first, then):
    employer = make_employer(session)
    for i in range(3):
        make_job(session, employer, title=f"Cook baker {i}")
    session.commit()
    cursor = client.get(f"{API}/jobs?{first}&limit=1").get_json()["next_cursor"]
    assert cursor
    # The same search takes it; another search refuses it, naming the field.
    assert client.get(f"{API}/jobs?{first}&limit=1&cursor={cursor}").status_code == 200
    assert client.get(f"{API}/jobs?{first}&limit=2&cursor={cursor}").status_code == 200
    assert_problem(client.get(f"{API}/jobs?{then}&limit=1&cursor={cursor}"), 422,
                   field="cursor")
