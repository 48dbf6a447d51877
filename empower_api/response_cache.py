"""A response cache for anonymous public reads (job search, postings, course catalog).

It can never show what should be hidden:

- **Generation.** Each scope (``jobs``, ``courses``) has a row in ``cache_generations``.
  A transaction that inserts, changes or deletes a watched row (a posting, an
  employer, a course; :func:`watch`) in a flush or a bulk statement bumps its scope's
  row *in the same transaction*, as its last write before ``COMMIT``. A request reads the
  generation first (one primary-key read, the first statement of its transaction)
  and only uses entries stored under that generation: once a vetting suspension,
  moderation removal or edit commits, the very next request misses.
- **Time.** An entry never outlives the earliest expiry (``valid_through`` of a
  posting, ``vetted_until`` of an employer) among the rows the request loaded
  (noted by an ORM ``load`` listener as each row arrives), nor
  the TTL backstop ``SEARCH_CACHE_SECONDS``.
- **Who.** Only anonymous ``GET`` (and ``HEAD``) requests read or fill it: a request with an
  ``Authorization`` header (personalised answers) bypasses it entirely. Only 200s are
  stored; ``If-None-Match`` is answered from the stored ``ETag``.

Entries live in Redis when ``REDIS_URL`` is set (shared by every worker), else in a
bounded in-process LRU (``SEARCH_CACHE_ENTRIES``). The database generation is the
truth; Redis only holds bodies keyed by it, so a lost Redis costs speed, not safety.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

import structlog
from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import BigInteger, String, bindparam, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from empower_api.db import Base, db, utcnow
from empower_api.errors import DomainError
from empower_api.extensions import gzip_chosen

log = structlog.get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
SCOPES = ("jobs", "courses")


class CacheGeneration(Base):
    """One row per cache scope; bumped in every transaction that changes its rows."""

    __tablename__ = "cache_generations"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


@event.listens_for(CacheGeneration.__table__, "after_create")
def _first_rows(table: Any, connection: Any, **_kw: Any) -> None:
    # create_all (tests, fresh SQLite): the rows the migration adds in production.
    connection.execute(insert(table), [{"scope": s, "generation": 0} for s in SCOPES])


# --- what bumps a generation -----------------------------------------------------------


@dataclass(frozen=True)
class Watched:
    scope: str
    expiry_attribute: str | None


_watched: dict[type, Watched] = {}
_watched_tables: dict[str, str] = {}


def watch(model: type, scope: str, *, expiry_attribute: str | None = None) -> None:
    """Any change to a ``model`` row invalidates ``scope``; ``expiry_attribute`` (a
    UTC datetime column) bounds how long a response that loaded the row may live."""
    if scope not in SCOPES:
        raise ValueError(f"unknown cache scope {scope!r}")
    _watched[model] = Watched(scope, expiry_attribute)
    _watched_tables[model.__table__.name] = scope  # type: ignore[attr-defined]
    if expiry_attribute is not None:
        event.listen(model, "load", _loaded(expiry_attribute))


_EARLIEST = "_empower_cache_earliest"


def _loaded(attribute: str) -> Callable[[Any, Any], None]:
    def note_expiry(target: Any, _context: Any) -> None:
        # Noted as rows load: the identity map holds them weakly, so after the view
        # returns they may be gone.
        value = target.__dict__.get(attribute)
        if isinstance(value, datetime) and has_request_context():
            earliest = g.get(_EARLIEST)
            if earliest is None or value < earliest:
                setattr(g, _EARLIEST, value)

    return note_expiry


_PENDING = "empower_cache_scopes"


def _mark(session: Session, scopes: set[str]) -> None:
    session.info.setdefault(_PENDING, set()).update(scopes)


def _scope_of(obj: Any) -> str | None:
    for cls in type(obj).__mro__:
        if cls in _watched:
            return _watched[cls].scope
    return None


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    scopes = {scope for obj in (*session.new, *session.deleted) if (scope := _scope_of(obj))}
    scopes |= {scope for obj in session.dirty if (scope := _scope_of(obj))
               and session.is_modified(obj, include_collections=False)}
    if scopes:
        _mark(session, scopes)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    scope = _watched_tables.get(getattr(table, "name", ""))
    if scope:
        _mark(state.session, {scope})


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    """The bump is the transaction's last write, just before COMMIT: the generation row
    is locked for the shortest time and always last (no lock-order cycles with it)."""
    session.flush()  # what is still pending may be a watched change too
    scopes = session.info.pop(_PENDING, set())
    table = CacheGeneration.__table__
    for scope in sorted(scopes):
        session.connection().execute(
            update(table).where(table.c.scope == scope)
            .values(generation=table.c.generation + 1))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    # Only the whole transaction's rollback undoes its changes; a savepoint's does not
    # undo what was flushed before it.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def generation(session: Session, scope: str) -> int | None:
    """The scope's generation now (None when its row is missing: no caching)."""
    return session.execute(_GENERATION, {"scope": scope}).scalar()


