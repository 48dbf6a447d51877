"""``GET /impact``: every registered figure, overall and by month, suppressed.

Small-cell suppression (the rule every figure passes through here):

- a count under ``SUPPRESSION_THRESHOLD`` (5) is shown as null, zero included;
- a money total is shown only when at least 5 distinct survivors contributed to it;
  a currency below that is left out of the list;
- within a figure's months, if any month is hidden while not zero, the smallest
  shown month is hidden too, so the overall minus the shown months never gives away
  a group smaller than 5.

Only survivors who granted ``include_in_impact_figures`` are counted (each provider
filters with ``consents.service.consented``). The result is cached in process for
``IMPACT_CACHE_SECONDS`` and dropped when anyone changes that consent here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from empower_api.consents.service import Purpose, on_change
from empower_api.db import utcnow
from empower_api.impact.registry import (
    FIGURES,
    CountFigure,
    Kind,
    MoneyFigure,
    Total,
    Window,
    providers,
)

SUPPRESSION_THRESHOLD = 5
MONTHS_SHOWN = 12


def window(now: datetime, months: int = MONTHS_SHOWN) -> Window:
    """The last ``months`` UTC calendar months, the current one included."""
    year, month = now.year, now.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first_year, first_month = (int(part) for part in keys[0].split("-"))
    return Window(since=datetime(first_year, first_month, 1, tzinfo=UTC), months=keys)


def _count(value: int) -> int | None:
    return value if value >= SUPPRESSION_THRESHOLD else None


def _protect(cells: dict[str, int], shown: dict[str, Any]) -> None:
    """Hide the smallest shown month when a non-zero month is hidden (in place)."""
    hidden_nonzero = any(cells[m] and shown[m] is None for m in cells)
    visible = [m for m in cells if shown[m] is not None]
    if hidden_nonzero and visible:
        shown[min(visible, key=lambda m: (cells[m], m))] = None


def _suppress_counts(figure: CountFigure, months: list[str]) -> tuple[Any, dict[str, Any]]:
    cells = {m: figure.by_month.get(m, 0) for m in months}
    shown: dict[str, Any] = {m: _count(v) for m, v in cells.items()}
    _protect(cells, shown)
    return _count(figure.overall), shown


def _money(totals: dict[str, Total]) -> list[dict[str, Any]]:
    return [{"currency": currency, "amount": total.amount}
            for currency, total in sorted(totals.items())
            if total.contributors >= SUPPRESSION_THRESHOLD]


def _suppress_money(figure: MoneyFigure, months: list[str]) -> tuple[Any, dict[str, Any]]:
    currencies = set(figure.overall)
    for totals in figure.by_month.values():
        currencies.update(totals)
    kept: dict[str, dict[str, Total]] = {m: {} for m in months}
    for currency in currencies:
        cells = {m: figure.by_month.get(m, {}).get(currency, Total(0, 0)) for m in months}
        people = {m: total.contributors for m, total in cells.items()}
        shown: dict[str, Any] = {
            m: total if total.contributors >= SUPPRESSION_THRESHOLD else None
            for m, total in cells.items()}
        _protect(people, shown)
        for m, total in shown.items():
            if total is not None:
                kept[m][currency] = total
    return _money(figure.overall), {m: _money(kept[m]) for m in months}


def compute(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """Build the figures: ``{"generated_at", "suppression_threshold", <figure>: value,
    "by_month": [{"month": "YYYY-MM", <figure>: value, ...}]}``.

    Counts are integers or null; money figures are lists of ``{"currency", "amount"}``
    (integer minor units) or null when no domain provides them yet.
    """
    now = now or utcnow()
    span = window(now)
    registered = providers()
    overall: dict[str, Any] = {}
    monthly: dict[str, dict[str, Any]] = {m: {} for m in span.months}
    for name, kind in FIGURES.items():
        provider = registered.get(name)
        if provider is None:
            overall[name] = None
            for m in span.months:
                monthly[m][name] = None
            continue
        figure = provider(session, span)
        if kind == Kind.COUNT:
            assert isinstance(figure, CountFigure)
            overall[name], by_month = _suppress_counts(figure, span.months)
        else:
            assert isinstance(figure, MoneyFigure)
            overall[name], by_month = _suppress_money(figure, span.months)
        for m in span.months:
            monthly[m][name] = by_month[m]
    return {
        "generated_at": now.replace(microsecond=0),
        "suppression_threshold": SUPPRESSION_THRESHOLD,
        **overall,
        "by_month": [{"month": m, **monthly[m]} for m in span.months],
    }


def cache_seconds() -> int:
    return int(current_app.config.get("IMPACT_CACHE_SECONDS", 300))


def cached_figures(session: Session) -> dict[str, Any]:
    """The figures, recomputed at most once per ``IMPACT_CACHE_SECONDS`` per process."""
    cache = current_app.extensions.setdefault("impact_cache", {})
    entry = cache.get("figures")
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]  # type: ignore[no-any-return]
    figures = compute(session)
    cache["figures"] = (time.monotonic() + cache_seconds(), figures)
    return figures


def clear_cache() -> None:
    current_app.extensions.setdefault("impact_cache", {}).clear()


@on_change
def _consent_changed(purpose: str) -> None:
    # A withdrawal shows in the next response of this process, not after the cache expires.
    if purpose == Purpose.INCLUDE_IN_IMPACT_FIGURES:
        clear_cache()
