"""Celery tasks for jobs."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, Any] = {}
