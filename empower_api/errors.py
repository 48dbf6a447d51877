"""One error shape for the whole API: RFC 9457 ``application/problem+json``.

Services raise the domain errors below; the handlers registered here turn them,
every ``HTTPException`` (404, 405, 415, 429, webargs' 422 …) and any unexpected
exception into a problem document. A 500 never carries internal detail.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "/problems/"
log = structlog.get_logger(__name__)

# The code of a problem raised without one of its own, by status. Written out rather
# than taken from ``HTTPStatus.name``, whose spelling changes between Python versions.
STATUS_CODES: dict[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 410: "gone",
    412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 428: "precondition_required", 429: "rate_limited",
    500: "internal_error", 501: "not_implemented", 502: "bad_gateway", 503: "unavailable",
    504: "gateway_timeout",
}


def default_code(status: int) -> str:
    """The stable code of a status (``404`` → ``not_found``)."""
    return STATUS_CODES.get(status) or HTTPStatus(status).name.lower()


def problem_type(code: str) -> str:
    """The problem's ``type``: one URI reference per code, ``/problems/<code>``."""
    return f"{PROBLEM_TYPE_PREFIX}{code}"


def problem(
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build a problem+json response; every problem has a ``code`` and a ``type`` naming it."""
    phrase = HTTPStatus(status).phrase
    code = code or default_code(status)
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "code": code,
    }
    if errors:
        body["errors"] = {field: list(msgs) for field, msgs in errors.items()}
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class DomainError(Exception):
    """Base of the errors services raise."""

    status = 400
    code = "bad_request"
    commit = False  # True when the request's writes must persist although it fails

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        if code:
            self.code = code

    def to_response(self) -> Response:
        return problem(self.status, self.detail, code=self.code)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"


class Invalid(DomainError):
    """A validation failure tied to one or more fields (422)."""

    status = 422
    code = "validation_error"

    def __init__(
        self,
        field: str | None = None,
        message: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.errors: dict[str, list[str]] = dict(errors or {})
        if field is not None:
            self.errors.setdefault(field, []).append(message or "Invalid value.")
        first = next(iter(self.errors), None)
        detail = f"Invalid value for '{first}'." if first else "The request is not valid."
        super().__init__(detail, code=code)

    def to_response(self) -> Response:
        return problem(422, self.detail, code=self.code, errors=self.errors)


def _flatten_webargs(messages: Any) -> dict[str, list[str]]:
    """webargs gives ``{"json": {"field": [...]}, "query": {...}}``; flatten by field."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            if all(isinstance(v, str) for v in value):
                out.setdefault(prefix or "_schema", []).extend(value)
            else:
                for item in value:
                    walk(prefix, item)
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, Mapping):
        for _location, fields in messages.items():
            walk("", fields)
    else:
        walk("", messages)
    return out


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 429:
        retry = getattr(error, "retry_after", None)
        headers.setdefault("Retry-After", str(retry or 60))
        return problem(429, "Too many requests. Try again later.", code="rate_limited",
                       headers=headers)
    if status == 422:
        errors = _flatten_webargs(data.get("errors") or data.get("messages") or {})
        response = Invalid(errors=errors).to_response()
        response.headers.extend(headers)
        return response
    if status == 400 and "messages" in data:
        return problem(400, "The request body is not valid JSON.", code="malformed_json")
    if status >= 500:
        return problem(status, None, headers=headers)
    detail = data.get("message") or error.description
    response = problem(status, detail, headers=headers)
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    # Where it failed, never the message: messages of driver and library errors can
    # quote the request's values (names, e-mails) and SQL parameters.
    frames = [f"{frame.filename}:{frame.lineno} {frame.name}"
              for frame in traceback.extract_tb(error.__traceback__)][-12:]
    log.error("unhandled_exception", error_type=type(error).__name__, frames=frames)
    return problem(500, "Something went wrong on our side. Please try again.")


def register_error_handlers(app: Flask) -> None:
    """HTTP errors and unexpected ones; ``create_app`` adds the database-aware ones."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
