"""Discreet notifications: what any domain calls to tell a person something happened.

A notification holds a ``kind`` and an opaque subject (type + id), never free text.
The words shown are neutral and fixed per kind ("You have a new message"): they never
name the program, an employer, a sector or trafficking, because a phone may be shared
or watched (docs/security.md, threat model). A push service given ``push_payload`` can
deliver one knowing nothing more than that.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from empower_api.accounts import service as accounts
from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.errors import NotFound
from empower_api.i18n import N_, SOURCE_LOCALE, translate, translate_in
from empower_api.notifications.models import Notification
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339

# kind -> the neutral text shown for it. A new kind needs a neutral text here first.
# English; said in the reader's language when shown (empower_api.i18n).
TEXTS: dict[str, str] = {
    "message.new": N_("You have a new message"),
    "application.updated": N_("An application was updated"),
    # TRANSLATORS: a private question after a payout: never say money, grant or program.
    "check_in.new": N_("You have a new question"),
}


def notify(session: Session, *, user_id: uuid.UUID, kind: str, subject_type: str,
           subject_id: Any) -> Notification:
    """Add one notification to ``user_id``'s feed and return it (flushed).

    ``kind`` must be a key of ``TEXTS`` (a ``ValueError`` otherwise: a programming
    error, not the client's); ``subject_type``/``subject_id`` name what the app opens
    (for example ``"application"`` and an application id).
    """
    if kind not in TEXTS:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification(id=uuid.uuid4(), user_id=user_id, kind=kind,
                                subject_type=subject_type, subject_id=str(subject_id),
                                created_at=utcnow())
    session.add(notification)
    session.flush()
    return notification


def text_of(notification: Notification, locale: str | None = None) -> str:
    """The neutral text, in ``locale`` (a BCP 47 tag) or else the request's language."""
    text = TEXTS[notification.kind]
    return translate_in(locale, text) if locale else translate(text)


def push_payload(notification: Notification, locale: str | None = None) -> dict[str, str]:
    """What a push service may carry: the neutral text, the kind and opaque ids.

    ``locale`` is the recipient's stored ``User.locale``: a push is sent outside any
    request of theirs, so it cannot be negotiated (None: English)."""
    return {"id": str(notification.id), "kind": notification.kind,
            "text": text_of(notification, locale or SOURCE_LOCALE),
            "subject_type": notification.subject_type, "subject_id": notification.subject_id}


def list_notifications(session: Session, *, actor: User, limit: int,
                       cursor: str | None) -> Page[Notification]:
    """The caller's feed, newest first (keyset cursor)."""
    stmt = select(Notification).where(Notification.user_id == actor.id)
    return paginate(session, stmt,
                    keys=[SortKey(Notification.created_at, descending=True),
                          SortKey(Notification.id, descending=True)],
                    limit=limit, cursor=cursor, scope="notifications")


def mark_read(session: Session, *, actor: User, notification_id: uuid.UUID) -> Notification:
    """Mark one of the caller's notifications read (again is harmless); others' are 404."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


@accounts.register_exporter("notifications", tables=("notifications",))
def export_user(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(Notification).where(Notification.user_id == user.id)
                           .order_by(Notification.created_at, Notification.id))
    return [{"id": str(n.id), "kind": n.kind, "text": text_of(n),
             "subject_type": n.subject_type, "subject_id": n.subject_id,
             "created_at": rfc3339(n.created_at), "read_at": rfc3339(n.read_at)} for n in rows]


@accounts.register_eraser(tables=("notifications",))
def erase_user(session: Session, user: User) -> None:
    """A feed is only the person's own: it goes entirely."""
    session.execute(delete(Notification).where(Notification.user_id == user.id))
    session.flush()
