"""Job search benchmark, in process: median, p95 and p99 over a fixed query mix.

    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python -m bench.jobs_search \
        --seed-jobs 100000 --rounds 20

Creates the schema if it is missing (``metadata.create_all``), seeds the reference
data when asked (deterministic; a second run finds it and skips), runs ANALYZE, then
requests ``GET /api/v1/jobs`` through the Flask test client. It prints timings per
query and overall, SQL statements per page, page size in bytes and peak RSS.
Targets (DESIGN.md §6): median < 15 ms, p99 < 60 ms, <= 5 queries, < 16 KB a page.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from urllib.parse import urlencode

from sqlalchemy import event, text

QUERY_MIX: list[dict[str, str]] = [
    {"q": "cook", "region": "Illinois", "workplace": "onsite"},
    {"q": "warehouse", "employment_type": "full_time", "min_pay": "1800"},
    {"q": "customer service", "languages": "es", "flexible_schedule": "true"},
    {"q": "assistant", "region": "California", "sort": "newest"},
    {"q": "driver", "city": "Houston", "background_check": "fair_chance"},
    {"q": "care", "workplace": "onsite", "employment_type": "part_time"},
    {"q": "bakery", "region": "Ontario", "sort": "pay"},
    {"q": "night", "skills": "cleaning,laundry", "min_pay": "1600"},
    {"q": "it support", "workplace": "remote,hybrid", "languages": "en"},
    {"q": "trainee", "region": "Texas", "employment_type": "internship"},
    {"region": "New York", "workplace": "onsite"},
    {"skills": "forklift", "sort": "pay"},
    {"q": "entry level", "region": "Florida", "flexible_schedule": "true"},
    {"q": "receptionist", "city": "Chicago", "background_check": "none,fair_chance"},
    {"q": "harbor", "employment_type": "full_time", "workplace": "onsite"},
    {"q": "medical assistant", "region": "Arizona", "min_pay": "2000"},
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-jobs", type=int, default=0,
                        help="seed this many jobs first (0: use what is there)")
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)

    from empower_api import create_app
    from empower_api.db import db
    from empower_api.jobs.seed import seed_reference_jobs
    from empower_api.models import metadata

    app = create_app({"RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        engine = db.engine
        metadata.create_all(engine)
        if args.seed_jobs:
            started = time.perf_counter()
            result = seed_reference_jobs(db.session, jobs=args.seed_jobs,
                                         employers=args.employers, seed=args.seed)
            state = "already there" if result.skipped else (
                f"{time.perf_counter() - started:.1f} s")
            print(f"seed: {args.seed_jobs} jobs, {args.employers} employers ({state})")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            total = conn.execute(text("SELECT count(*) FROM jobs")).scalar()
    print(f"engine: {engine.dialect.name}  jobs: {total}  python: {sys.version.split()[0]}")

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    urls = [f"/api/v1/jobs?{urlencode({**q, 'limit': args.limit})}" for q in QUERY_MIX]
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

    print(f"\n{'query':<78} {'items':>5} {'med ms':>7} {'p95 ms':>7} {'sql':>4} {'bytes':>6}")
    for url in urls:
        label = url.removeprefix("/api/v1/jobs?")[:78]
        print(f"{label:<78} {hits[url]:>5} {statistics.median(timings[url]):>7.2f} "
              f"{percentile(timings[url], 95):>7.2f} {queries[url]:>4} {sizes[url]:>6}")
    every = [t for values in timings.values() for t in values]
    full_pages = [sizes[u] for u in urls if hits[u] == args.limit]
    print(f"\nrequests: {len(every)}  median: {statistics.median(every):.2f} ms  "
          f"p95: {percentile(every, 95):.2f} ms  p99: {percentile(every, 99):.2f} ms  "
          f"max: {max(every):.2f} ms")
    print(f"SQL statements per page: max {max(queries.values())}  "
          f"largest full page of {args.limit}: {max(full_pages, default=0)} bytes")
    statements.clear()
    client.get(urls[0].replace(f"limit={args.limit}", "limit=100"))
    print(f"SQL statements for a page of 100: {len(statements)}")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kb / 1024:.0f} MB  (pid {os.getpid()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
