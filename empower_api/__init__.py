"""Empower API: the app factory."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any

import structlog
from flask import Flask, Response, current_app, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from empower_api.accounts import service as accounts
from empower_api.config import ConfigurationError, build_config
from empower_api.db import db as _db
from empower_api.db import sqlite_begin_mode
from empower_api.errors import DomainError, Invalid, problem, register_error_handlers
from empower_api.extensions import api, init_extensions, jwt
from empower_api.i18n import init_i18n
from empower_api.inputs import (
    BadJson,
    BufferedBody,
    find_problem,
    parse_json_body,
    request_wide_part,
    text_problem,
)
from empower_api.observability import configure_logging, init_request_logging
from empower_api.response_cache import init_response_cache
from empower_api.security import passwords
from empower_api.security.crypto import PiiCipher, set_cipher
from empower_api.security.headers import init_security_headers
from empower_api.security.tokens import TokenSubjects, configure_jwt
from empower_api.tasks import init_celery

PACKAGE_ROOT = Path(__file__).resolve().parent
API_TITLE = "Empower API"
API_VERSION = "1.0.0"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO").upper())
    try:
        settings = build_config(app.instance_path, overrides=config)
    except ConfigurationError as error:
        error.exit()
    app.config.from_mapping(settings)
    app.config.setdefault("MIGRATIONS_DIR", PACKAGE_ROOT / "migrations")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # If Redis is briefly unreachable, keep serving with per-process limits.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    passwords.set_profile(app.config.get("PASSWORD_HASH_PROFILE", "owasp"))
    set_cipher(PiiCipher(app.config["PII_ENCRYPTION_KEYS"], app.config["PII_INDEX_KEY"]))
    _configure_stripe(app)
    _configure_api_docs(app)

    init_extensions(app)
    init_i18n(app)
    init_response_cache(app)
    configure_jwt(app, jwt, TokenSubjects(load_user=accounts.user_for_token,
                                          session_is_active=accounts.session_is_active))
    init_celery(app)
    register_error_handlers(app)
    _register_blueprints(app)
    init_request_logging(app)
    _register_request_hooks(app)
    init_security_headers(app)
    _make_views_transactional(app)
    _register_cli(app)
    app.wsgi_app = BufferedBody(  # type: ignore[method-assign]
        app.wsgi_app, lambda: int(app.config["MAX_CONTENT_LENGTH"]))
    if hops := app.config["TRUSTED_PROXIES"]:
        # Behind N trusted proxies the client is the Nth address from the right.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def _configure_stripe(app: Flask) -> None:
    from empower_api.grants import stripe_gateway

    # The library itself is imported when a payout first needs it (stripe_gateway.sdk).
    stripe_gateway.set_module_globals(api_key=app.config["STRIPE_API_KEY"],
                                      api_base=app.config.get("STRIPE_API_BASE"))
    if not app.config["STRIPE_API_KEY"] and app.config["EMPOWER_ENV"] == "production":
        structlog.get_logger(__name__).warning(
            "stripe_not_configured",
            detail="STRIPE_API_KEY is not set: only manual grant payouts are available.")


def _configure_api_docs(app: Flask) -> None:
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "HTTP API behind the Empower mobile app.",
                     "license": {"name": "AGPL-3.0-or-later",
                                 "identifier": "AGPL-3.0-or-later"}},
            "servers": [{"url": app.config["PUBLIC_BASE_URL"],
                         "description": "This deployment (PUBLIC_BASE_URL)"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    "metricsToken": {"type": "http", "scheme": "bearer",
                                     "description": "METRICS_TOKEN (production)"},
                }
            },
        },
    )


def _register_blueprints(app: Flask) -> None:
    from empower_api import docs_ui, ops
    from empower_api.accounts.routes import blp as accounts_blp
    from empower_api.accounts.security_routes import blp as account_security_blp
    from empower_api.audit.routes import blp as audit_blp
    from empower_api.consents.routes import blp as consents_blp
    from empower_api.console import init_console
    from empower_api.grants.routes import blp as grants_blp
    from empower_api.i18n.routes import blp as languages_blp
    from empower_api.impact.routes import blp as impact_blp
    from empower_api.jobs.applications.routes import blp as applications_blp
    from empower_api.jobs.routes import blp as jobs_blp
    from empower_api.moderation.routes import blp as moderation_blp
    from empower_api.notifications.routes import blp as notifications_blp
    from empower_api.savings.routes import blp as savings_blp
    from empower_api.training.routes import blp as training_blp
    from empower_api.training.routes import wellknown as training_wellknown

    for blueprint in (ops.blp, accounts_blp, account_security_blp, jobs_blp, applications_blp,
                      moderation_blp, notifications_blp, savings_blp, training_blp,
                      training_wellknown, grants_blp, audit_blp, consents_blp, impact_blp,
                      languages_blp):
        api.register_blueprint(blueprint)
    # The docs UI at /docs, every asset from this host (works with no internet).
    app.register_blueprint(docs_ui.blp)
    # The staff console at /console: HTML pages over the same services.
    init_console(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _check_request() -> Response | None:
        # On SQLite, write requests take the write lock up front (serialised writes).
        sqlite_begin_mode.set("DEFERRED" if request.method in SAFE_METHODS else "IMMEDIATE")
        for name, value in request.args.items(multi=True):
            if reason := text_problem(value) or text_problem(name):
                field = name if text_problem(name) is None else "_query"
                return Invalid(field, reason).to_response()
        if request.method not in BODY_METHODS or request.blueprint == "console":
            return None  # the console posts HTML forms, which it checks itself
        # Chunked bodies arrive here with a Content-Length too (inputs.BufferedBody).
        if not request.content_length:
            return None
        # A compressed body would be read as garbage JSON: say what is refused instead.
        if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
            return problem(415, "Send the body uncompressed (no Content-Encoding).",
                           code="unsupported_media_type")
        raw = request.get_data(cache=True)
        if not request.is_json:
            return problem(415, "Send the body as application/json.",
                           code="unsupported_media_type")
        try:
            body = parse_json_body(raw)
        except BadJson:
            return problem(400, "The request body is not valid JSON.", code="malformed_json")
        rule = request.url_rule.rule if request.url_rule else None
        if found := find_problem(request_wide_part(body, rule)):
            field, reason = found
            return Invalid(field, reason).to_response()
        return None

    @app.after_request
    def _safety_headers(response: Response) -> Response:
        # A phone may be shared: no response is cached anywhere unless its view says
        # it may be (public job search sets its own). Tokens, recovery codes and
        # personal data also travel in answers to requests without Authorization.
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.errorhandler(IntegrityError)
    def _integrity(_error: IntegrityError) -> Response:
        _db.session.rollback()
        return problem(409, "This conflicts with data that changed meanwhile. Try again.",
                       code="conflict")

    @app.errorhandler(DataError)
    def _data(_error: DataError) -> Response:
        # A value the database refuses (out of range, bad encoding): the client's input.
        _db.session.rollback()
        return problem(422, "A value in the request is not valid.", code="validation_error")

    @app.errorhandler(OperationalError)
    def _operational(_error: OperationalError) -> Response:
        _db.session.rollback()
        current_app.logger.warning("database_unavailable: %s", type(_error.orig).__name__)
        return problem(503, "The service is busy. Try again shortly.", code="unavailable",
                       headers={"Retry-After": "5"})

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        if error.commit:
            _db.session.commit()
        else:
            _db.session.rollback()
        return error.to_response()


def transactional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Commit once when the view succeeds; roll back when it fails."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            _db.session.commit()
        else:
            _db.session.rollback()
        return response

    return wrapper


def _make_views_transactional(app: Flask) -> None:
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = transactional(view)


def _register_cli(app: Flask) -> None:
    from empower_api.cli import register_commands

    register_commands(app)
