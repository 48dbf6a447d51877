"""Opaque, signed keyset cursors for every list: ``{"items": [...], "next_cursor"}``.

A cursor holds the sort-key values of the last item of a page, signed with the
app's secret so a client cannot forge one; a malformed or tampered cursor is a 422
on the ``cursor`` field. Pages never need a ``COUNT``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import marshmallow as ma
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from empower_api.errors import Invalid

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageQuerySchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A ``{"items": [...], "next_cursor": ...}`` schema for one item schema."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(allow_none=True, required=True),
        },
    )


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _serializer(scope: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"cursor:{scope}")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "u" in value:
            return uuid.UUID(value["u"])
    if value is None or isinstance(value, int | float | str | bool):
        return value
    raise ValueError("bad cursor value")


def scoped(base: str, **filters: Any) -> str:
    """A cursor scope bound to a list's filters: ``"jobs:3f1c…"``.

    A cursor signed for one query then fails the signature check under another (a 422
    on ``cursor``), instead of positioning a different result set by foreign sort keys.
    ``filters`` are JSON-serialisable values (others by ``str``); ``cursor`` and
    ``limit`` do not belong in them (a page may change its size).
    """
    digest = hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode())
    return f"{base}:{digest.hexdigest()[:32]}"


def query_scope(base: str, query: Mapping[str, Any]) -> str:
    """:func:`scoped` for a whole loaded search query (``{"q": …, "limit": …, …}``):
    every parameter but the paging ones, ``cursor`` and ``limit``."""
    return scoped(base, **{name: value for name, value in query.items()
                           if name not in ("cursor", "limit")})


def encode_cursor(values: Sequence[Any], scope: str) -> str:
    return _serializer(scope).dumps([_encode_value(v) for v in values])


def decode_cursor(token: str, scope: str, size: int) -> list[Any]:
    """Decode a cursor or raise ``Invalid('cursor', ...)``."""
    try:
        raw = _serializer(scope).loads(token)
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError("bad cursor shape")
        return [_decode_value(v) for v in raw]
    except (BadSignature, ValueError, TypeError):
        raise Invalid("cursor", "This cursor is not valid; start again from the first page.")


@dataclass(frozen=True)
class SortKey:
    column: Any
    descending: bool = False
    attribute: str | None = None  # attribute on the item, when it differs from the column key


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order given by ``keys`` (mixed directions)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        step = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    keys: Sequence[SortKey],
    limit: int,
    cursor: str | None,
    scope: str,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
) -> Page[Any]:
    """Run ``stmt`` as one keyset page ordered by ``keys`` (the last must be unique)."""
    if cursor:
        stmt = stmt.where(_after(keys, decode_cursor(cursor, scope, len(keys))))
    order = [k.column.desc() if k.descending else k.column.asc() for k in keys]
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        values = (
            key_of(last)
            if key_of
            else [getattr(last, k.attribute or k.column.key) for k in keys]
        )
        next_cursor = encode_cursor(values, scope)
    return Page(items=rows, next_cursor=next_cursor)
