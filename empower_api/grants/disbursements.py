"""Disbursements: a transactional outbox drained by a worker, or paid by hand.

An approval writes its ``Disbursement`` in the same transaction. After the commit a
Celery task is sent (eager, in process, by default); a periodic sweep picks up
anything still due, so a crash between commit and dispatch loses nothing. A worker
*claims* a row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) with a lease; a worker that
dies loses its claim when the lease expires. The Stripe transfer carries an
idempotency key derived from the disbursement id, so a repeated attempt can never
pay twice. Network errors, 409, 429 and 5xx are retried with exponential backoff;
any other refusal fails the disbursement with its reason (which releases its
commitment from the program budget).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from flask import after_this_request, has_request_context
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.db import utcnow
from empower_api.errors import Conflict, NotFound
from empower_api.grants import stripe_gateway
from empower_api.grants.models import (
    AttemptOutcome,
    Disbursement,
    DisbursementAttempt,
    DisbursementStatus,
    GrantApplication,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutMethod,
)
from empower_api.pagination import Page, SortKey, paginate, scoped

if TYPE_CHECKING:
    import stripe

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=2)  # far longer than one Stripe call with its timeout
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s … after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def create_for(session: Session, *, application: GrantApplication) -> Disbursement:
    """The outbox row for an approval (same transaction). Stripe when the survivor has a
    Stripe payout account and Stripe is configured, manual otherwise; dispatched after
    the request commits."""
    account = session.scalar(select(PayoutAccount).where(
        PayoutAccount.user_id == application.applicant_id))
    use_stripe = (account is not None and account.method == PayoutMethod.STRIPE
                  and stripe_gateway.configured())
    disbursement = Disbursement(
        id=uuid.uuid4(), application_id=application.id, program_id=application.program_id,
        recipient_id=application.applicant_id, amount=int(application.approved_amount or 0),
        currency=application.currency,
        method=PayoutMethod.STRIPE if use_stripe else PayoutMethod.MANUAL,
        status=DisbursementStatus.PENDING, next_attempt_at=utcnow(),
    )
    session.add(disbursement)
    session.flush()
    if use_stripe:
        dispatch_after_commit(disbursement.id)
    return disbursement


def dispatch_after_commit(disbursement_id: uuid.UUID) -> None:
    """Send the worker task once this request has committed (never before: the row must
    exist for the worker). Outside a request, the sweep is the dispatcher."""
    if not has_request_context():
        return

    @after_this_request
    def _send(response):  # type: ignore[no-untyped-def]
        if response.status_code < 400:
            from empower_api.grants.tasks import process_disbursement

            try:
                process_disbursement.delay(str(disbursement_id))
            except Exception as error:  # the sweep retries; the approval stands
                log.warning("disbursement_dispatch_failed", disbursement_id=str(disbursement_id),
                            error_type=type(error).__name__)
        return response


@dataclass(frozen=True)
class Claim:
    disbursement_id: uuid.UUID
    token: uuid.UUID
    attempt_id: uuid.UUID


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return (
        Disbursement.method == PayoutMethod.STRIPE,
        Disbursement.status.in_((DisbursementStatus.PENDING, DisbursementStatus.PROCESSING)),
        Disbursement.provider_reference.is_(None),
        Disbursement.next_attempt_at <= now,
        or_(Disbursement.claimed_until.is_(None), Disbursement.claimed_until < now),
    )


def claim(session: Session, *, disbursement_id: uuid.UUID | None = None,
          now: datetime | None = None) -> Claim | None:
    """Claim one due Stripe disbursement (that one, or any) and commit: status
    ``processing``, a lease until now + ``LEASE``, a new attempt row. None if nothing is
    due, or another worker holds it (rows locked elsewhere are skipped, not waited for)."""
    now = now or utcnow()
    stmt = select(Disbursement).where(*_claimable(now))
    if disbursement_id is not None:
        stmt = stmt.where(Disbursement.id == disbursement_id)
    while True:
        disbursement = session.scalar(
            stmt.order_by(Disbursement.next_attempt_at).limit(1)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True))
        if disbursement is None:
            session.rollback()
            return None
        account = session.scalar(select(PayoutAccount).where(
            PayoutAccount.user_id == disbursement.recipient_id))
        if account is not None and account.status == PayoutAccountStatus.ACTIVE:
            break
        # Onboarding not finished: account.updated re-dispatches; the sweep checks hourly.
        disbursement.next_attempt_at = now + BACKOFF_MAX
        session.commit()
    token = uuid.uuid4()
    key = _next_key(session, disbursement)
    disbursement.status = DisbursementStatus.PROCESSING
    disbursement.claim_token, disbursement.claimed_until = token, now + LEASE
    disbursement.attempts += 1
    attempt = DisbursementAttempt(disbursement_id=disbursement.id, number=disbursement.attempts,
                                  idempotency_key=key, started_at=now)
    session.add(attempt)
    session.commit()
    return Claim(disbursement.id, token, attempt.id)


def _next_key(session: Session, disbursement: Disbursement) -> str:
    """The Stripe idempotency key for the next attempt. Stripe replays the saved result of
    a key, 500s included (Stripe docs: idempotent requests), so after a 5xx — once the
    attempt has checked that no transfer exists — a fresh key derived from the same id
    is used; after a network error the same key again, so Stripe replays what it did."""
    previous = session.scalar(select(DisbursementAttempt).where(
        DisbursementAttempt.disbursement_id == disbursement.id,
        DisbursementAttempt.number == disbursement.attempts))
    if previous is None or previous.idempotency_key.split(":")[0] != \
            disbursement.idempotency_key:
        return disbursement.idempotency_key
    if previous.http_status is not None and previous.http_status >= 500:
        return f"{disbursement.idempotency_key}:{disbursement.attempts + 1}"
    return previous.idempotency_key


def perform(session: Session, claimed: Claim, *, now: datetime | None = None) -> str:
    """Call Stripe for a claimed disbursement and record the outcome (commits). Returns
    the attempt's outcome; ``lost_claim`` when the lease had passed to another worker."""
    disbursement = session.get(Disbursement, claimed.disbursement_id)
    attempt = session.get(DisbursementAttempt, claimed.attempt_id)
    account = session.scalar(select(PayoutAccount).where(
        PayoutAccount.user_id == disbursement.recipient_id))
    request = {"amount": disbursement.amount, "currency": disbursement.currency,
               "destination": account.stripe_account_id,
               "disbursement_id": str(disbursement.id),
               "idempotency_key": attempt.idempotency_key}
    is_retry = attempt.number > 1
    session.commit()  # hold no transaction (nor lock) while waiting for Stripe
    transfer, error = None, None
    stripe = stripe_gateway.sdk()
    try:
        if is_retry:  # an earlier attempt may have made the transfer without telling us
            transfer = next(iter(stripe_gateway.transfers_for(request["disbursement_id"])),
                            None)
        if transfer is None:
            transfer = stripe_gateway.create_transfer(**request)
    except stripe.StripeError as caught:
        error = caught
    return record_outcome(session, claimed, transfer=transfer, error=error, now=now)


