"""Job search benchmark, in process: median, p95 and p99 over a fixed query mix.

    DATABASE_URL=sqlite:////tmp/bench.db .venv/bin/python -m bench.jobs_search \
        --seed-jobs 100000 --rounds 20

Creates the schema if it is missing (``metadata.create_all``), seeds the reference
data when asked (deterministic; a second run finds it and skips), runs ANALYZE, then
requests ``GET /api/v1/jobs`` through the Flask test client. It prints timings per
query and overall, SQL statements per page, page size in bytes and peak RSS.
Targets (bench/README.md): median < 15 ms, p99 < 60 ms, <= 5 queries, < 16 KB a page.
``--compare-url`` measures a second (1,000,000-posting) database right after, in the
same process, and prints each query's p99 ratio (target <= 1.5). ``figures(scale,
database_url)`` returns the same figures for ``python -m bench all``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from sqlalchemy import text

from bench.search_harness import figure, measure, percentile, search_app, search_figures
from bench.seed import SCALES

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



RATIO_TARGET = 1.5  # p99 at 1M over p99 at 100k, per query, same run (bench/README.md)


def run(database_url: str | None, *, seed_jobs: int = 0, employers: int = 2000, seed: int = 42,
        rounds: int = 20, limit: int = 20) -> tuple[int, dict[str, Any]]:
    """Seed (when asked), ANALYZE and time the query mix on one database.

    Returns (exit status, the harness's figures plus ``engine`` and ``jobs``)."""
    from empower_api.db import db
    from empower_api.jobs.seed import seed_reference_jobs
    from empower_api.models import metadata

    app = search_app(database_url)
    with app.app_context():
        engine = db.engine
        metadata.create_all(engine)
        if seed_jobs:
            started = time.perf_counter()
            result = seed_reference_jobs(db.session, jobs=seed_jobs, employers=employers,
                                         seed=seed)
            state = "already there" if result.skipped else (
                f"{time.perf_counter() - started:.1f} s")
            print(f"seed: {seed_jobs} jobs, {employers} employers ({state})")
        db.session.close()  # the seed's transaction holds SQLite's write lock otherwise
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            total = conn.execute(text("SELECT count(*) FROM jobs")).scalar()
        print(f"engine: {engine.dialect.name}  jobs: {total}  "
              f"python: {sys.version.split()[0]}")
        out: dict[str, Any] = {"engine": engine.dialect.name, "jobs": total}
        status = measure(app, engine, path="/api/v1/jobs", query_mix=QUERY_MIX, rounds=rounds,
                         limit=limit, out=out)
    return status, out


def ratio_figures(reference: dict[str, Any], large: dict[str, Any]) -> list[dict[str, Any]]:
    """Per query, first-page p99 at the large scale over p99 at the reference scale."""
    ratios = {url: percentile(large["timings"][url], 99) / percentile(times, 99)
              for url, times in reference["timings"].items()}
    worst = max(ratios, key=ratios.__getitem__)
    every = percentile(large["every"], 99) / percentile(reference["every"], 99)
    return [
        figure(f"job search p99 {large['jobs']} / {reference['jobs']} postings, worst query",
               ratios[worst], "x", f"<= {RATIO_TARGET}", ratios[worst] <= RATIO_TARGET,
               note=worst.split("?", 1)[1]),
        figure(f"job search p99 {large['jobs']} / {reference['jobs']} postings, all queries",
               every, "x", f"<= {RATIO_TARGET}", every <= RATIO_TARGET),
    ]


def figures(scale: str, database_url: str, reference_url: str | None = None,
            rounds: int = 10) -> list[dict[str, Any]]:
    """Job search figures at ``scale`` (tiny | small | reference | large) on ``database_url``,
    seeded there if missing. At ``large`` with ``reference_url`` (a database seeded, or
    to seed, at the reference scale), both are measured back to back and the per-query
    p99 ratio is reported against its target."""
    rows: list[dict[str, Any]] = []
    reference = None
    if scale == "large" and reference_url:
        plan = SCALES["reference"]
        _status, reference = run(reference_url, seed_jobs=plan.jobs, employers=plan.employers,
                                 rounds=rounds)
        rows += search_figures(f"job search, {reference['engine']}, {reference['jobs']} "
                               "postings", reference, targets=True)
    # The seed's own scales (bench/seed.py), so `bench all` finds what it seeded.
    _status, out = run(database_url, seed_jobs=SCALES[scale].jobs,
                       employers=SCALES[scale].employers, rounds=rounds)
    rows += search_figures(f"job search, {out['engine']}, {out['jobs']} postings", out,
                           targets=scale == "reference")
    if reference is not None:
        rows += ratio_figures(reference, out)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-jobs", type=int, default=0,
                        help="seed this many jobs first (0: use what is there)")
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--compare-url", default=None,
                        help="a second, larger database, measured right after DATABASE_URL "
                             "(already seeded); prints the per-query p99 ratio")
    args = parser.parse_args(argv)
    status, out = run(None, seed_jobs=args.seed_jobs, employers=args.employers,
                      seed=args.seed, rounds=args.rounds, limit=args.limit)
    if status or not args.compare_url:
        return status
    status, large = run(args.compare_url, rounds=args.rounds, limit=args.limit)
    for row in ratio_figures(out, large):
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}, "
              f"{'met' if row['met'] else 'NOT met'}) {row['note']}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
