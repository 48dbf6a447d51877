"""Money: ISO 4217 currencies with their minor-unit digits, and amount fields.

Every amount in the API is an integer of minor units beside its currency code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.i18n import N_

_THREE = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
_ZERO = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
    "VND", "VUV", "XAF", "XOF", "XPF",
}
_TWO = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP",
    "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD",
    "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR",
    "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON",
    "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR", "ZMW", "ZWL",
}

MINOR_UNIT_DIGITS: dict[str, int] = {
    **{code: 2 for code in _TWO}, **{code: 0 for code in _ZERO}, **{code: 3 for code in _THREE}
}


def is_currency(code: str) -> bool:
    return code in MINOR_UNIT_DIGITS


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units to an exact decimal amount in major units (12550 USD → 125.50)."""
    return Decimal(amount).scaleb(-MINOR_UNIT_DIGITS[currency])


# Far above any posting's pay or any group's needs, far below BigInteger overflow in sums.
MAX_AMOUNT = 10**12
CURRENCY_ERROR = N_("Use an ISO 4217 currency code like 'USD'.")


def validate_currency(value: str) -> None:
    """marshmallow validator: an ISO 4217 code in use, in capitals."""
    if not is_currency(value):
        raise ma.ValidationError(CURRENCY_ERROR)


def amount_field(*, minimum: int = 0, **kw: Any) -> fields.Integer:
    """An amount in minor units: a strict integer from ``minimum`` to ``MAX_AMOUNT``."""
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_AMOUNT), **kw)