def record_outcome(session: Session, claimed: Claim, *, transfer: object | None,
                   error: stripe.StripeError | None, now: datetime | None = None) -> str:
    """Write what Stripe answered, under the row lock, if the claim is still ours."""
    now = now or utcnow()
    disbursement = session.scalar(
        select(Disbursement).where(Disbursement.id == claimed.disbursement_id)
        .with_for_update().execution_options(populate_existing=True))
    attempt = session.get(DisbursementAttempt, claimed.attempt_id)
    attempt.finished_at = now
    if error is not None:
        attempt.http_status = error.http_status
        attempt.error_code = (error.code or type(error).__name__)[:80]
    if disbursement.claim_token != claimed.token:
        attempt.outcome = AttemptOutcome.LOST_CLAIM
        session.commit()
        return attempt.outcome
    disbursement.claim_token, disbursement.claimed_until = None, None
    if transfer is not None:
        attempt.outcome = AttemptOutcome.SUCCEEDED
        disbursement.provider_reference = str(transfer.id)  # type: ignore[attr-defined]
        if disbursement.reversed_at is None and disbursement.status != DisbursementStatus.FAILED:
            mark_paid(session, disbursement)
    elif error is not None and stripe_gateway.is_retryable(error) \
            and disbursement.attempts < MAX_ATTEMPTS:
        attempt.outcome = AttemptOutcome.RETRYABLE
        disbursement.status = DisbursementStatus.PENDING
        disbursement.next_attempt_at = now + backoff(disbursement.attempts)
    else:
        attempt.outcome = AttemptOutcome.REFUSED if error is not None and not \
            stripe_gateway.is_retryable(error) else AttemptOutcome.RETRYABLE
        # Stripe's error code ("balance_insufficient"), never its free-text message.
        reason = (getattr(error, "code", None) or type(error).__name__) if error \
            else "stripe_error"
        if attempt.outcome == AttemptOutcome.RETRYABLE:
            reason = f"Stripe unreachable after {disbursement.attempts} attempts"
        fail(session, disbursement, reason=str(reason)[:200],
             definitive=attempt.outcome == AttemptOutcome.REFUSED)
    session.commit()
    log.info("disbursement_attempt", disbursement_id=str(disbursement.id),
             outcome=attempt.outcome, attempt=attempt.number)
    return attempt.outcome


