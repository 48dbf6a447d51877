"""What every benchmark module shares: one figure's shape, the bench database, its app.

A module that measures something for the table exposes
``figures(scale: str, database_url: str) -> list[dict]``; each dict is made by
``figure`` and has the keys ``name, value, unit, target, met, note``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def figure(name: str, value: float | None, unit: str, target: float | None, *,
           met: bool | None = None, note: str = "", lower: bool = False) -> dict[str, Any]:
    """One row of the table. ``met`` defaults to the comparison with ``target``:
    ``value < target`` when ``lower`` (times, bytes, MB), else ``value >= target``
    (ratios, throughput); ``None`` when there is no target or no value."""
    if met is None and target is not None and value is not None:
        met = value < target if lower else value >= target
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met,
            "note": note, "lower": lower}


def database_url(scale: str) -> str:
    """``DATABASE_URL`` when set, else a SQLite file per scale under instance/bench/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{scale}.db'}"


def bench_app(url: str, **overrides: Any) -> Any:
    """The app on ``url`` with the rate limiter off (one client address sends
    everything) and logs at WARNING."""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    from empower_api import create_app

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, **overrides})
    logging.getLogger().setLevel(logging.WARNING)
    return app
