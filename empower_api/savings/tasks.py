"""Celery tasks for savings."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, Any] = {}
