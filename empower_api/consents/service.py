"""Consents: one decision per purpose, effective at once, with a readable history.

Purposes and what each one allows (docs/retention-and-consent.md):

- ``share_profile_with_employers`` (default granted): applications may share profile
  fields and credentials the survivor picks; without it an employer sees the cover
  note only. Enforced at read time, so a withdrawal hides what was already sent.
- ``grant_follow_up_contact`` (default withdrawn): staff may contact the survivor
  after a grant decision or payout.
- ``include_in_impact_figures`` (default withdrawn): the survivor's records count in
  ``GET /impact``.
- ``research_contact`` (default withdrawn): the survivor may be counted (and only
  then listed) as someone researchers may contact.

A grant counts only on the purpose's current wording (``version``): when the wording
changes, earlier grants fall back to the default until the survivor decides again.
A withdrawal counts whatever the version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, event, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from empower_api.accounts.models import Role, User
from empower_api.accounts.service import register_eraser, register_exporter
from empower_api.consents.models import Consent, ConsentEvent
from empower_api.db import utcnow
from empower_api.errors import NotFound
from empower_api.i18n import N_, translate
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339


class Purpose(StrEnum):
    SHARE_PROFILE_WITH_EMPLOYERS = "share_profile_with_employers"
    GRANT_FOLLOW_UP_CONTACT = "grant_follow_up_contact"
    INCLUDE_IN_IMPACT_FIGURES = "include_in_impact_figures"
    RESEARCH_CONTACT = "research_contact"


@dataclass(frozen=True)
class PurposeInfo:
    purpose: Purpose
    default_granted: bool
    version: int  # raise when the wording shown to survivors changes
    description: str


PURPOSES: dict[str, PurposeInfo] = {
    info.purpose: info
    for info in (
        # Granted by default: each application still chooses field by field what to share.
        PurposeInfo(Purpose.SHARE_PROFILE_WITH_EMPLOYERS, True, 1,
                    N_("Employers you apply to may see the profile fields and credentials "
                       "you choose to share with each application.")),
        PurposeInfo(Purpose.GRANT_FOLLOW_UP_CONTACT, False, 1,
                    N_("Staff may contact you after a grant decision or payout to ask how "
                       "it went.")),
        PurposeInfo(Purpose.INCLUDE_IN_IMPACT_FIGURES, False, 1,
                    N_("Your records are counted in the service's published totals. Totals "
                       "never show groups smaller than 5.")),
        PurposeInfo(Purpose.RESEARCH_CONTACT, False, 1,
                    N_("Researchers working with the service may ask you to take part in a "
                       "study. Saying no changes nothing else.")),
    )
}


@dataclass
class ConsentState:
    """What ``GET /me/consents`` shows for one purpose."""

    purpose: str
    granted: bool
    version: int
    current_version: int
    decided_at: datetime | None  # None while the purpose is at its default
    is_default: bool
    description: str


ChangeListener = Callable[[str], None]
_listeners: list[ChangeListener] = []


def on_change(fn: ChangeListener) -> ChangeListener:
    """Call ``fn(purpose)`` once a changed decision is committed (e.g. to drop a cache)."""
    _listeners.append(fn)
    return fn


def purpose_info(purpose: str) -> PurposeInfo:
    """The purpose's definition; ``NotFound`` (404) for an unknown purpose."""
    info = PURPOSES.get(purpose)
    if info is None:
        raise NotFound("No such consent purpose.")
    return info


def _effective(info: PurposeInfo, row: Consent | None) -> bool:
    if row is None:
        return info.default_granted
    if not row.granted:
        return False
    return True if row.version == info.version else info.default_granted


def _state(info: PurposeInfo, row: Consent | None) -> ConsentState:
    return ConsentState(
        purpose=info.purpose, granted=_effective(info, row),
        version=row.version if row else info.version, current_version=info.version,
        decided_at=row.decided_at if row else None, is_default=row is None,
        description=translate(info.description),
    )


def list_consents(session: Session, *, user: User) -> list[ConsentState]:
    """Every purpose, in a fixed order, with the caller's current decision (one query)."""
    rows = {row.purpose: row for row in session.scalars(
        select(Consent).where(Consent.user_id == user.id))}
    return [_state(info, rows.get(name)) for name, info in PURPOSES.items()]


def set_consent(session: Session, *, user: User, purpose: str, granted: bool) -> ConsentState:
    """Grant or withdraw ``purpose`` for the caller, effective for the next query anywhere.

    Re-stating the current decision on the current wording changes nothing and adds no
    history. Raises ``NotFound`` for an unknown purpose.
    """
    info = purpose_info(purpose)
    # One decision at a time per person: the second of two concurrent PUTs sees the first.
    session.execute(select(User.id).where(User.id == user.id).with_for_update()
                    .execution_options(populate_existing=True))
    row = session.scalar(
        select(Consent).where(Consent.user_id == user.id, Consent.purpose == info.purpose)
        .execution_options(populate_existing=True)
    )
    if row is not None and row.granted == granted and row.version == info.version:
        return _state(info, row)
    now = utcnow().replace(microsecond=0)
    if row is None:
        row = Consent(user_id=user.id, purpose=info.purpose, granted=granted,
                      version=info.version, decided_at=now)
        session.add(row)
    else:
        row.granted, row.version, row.decided_at = granted, info.version, now
    session.add(ConsentEvent(user_id=user.id, purpose=info.purpose, granted=granted,
                             version=info.version, decided_at=now))
    session.flush()
    # After the commit: a listener that recomputes (the impact cache) must see the change.
    event.listen(session, "after_commit", lambda _session: _notify(info.purpose), once=True)
    return _state(info, row)


