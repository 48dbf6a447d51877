"""The request path: an authenticated trivial GET against a bare Flask endpoint.

Issue #15 targets: ``GET /api/v1/me`` under gunicorn reaches at least 0.6 of the
requests/s of a bare Flask endpoint returning the same JSON (``bench/bare_app.py``),
and anonymous job search served by the response cache reaches at least 0.5 of the
bare app serving the same pages; same run, same worker count (one sync worker each),
same load tool: ``wrk`` when installed, else Locust in headless mode. The search
figure replays ``SEARCHES`` (a warm cache: every page is a hit after the warm-up).
Also printed: the CPU time of one in-process ``GET /me`` and ``GET /healthz``
(Flask's test client; CPU time, not wall time, so other processes on a shared
machine do not move it).

The API runs as deployed (``empower_api.gunicorn_conf``, ``EMPOWER_ENV=production``:
rate limiter on, one JSON log line per request, Prometheus metrics), except
``--max-requests 0`` so no worker restart falls inside a timed run.

    .venv/bin/python bench/request_path.py [--scale small|reference|large]

``DATABASE_URL`` picks the database (default: a fresh SQLite file); a signed-in bench
user is added to it. ``BENCH_PORT_BASE`` fixes the two ports used (default: any free).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
SECONDS = {"small": 4.0, "reference": 10.0, "large": 10.0}
CLIENTS = 4
ME_TARGET = 0.6
SEARCH_TARGET = 0.5
SEARCHES = [
    "/api/v1/jobs?q=warehouse", "/api/v1/jobs?q=customer+service&sort=newest",
    "/api/v1/jobs?q=cook&min_pay=1500", "/api/v1/jobs?region=Illinois&sort=pay",
    "/api/v1/jobs?q=cleaning&languages=es", "/api/v1/jobs?sort=newest",
    "/api/v1/jobs?q=night", "/api/v1/jobs?q=it+support",
]


def _ports() -> tuple[int, int]:
    base = os.environ.get("BENCH_PORT_BASE")
    if base:
        return int(base), int(base) + 1
    found = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            found.append(s.getsockname()[1])
    return found[0], found[1]


def bench_environment(database_url: str) -> dict[str, str]:
    """Production settings with fresh secrets, shared by this process and gunicorn."""
    from empower_api.config import SECRET_VARIABLES

    env = {**os.environ, "EMPOWER_ENV": "production", "DATABASE_URL": database_url,
           "LOG_LEVEL": "INFO", "WEB_CONCURRENCY": "1"}
    env.update({name: make() for name, make in SECRET_VARIABLES.items()})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def signed_in_token(env: dict[str, str]) -> tuple[Any, str]:
    """``(app, access token)`` of a fresh bench survivor in ``env``'s database."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from empower_api import create_app
        from empower_api.accounts import service
        from empower_api.accounts.models import Role, User
        from empower_api.db import db
        from empower_api.jobs.models import Job
        from empower_api.jobs.seed import seed_reference_jobs
        from empower_api.models import metadata

        app = create_app()
        with app.app_context():
            metadata.create_all(db.engine)  # a fresh database; a seeded one is kept
            user = User(role=Role.SURVIVOR, anonymous=True, languages=["en"], skills=[],
                        alias=f"bench{secrets.token_hex(4)}",
                        password_hash="!")  # nobody signs in with a password
            user.alias_key = user.alias
            db.session.add(user)
            db.session.flush()
            token = service.start_session(db.session, user, "bench").access_token
            db.session.commit()
            if db.session.scalar(select(func.count()).select_from(Job)) == 0:
                seed_reference_jobs(db.session, jobs=2_000, employers=100)
                db.session.commit()
        return app, token
    finally:
        os.environ.clear()
        os.environ.update(saved)


def cpu_ms_per_request(client: Any, path: str, headers: dict[str, str],
                       rounds: int = 5, batch: int = 200) -> float:
    """Median over ``rounds`` of the process CPU time of one request, in ms."""
    for _ in range(50):
        assert client.get(path, headers=headers).status_code == 200, path
    results = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(batch):
            client.get(path, headers=headers)
        results.append((time.process_time() - started) * 1000 / batch)
    return statistics.median(results)


def _wait_ready(port: int, path: str, headers: dict[str, str], timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered 200 on port {port} for {path}")


def gunicorn(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """One sync worker, logs discarded (the API still formats its log line)."""
    binary = str(Path(sys.executable).with_name("gunicorn"))
    return subprocess.Popen([binary, "-w", "1", "-k", "sync", *args], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def load_tool() -> str | None:
    """``wrk`` when on PATH, else ``locust`` when installed, else None."""
    if shutil.which("wrk"):
        return "wrk"
    if shutil.which("locust") or Path(sys.executable).with_name("locust").exists():
        return "locust"
    return None


_WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""

_LOCUSTFILE = """
import json, os
from locust import FastHttpUser, constant, task
PATHS = json.loads(os.environ["LOAD_PATHS"])
HEADERS = json.loads(os.environ["LOAD_HEADERS"])
class Client(FastHttpUser):
    wait_time = constant(0)
    turn = 0
    @task
    def get(self):
        self.turn += 1
        self.client.get(PATHS[self.turn % len(PATHS)], headers=HEADERS, name="all")
"""


def drive(tool: str, port: int, paths: list[str], headers: dict[str, str],
          seconds: float, workdir: Path) -> float:
    """Requests/s that ``CLIENTS`` keep-alive clients get from ``port`` over ``paths``."""
    if tool == "wrk":
        script = workdir / "paths.lua"
        script.write_text(_WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{max(1, round(seconds))}s",
                   "-s", str(script)]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True,
                             text=True, check=True).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors:\n{out}")
        return float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))  # type: ignore[union-attr]
    locustfile = workdir / "locustfile.py"
    locustfile.write_text(_LOCUSTFILE)
    prefix = workdir / "locust"
    subprocess.run(
        [str(Path(sys.executable).with_name("locust")), "-f", str(locustfile), "--headless",
         "-u", str(CLIENTS), "-r", str(CLIENTS), "-t", f"{max(1, round(seconds))}s",
         "-H", f"http://127.0.0.1:{port}", "--only-summary", "--csv", str(prefix)],
        env={**os.environ, "LOAD_PATHS": json.dumps(paths), "LOAD_HEADERS": json.dumps(headers)},
        capture_output=True, check=True)
    rows = (prefix.parent / f"{prefix.name}_stats.csv").read_text().splitlines()
    header = rows[0].split(",")
    for row in rows[1:]:
        cells = row.split(",")
        if cells[header.index("Name")] == "Aggregated":
            if int(cells[header.index("Failure Count")]):
                raise RuntimeError("locust saw failed requests")
            return float(cells[header.index("Requests/s")])
    raise RuntimeError("locust wrote no totals")


