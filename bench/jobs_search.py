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
import sys
import time

from sqlalchemy import text

from bench.search_harness import measure

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

    return measure(app, engine, path="/api/v1/jobs", query_mix=QUERY_MIX, rounds=args.rounds,
                   limit=args.limit)


if __name__ == "__main__":
    raise SystemExit(main())
