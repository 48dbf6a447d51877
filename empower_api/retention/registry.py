"""The registry of retention rules, and of what counts as a money record.

A rule is a name, the setting that holds its period in days (``config.build_config``;
0 turns the rule off), and two functions of ``(session, cutoff)``: ``count`` says how
many records are older than ``cutoff`` and would go; ``purge`` removes them and returns
how many went. Both only flush; the caller commits. A rule never touches ledger rows
(savings transactions and ledger entries, grant disbursements): money records are
kept for as long as the books are.

Money records decide whether an inactive anonymous account may be purged at all:
each domain that holds money for a person registers a predicate over a user id
column (``register_money_records``); an account with any of them is kept.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

# Modules whose import registers rules and money-record checks (other domains add theirs).
RULE_MODULES = ("empower_api.retention.builtin", "empower_api.jobs.applications.retention",
                "empower_api.grants.retention")


@dataclass(frozen=True)
class RetentionRule:
    name: str
    setting: str  # config key: the period in whole days; 0 turns the rule off
    description: str
    count: Callable[[Session, datetime], int]
    purge: Callable[[Session, datetime], int]


_rules: dict[str, RetentionRule] = {}
MoneyRecordCheck = Callable[[Any], ColumnElement[bool]]
_money_records: dict[str, MoneyRecordCheck] = {}


def count_rows(session: Session, ids: Select[Any]) -> int:
    """How many rows the id query ``ids`` selects (a rule's ``count``)."""
    return int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)


def delete_rows(session: Session, model: Any, ids: Select[Any]) -> int:
    """Delete the ``model`` rows whose id ``ids`` selects; how many went (a rule's ``purge``)."""
    result = session.execute(delete(model).where(model.id.in_(ids))
                             .execution_options(synchronize_session=False))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def register_rule(rule: RetentionRule) -> RetentionRule:
    """Add a rule; a second rule of the same name replaces the first."""
    _rules[rule.name] = rule
    return rule


def rules() -> list[RetentionRule]:
    """Every registered rule, in registration order."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return list(_rules.values())


def register_money_records(name: str) -> Callable[[MoneyRecordCheck], MoneyRecordCheck]:
    """Register ``fn(user_id_column) -> EXISTS(...)``: the user holds money records here."""

    def decorator(fn: MoneyRecordCheck) -> MoneyRecordCheck:
        _money_records[name] = fn
        return fn

    return decorator


PostingKeeper = Callable[[Any], ColumnElement[bool]]
_posting_keepers: dict[str, PostingKeeper] = {}


def register_posting_keeper(name: str) -> Callable[[PostingKeeper], PostingKeeper]:
    """Register ``fn(job_id_column) -> EXISTS(...)``: such a posting is kept however old
    (e.g. applications that must outlive the posting they answer)."""

    def decorator(fn: PostingKeeper) -> PostingKeeper:
        _posting_keepers[name] = fn
        return fn

    return decorator


def keeps_posting(job_id: Any) -> ColumnElement[bool]:
    """SQL: some domain keeps the posting in column ``job_id``."""
    checks = [check(job_id) for check in _posting_keepers.values()]
    return or_(*checks) if checks else false()


def has_money_records(user_id: Any) -> ColumnElement[bool]:
    """SQL: the user in column ``user_id`` has a money record in any domain."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    checks = [check(user_id) for check in _money_records.values()]
    return or_(*checks) if checks else false()