def process(session: Session, *, disbursement_id: uuid.UUID | None = None,
            now: datetime | None = None) -> str | None:
    """Claim and pay one disbursement (that one, or the next due). None when none was due."""
    claimed = claim(session, disbursement_id=disbursement_id, now=now)
    if claimed is None:
        return None
    return perform(session, claimed, now=now)


def sweep(session: Session, *, now: datetime | None = None, limit: int = 100) -> int:
    """Drain every due Stripe disbursement (crash leftovers, retries, expired leases)."""
    done = 0
    while done < limit and process(session, now=now) is not None:
        done += 1
    return done


def mark_paid(session: Session, disbursement: Disbursement) -> None:
    """Move to ``paid`` (once) and open the survivor's private check-in."""
    from empower_api.grants import safeguards

    if disbursement.status == DisbursementStatus.PAID:
        return
    disbursement.status, disbursement.paid_at = DisbursementStatus.PAID, utcnow()
    disbursement.failure_reason = None
    session.flush()
    # Every state change of a payout is in the audit chain, whoever caused it.
    audit.record(session, action="grants.disbursement.paid", subject_type="disbursement",
                 subject_id=disbursement.id, data={"method": disbursement.method})
    safeguards.open_check_in(session, disbursement)


def fail(session: Session, disbursement: Disbursement, *, reason: str,
         definitive: bool) -> None:
    """Move to ``failed`` with a reason; its amount no longer counts as committed."""
    disbursement.status, disbursement.failure_reason = DisbursementStatus.FAILED, reason
    disbursement.failure_definitive = definitive
    disbursement.claim_token, disbursement.claimed_until = None, None
    session.flush()
    audit.record(session, action="grants.disbursement.failed", subject_type="disbursement",
                 subject_id=disbursement.id, data={"definitive": definitive,
                                                   "reason": reason})


def list_for_staff(session: Session, *, status: str | None, limit: int, cursor: str | None,
                   method: str | None = None) -> Page[Disbursement]:
    """Disbursements, newest first, in one ``status`` and paid by one ``method`` if given."""
    stmt = select(Disbursement)
    if status:
        stmt = stmt.where(Disbursement.status == status)
    if method:
        stmt = stmt.where(Disbursement.method == method)
    return paginate(session, stmt, keys=[SortKey(Disbursement.created_at, True),
                                         SortKey(Disbursement.id, True)],
                    limit=limit, cursor=cursor, scope=scoped("grant-disbursements",
                                 status=status, method=method))


def _locked(session: Session, disbursement_id: uuid.UUID) -> Disbursement:
    disbursement = session.scalar(
        select(Disbursement).where(Disbursement.id == disbursement_id)
        .with_for_update().execution_options(populate_existing=True))
    if disbursement is None:
        raise NotFound("No such disbursement.")
    return disbursement


def _recommit(session: Session, disbursement: Disbursement) -> None:
    """A failed disbursement released its commitment: take it again, within budget."""
    from empower_api.grants import programs

    program = programs.lock_program(session, disbursement.program_id)
    if programs.committed_amount(session, program.id) + disbursement.amount \
            > program.budget_amount:
        raise Conflict("Paying this again would exceed the program's budget.",
                       code="budget_exceeded")


