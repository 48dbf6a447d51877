"""One time format for the whole API: RFC 3339, UTC, ``Z``, whole seconds.

Every datetime the API writes (JSON bodies, exports, JSON-LD) goes through
:func:`rfc3339`; every datetime field in a schema is a :class:`UtcDateTime`, which
reads any RFC 3339 offset (``-08:00``, ``+05:30``, ``Z``), converts it to UTC and
refuses a naive value, and writes the same form as :func:`rfc3339`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import fields

# Whole seconds: sub-second precision tells a client nothing it needs, and fixed width
# keeps list pages small and sortable as strings.
RFC3339_UTC = "%Y-%m-%dT%H:%M:%SZ"


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is taken to be UTC already (how SQLite stores it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rfc3339(value: datetime | None) -> str | None:
    """``2027-03-14T10:30:00Z`` for any datetime (converted to UTC first), or None."""
    if value is None:
        return None
    return to_utc(value).strftime(RFC3339_UTC)


class UtcDateTime(fields.AwareDateTime):
    """An RFC 3339 datetime: loads with any offset and converts to UTC; dumps as
    :func:`rfc3339`. A value without an offset is refused (the client meant some zone)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return rfc3339(value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        return to_utc(super()._deserialize(value, attr, data, **kwargs))
