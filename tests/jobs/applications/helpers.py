"""Test helpers for applications: counting the SQL statements a request runs."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from tests import sqlcount


def counted(app: Any) -> AbstractContextManager[list[str]]:
    """The statements run meanwhile (savepoint bookkeeping of the test harness aside;
    BEGIN and COMMIT count here: these tests budget whole requests)."""
    return sqlcount.counted(app, skip=sqlcount.SAVEPOINTS)
