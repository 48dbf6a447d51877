"""The in-process measurement shared by the search benchmarks (jobs, courses).

``measure`` warms every URL of a query mix, times ``rounds`` passes over it, counts the
SQL statements of each page and prints one table plus the totals, each next to its
target (targets: median < 15 ms, p99 < 60 ms, <= 5 statements, a page < 16 KB),
and the request-overhead floor (``GET /healthz``) measured in the same run.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import event


def search_app(database_url: str | None) -> Any:
    """The app the in-process search benchmarks time: rate limits off, logs at WARNING
    and the response cache off (in process we measure search itself; the cache is
    measured under gunicorn). ``database_url`` None is the app's own default."""
    import logging

    from empower_api import create_app

    config: dict[str, Any] = {"RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
                              "SEARCH_CACHE_SECONDS": 0}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)
    return app


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def measure(app: Any, engine: Any, *, path: str, query_mix: list[dict[str, str]],
            rounds: int, limit: int, out: dict[str, Any] | None = None) -> int:
    """Time ``path`` over ``query_mix`` and print the figures; 1 if a request failed.

    ``out``, when given, receives the figures: ``timings`` (url -> ms list), ``every``
    (all ms), ``statements`` (max per page), ``largest_page`` (bytes), ``floor_ms``.
    """
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        return _measure(app, statements, path=path, query_mix=query_mix, rounds=rounds,
                        limit=limit, out=out if out is not None else {})
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _measure(app: Any, statements: list[str], *, path: str, query_mix: list[dict[str, str]],
             rounds: int, limit: int, out: dict[str, Any]) -> int:
    client = app.test_client()
    urls = [f"{path}?{urlencode({**q, 'limit': limit})}" for q in query_mix]
    for url in urls:  # warm-up: caches, prepared plans, imports
        client.get(url)

    timings: dict[str, list[float]] = {url: [] for url in urls}
    sizes: dict[str, int] = {}
    queries: dict[str, int] = {}
    hits: dict[str, int] = {}
    for _ in range(rounds):
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

    width = max(len(url) - len(path) - 1 for url in urls)
    print(f"\n{'query':<{width}} {'items':>5} {'med ms':>7} {'p95 ms':>7} {'sql':>4} {'bytes':>6}")
    for url in urls:
        label = url.removeprefix(f"{path}?")
        print(f"{label:<{width}} {hits[url]:>5} {statistics.median(timings[url]):>7.2f} "
              f"{percentile(timings[url], 95):>7.2f} {queries[url]:>4} {sizes[url]:>6}")
    every = [t for values in timings.values() for t in values]
    full_pages = [sizes[u] for u in urls if hits[u] == limit]
    print(f"\nrequests: {len(every)}  median: {statistics.median(every):.2f} ms (target < 15)  "
          f"p95: {percentile(every, 95):.2f} ms  p99: {percentile(every, 99):.2f} ms "
          f"(target < 60)  max: {max(every):.2f} ms")
    print(f"SQL statements per page: max {max(queries.values())} (target <= 5)  "
          f"largest full page of {limit}: {max(full_pages, default=0)} bytes "
          f"(target < 16384)")
    floor = []
    for _ in range(len(every)):
        started = time.perf_counter()
        client.get("/healthz")
        floor.append((time.perf_counter() - started) * 1000)
    print(f"same run, GET /healthz (request overhead floor): median "
          f"{statistics.median(floor):.2f} ms  load average: {os.getloadavg()[0]:.1f}")
    statements.clear()
    client.get(urls[0].replace(f"limit={limit}", "limit=100"))
    print(f"SQL statements for a page of 100: {len(statements)}")
    out.update(timings=timings, every=every, statements=max(queries.values()),
               largest_page=max(full_pages, default=0),
               floor_ms=statistics.median(floor))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kb / 1024:.0f} MB  (pid {os.getpid()})")
    return 0


def figure(name: str, value: float, unit: str, target: str, met: bool | None,
           note: str = "") -> dict[str, Any]:
    """One row of the benchmark table (the shape ``python -m bench all`` collects)."""
    return {"name": name, "value": round(value, 2), "unit": unit, "target": target,
            "met": met, "note": note}


def search_figures(prefix: str, out: dict[str, Any], *, targets: bool) -> list[dict[str, Any]]:
    """Median, p95, p99, statements and page size of one ``measure`` run, as figures.
    ``targets``: the bench/README.md time targets apply (reference scale, in process)."""
    every = out["every"]
    median, p99 = statistics.median(every), percentile(every, 99)
    return [
        figure(f"{prefix} median", median, "ms", "< 15", median < 15 if targets else None),
        figure(f"{prefix} p95", percentile(every, 95), "ms", "", None),
        figure(f"{prefix} p99", p99, "ms", "< 60", p99 < 60 if targets else None),
        figure(f"{prefix} SQL statements per page", out["statements"], "statements", "<= 5",
               out["statements"] <= 5),
        figure(f"{prefix} largest page of 20", out["largest_page"], "bytes", "< 16384",
               out["largest_page"] < 16384),
        figure(f"{prefix} GET /healthz floor (same run)", out["floor_ms"], "ms", "", None),
    ]
