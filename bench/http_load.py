"""HTTP load under gunicorn with Locust, against a bare Flask floor in the same run.

Starts gunicorn (the project's production settings, ``-w WORKERS`` sync workers: by
default the production count, ``2 × cores + 1``, as ``WEB_CONCURRENCY`` unset gives) on
the bench database, then a bare Flask app under the same gunicorn flags that answers
the same paths with the same JSON from memory, and drives each with Locust headless
(``bench/locustfile.py``, ``FastHttpUser``, no think time, ``CLIENTS`` users):

- authenticated trivial GET (``GET /api/v1/me``) vs bare: target ≥ 0.6;
- a Zipf mix (s = 1) of 200 realistic public job searches vs bare: target ≥ 0.5;
- savings transactions/s, one share purchase a request, 8 clients over 8 groups, with
  the ledger checked balanced afterwards: target ≥ 300 on PostgreSQL;
- a list page of 20 under 16 KB of JSON, gzip when the client asks;
- RSS of the largest gunicorn worker after the load: target < 150 MB.

    .venv/bin/python -m bench http_load [--scale small] [--seconds 10] [--workers N]
"""

from __future__ import annotations

import csv
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.figures import figure
from empower_api.config import default_web_concurrency

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(5150, 5160)  # this bench's ports; a busy one is skipped
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS") or default_web_concurrency())
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))

BARE_APP = '''
import os
from flask import Flask, Response
app = Flask(__name__)
BODIES = {name: open(os.path.join(os.environ["BARE_DIR"], name), "rb").read()
          for name in ("me.json", "jobs.json")}

@app.get("/api/v1/me")
def me():
    return Response(BODIES["me.json"], mimetype="application/json")

@app.get("/api/v1/jobs")
def jobs():
    return Response(BODIES["jobs.json"], mimetype="application/json")
'''


def zipf_queries(count: int = 200, s: float = 1.0) -> list[tuple[str, float]]:
    """``count`` realistic public searches, the k-th weighted 1 / k**s (deterministic).

    Terms are the job roles and skills of the reference data, most with one or two
    filters (region, workplace, employment type, pay, flexible schedule), some
    filters only, as people browse.
    """
    from urllib.parse import urlencode

    from empower_api.jobs.seed import REGIONS, ROLES, SKILLS

    rng = random.Random(15)
    words = [r.lower() for r in ROLES] + SKILLS
    filters = [("region", list(REGIONS)), ("workplace", ["onsite", "hybrid", "remote"]),
               ("employment_type", ["full_time", "part_time"]),
               ("min_pay", ["1500", "1800", "2200"]), ("flexible_schedule", ["true"]),
               ("sort", ["newest", "pay"])]
    seen: set[str] = set()
    out: list[tuple[str, float]] = []
    while len(out) < count:
        params: dict[str, str] = {}
        if rng.random() < 0.85:
            term = rng.choice(words)
            params["q"] = term.split()[0] if rng.random() < 0.3 else term
        for key, values in rng.sample(filters, rng.choice([0, 1, 1, 2])):
            params[key] = rng.choice(values)
        if not params:
            continue
        path = f"/api/v1/jobs?{urlencode(params)}"
        if path in seen:
            continue
        seen.add(path)
        out.append((path, 1.0 / (len(out) + 1) ** s))
    return out


def _port() -> int:
    import socket

    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5150-5159")


def _get(port: int, path: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], cwd: Path, *, config: str, workers: int,
             ready_path: str):
    """A gunicorn master on a free port of ours; yields ``(port, master)``."""
    port = _port()
    exe = str(Path(sys.executable).with_name("gunicorn"))
    master = subprocess.Popen(
        [exe, "-c", config, "-w", str(workers), "-k", "sync", "--keep-alive", "5",
         "--max-requests", "0", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         app_spec], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while True:
            if master.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited: "
                                   f"{master.stderr.read().decode()[-2000:]}")
            try:
                _get(port, ready_path)
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"gunicorn {app_spec} did not answer") from None
                time.sleep(0.2)
        yield port, master
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(20)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait(5)


