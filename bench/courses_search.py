"""Course catalog search benchmark, in process: median, p95 and p99 over a query mix.

    DATABASE_URL=sqlite:////tmp/courses-bench.db .venv/bin/python -m bench.courses_search \
        --seed-courses 20000 --rounds 20

Creates the schema if it is missing, seeds deterministic reference courses when asked
(a second run finds them and skips), runs ANALYZE, then requests
``GET /api/v1/courses`` through the Flask test client. Prints timings per query and
overall, SQL statements per page, page size in bytes and peak RSS next to the
targets (bench/README.md): median < 15 ms, p99 < 60 ms, <= 5 queries, < 16 KB a page.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.search_harness import measure, search_app, search_figures
from bench.seed import SCALES

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




def run(database_url: str | None, *, courses: int = 0, seed: int = 42, rounds: int = 20,
        limit: int = 20) -> tuple[int, dict[str, Any]]:
    """Seed (when asked), ANALYZE and time the query mix on one database.

    Returns (exit status, the harness's figures plus ``engine`` and ``courses``)."""
    from empower_api.db import db
    from empower_api.models import metadata

    app = search_app(database_url)
    with app.app_context():
        engine = db.engine
        metadata.create_all(engine)
        if courses:
            started = time.perf_counter()
            done = seed_courses(db.session, count=courses, seed=seed)
            state = f"{time.perf_counter() - started:.1f} s" if done else "already there"
            print(f"seed: {courses} courses ({state})")
        db.session.close()  # the seed's transaction holds SQLite's write lock otherwise
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            total = conn.execute(text("SELECT count(*) FROM courses")).scalar()
        print(f"engine: {engine.dialect.name}  courses: {total}  "
              f"python: {sys.version.split()[0]}")
        out: dict[str, Any] = {"engine": engine.dialect.name, "courses": total}
        status = measure(app, engine, path="/api/v1/courses", query_mix=QUERY_MIX,
                         rounds=rounds, limit=limit, out=out)
    return status, out


def figures(scale: str, database_url: str, rounds: int = 10) -> list[dict[str, Any]]:
    """Course search figures at ``scale`` (tiny | small | reference | large: 20,000 courses)
    on ``database_url``, seeded there if missing."""
    # The seed's own scales (bench/seed.py), so `bench all` finds what it seeded.
    _status, out = run(database_url, courses=SCALES[scale].courses, rounds=rounds)
    return search_figures(f"course search, {out['engine']}, {out['courses']} courses", out,
                          targets=scale in ("reference", "large"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-courses", type=int, default=0,
                        help="seed up to this many courses first (0: use what is there)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)
    status, _out = run(None, courses=args.seed_courses, seed=args.seed,
                       rounds=args.rounds, limit=args.limit)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
