"""Impact figures of every domain: postings, applications and hires, savings groups,
training, and microgrants paid. Survivor-derived figures count only survivors who allow
``include_in_impact_figures``; the impact service suppresses small cells.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from empower_api.consents.service import Purpose, consented
from empower_api.grants.models import Disbursement, DisbursementStatus
from empower_api.impact.registry import (
    CountFigure,
    MoneyFigure,
    Total,
    Window,
    month_of,
    register_figure,
)
from empower_api.jobs.applications.models import Application, ApplicationStatus
from empower_api.jobs.models import Job
from empower_api.savings.models import Membership, Transaction, TxType
from empower_api.training.models import Credential, Enrollment


@register_figure("jobs_published")
def jobs_published(session: Session, window: Window) -> CountFigure:
    """Postings ever published (employers' records: no survivor is counted)."""
    overall = session.scalar(select(func.count()).select_from(Job)
                             .where(Job.published_at.is_not(None))) or 0
    month = month_of(Job.published_at)
    rows = session.execute(select(month, func.count()).where(Job.published_at >= window.since)
                           .group_by(month))
    return CountFigure(overall=int(overall), by_month={m: int(n) for m, n in rows})


def _consenting_transactions(*types: str) -> Any:
    """Transactions of the given types by members who allow impact figures, not reversed."""
    reversal = aliased(Transaction)
    return (select(Transaction)
            .join(Membership, Membership.id == Transaction.member_id)
            .where(Transaction.type.in_(types),
                   ~exists().where(reversal.reverses_id == Transaction.id),
                   consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Membership.user_id)))


@register_figure("savings_groups_active")
def savings_groups_active(session: Session, window: Window) -> CountFigure:
    """Groups in which a consenting member saved (bought shares): ever, and per month."""
    base = _consenting_transactions(TxType.SHARE_PURCHASE).subquery()
    overall = session.scalar(select(func.count(func.distinct(base.c.group_id)))) or 0
    month = month_of(base.c.created_at)
    rows = session.execute(select(month, func.count(func.distinct(base.c.group_id)))
                           .where(base.c.created_at >= window.since).group_by(month))
    return CountFigure(overall=int(overall), by_month={m: int(n) for m, n in rows})


@register_figure("total_saved_amount")
def total_saved(session: Session, window: Window) -> MoneyFigure:
    """Share purchases of consenting members, per currency (reversed ones excluded)."""
    stmt = _consenting_transactions(TxType.SHARE_PURCHASE).with_only_columns(
        Transaction.currency, func.sum(Transaction.amount),
        func.count(func.distinct(Membership.user_id)))
    overall = {currency: Total(int(amount), int(people))
               for currency, amount, people in session.execute(stmt.group_by(Transaction.currency))}
    month = month_of(Transaction.created_at)
    by_month: dict[str, dict[str, Total]] = {}
    rows = session.execute(stmt.add_columns(month).where(Transaction.created_at >= window.since)
                           .group_by(Transaction.currency, month))
    for currency, amount, people, m in rows:
        by_month.setdefault(m, {})[currency] = Total(int(amount), int(people))
    return MoneyFigure(overall=overall, by_month=by_month)


def _counted(session: Session, window: Window, moment: Any, *where: Any) -> CountFigure:
    """Rows matching ``where``, overall and by the month of ``moment``."""
    overall = session.scalar(select(func.count()).select_from(moment.table).where(*where)) or 0
    month = month_of(moment)
    rows = session.execute(select(month, func.count()).where(*where, moment >= window.since)
                           .group_by(month))
    return CountFigure(overall=int(overall), by_month={m: int(n) for m, n in rows})


@register_figure("courses_completed")
def courses_completed(session: Session, window: Window) -> CountFigure:
    """Enrollments completed by survivors who allow impact figures."""
    return _counted(session, window, Enrollment.completed_at,
                    Enrollment.completed_at.is_not(None),
                    consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Enrollment.user_id))


@register_figure("credentials_issued")
def credentials_issued(session: Session, window: Window) -> CountFigure:
    """Credentials issued to survivors who allow impact figures and not revoked (an erased
    holder's credential leads to nobody and is not counted)."""
    return _counted(session, window, Credential.issued_at, Credential.revoked_at.is_(None),
                    consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Credential.user_id))


@register_figure("applications")
def applications(session: Session, window: Window) -> CountFigure:
    """Job applications by survivors who allow impact figures (erased ones lead to nobody)."""
    return _counted(session, window, Application.created_at,
                    consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Application.applicant_id))


@register_figure("hires")
def hires(session: Session, window: Window) -> CountFigure:
    """Applications that ended in a hire (hired is final, so its time is the last change)."""
    return _counted(session, window, Application.updated_at,
                    Application.status == ApplicationStatus.HIRED,
                    consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Application.applicant_id))


@register_figure("grants_disbursed_amount")
def grants_disbursed(session: Session, window: Window) -> MoneyFigure:
    """Microgrant disbursements paid to survivors who allow impact figures, per currency."""
    stmt = (select(Disbursement.currency, func.sum(Disbursement.amount),
                   func.count(func.distinct(Disbursement.recipient_id)))
            .where(Disbursement.status == DisbursementStatus.PAID,
                   consented(Purpose.INCLUDE_IN_IMPACT_FIGURES, Disbursement.recipient_id)))
    totals = session.execute(stmt.group_by(Disbursement.currency))
    overall = {currency: Total(int(amount), int(people)) for currency, amount, people in totals}
    month = month_of(Disbursement.paid_at)
    by_month: dict[str, dict[str, Total]] = {}
    rows = session.execute(stmt.add_columns(month).where(Disbursement.paid_at >= window.since)
                           .group_by(Disbursement.currency, month))
    for currency, amount, people, m in rows:
        by_month.setdefault(m, {})[currency] = Total(int(amount), int(people))
    return MoneyFigure(overall=overall, by_month=by_month)