def mark_paid_manually(session: Session, *, actor: User, disbursement_id: uuid.UUID,
                       reference: str) -> Disbursement:
    """Staff record a manual payout (cash, mobile money) with their reference.
    409 ``not_manual`` for Stripe disbursements, ``already_paid``/``failed`` otherwise."""
    disbursement = _locked(session, disbursement_id)
    if disbursement.method != PayoutMethod.MANUAL:
        raise Conflict("Only manual disbursements are marked paid by hand.", code="not_manual")
    if disbursement.status == DisbursementStatus.PAID:
        raise Conflict("This disbursement is already paid.", code="already_paid")
    if disbursement.status == DisbursementStatus.FAILED:
        raise Conflict("This disbursement failed; retry it first.", code="disbursement_failed")
    disbursement.manual_reference, disbursement.paid_by_id = reference, actor.id
    disbursement.attempts += 1
    mark_paid(session, disbursement)
    audit.record(session, action="grants.disbursement.mark_paid", actor=actor,
                 subject_type="grant_disbursement", subject_id=disbursement.id,
                 data={"amount": disbursement.amount, "currency": disbursement.currency})
    return disbursement


def retry(session: Session, *, actor: User, disbursement_id: uuid.UUID) -> Disbursement:
    """Staff send a failed disbursement again. After a definitive refusal a new
    idempotency key is used (Stripe would replay the refusal); after giving up on an
    unreachable Stripe the same key is kept, so a transfer that did go through is
    found, never duplicated. 409 unless ``failed``; 409 ``budget_exceeded``."""
    disbursement = _locked(session, disbursement_id)
    if disbursement.status != DisbursementStatus.FAILED or disbursement.reversed_at:
        raise Conflict("Only a failed disbursement can be retried.", code="not_failed")
    _recommit(session, disbursement)
    if disbursement.method == PayoutMethod.STRIPE:
        stripe_gateway.require_configured()
        if disbursement.failure_definitive:
            disbursement.generation += 1
        disbursement.provider_reference = None
        disbursement.next_attempt_at = utcnow()
        dispatch_after_commit(disbursement.id)
    disbursement.status, disbursement.failure_reason = DisbursementStatus.PENDING, None
    disbursement.failure_definitive = False
    audit.record(session, action="grants.disbursement.retry", actor=actor,
                 subject_type="grant_disbursement", subject_id=disbursement.id)
    session.flush()
    return disbursement


def switch_to_manual(session: Session, *, actor: User, disbursement_id: uuid.UUID
                     ) -> Disbursement:
    """Staff turn a failed Stripe disbursement into a manual one (pending, to be handed
    over and marked paid). 409 unless it is a failed Stripe disbursement."""
    disbursement = _locked(session, disbursement_id)
    if disbursement.method != PayoutMethod.STRIPE or \
            disbursement.status != DisbursementStatus.FAILED:
        raise Conflict("Only a failed Stripe disbursement can switch to manual.",
                       code="not_failed")
    if disbursement.reversed_at is None and not disbursement.failure_definitive:
        # Stripe may have paid without answering: a hand payout could pay twice.
        raise Conflict("Stripe may still have paid this one; reconcile before paying by "
                       "hand.", code="outcome_unknown")
    _recommit(session, disbursement)
    disbursement.method = PayoutMethod.MANUAL
    disbursement.status, disbursement.failure_reason = DisbursementStatus.PENDING, None
    disbursement.failure_definitive = False
    audit.record(session, action="grants.disbursement.switch_to_manual", actor=actor,
                 subject_type="grant_disbursement", subject_id=disbursement.id)
    session.flush()
    return disbursement


def redispatch_for(session: Session, *, user_id: uuid.UUID) -> None:
    """A payout account became active: its waiting disbursements are due now."""
    for disbursement in session.scalars(select(Disbursement).where(
            Disbursement.recipient_id == user_id,
            Disbursement.method == PayoutMethod.STRIPE,
            Disbursement.status == DisbursementStatus.PENDING)):
        disbursement.next_attempt_at = utcnow()
        dispatch_after_commit(disbursement.id)
