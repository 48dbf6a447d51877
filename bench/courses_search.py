"""Course catalog search benchmark, in process: median, p95 and p99 over a query mix.

    DATABASE_URL=sqlite:////tmp/courses-bench.db .venv/bin/python -m bench.courses_search \
        --seed-courses 20000 --rounds 20

Creates the schema if it is missing, seeds deterministic reference courses when asked
(a second run finds them and skips), runs ANALYZE, then requests
``GET /api/v1/courses`` through the Flask test client. Prints timings per query and
overall, SQL statements per page, page size in bytes and peak RSS next to the
targets of DESIGN.md §6: median < 15 ms, p99 < 60 ms, <= 5 queries, < 16 KB a page.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import event, func, insert, select, text

QUERY_MIX: list[dict[str, str]] = [
    {"q": "forklift", "free": "false", "languages": "en"},
    {"q": "customer service", "modality": "online", "free": "true"},
    {"q": "cooking", "languages": "es", "modality": "in_person,hybrid"},
    {"q": "computer", "skills": "spreadsheets", "free": "true"},
    {"q": "safety", "modality": "online", "languages": "en"},
    {"q": "english", "free": "true", "languages": "en"},
    {"q": "care", "skills": "first aid", "modality": "hybrid"},
    {"q": "barista", "free": "true", "languages": "fr"},
    {"skills": "forklift", "free": "false"},
    {"modality": "online", "languages": "es"},
    {"q": "bookkeeping basics", "free": "true", "modality": "online"},
    {"q": "driving", "languages": "en", "free": "false"},
]

TOPICS = [
    ("Forklift operator", ["forklift", "warehouse safety"]),
    ("Customer service essentials", ["customer service", "cash handling"]),
    ("Cooking for restaurants", ["cooking", "food safety"]),
    ("Computer basics", ["computer literacy", "spreadsheets"]),
    ("Workplace safety", ["warehouse safety", "first aid"]),
    ("English for work", ["english", "communication"]),
    ("Home care aide", ["caregiving", "first aid"]),
    ("Barista training", ["barista", "customer service"]),
    ("Bookkeeping basics", ["bookkeeping", "spreadsheets"]),
    ("Safe driving for deliveries", ["driving", "navigation"]),
    ("Hairdressing", ["hairdressing", "customer service"]),
    ("Sewing and tailoring", ["sewing", "pattern making"]),
]
PROVIDERS = ["Northside Adult Learning", "Lakeshore Community College", "Open Door Training",
             "City Works Academy", "Harbor Skills Centre", "Riverside Institute"]
LEVELS = ["introduction", "level 1", "level 2", "refresher", "evening", "weekend"]
LANGUAGES = [["en"], ["es"], ["en", "es"], ["fr"], ["en", "fr"], ["ar", "en"]]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def seed_courses(session, *, count: int, seed: int) -> bool:  # type: ignore[no-untyped-def]
    """Insert reference courses until there are ``count``; False when already there."""
    from empower_api.db import utcnow
    from empower_api.jobs.search import search_text
    from empower_api.training.catalog import facet_tokens
    from empower_api.training.models import Course, CourseModule, search_rowid_for

    have = session.scalar(select(func.count()).select_from(Course))
    if have >= count:
        return False
    rng = random.Random(seed)
    now = utcnow()
    courses, modules = [], []
    for i in range(have, count):
        topic, skills = TOPICS[i % len(TOPICS)]
        provider, level = rng.choice(PROVIDERS), rng.choice(LEVELS)
        title = f"{topic} ({level})"
        description = (f"{topic} taught by {provider}: practical sessions, a mentor and a "
                       f"final exercise. Course {i}. ") * 3
        course_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        modality = rng.choice(["online", "in_person", "hybrid"])
        languages = rng.choice(LANGUAGES)
        cost = 0 if rng.random() < 0.7 else rng.randint(10, 400) * 100
        courses.append({
            "id": course_id, "title": title, "description": description, "provider": provider,
            "modality": modality, "languages": languages, "skills": skills,
            "duration_hours": rng.randint(4, 120), "cost_amount": cost,
            "currency": "USD", "credential_name": topic,
            "credential_description": f"Completed {topic}.",
            "search_title": search_text(title),
            "search_body": search_text(description, provider, " ".join(skills)),
            "search_rowid": search_rowid_for(course_id),
            "search_facets": facet_tokens(modality=modality, free=cost == 0, skills=skills,
                                          languages=languages),
            "created_at": now - timedelta(minutes=i), "updated_at": now})
        modules += [{"id": uuid.uuid4(), "course_id": course_id, "position": p,
                     "title": f"Part {p + 1}"} for p in range(3)]
        if len(courses) == 2000:
            session.execute(insert(Course), courses)
            session.execute(insert(CourseModule), modules)
            courses, modules = [], []
    if courses:
        session.execute(insert(Course), courses)
        session.execute(insert(CourseModule), modules)
    session.commit()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-courses", type=int, default=0,
                        help="seed up to this many courses first (0: use what is there)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)

    import logging

    from empower_api import create_app
    from empower_api.db import db
    from empower_api.models import metadata

    app = create_app({"RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        engine = db.engine
        metadata.create_all(engine)
        if args.seed_courses:
            started = time.perf_counter()
            done = seed_courses(db.session, count=args.seed_courses, seed=args.seed)
            state = f"{time.perf_counter() - started:.1f} s" if done else "already there"
            print(f"seed: {args.seed_courses} courses ({state})")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            total = conn.execute(text("SELECT count(*) FROM courses")).scalar()
    print(f"engine: {engine.dialect.name}  courses: {total}  python: {sys.version.split()[0]}")

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    urls = [f"/api/v1/courses?{urlencode({**q, 'limit': args.limit})}" for q in QUERY_MIX]
    for url in urls:  # warm-up: caches, prepared plans, imports
        client.get(url)

    timings: dict[str, list[float]] = {url: [] for url in urls}
    sizes: dict[str, int] = {}
    queries: dict[str, int] = {}
    hits: dict[str, int] = {}
    for _ in range(args.rounds):
        for url in urls:
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings[url].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"FAILED {url}: {response.status_code}", file=sys.stderr)
                return 1
            sizes[url] = len(response.get_data())
            queries[url] = len(statements)
            hits[url] = len(response.get_json()["items"])

    print(f"\n{'query':<70} {'items':>5} {'med ms':>7} {'p95 ms':>7} {'sql':>4} {'bytes':>6}")
    for url in urls:
        label = url.removeprefix("/api/v1/courses?")[:70]
        print(f"{label:<70} {hits[url]:>5} {statistics.median(timings[url]):>7.2f} "
              f"{percentile(timings[url], 95):>7.2f} {queries[url]:>4} {sizes[url]:>6}")
    every = [t for values in timings.values() for t in values]
    full_pages = [sizes[u] for u in urls if hits[u] == args.limit]
    print(f"\nrequests: {len(every)}  median: {statistics.median(every):.2f} ms (target < 15)  "
          f"p95: {percentile(every, 95):.2f} ms  p99: {percentile(every, 99):.2f} ms "
          f"(target < 60)  max: {max(every):.2f} ms")
    print(f"SQL statements per page: max {max(queries.values())} (target <= 5)  "
          f"largest full page of {args.limit}: {max(full_pages, default=0)} bytes "
          f"(target < 16384)")
    floor = []
    for _ in range(len(every)):
        started = time.perf_counter()
        client.get("/healthz")
        floor.append((time.perf_counter() - started) * 1000)
    print(f"same run, GET /healthz (request overhead floor): median "
          f"{statistics.median(floor):.2f} ms  load average: {os.getloadavg()[0]:.1f}")
    statements.clear()
    client.get(urls[0].replace(f"limit={args.limit}", "limit=100"))
    print(f"SQL statements for a page of 100: {len(statements)}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kb / 1024:.0f} MB  (pid {os.getpid()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
