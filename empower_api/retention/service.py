"""Applying the retention rules: a dry run that counts, and an audited purge.

``run`` applies every registered rule whose period is not 0, in one transaction of
the caller's (it flushes; the CLI and the beat task commit). A purge writes one
audit event, ``retention.purge``, holding only counts per rule and the periods used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.retention.registry import rules


@dataclass(frozen=True)
class RuleResult:
    name: str
    setting: str
    period_days: int  # 0: the rule is off and nothing was counted
    count: int  # what would go (dry run) or what went


def run(session: Session, *, dry_run: bool, trigger: str,
        now: datetime | None = None) -> list[RuleResult]:
    """Count (``dry_run``) or purge what every rule's period has run out on.

    A dry run changes nothing, not even the audit log. ``trigger`` (``cli``, ``beat``)
    is recorded in the audit event.
    """
    now = now or utcnow()
    results = []
    for rule in rules():
        days = int(current_app.config.get(rule.setting, 0))
        if days <= 0:
            results.append(RuleResult(rule.name, rule.setting, 0, 0))
            continue
        cutoff = now - timedelta(days=days)
        count = rule.count(session, cutoff) if dry_run else rule.purge(session, cutoff)
        results.append(RuleResult(rule.name, rule.setting, days, count))
    if not dry_run:
        audit.record(session, action="retention.purge", subject_type="retention", data={
            "trigger": trigger,
            "counts": {r.name: r.count for r in results},
            "period_days": {r.name: r.period_days for r in results},
        })
    return results
