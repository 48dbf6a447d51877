"""Job search under gunicorn versus a bare Flask endpoint, in the same run.

DESIGN.md §6: search throughput at least half of a bare Flask endpoint returning a
same-sized JSON page from memory; one worker under 150 MB RSS on the reference data.

    .venv/bin/flask --app empower_api bench seed --jobs 100000     # once, into DATABASE_URL
    .venv/bin/python bench/gunicorn_search.py [seconds] [clients]

Both servers run with one sync worker on 127.0.0.1; the same keep-alive client
threads drive each for the same time. It prints requests/s, the ratio, latency
percentiles and the worker's peak RSS (VmHWM).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

QUERIES = [
    "/api/v1/jobs?q=warehouse&workplace=onsite&flexible_schedule=true",
    "/api/v1/jobs?q=customer+service&employment_type=part_time&sort=newest",
    "/api/v1/jobs?q=cook&min_pay=1500",
    "/api/v1/jobs?region=Illinois&sort=pay",
    "/api/v1/jobs?q=cleaning&languages=es",
    "/api/v1/jobs?skills=forklift,inventory&sort=newest",
]

BARE_APP = '''
import json, os
from flask import Flask, Response
app = Flask(__name__)
PAGE = open(os.environ["BARE_PAGE"], "rb").read()
@app.get("/api/v1/jobs")
def jobs():
    return Response(PAGE, mimetype="application/json")
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def start(app_spec: str, port: int, env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return subprocess.Popen(
        [gunicorn, "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", app_spec],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def worker_peak_rss_mb(master: subprocess.Popen[bytes]) -> float | None:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    if not children.exists():
        return None
    for pid in children.read_text().split():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def drive(port: int, paths: list[str], seconds: float, clients: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    count = 0
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(offset: int) -> None:
        nonlocal count
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = offset
        local: list[float] = []
        while time.time() < stop:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            local.append(time.perf_counter() - t0)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
        with lock:
            latencies.extend(local)
            count += len(local)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count, latencies


def report(name: str, count: int, latencies: list[float], seconds: float) -> float:
    rate = count / seconds
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0
    print(f"{name:>10}: {rate:8.1f} req/s  median {statistics.median(ordered) * 1000:6.2f} ms  "
          f"p99 {p99 * 1000:6.2f} ms  ({count} requests)")
    return rate


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}

    api_port = free_port()
    api = start("empower_api:create_app()", api_port, env, root)
    try:
        wait_ready(api_port, QUERIES[0])
        conn = http.client.HTTPConnection("127.0.0.1", api_port)
        conn.request("GET", QUERIES[0] + "&limit=20")
        page = conn.getresponse().read()
        drive(api_port, QUERIES, 1.0, clients)  # warm-up
        api_count, api_lat = drive(api_port, QUERIES, seconds, clients)
        rss = worker_peak_rss_mb(api)
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(10)

    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "page.json"
        page_file.write_bytes(page)
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        bare_port = free_port()
        bare = start("bare_app:app", bare_port, {**env, "BARE_PAGE": str(page_file)}, tmp)
        try:
            wait_ready(bare_port, "/api/v1/jobs")
            drive(bare_port, ["/api/v1/jobs"], 1.0, clients)
            bare_count, bare_lat = drive(bare_port, ["/api/v1/jobs"], seconds, clients)
        finally:
            bare.send_signal(signal.SIGTERM)
            bare.wait(10)

    print(f"gunicorn, 1 sync worker, {clients} keep-alive clients, {seconds:.0f} s each; "
          f"page of {len(json.loads(page)['items'])} items, {len(page)} bytes")
    api_rate = report("search", api_count, api_lat, seconds)
    bare_rate = report("bare", bare_count, bare_lat, seconds)
    print(f"ratio search/bare: {api_rate / bare_rate:.2f} (target >= 0.50)")
    if rss is not None:
        print(f"search worker peak RSS: {rss:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
