"""Retention rules and money-record checks for accounts, sessions, idempotency,
postings and savings.

Accounts come last: a dry run counts each rule on today's data, so no rule may make
records of an earlier one eligible within the same run (erasing an account ends its
sessions; those go on a later run).

Other domains register theirs in their own package and add the module to
``registry.RULE_MODULES``: applications (messages of closed applications, and a
posting keeper if applications must outlive their posting), grants (stored webhook
payloads, and grant applications and disbursements as money records).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from empower_api.accounts import service as accounts
from empower_api.accounts.models import AuthSession, Role, User
from empower_api.idempotency import IdempotencyRecord
from empower_api.jobs.models import Job, JobStatus
from empower_api.retention.registry import (
    RetentionRule,
    count_rows,
    delete_rows,
    has_money_records,
    keeps_posting,
    register_money_records,
    register_rule,
)
from empower_api.savings.models import Membership

# --- money records ------------------------------------------------------------------------


@register_money_records("savings")
def savings_money_records(user_id: Any) -> ColumnElement[bool]:
    """Any savings membership: its transactions, loans and ledger lines hang off it."""
    return exists().where(Membership.user_id == user_id)


# --- expired postings -----------------------------------------------------------------------

def _expired_postings(cutoff: datetime) -> Select[Any]:
    """Postings closed, or past their end date, before ``cutoff`` (drafts never go)."""
    ended = func.coalesce(Job.closed_at, Job.valid_through)
    return select(Job.id).where(Job.status.in_([JobStatus.PUBLISHED, JobStatus.CLOSED]),
                                ended < cutoff, ~keeps_posting(Job.id))


register_rule(RetentionRule(
    name="expired_postings", setting="RETENTION_EXPIRED_POSTINGS_DAYS",
    description="Postings that ended are deleted, with the saves that point at them.",
    count=lambda session, cutoff: count_rows(session, _expired_postings(cutoff)),
    purge=lambda session, cutoff: delete_rows(session, Job, _expired_postings(cutoff)),
))


# --- idempotency records --------------------------------------------------------------------


def _old_idempotency(cutoff: datetime) -> Select[Any]:
    return select(IdempotencyRecord.id).where(IdempotencyRecord.created_at < cutoff)


register_rule(RetentionRule(
    name="idempotency_records", setting="RETENTION_IDEMPOTENCY_DAYS",
    description="Stored first responses of Idempotency-Key requests; a retry after this "
                "runs the request again.",
    count=lambda session, cutoff: count_rows(session, _old_idempotency(cutoff)),
    purge=lambda session, cutoff: delete_rows(session, IdempotencyRecord, _old_idempotency(cutoff)),
))


# --- revoked sessions -----------------------------------------------------------------------


def _old_revoked_sessions(cutoff: datetime) -> Select[Any]:
    """Sessions ended before ``cutoff``. Each live account keeps its most recently used
    session: it is the evidence of activity the inactive-account rule reads."""
    other = aliased(AuthSession)
    latest = (select(func.max(other.last_used_at)).where(other.user_id == AuthSession.user_id)
              .scalar_subquery())
    erased = exists().where(User.id == AuthSession.user_id, User.erased_at.is_not(None))
    return select(AuthSession.id).where(AuthSession.revoked_at < cutoff,
                                        or_(erased, AuthSession.last_used_at < latest))


register_rule(RetentionRule(
    name="revoked_sessions", setting="RETENTION_REVOKED_SESSIONS_DAYS",
    description="Signed-out, revoked and expired sessions (device label, times).",
    count=lambda session, cutoff: count_rows(session, _old_revoked_sessions(cutoff)),
    purge=lambda session, cutoff: delete_rows(session, AuthSession, _old_revoked_sessions(cutoff)),
))


# --- inactive anonymous accounts ------------------------------------------------------------


def _inactive_anonymous(cutoff: datetime) -> Select[Any]:
    """Anonymous survivors unseen since ``cutoff`` (no sign-in, refresh or profile change),
    not erased, without money records."""
    recent_session = exists().where(AuthSession.user_id == User.id,
                                    AuthSession.last_used_at >= cutoff)
    return select(User.id).where(
        User.role == Role.SURVIVOR, User.anonymous.is_(True), User.erased_at.is_(None),
        User.created_at < cutoff, User.updated_at < cutoff, ~recent_session,
        ~has_money_records(User.id))


def _purge_inactive_anonymous(session: Session, cutoff: datetime) -> int:
    # Through the accounts erasure path, so every domain's eraser runs.
    users = list(session.scalars(select(User).where(User.id.in_(_inactive_anonymous(cutoff)))
                                 .order_by(User.id)))
    for user in users:
        accounts.erase_account(session, user=user)
    return len(users)


register_rule(RetentionRule(
    name="inactive_anonymous_accounts", setting="RETENTION_INACTIVE_ANONYMOUS_DAYS",
    description="Anonymous accounts with no activity and no money records are erased "
                "(as DELETE /me does).",
    count=lambda session, cutoff: count_rows(session, _inactive_anonymous(cutoff)),
    purge=_purge_inactive_anonymous,
))