# Read on every cacheable request: a Core statement built once (no ORM entity to set
# up, and its compiled form is cached).
_GENERATION = (select(CacheGeneration.__table__.c.generation)
               .where(CacheGeneration.__table__.c.scope == bindparam("scope")))


# --- where entries live ----------------------------------------------------------------


@dataclass
class Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    expires_at: datetime
    gzipped: bytes | None = None  # the body gzip-encoded once, for clients that accept it

    def dumps(self) -> bytes:
        head = {"s": self.status, "h": self.headers, "e": self.expires_at.isoformat(),
                "b": len(self.body)}
        return json.dumps(head).encode() + b"\n" + self.body + (self.gzipped or b"")

    @classmethod
    def loads(cls, raw: bytes) -> Entry:
        head, _, rest = raw.partition(b"\n")
        meta = json.loads(head)
        size = meta.get("b", len(rest))
        return cls(meta["s"], [tuple(h) for h in meta["h"]], rest[:size],  # type: ignore[misc]
                   datetime.fromisoformat(meta["e"]), rest[size:] or None)


class MemoryStore:
    """A bounded LRU per process; thread-safe (gthread workers)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry, _ttl: timedelta) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    """Entries in Redis with a TTL; any Redis error is a miss (the database answers)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, key: str) -> Entry | None:
        from redis.exceptions import RedisError  # loaded with the client (REDIS_URL)

        try:
            raw = self.client.get(key)
        except RedisError:
            log.warning("search_cache_unavailable")
            return None
        return Entry.loads(raw) if raw else None

    def put(self, key: str, entry: Entry, ttl: timedelta) -> None:
        from redis.exceptions import RedisError

        with contextlib.suppress(RedisError):
            self.client.set(key, entry.dumps(), px=max(1, int(ttl.total_seconds() * 1000)))

    def clear(self) -> None:
        from redis.exceptions import RedisError

        with contextlib.suppress(RedisError):
            for key in self.client.scan_iter(match=f"{KEY_PREFIX}*"):
                self.client.delete(key)


KEY_PREFIX = "empower:search-cache:"


def init_response_cache(app: Flask) -> None:
    """Pick the store from ``REDIS_URL``; ``SEARCH_CACHE_SECONDS=0`` turns caching off."""
    if app.config.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=1,
                                      socket_connect_timeout=1)
        app.extensions["empower_response_cache"] = RedisStore(client)
    else:
        app.extensions["empower_response_cache"] = MemoryStore(
            int(app.config["SEARCH_CACHE_ENTRIES"]))


def store() -> MemoryStore | RedisStore:
    return current_app.extensions["empower_response_cache"]


# --- the view decorator ----------------------------------------------------------------