def worker_rss_mb(master: subprocess.Popen) -> float:
    """Largest current RSS (VmRSS) among the master's worker processes, in MB."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return max(sizes, default=0.0)


def locust(port: int, mode: str, seconds: float, clients: int,
           extra_env: dict[str, str]) -> dict[str, float]:
    """Run Locust headless for ``seconds``; the aggregated row of its stats CSV.

    Returns ``{"rps", "requests", "failures", "median_ms", "p99_ms"}``.
    """
    exe = str(Path(sys.executable).with_name("locust"))
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        prefix = f"{tmp}/run"
        env = {**os.environ, **extra_env, "BENCH_MODE": mode}
        done = subprocess.run(
            [exe, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(clients), "-r", str(clients), "-t", f"{max(1, round(seconds))}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", prefix, "--only-summary",
             "--loglevel", "ERROR", "--stop-timeout", "5"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
            timeout=seconds + 60)
        if not Path(f"{prefix}_stats.csv").exists():
            raise RuntimeError(f"locust wrote no figures: {done.stderr.decode()[-1500:]}")
        return read_stats(Path(f"{prefix}_stats.csv"))


def read_stats(path: Path) -> dict[str, float]:
    """The aggregated row of a Locust ``--csv`` stats file; N/A (nothing completed) is 0."""
    with path.open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")

    def number(key: str) -> float:
        try:
            return float(row[key])
        except (TypeError, ValueError):
            return 0.0

    return {"rps": number("Requests/s"), "requests": int(number("Request Count")),
            "failures": int(number("Failure Count")), "median_ms": number("Median Response Time"),
            "p99_ms": number("99%")}


def _bench_user(app: Any) -> str:
    """A survivor signed in on one device; returns an access token."""
    import uuid

    from empower_api.accounts import service as accounts
    from empower_api.accounts.models import Role, User
    from empower_api.db import db

    with app.app_context():
        user = User(id=uuid.uuid4(), role=Role.SURVIVOR, anonymous=True,
                    alias=f"loadtester-{uuid.uuid4().hex[:8]}", languages=["en"], skills=[])
        user.alias_key = user.alias
        db.session.add(user)
        db.session.flush()
        token = accounts.start_session(db.session, user, "bench").access_token
        db.session.commit()
    return token


def _savings_plans(app: Any, groups: int, clients: int) -> list[dict[str, Any]]:
    """Fresh groups with 40 members and an open meeting; an officer token per client."""
    from bench.savings_load import _setup

    # One empty group per client (savings_load measures the 200,000-line groups).
    return _setup({**app.config, "PASSWORD_HASH_PROFILE": "fast"}, max(groups, clients),
                  0)["empty"]


def _check_savings(app: Any, plans: list[dict[str, Any]]) -> bool:
    import uuid

    from empower_api.db import db
    from empower_api.savings import service

    with app.app_context():
        return all(service.check_ledger(db.session, group_id=uuid.UUID(gid)).balanced
                   for gid in {p["group_id"] for p in plans})


def bench_redis() -> str | None:
    """The Redis the app gets under several workers, as in production (shared sessions
    and response cache; ``config`` refuses several production workers without it):
    ``REDIS_URL``, else ``BENCH_REDIS_URL`` (default a local database of its own, 14),
    emptied first so no entry of another bench database is replayed; None when it
    does not answer (each worker then keeps its own cache, and the note says so)."""
    import redis

    url = os.environ.get("REDIS_URL") or os.environ.get("BENCH_REDIS_URL",
                                                        "redis://127.0.0.1:6379/14")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        if not os.environ.get("REDIS_URL"):
            client.flushdb()
        else:
            for key in client.scan_iter(match="empower:search-cache:*"):
                client.delete(key)
    except (redis.RedisError, OSError):
        return None
    return url


def figures(scale: str, database_url: str, *, seconds: float = SECONDS,
            workers: int = WORKERS, clients: int = CLIENTS) -> list[dict[str, Any]]:
    """Every HTTP figure of this module (see the module docstring), one run."""
    from bench.figures import bench_app

    app = bench_app(database_url)
    token = _bench_user(app)
    engine = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    queries = zipf_queries()
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false",
           "LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
           "PYTHONPATH": str(ROOT)}
    redis_url = bench_redis() if workers > 1 else None
    if redis_url:
        env["REDIS_URL"] = redis_url
    out: list[dict[str, Any]] = []
    setting = (f"{workers} sync workers, {clients} Locust clients, {seconds:g} s, "
               f"{'Redis' if redis_url else 'no Redis: a cache per worker'}")
    try:
        (tmp / "paths.json").write_text(json.dumps(queries))
        plans = _savings_plans(app, 8, 8)
        (tmp / "plans.json").write_text(json.dumps(plans))
        load_env = {"BENCH_TOKEN": token, "BENCH_PATHS": str(tmp / "paths.json"),
                    "BENCH_PLANS": str(tmp / "plans.json")}
        auth = {"Authorization": f"Bearer {token}"}
        with gunicorn("empower_api:create_app()", env, ROOT,
                      config="python:empower_api.gunicorn_conf", workers=workers,
                      ready_path="/healthz") as (port, master):
            status, _, me_body = _get(port, "/api/v1/me", auth)
            assert status == 200, f"/api/v1/me answered {status}"
            status, _, page = _get(port, "/api/v1/jobs?limit=20")
            assert status == 200, f"/api/v1/jobs answered {status}"
            status, headers, zipped = _get(port, "/api/v1/jobs?limit=20",
                                           {"Accept-Encoding": "gzip"})
            gzipped = headers.get("content-encoding") == "gzip" and \
                gzip.decompress(zipped) == page
            for path, _ in queries:  # warm plans and caches once
                _get(port, path)
            me = locust(port, "me", seconds, clients, load_env)
            search = locust(port, "search", seconds, clients, load_env)
            savings = locust(port, "savings", seconds, clients, load_env)
            rss = worker_rss_mb(master)
        balanced = _check_savings(app, plans)

        bare_dir = tmp / "bare"
        bare_dir.mkdir()
        (bare_dir / "bare_app.py").write_text(BARE_APP)
        (bare_dir / "me.json").write_bytes(me_body)
        (bare_dir / "jobs.json").write_bytes(page)
        (bare_dir / "none.py").write_text("")  # gunicorn flags only, as for the app
        bare_env = {**env, "BARE_DIR": str(bare_dir)}
        with gunicorn("bare_app:app", bare_env, bare_dir, config=str(bare_dir / "none.py"),
                      workers=workers, ready_path="/api/v1/me") as (port, _master):
            for _ in range(20 * workers):  # the same warm-up as the app had
                _get(port, "/api/v1/me")
                _get(port, "/api/v1/jobs")
            bare_me = locust(port, "me", seconds, clients, load_env)
            bare_search = locust(port, "search", seconds, clients, load_env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def ratio(a: dict[str, float], b: dict[str, float]) -> float:
        return a["rps"] / b["rps"] if b["rps"] else 0.0

    def failures(*runs: dict[str, float]) -> str:
        bad = sum(int(r["failures"]) for r in runs)
        return f"; {bad} FAILED requests" if bad else ""

    out += [
        figure("bare Flask floor, GET /me body (req/s)", bare_me["rps"], "req/s", None,
               note=f"same run; {setting}; median {bare_me['median_ms']:.0f} ms"),
        figure("authenticated GET /me vs bare", ratio(me, bare_me), "ratio", 0.6,
               note=f"{me['rps']:.0f} vs {bare_me['rps']:.0f} req/s; median "
                    f"{me['median_ms']:.0f} ms, p99 {me['p99_ms']:.0f} ms"
                    + failures(me, bare_me)),
        figure("bare Flask floor, search page body (req/s)", bare_search["rps"], "req/s", None,
               note=f"same run; {setting}; {len(page)} bytes"),
        figure("Zipf mix of 200 public searches vs bare", ratio(search, bare_search), "ratio",
               0.5, note=f"{search['rps']:.0f} vs {bare_search['rps']:.0f} req/s; median "
                         f"{search['median_ms']:.0f} ms, p99 {search['p99_ms']:.0f} ms"
                         + failures(search, bare_search)),
        figure("savings transactions/s, 8 HTTP clients", savings["rps"], "tx/s",
               300 if engine == "postgresql" else None,
               met=(savings["rps"] >= 300 and balanced and not savings["failures"])
               if engine == "postgresql" else None,
               note=("ledger exactly balanced" if balanced else "LEDGER NOT BALANCED")
               + f"; one share purchase a request, 8 groups; {setting}"
               + ("" if engine == "postgresql" else "; target is for PostgreSQL")
               + failures(savings)),
        figure("job list page of 20, JSON", len(page), "bytes", 16384, lower=True,
               note="GET /api/v1/jobs?limit=20"),
        figure("gzip when asked", 1.0 if gzipped else 0.0, "yes=1", 1.0,
               note=f"Accept-Encoding: gzip -> {len(zipped)} bytes"),
        figure("gunicorn worker RSS after the load", rss, "MB", 150, lower=True,
               note=f"largest of {workers} workers (VmRSS), {scale} data"),
    ]
    return out


def main() -> int:
    from bench.__main__ import run

    return run(["http_load"])


if __name__ == "__main__":
    raise SystemExit(main())
