"""Counting the SQL statements a request runs (tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from empower_api.db import db

# The test harness's savepoints (each test runs in one), and with them BEGIN and COMMIT.
SAVEPOINTS = ("SAVEPOINT", "RELEASE", "ROLLBACK")
TRANSACTION_CONTROL = (*SAVEPOINTS, "BEGIN", "COMMIT")


@contextmanager
def counted(app: Any, *, skip: tuple[str, ...] = TRANSACTION_CONTROL) -> Iterator[list[str]]:
    """The statements run meanwhile, in order, those starting with ``skip`` aside."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(skip):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
