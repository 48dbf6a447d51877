"""Extension objects, created once and bound to an app in ``create_app``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import click
import marshmallow as ma
from flask import Flask, request
from flask_compress import Compress
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api as SmorestApi
from werkzeug.http import parse_accept_header
from werkzeug.local import LocalProxy

from empower_api.db import db
from empower_api.errors import handle_http_exception
from empower_api.security.crypto import cipher


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation of every error response)."""

    type = ma.fields.String(metadata={"description": "URI reference naming the problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable machine-readable code"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation messages by field (422)"},
    )


class Api(SmorestApi):
    """flask-smorest's Api with our problem+json error handling."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # Document errors as application/problem+json, as they are served.
        default = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default

    def _init_spec(self, **kwargs: Any) -> None:
        from empower_api.apidoc import CompleteOperationsPlugin, utc_datetime_properties

        kwargs["extra_plugins"] = [*kwargs.get("extra_plugins", ()),
                                   CompleteOperationsPlugin(self)]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(utc_datetime_properties)

    # Documenting the operations (apispec walking every schema of every view) was most
    # of create_app()'s time. Blueprints are registered with Flask at once; their
    # documentation is written when the spec is first read (/openapi.json, `flask
    # openapi write`, a test), in registration order, so the document is the same.
    @property  # type: ignore[override]
    def spec(self) -> Any:
        pending = self.__dict__.get("_pending_docs")
        if pending:
            self.__dict__["_pending_docs"] = []
            for document in pending:
                document()
        return self.__dict__.get("_spec")

    @spec.setter
    def spec(self, value: Any) -> None:
        self.__dict__["_spec"] = value
        self.__dict__["_pending_docs"] = []

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        spec = self.__dict__.get("_spec")
        if spec is None:
            super().register_blueprint(blp, parameters=parameters, **options)
            return
        name = options.get("name", blp.name)
        app = self._app
        app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        app.register_blueprint(blp, **options)

        def document() -> None:
            blp.register_views_in_doc(self, app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})

        self.__dict__["_pending_docs"].append(document)

    def _register_error_handlers(self) -> None:  # errors.register_error_handlers does it
        return None

    def handle_http_exception(self, error: Any) -> Any:
        return handle_http_exception(error)


def extend_apidoc(view: Any, extend: Any) -> None:
    """Let a decorator add to the OpenAPI doc of the view it wraps (flask-smorest reads
    ``_apidoc["manual_doc"]``); ``extend`` mutates a copy of that dict."""
    apidoc = getattr(view, "_apidoc", {})
    manual = dict(apidoc.get("manual_doc", {}))
    extend(manual)
    view._apidoc = {**apidoc, "manual_doc": manual}


def rate_limit_key() -> str:
    return get_remote_address() or "unknown"


def login_name_key() -> str:
    """Rate-limit key for credential endpoints: the identity tried, not only the IP.

    The key is the canonical identity (E.164 phone, NFKC e-mail with folded domain,
    NFKC case-folded alias), so ``+1 650…`` and ``+1 (650)…`` share one bucket.
    """
    from empower_api.accounts.service import canonical_identity

    # The API sends JSON; the staff console's sign-in form sends a form.
    data = request.get_json(silent=True) or request.form.to_dict() or {}
    identity = None
    if isinstance(data, dict):
        for field, kind in (("login", None), ("alias", "alias"), ("email", "email"),
                            ("phone", "phone")):
            raw = data.get(field)
            if isinstance(raw, str) and raw.strip():
                identity = canonical_identity(raw, kind)
                break
    if identity is None:
        return f"ip:{rate_limit_key()}"
    kind, value = identity
    # Counters live in Redis: key them by a keyed hash, never the e-mail or phone itself.
    return f"login:{cipher().blind_index(f'ratelimit:{kind}:{value.lower()}')}"


api = Api()
compress = Compress()
jwt = JWTManager()
limiter = Limiter(key_func=rate_limit_key, headers_enabled=True)

__all__ = [  # noqa: F822 (``migrate`` is made on first use: module __getattr__ below)
    "Api", "api", "compress", "db", "extend_apidoc", "jwt", "limiter", "login_name_key", "migrate",
    "rate_limit_key",
]


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    _init_migrate_on_use(app)
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    # gzip when the client asks (slow, metered phone connections); JSON only.
    app.config.setdefault("COMPRESS_MIMETYPES", ["application/json", "application/problem+json",
                                                 "application/ld+json"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Our hook decides (gzip_chosen), flask-compress encodes: it alone would gzip for
    # "gzip;q=0", which RFC 9110 §12.4.2 says refuses gzip.
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)

    @app.after_request
    def _compress(response: Any) -> Any:
        if gzip_chosen(request.headers.get("Accept-Encoding")):
            return compress.after_request(response)
        response.vary.add("Accept-Encoding")
        return response


def gzip_chosen(accept_encoding: str | None) -> bool:
    """Whether an answer to this ``Accept-Encoding`` is gzip-encoded (RFC 9110 §12.5.3).

    gzip, named or by ``*`` when ``identity`` is not named, with a quality above 0 and
    no lower than ``identity``'s; ties go to gzip, as in flask-compress. The one decision
    for flask-compress (``init_extensions``) and the response cache's stored variant.
    """
    if not accept_encoding:
        return False
    named = {value.lower(): quality for value, quality in parse_accept_header(accept_encoding)}
    if "gzip" in named:
        quality = named["gzip"]
    elif "identity" in named:
        return False
    else:
        quality = named.get("*", 0)
    return quality > 0 and quality >= named.get("identity", 0)


# Flask-Migrate imports Alembic and Mako (about 0.08 s of CPU), for commands a web
# process never runs: it is bound to the app when a migration first needs it.
_migrate: Any = None
_migrate_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    # ``extensions.migrate``, the Flask-Migrate object, made on first use.
    if name == "migrate":
        return _migrate_extension()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _migrate_extension() -> Any:
    global _migrate
    with _migrate_lock:
        if _migrate is None:
            from flask_migrate import Migrate

            _migrate = Migrate()
        return _migrate


def _init_migrate_on_use(app: Flask) -> None:
    """What ``Migrate.init_app`` does, deferred: ``app.extensions["migrate"]`` (read by
    ``flask_migrate.upgrade()`` and ``migrations/env.py``) and the ``flask db`` group
    load Flask-Migrate, bind it to ``app`` (which replaces both with the real ones) and
    answer from it."""
    bound: dict[str, Any] = {}
    lock = threading.Lock()

    def migrate_config() -> Any:
        with lock:
            if "config" not in bound:
                _migrate_extension().init_app(
                    app, db, directory=str(app.config["MIGRATIONS_DIR"]),
                    compare_type=True, render_as_batch=True)
                bound["config"] = app.extensions["migrate"]
            return bound["config"]

    def migration_commands() -> click.Group:
        migrate_config()
        from flask_migrate.cli import db as commands

        return commands

    app.extensions["migrate"] = LocalProxy(migrate_config)
    app.cli.add_command(_MigrationCommands(migration_commands), name="db")


class _MigrationCommands(click.Group):
    """``flask db …`` until Flask-Migrate is loaded: running it (or its help) hands the
    command line to Flask-Migrate's own group."""

    def __init__(self, load: Callable[[], click.Group]) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._load = load

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self._load().make_context(info_name, args, parent=parent, **extra)
