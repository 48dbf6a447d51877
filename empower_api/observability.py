"""Structured JSON logs with a request id and no PII, health checks and metrics."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")  # fullmatch

# What must never reach a log line: e-mail addresses, phone numbers, bearer tokens
# and JWTs, long secrets; plus the values of keys whose names say they are secret.
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER_RE = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_PHONE_RE = re.compile(r"(?<![\w-])\+?\d[\d ().-]{7,}\d(?![\w-])")
_SENSITIVE_KEY_RE = re.compile(
    r"(?i)(password|passwd|secret|token|authorization|cookie|recovery|api_key|"
    r"email|e_mail|phone|legal_name|date_of_birth|dob|signature)"
)
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    text = _JWT_RE.sub(REDACTED, text)
    text = _BEARER_RE.sub("Bearer " + REDACTED, text)
    text = _EMAIL_RE.sub(REDACTED, text)
    return _PHONE_RE.sub(REDACTED, text)


def redact_value(key: str, value: Any) -> Any:
    if key and _SENSITIVE_KEY_RE.search(key) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    return value


_SAFE_KEYS = {"event", "level", "timestamp", "logger", "request_id", "path", "method",
              "status", "duration_ms"}


def redact_processor(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: scrub PII and secrets from every field of every event."""
    for key, value in list(event_dict.items()):
        if key in _SAFE_KEYS and key != "event" and key != "path":
            continue
        if key in ("event", "path", "exception") and isinstance(value, str):
            event_dict[key] = redact_text(value)
        else:
            event_dict[key] = redact_value(key, value)
    return event_dict


def configure_logging(level: str = "INFO") -> None:
    """JSON logs on stderr for structlog and the standard library alike."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == "empower_json"), None)
    if handler is None:  # one handler per process, however many apps are created
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name("empower_json")
        root.addHandler(handler)
    handler.setFormatter(formatter)
    root.setLevel(level)
    # werkzeug's own access line carries the query string; we log our own instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


REQUESTS = Counter(
    "empower_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "empower_http_request_duration_seconds", "HTTP request latency", ["method", "endpoint"]
)

log = structlog.get_logger("empower_api.request")


def init_request_logging(app: Flask) -> None:
    @app.before_request
    def _bind_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = request_id
        g.request_started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

    @app.after_request
    def _log_request(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if started is not None:
            elapsed = time.perf_counter() - started
            LATENCY.labels(request.method, endpoint).observe(elapsed)
            # The route template, never the concrete path or query: no ids or search terms.
            log.info(
                "request",
                method=request.method,
                path=endpoint,
                status=response.status_code,
                duration_ms=round(elapsed * 1000, 2),
            )
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        return response


def metrics_response() -> Response:
    """Prometheus text; under gunicorn (``PROMETHEUS_MULTIPROC_DIR``) summed over workers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
