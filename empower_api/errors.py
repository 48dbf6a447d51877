"""One error shape for the whole API: RFC 9457 ``application/problem+json``.

Services raise the domain errors below; the handlers registered here turn them,
every ``HTTPException`` (404, 405, 415, 429, webargs' 422 …) and any unexpected
exception into a problem document. A 500 never carries internal detail.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from empower_api.i18n import N_, msg, translate

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


# Titles by status, translated when rendered (``HTTPStatus.phrase`` is English only).
STATUS_TITLES: dict[int, str] = {
    400: N_("Bad Request"), 401: N_("Unauthorized"), 403: N_("Forbidden"),
    404: N_("Not Found"), 405: N_("Method Not Allowed"), 406: N_("Not Acceptable"),
    409: N_("Conflict"), 410: N_("Gone"), 412: N_("Precondition Failed"),
    413: N_("Content Too Large"), 415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Content"), 428: N_("Precondition Required"),
    429: N_("Too Many Requests"), 500: N_("Internal Server Error"),
    501: N_("Not Implemented"), 502: N_("Bad Gateway"), 503: N_("Service Unavailable"),
    504: N_("Gateway Timeout"),
}
# What a problem says when nothing more specific was given (Werkzeug's descriptions
# are English and written for web pages).
STATUS_DETAILS: dict[int, str] = {
    400: N_("The request could not be understood."),
    401: N_("Sign in to do this."),
    403: N_("You cannot do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept this method."),
    406: N_("This address cannot answer in the format asked for."),
    409: N_("This conflicts with the current state. Try again."),
    410: N_("This is no longer available."),
    412: N_("This changed since you last read it. Read it again."),
    413: N_("The request body is too large."),
    415: N_("Send the body as application/json."),
    422: N_("The request is not valid."),
    428: N_("This request needs a precondition header."),
    429: N_("Too many requests. Try again later."),
    500: N_("Something went wrong on our side. Please try again."),
    501: N_("This is not available."),
    502: N_("A service we depend on did not answer properly. Try again later."),
    503: N_("The service is busy. Try again shortly."),
    504: N_("A service we depend on did not answer in time. Try again later."),
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
    """Build a problem+json response; every problem has a ``code`` and a ``type`` naming it.

    ``title``, ``detail`` and the ``errors`` messages are English here and said in the
    request's language (``empower_api.i18n``); ``code``, ``type`` and field names never
    change with the language."""
    phrase = STATUS_TITLES.get(status) or HTTPStatus(status).phrase
    code = code or default_code(status)
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": translate(title or phrase),
        "status": status,
        "detail": translate(detail or STATUS_DETAILS.get(status) or phrase),
        "code": code,
    }
    if errors:
        body["errors"] = {field: [translate(text) for text in msgs]
                          for field, msgs in errors.items()}
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
            self.errors.setdefault(field, []).append(message or N_("Invalid value."))
        first = next(iter(self.errors), None)
        detail = (msg("Invalid value for '{field}'.", field=first) if first
                  else N_("The request is not valid."))
        super().__init__(detail, code=code)

    def to_response(self) -> Response:
        return problem(422, self.detail, code=self.code, errors=self.errors)


def flatten_messages(messages: Any) -> dict[str, list[str]]:
    """webargs gives ``{"json": {"field": [...]}, "query": {...}}``; flatten by field
    (``{"json": {"items": {0: ["…"]}}}`` → ``{"items.0": ["…"]}``)."""
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


HTML_PAGES = "empower_error_pages"


def serve_error_pages(app: Flask, prefix: str,
                      handler: Callable[[HTTPException], Response]) -> None:
    """Answer HTTP errors under ``prefix`` (``/console``) with ``handler``'s HTML page.

    A blueprint's own error handler never sees a URL that matched no route (routing
    fails before a blueprint is known), so the app-wide handler asks this registry.
    """
    app.extensions.setdefault(HTML_PAGES, []).append((prefix.rstrip("/"), handler))


def _page_handler() -> Callable[[HTTPException], Response] | None:
    path = request.path
    for prefix, handler in current_app.extensions.get(HTML_PAGES, ()):
        if path == prefix or path.startswith(prefix + "/"):
            return handler
    return None


def handle_http_exception(error: HTTPException) -> Response:
    if (page := _page_handler()) is not None:
        return page(error)
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 429:
        retry = getattr(error, "retry_after", None)
        headers.setdefault("Retry-After", str(retry or 60))
        return problem(429, "Too many requests. Try again later.", code="rate_limited",
                       headers=headers)
    if status == 422:
        errors = flatten_messages(data.get("errors") or data.get("messages") or {})
        response = Invalid(errors=errors).to_response()
        response.headers.extend(headers)
        return response
    if status == 400 and "messages" in data:
        return problem(400, "The request body is not valid JSON.", code="malformed_json")
    if status >= 500:
        return problem(status, None, headers=headers)
    # Werkzeug's descriptions are English pages; each status has a message of our own.
    response = problem(status, data.get("message"), headers=headers)
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
