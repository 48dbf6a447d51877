"""Request input hygiene, before any schema sees it.

Catches what would otherwise surface deep inside a driver or hasher as a 500:
JSON that Python cannot parse (too deep, integers over 4,300 digits), text that is
not valid Unicode (lone surrogates) and control characters such as NUL, which
PostgreSQL refuses in text and which nobody types on purpose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

MAX_DEPTH = 32
# C0 controls and DEL, except tab, line feed and carriage return (allowed in free text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadJson(ValueError):
    """The body is not JSON this service can parse."""


def parse_json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
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
        return "This is not valid text."
    if _CONTROL.search(text):
        return "Control characters are not allowed."
    return None


def find_problem(value: Any) -> tuple[str, str] | None:
    """The first field whose value cannot be accepted, with the reason; None if all fine."""
    for path, item in _walk(value, "", 0):
        if item is ...:
            return path, f"Nested more than {MAX_DEPTH} levels deep."
        if isinstance(item, str) and (reason := text_problem(item)):
            safe_path = path if text_problem(path) is None else "_schema"
            return safe_path, reason
    return None
