"""Request input hygiene, before any schema sees it.

Catches what would otherwise surface deep inside a driver or hasher as a 500:
JSON that Python cannot parse (too deep, integers over 4,300 digits, ``NaN``),
numbers no column can hold, text that is not valid Unicode (lone surrogates) and
control characters such as NUL, which PostgreSQL refuses in text and which nobody
types on purpose. Applied to every body, whether it came with a Content-Length or
chunked (``__init__._check_request``).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from marshmallow import ValidationError, validate

from empower_api.i18n import N_, negotiate, plural, translate_in

MAX_DEPTH = 32
# The widest integer any column holds (PostgreSQL BIGINT, SQLite INTEGER).
MAX_INTEGER = 2**63 - 1
# C0 controls and DEL, except tab, line feed and carriage return (allowed in free text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FullMatch(validate.Regexp):
    """``validate.Regexp`` that must match the whole value: ``re.match`` with ``$`` lets a
    trailing newline through (``"Cook\\n"``), ``fullmatch`` does not. Patterns keep ``^…$``
    so the OpenAPI ``pattern`` (unanchored in JSON Schema) means the same. Use this,
    never ``validate.Regexp``."""

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class BadJson(ValueError):
    """The body is not JSON this service can parse."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 §6)")


def parse_json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:  # ValueError covers JSONDecodeError
        raise BadJson(str(type(error).__name__)) from None


def _walk(value: Any, path: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > MAX_DEPTH:
        yield path or "_schema", ...
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, key
            yield from _walk(inner, child, depth + 1)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}.{index}" if path else str(index), depth + 1)
    else:
        yield path or "_schema", value


def text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return N_("This is not valid text.")
    if _CONTROL.search(text):
        return N_("Control characters are not allowed.")
    return None


# URL rule -> the top-level list field whose items a view checks one by one (an offline
# batch: one bad item is rejected alone, the others still apply).
PER_ITEM_FIELDS: dict[str, str] = {}


def checked_per_item(rule: str, field: str) -> None:
    """Say that the view at ``rule`` checks each item of ``field`` itself (with
    ``find_problem`` on the item), so the request-wide check leaves those items to it."""
    PER_ITEM_FIELDS[rule] = field


def request_wide_part(body: Any, rule: str | None) -> Any:
    """What the request-wide check covers: the body, less the per-item list of ``rule``."""
    field = PER_ITEM_FIELDS.get(rule or "")
    if field and isinstance(body, Mapping) and isinstance(body.get(field), list):
        return {key: value for key, value in body.items() if key != field}
    return body


def find_problem(value: Any) -> tuple[str, str] | None:
    """The first field whose value cannot be accepted, with the reason; None if all fine."""
    for path, item in _walk(value, "", 0):
        if item is ...:
            return path, plural("Nested more than {num} level deep.",
                                "Nested more than {num} levels deep.", MAX_DEPTH)
        safe_path = path if text_problem(path) is None else "_schema"
        if isinstance(item, str) and (reason := text_problem(item)):
            return safe_path, reason
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
            return safe_path, N_("This number is too large.")
        if isinstance(item, float) and not math.isfinite(item):
            return safe_path, N_("This number is too large.")
    return None


_READ_SIZE = 64 * 1024


class BufferedBody:
    """WSGI middleware: a chunked body is read here (at most ``limit`` bytes, else 413)
    and handed on with a Content-Length, so every later check sees one kind of body.

    Without it a ``Transfer-Encoding: chunked`` request has no Content-Length and
    slipped past the size, content-type and content checks.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self.app(environ, start_response)
        limit = self.limit()
        stream, chunks, total = environ["wsgi.input"], [], 0
        while chunk := stream.read(min(_READ_SIZE, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                return self._too_large(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        environ["CONTENT_LENGTH"] = str(total)
        del environ["HTTP_TRANSFER_ENCODING"]
        environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)

    @staticmethod
    def _too_large(environ: dict[str, Any], start_response: Callable[..., Any]
                   ) -> Iterable[bytes]:
        # Before Flask: no user yet, so the language comes from Accept-Language alone.
        tag = negotiate(environ.get("HTTP_ACCEPT_LANGUAGE"))
        body = json.dumps({"type": "/problems/payload_too_large",
                           "title": translate_in(tag, N_("Content Too Large")), "status": 413,
                           "detail": translate_in(tag, N_("The request body is too large.")),
                           "code": "payload_too_large"}).encode()
        start_response("413 Content Too Large", [
            ("Content-Type", "application/problem+json"), ("Content-Length", str(len(body))),
            ("Content-Language", tag), ("Cache-Control", "no-store"), ("Connection", "close")])
        return [body]
