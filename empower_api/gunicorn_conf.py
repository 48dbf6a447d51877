"""gunicorn settings for production: ``gunicorn -c python:empower_api.gunicorn_conf``.

(``gunicorn.conf.py`` at the repository root imports this, so a plain ``gunicorn`` run
from a checkout picks it up.) Read from the environment:

- ``WEB_CONCURRENCY``: worker processes (default ``2 × cores + 1``);
- ``GUNICORN_BIND``: where to listen (default ``0.0.0.0:$PORT``, ``PORT`` default 8000);
- ``GUNICORN_TIMEOUT``: seconds before a silent worker is restarted (default 30);
- ``PROMETHEUS_MULTIPROC_DIR``: where workers keep their metric files; when unset, a
  fresh temporary folder. Every worker writes its own, ``/metrics`` sums them, and a
  dead worker's files are marked (``child_exit``), so every scrape sees the whole server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Before anything imports prometheus_client: the value class is chosen at import time.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      tempfile.mkdtemp(prefix="empower-metrics-"))

from empower_api.config import default_web_concurrency

wsgi_app = "empower_api:create_app()"
workers = int(os.environ.get("WEB_CONCURRENCY") or default_web_concurrency())
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
keepalive = 5
# A restarted worker starts clean: bounded memory whatever a long-lived process leaks.
max_requests = 5000
max_requests_jitter = 500
# The longest request line gunicorn parses (its maximum): a search with a 200-character
# CJK query (percent-encoded) and a cursor stays far below it.
limit_request_line = 8190
# The app logs each request itself (route template, no query string, no PII).
accesslog = None
errorlog = "-"


def on_starting(server: Any) -> None:
    """Empty the metrics folder (no counts from a previous run), then check the
    configuration once in the master: a missing secret exits 2 with one line each,
    instead of every worker failing in a loop. Several workers in production need
    shared rate-limit storage (``config.check_limiter_storage``, with the real ``-w``,
    known only here: it may override ``WEB_CONCURRENCY``)."""
    from empower_api.config import check_limiter_storage

    check_limiter_storage(
        os.environ.get("EMPOWER_ENV", "development").strip().lower(), server.cfg.workers,
        os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL"))
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    from empower_api import create_app

    create_app()


def child_exit(server: Any, worker: Any) -> None:
    """A worker died: keep its counters in the sums, drop its live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