def _notify(purpose: str) -> None:
    for listener in _listeners:
        listener(purpose)


def history(session: Session, *, user: User, purpose: str, limit: int,
            cursor: str | None) -> Page[ConsentEvent]:
    """The caller's decisions on ``purpose``, newest first (keyset pages)."""
    info = purpose_info(purpose)
    stmt = select(ConsentEvent).where(ConsentEvent.user_id == user.id,
                                      ConsentEvent.purpose == info.purpose)
    return paginate(session, stmt, keys=[SortKey(ConsentEvent.seq, descending=True)],
                    limit=limit, cursor=cursor, scope=f"consent-history:{info.purpose}")


# --- enforcement --------------------------------------------------------------------------


def has_consent(session: Session, user_id: uuid.UUID, purpose: str) -> bool:
    """True when ``user_id`` allows ``purpose`` right now (one query, never cached).

    Call it where the data is used (when an employer reads an application, when staff
    prepare a follow-up), not when it was collected: a withdrawal then takes effect
    at once. Raises ``KeyError`` for an unknown purpose (a programming error).
    """
    info = PURPOSES[purpose]
    row = session.scalar(select(Consent).where(Consent.user_id == user_id,
                                               Consent.purpose == info.purpose))
    return _effective(info, row)


def consented(purpose: str, user_id: Any) -> ColumnElement[bool]:
    """A SQL predicate: the user in column ``user_id`` allows ``purpose`` now.

    For set-based queries (impact figures, lists):
    ``select(...).where(consented("include_in_impact_figures", Membership.user_id))``.
    """
    info = PURPOSES[purpose]
    decided = and_(Consent.user_id == user_id, Consent.purpose == info.purpose)
    if info.default_granted:
        # Only an explicit withdrawal removes a default grant (old-version grants fall
        # back to the default, which is granted).
        return ~exists().where(decided, Consent.granted.is_(False))
    return exists().where(decided, Consent.granted.is_(True), Consent.version == info.version)


def consenting_user_ids(session: Session, purpose: str,
                        user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``user_ids`` allow ``purpose`` now (one query; for list pages)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    return set(session.scalars(
        select(User.id).where(User.id.in_(ids), consented(purpose, User.id))))


def shared_profile(session: Session, *, user_id: uuid.UUID,
                   share: dict[str, Any]) -> dict[str, Any]:
    """What an application may show an employer from ``share`` (``{"fields", "credential_ids"}``).

    Without ``share_profile_with_employers`` nothing beyond the cover note is shared:
    both lists come back empty. Apply it when the employer reads, not when the
    survivor applies.
    """
    if has_consent(session, user_id, Purpose.SHARE_PROFILE_WITH_EMPLOYERS):
        return {"fields": list(share.get("fields") or []),
                "credential_ids": list(share.get("credential_ids") or [])}
    return {"fields": [], "credential_ids": []}


def count_research_contacts(session: Session) -> int:
    """How many survivors (not erased) allow research contact now."""
    return int(session.scalar(
        select(func.count()).select_from(User).where(
            User.role == Role.SURVIVOR, User.erased_at.is_(None),
            consented(Purpose.RESEARCH_CONTACT, User.id))
    ) or 0)


# --- export and erasure ----------------------------------------------------------------


@register_exporter("consents", tables=("consents", "consent_events"))
def export_consents(session: Session, user: User) -> dict[str, Any]:
    """Current decisions and the full history, oldest first."""
    if user.role != Role.SURVIVOR:
        return {"current": [], "history": []}
    events = session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == user.id)
                             .order_by(ConsentEvent.seq))
    return {
        "current": [
            {"purpose": s.purpose, "granted": s.granted, "version": s.version,
             "decided_at": rfc3339(s.decided_at), "is_default": s.is_default}
            for s in list_consents(session, user=user)
        ],
        "history": [
            {"purpose": e.purpose, "granted": e.granted, "version": e.version,
             "decided_at": rfc3339(e.decided_at)}
            for e in events
        ],
    }


@register_eraser(tables=("consents", "consent_events"))
def erase_consents(session: Session, user: User) -> None:
    """Decisions and their history go: an erased account allows nothing (a tombstone
    row withdrawing the default-granted purposes keeps it out of every set query)."""
    session.execute(delete(ConsentEvent).where(ConsentEvent.user_id == user.id))
    session.execute(delete(Consent).where(Consent.user_id == user.id))
    session.flush()
    for info in PURPOSES.values():
        if info.default_granted:
            session.add(Consent(user_id=user.id, purpose=info.purpose, granted=False,
                                version=info.version, decided_at=utcnow()))
    session.flush()


__all__ = [
    "PURPOSES", "ConsentState", "Purpose", "PurposeInfo", "consented", "consenting_user_ids",
    "count_research_contacts", "has_consent", "history", "list_consents", "on_change",
    "purpose_info", "set_consent", "shared_profile",
]
