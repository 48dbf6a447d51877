"""gunicorn settings read from the working directory: refuse several workers in
production without shared rate-limit storage (see config.check_limiter_storage)."""

from __future__ import annotations

import os
from typing import Any


def on_starting(server: Any) -> None:
    from empower_api.config import check_limiter_storage

    check_limiter_storage(
        os.environ.get("EMPOWER_ENV", "development").strip().lower(), server.cfg.workers,
        os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL"))
