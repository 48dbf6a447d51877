"""Under gunicorn with several workers, every /metrics scrape sees the whole server."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.foundation.test_settings import SECRETS

ROOT = Path(__file__).resolve().parents[2]
HEALTHZ = re.compile(
    r'^empower_http_requests_total\{endpoint="/healthz",method="GET",status="200"\} (\S+)$',
    re.M)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def gunicorn(tmp_path):
    port = int(os.environ.get("TEST_GUNICORN_PORT") or free_port())
    metrics = tmp_path / "metrics"
    env = {"PATH": os.environ.get("PATH", ""), "EMPOWER_ENV": "testing", **SECRETS,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "WEB_CONCURRENCY": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "PROMETHEUS_MULTIPROC_DIR": str(metrics),
           "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    binary = str(Path(sys.executable).with_name("gunicorn"))
    master = subprocess.Popen([binary, "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield master, port, metrics
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait(timeout=10)


def test_two_workers_report_aggregated_counters(gunicorn):
    master, port, metrics = gunicorn
    sent = 0
    for _ in range(120):  # up to 60 s for both workers to boot
        try:
            sent += get(port, "/healthz")[0] == 200
            if len(list(metrics.glob("counter_*.db"))) >= 1 and sent >= 1:
                break
        except OSError:
            time.sleep(0.5)
        assert master.poll() is None, master.stderr.read().decode()[-2000:] if master.stderr \
            else ""
    lock = threading.Lock()

    def burst() -> None:
        nonlocal sent
        for _ in range(15):
            if get(port, "/healthz")[0] == 200:
                with lock:
                    sent += 1

    pids: set[str] = set()
    for _ in range(10):  # concurrent clients until both workers have served
        threads = [threading.Thread(target=burst) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pids = {re.sub(r"\D", "", p.name) for p in metrics.glob("counter_*.db")}
        if len(pids) >= 2:
            break
    assert len(pids) >= 2, "both workers served requests"
    scrapes = []
    for _ in range(6):  # each scrape may land on either worker
        status, text = get(port, "/metrics")
        assert status == 200
        scrapes.append(float(HEALTHZ.search(text).group(1)))
    assert scrapes == [sent] * 6
