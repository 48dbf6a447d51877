"""Demo data for jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def load(session: Session, context: dict[str, Any]) -> None:
    return None
