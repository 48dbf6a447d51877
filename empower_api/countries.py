"""Countries: ISO 3166-1 alpha-2 codes, the ``country`` field and ``DEFAULT_COUNTRY``.

The list of codes is ISO 3166-1 as the Debian iso-codes project keeps it, shipped
by ``pycountry`` (249 officially assigned codes). Only officially assigned codes
count: ``UK`` (exceptionally reserved; the United Kingdom is ``GB``), user-assigned
codes such as ``XK`` or ``XX``, and groupings such as ``EU`` are refused. The list
changes only when ISO assigns or withdraws a code, which reaches us with a
``pycountry`` release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
import pycountry
from marshmallow import fields

from empower_api.i18n import N_
from empower_api.inputs import FullMatch

COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)

# Where existing data lives when nothing else is configured: the demo employers, the
# test data and every amount in the examples are in the United States (USD).
FALLBACK_DEFAULT_COUNTRY = "US"
SETTING = "DEFAULT_COUNTRY"

COUNTRY_ERROR = N_("Use an ISO 3166-1 alpha-2 country code in capitals, like 'GB' or 'US'.")


def is_country(code: Any) -> bool:
    """True for an officially assigned ISO 3166-1 alpha-2 code written in capitals."""
    return isinstance(code, str) and code in COUNTRY_CODES


def validate_country(value: str) -> None:
    """marshmallow validator: raises ``ValidationError(COUNTRY_ERROR)`` unless
    ``is_country(value)`` (so ``"gb"``, ``"UK"``, ``"XX"``, ``"GBR"`` and ``""`` fail)."""
    if not is_country(value):
        raise ma.ValidationError(COUNTRY_ERROR)


def country_field(**kw: Any) -> fields.String:
    """A ``country`` field: two capitals (the OpenAPI ``pattern``) naming a real country."""
    kw.setdefault("metadata", {})
    kw["metadata"].setdefault(
        "description", "ISO 3166-1 alpha-2 code in capitals (the United Kingdom is `GB`).")
    return fields.String(validate=[FullMatch(r"^[A-Z]{2}$", error=COUNTRY_ERROR),
                                   _assigned_country], **kw)


def _assigned_country(value: str) -> None:
    # Two capitals that name no country; any other shape the pattern already refused,
    # with the same message, which is said once.
    if re.fullmatch(r"[A-Z]{2}", value or ""):
        validate_country(value)


def default_country_setting(env: Mapping[str, str]) -> str:
    """``DEFAULT_COUNTRY`` from the environment, upper-cased (``gb`` → ``GB``); unset or
    blank is ``FALLBACK_DEFAULT_COUNTRY``. Raises ``ValueError`` naming the setting
    when it is not a country. Used by ``config.build_config`` and by the migration
    that added ``country`` (so both fall back to the same country)."""
    value = (env.get(SETTING) or "").strip().upper() or FALLBACK_DEFAULT_COUNTRY
    if not is_country(value):
        raise ValueError(f"{SETTING} must be an ISO 3166-1 alpha-2 country code, like GB "
                         f"(default {FALLBACK_DEFAULT_COUNTRY})")
    return value