def _normal_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def cache_key(scope: str, gen: int, normalise_q: Callable[[str], str] | None) -> str | None:
    """What the response varies on: the route and its arguments, the query parameters
    (sorted by name; a repeated one's values in their order, since the view reads the
    first; ``q`` as the search reads it), ``Accept-Language``. None: do not cache."""
    params = []
    named = sorted(request.args.keys())
    for name, value in ((n, v) for n in named for v in request.args.getlist(n)):
        if name == "q" and normalise_q is not None:
            try:
                value = normalise_q(value)
            except DomainError:  # the view refuses it (422): nothing to cache
                return None
        params.append((name, value))
    varies = {
        "endpoint": request.endpoint, "view_args": sorted(
            (k, str(v)) for k, v in (request.view_args or {}).items()),
        "params": params,
        "accept_language": _normal_text(request.headers.get("Accept-Language", "")).lower(),
    }
    digest = hashlib.sha256(json.dumps(varies, sort_keys=True).encode()).hexdigest()
    return f"{KEY_PREFIX}{scope}:{gen}:{digest}"


def public_cache(scope: str, *, normalise_q: Callable[[str], str] | None = None
                 ) -> Callable[[F], F]:
    """Serve an anonymous ``GET`` view from the cache of ``scope`` (see module doc).

    Put it outermost on the view method, so a hit skips query parsing and the view;
    after-request hooks (request id, logging, security headers, rate limits) still
    run on every answer.
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seconds = int(current_app.config.get("SEARCH_CACHE_SECONDS", 0))
            if (request.method not in ("GET", "HEAD") or seconds <= 0
                    or "Authorization" in request.headers):
                return fn(*args, **kwargs)
            session = db.session
            gen = generation(session, scope)
            key = cache_key(scope, gen, normalise_q) if gen is not None else None
            if key is None:
                return fn(*args, **kwargs)
            now = utcnow()
            cached = store().get(key)
            if cached is not None and cached.expires_at > now:
                return _replay(cached)
            response = current_app.make_response(fn(*args, **kwargs))
            if response.status_code == 200 and not response.is_streamed:
                expires_at = now + timedelta(seconds=seconds)
                earliest = g.get(_EARLIEST)
                if earliest is not None and earliest < expires_at:
                    expires_at = earliest
                if expires_at > now:
                    body = response.get_data()
                    entry = Entry(200, list(response.headers.items()), body, expires_at,
                                  _gzip(body, response.mimetype))
                    store().put(key, entry, expires_at - now)
                    return _replay(entry)  # the miss answers exactly as the hits will
            return response

        return wrapper  # type: ignore[return-value]

    return decorator


def _gzip(body: bytes, mimetype: str) -> bytes | None:
    """``body`` gzip-encoded as flask-compress would (its level, types and minimum size),
    or None when it would not compress it. ``mtime=0``: the same body, the same bytes."""
    config = current_app.config
    if ("gzip" not in config.get("COMPRESS_ALGORITHM", ())
            or mimetype not in config.get("COMPRESS_MIMETYPES", ())
            or len(body) < int(config.get("COMPRESS_MIN_SIZE", 500))):
        return None
    return gzip.compress(body, compresslevel=int(config.get("COMPRESS_LEVEL", 6)), mtime=0)


def _replay(entry: Entry) -> Response:
    """The stored answer; gzip-encoded when the client accepts gzip (RFC 9110 §12.5.3),
    with flask-compress's ETag for that variant (``"<etag>:gzip"``), so compressing a
    hit costs nothing and ``If-None-Match`` works with either variant."""
    response = Response(entry.body, status=entry.status, headers=entry.headers)
    if entry.gzipped is not None and gzip_chosen(request.headers.get("Accept-Encoding")):
        etag, weak = response.get_etag()
        response.set_data(entry.gzipped)
        response.headers["Content-Encoding"] = "gzip"
        if etag and not weak:
            response.set_etag(f"{etag}:gzip")
    if response.get_etag()[0]:
        response = response.make_conditional(request)
    return response