def compare(env: dict[str, str], paths: list[str], headers: dict[str, str],
            bodies: dict[str, Any], seconds: float) -> tuple[float, float, str]:
    """``(api req/s, bare req/s, tool)``: the API and the bare app, one after the other."""
    tool = load_tool()
    if tool is None:
        raise RuntimeError("no load tool: install wrk, or Locust (pip install locust)")
    api_port, bare_port = _ports()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "bodies.json").write_text(json.dumps(bodies))
        metrics = workdir / "metrics"
        metrics.mkdir()
        api = gunicorn(["-c", "python:empower_api.gunicorn_conf", "--max-requests", "0",
                        "-b", f"127.0.0.1:{api_port}"],
                       {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, ROOT)
        try:
            _wait_ready(api_port, paths[0], headers)
            drive(tool, api_port, paths, headers, 1.0, workdir)  # warm-up
            api_rate = drive(tool, api_port, paths, headers, seconds, workdir)
        finally:
            stop(api)
        bare = gunicorn(["-b", f"127.0.0.1:{bare_port}", "bare_app:app"],
                        {**env, "BARE_BODIES": str(workdir / "bodies.json")}, BENCH)
        try:
            _wait_ready(bare_port, paths[0], headers)
            drive(tool, bare_port, paths, headers, 1.0, workdir)
            bare_rate = drive(tool, bare_port, paths, headers, seconds, workdir)
        finally:
            stop(bare)
    return api_rate, bare_rate, tool


def figures(scale: str, database_url: str) -> list[dict[str, Any]]:
    """The request-path figures: in-process CPU per request, and the gunicorn ratio.

    ``database_url`` empty: a fresh SQLite file. Raises ``RuntimeError`` when a server
    does not start or the load tool reports errors.
    """
    seconds = SECONDS.get(scale, SECONDS["reference"])
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'request_path.db'}"
        env = bench_environment(url)
        app, token = signed_in_token(env)
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        me_ms = cpu_ms_per_request(client, "/api/v1/me", headers)
        health_ms = cpu_ms_per_request(client, "/healthz", {})
        body = client.get("/api/v1/me", headers=headers).get_json()
        api_rate, bare_rate, tool = compare(env, ["/api/v1/me"], headers,
                                            {"/api/v1/me": body}, seconds)
        pages = {path: client.get(path).get_json() for path in SEARCHES}
        search_rate, floor_rate, _ = compare(
            {**env, "RATELIMIT_SEARCH": "100000000/minute"}, SEARCHES, {}, pages, seconds)
    ratio = api_rate / bare_rate
    search_ratio = search_rate / floor_rate
    same_run = f"same run, {tool}, {CLIENTS} clients, 1 sync worker each, {seconds:.0f} s"
    return [
        {"name": "in-process GET /me, CPU per request", "value": round(me_ms, 3),
         "unit": "ms", "target": None, "met": None,
         "note": f"GET /healthz in the same run: {health_ms:.3f} ms"},
        {"name": "gunicorn GET /me", "value": round(api_rate, 1), "unit": "req/s",
         "target": None, "met": None, "note": same_run},
        {"name": "gunicorn bare Flask, same JSON", "value": round(bare_rate, 1),
         "unit": "req/s", "target": None, "met": None, "note": same_run},
        {"name": "GET /me / bare Flask", "value": round(ratio, 3), "unit": "ratio",
         "target": f">= {ME_TARGET}", "met": ratio >= ME_TARGET, "note": same_run},
        {"name": "gunicorn cached job search", "value": round(search_rate, 1),
         "unit": "req/s", "target": None, "met": None,
         "note": f"{len(SEARCHES)} anonymous searches, warm cache; {same_run}"},
        {"name": "gunicorn bare Flask, same pages", "value": round(floor_rate, 1),
         "unit": "req/s", "target": None, "met": None, "note": same_run},
        {"name": "cached search / bare Flask", "value": round(search_ratio, 3),
         "unit": "ratio", "target": f">= {SEARCH_TARGET}", "met": search_ratio >= SEARCH_TARGET,
         "note": same_run},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="reference", choices=sorted(SECONDS))
    args = parser.parse_args()
    for figure in figures(args.scale, os.environ.get("DATABASE_URL", "")):
        target = f"  (target {figure['target']}: {'met' if figure['met'] else 'NOT met'})" \
            if figure["target"] else ""
        print(f"{figure['name']:<40} {figure['value']:>10} {figure['unit']:<6}{target}  "
              f"{figure['note']}")


if __name__ == "__main__":
    main()
