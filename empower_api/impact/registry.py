"""The registry of impact figure providers: each domain computes raw figures; the
impact service alone filters nothing but suppresses small cells, so no provider can
forget to.

A provider is ``fn(session, window) -> CountFigure | MoneyFigure`` registered under
one of the names in ``FIGURES``. Survivor-derived figures must count only survivors
who allow it: put ``consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, <user id column>)``
in the provider's WHERE clause. Months are UTC calendar months, ``"YYYY-MM"``; use
``month_of(column)`` to group by them on any engine. Money is integer minor units per
ISO 4217 currency, never summed across currencies, with the number of distinct
survivors who contributed (suppression needs it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement


class Kind(StrEnum):
    COUNT = "count"
    MONEY = "money"


# Every figure GET /impact shows, in order; a figure without a provider is null.
FIGURES: dict[str, Kind] = {
    "jobs_published": Kind.COUNT,
    "applications": Kind.COUNT,
    "hires": Kind.COUNT,
    "courses_completed": Kind.COUNT,
    "credentials_issued": Kind.COUNT,
    "savings_groups_active": Kind.COUNT,
    "total_saved_amount": Kind.MONEY,
    "grants_disbursed_amount": Kind.MONEY,
}

# Modules whose import registers providers (other domains add theirs here).
PROVIDER_MODULES = ("empower_api.impact.providers",)


@dataclass(frozen=True)
class Window:
    """The months shown by month: ``months`` (oldest first) from ``since`` to now."""

    since: datetime
    months: list[str]


@dataclass
class CountFigure:
    overall: int
    by_month: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Total:
    amount: int  # integer minor units of the currency
    contributors: int  # distinct survivors whose records make up the amount


@dataclass
class MoneyFigure:
    overall: dict[str, Total]  # by ISO 4217 currency
    by_month: dict[str, dict[str, Total]] = field(default_factory=dict)


Provider = Callable[[Session, Window], CountFigure | MoneyFigure]
_providers: dict[str, Provider] = {}


def register_figure(name: str) -> Callable[[Provider], Provider]:
    """Register the provider of one figure of ``FIGURES`` (a typo fails at import)."""
    if name not in FIGURES:
        raise KeyError(f"unknown impact figure {name!r}")

    def decorator(fn: Provider) -> Provider:
        _providers[name] = fn
        return fn

    return decorator


def providers() -> dict[str, Provider]:
    for module in PROVIDER_MODULES:
        importlib.import_module(module)
    return dict(_providers)


class month_of(FunctionElement[str]):
    """``'YYYY-MM'`` of a UTC datetime column, on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM')"
