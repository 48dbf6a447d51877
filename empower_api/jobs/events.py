"""Hooks other domains register to hear about a posting's life.

``on_posting_removed(fn)`` registers ``fn(session, job)``, called when staff remove a
posting by moderation, inside the removal's transaction (a listener only flushes; if
it raises, the removal rolls back with it). Applications registers one that closes
every application to the posting and sends each applicant a neutral notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from empower_api.jobs.models import Job

PostingListener = Callable[[Session, "Job"], None]

_removed_listeners: list[PostingListener] = []


def on_posting_removed(fn: PostingListener) -> PostingListener:
    """Register ``fn(session, job)`` for removals (usable as a decorator; idempotent)."""
    if fn not in _removed_listeners:
        _removed_listeners.append(fn)
    return fn


def remove_listener(fn: PostingListener) -> None:
    """Unregister ``fn`` (tests register listeners of their own)."""
    if fn in _removed_listeners:
        _removed_listeners.remove(fn)


def posting_removed(session: Session, job: Job) -> None:
    """Tell every listener that ``job`` was removed, in registration order."""
    for listener in list(_removed_listeners):
        listener(session, job)
