"""Database access: one engine per app, one session per request.

Services receive the session explicitly and only ``flush()``; the request commits
once at the end (``commit_or_rollback``) or rolls back on any error.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, Uuid, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# On SQLite, write requests take the database lock when their transaction begins
# (BEGIN IMMEDIATE), so concurrent writers are serialised instead of failing on
# lock upgrade. Reads begin DEFERRED.
sqlite_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sqlite_begin_mode", default="IMMEDIATE"
)


def writes_on_get(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET view that writes (an audit record, a read marker): on SQLite it takes
    the write lock when its transaction begins, like any write request."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sqlite_begin_mode.set("IMMEDIATE")
        return fn(*args, **kwargs)

    return wrapper


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid(), dict[str, Any]: JSONType}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN (needed for savepoints and locking).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        # Deleted and overwritten content is zeroed, not left in free pages (erasure).
        cursor.execute("PRAGMA secure_delete=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")


_CHECKPOINT_BUSY_MS = 500


def checkpoint_after_commit(session: Session) -> None:
    """On SQLite, once ``session`` commits, move the WAL into the database file and
    truncate it (``PRAGMA wal_checkpoint(TRUNCATE)``): old page images in the ``-wal``
    file would otherwise keep erased plaintext. With ``secure_delete`` the database
    file then holds none either. A no-op on PostgreSQL (see README, "Erasure and
    storage")."""
    engine = current_app.extensions["empower_db"]["engine"]
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    def _checkpoint(_session: Session) -> None:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            # Wait briefly for other writers; a busy checkpoint is retried by the next one.
            cursor.execute(f"PRAGMA busy_timeout={_CHECKPOINT_BUSY_MS}")
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()
        finally:
            raw.close()
        if busy:
            current_app.logger.warning("erasure_checkpoint_busy")

    event.listen(session, "after_commit", _checkpoint, once=True)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,  # SQL parameters hold personal data; keep them out of errors
        pool_size=10,
        max_overflow=20,
        connect_args={"connect_timeout": 3},
    )


class Database:
    """The app's engine and per-request sessions."""

    metadata = Base.metadata

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["empower_db"] = {
            "engine": engine,
            "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
        }

        def _close_session(_exc: BaseException | None) -> None:
            session = g.pop("_db_session", None)
            if session is not None:
                session.close()

        # A session lives for one request (or one app context outside requests).
        app.teardown_request(_close_session)
        app.teardown_appcontext(_close_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["empower_db"]["engine"]

    def get_engine(self) -> Engine:  # used by Alembic's env.py
        return self.engine

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = current_app.extensions["empower_db"]["sessionmaker"]()
            g._db_session = session
        return session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


db = Database()


def add_once(session: Session, row: Any) -> bool:
    """Insert ``row`` unless a row with its key exists, even when a concurrent request
    inserted it first: an idempotent PUT then answers the same, never a 409.

    Returns whether this call inserted it. The insert runs in a savepoint, so losing the
    race rolls back only that savepoint.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True
