"""A survivor's control over who reaches them: blocked employers, excluded categories.

Blocked employers' postings and postings in excluded categories vanish from that
survivor's signed-in search, saved-search matches and anything recommended
(``personal_filter``); a blocked employer can never see their applications
(``blocked_employer_ids`` / ``is_blocked``, for the applications domain).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import ColumnElement

from empower_api.accounts import service as accounts
from empower_api.accounts.models import Role, User
from empower_api.db import add_once, utcnow
from empower_api.errors import NotFound
from empower_api.jobs.models import Employer, Job
from empower_api.jobs.search import Personal
from empower_api.moderation.models import CategoryExclusion, EmployerBlock
from empower_api.pagination import Page, SortKey, paginate
from empower_api.timefmt import rfc3339

PREFERENCE_TABLES = ("employer_blocks", "category_exclusions")


def blocked_employer_ids(session: Session, user_id: uuid.UUID) -> set[uuid.UUID]:
    """The ids of the employers ``user_id`` has blocked (one statement)."""
    return set(session.scalars(
        select(EmployerBlock.employer_id).where(EmployerBlock.user_id == user_id)))


def is_blocked(user_id: Any, employer_id: Any) -> ColumnElement[bool]:
    """SQL predicate: the user (a column or a value) has blocked the employer (ditto).

    For example ``~is_blocked(Application.user_id, Job.employer_id)`` keeps an
    employer's members from listing the applications of survivors who blocked it.
    """
    return exists().where(EmployerBlock.user_id == user_id,
                          EmployerBlock.employer_id == employer_id)


def personal_filter(actor: User | None) -> Personal:
    """What ``actor`` never wants to see, for ``search_jobs(personal=...)``: postings of
    employers they blocked and in categories they excluded, as subqueries (no query
    here, none added to the search's statements).

    Only survivors have blocks and exclusions; anyone else (and anonymous visitors)
    gets an empty filter, so their results are the public ones.
    """
    if actor is None or actor.role != Role.SURVIVOR:
        return Personal()
    excluded = select(CategoryExclusion.category).where(CategoryExclusion.user_id == actor.id)
    return Personal(predicates=(~is_blocked(actor.id, Job.employer_id),
                                Job.category.not_in(excluded)))


# --- blocks -----------------------------------------------------------------------------


def block_employer(session: Session, *, actor: User, employer_id: uuid.UUID) -> None:
    """Idempotent: blocking an employer twice changes nothing. Unknown employer: 404."""
    if session.get(EmployerBlock, (actor.id, employer_id)) is not None:
        return
    if session.get(Employer, employer_id) is None:
        raise NotFound("No such employer.")
    add_once(session, EmployerBlock(user_id=actor.id, employer_id=employer_id))


def unblock_employer(session: Session, *, actor: User, employer_id: uuid.UUID) -> None:
    """Idempotent: unblocking an employer that is not blocked is not an error."""
    session.execute(delete(EmployerBlock).where(EmployerBlock.user_id == actor.id,
                                                EmployerBlock.employer_id == employer_id))
    session.flush()


def list_blocked_employers(session: Session, *, actor: User, limit: int,
                           cursor: str | None) -> Page[dict[str, Any]]:
    """The caller's blocked employers (id, name, when), most recent first."""
    stmt = (select(EmployerBlock).options(joinedload(EmployerBlock.employer))
            .where(EmployerBlock.user_id == actor.id))
    page = paginate(session, stmt, keys=[SortKey(EmployerBlock.created_at, descending=True),
                                         SortKey(EmployerBlock.employer_id, descending=True)],
                    limit=limit, cursor=cursor, scope="blocked-employers")
    return Page(items=[{"employer_id": block.employer_id, "name": block.employer.name,
                        "blocked_at": block.created_at} for block in page.items],
                next_cursor=page.next_cursor)


# --- excluded categories ------------------------------------------------------------------


def excluded_categories(session: Session, *, actor: User) -> list[str]:
    """The caller's excluded categories, sorted."""
    return sorted(session.scalars(select(CategoryExclusion.category)
                                  .where(CategoryExclusion.user_id == actor.id)))


def set_excluded_categories(session: Session, *, actor: User,
                            categories: list[str]) -> list[str]:
    """Replace the caller's excluded categories (values of ``JobCategory``)."""
    wanted = set(categories)
    current = set(excluded_categories(session, actor=actor))
    if current - wanted:
        session.execute(delete(CategoryExclusion).where(
            CategoryExclusion.user_id == actor.id,
            CategoryExclusion.category.in_(sorted(current - wanted))))
    now = utcnow()
    session.add_all(CategoryExclusion(user_id=actor.id, category=c, created_at=now)
                    for c in sorted(wanted - current))
    session.flush()
    return sorted(wanted)


# --- export and erasure ------------------------------------------------------------------


@accounts.register_exporter("job_preferences", tables=PREFERENCE_TABLES)
def export_user(session: Session, user: User) -> dict[str, Any]:
    blocks = session.scalars(select(EmployerBlock).where(EmployerBlock.user_id == user.id)
                             .order_by(EmployerBlock.created_at))
    return {
        "blocked_employers": [{"employer_id": str(b.employer_id),
                               "blocked_at": rfc3339(b.created_at)} for b in blocks],
        "excluded_categories": excluded_categories(session, actor=user),
    }


@accounts.register_eraser(tables=PREFERENCE_TABLES)
def erase_user(session: Session, user: User) -> None:
    """Blocks and exclusions are the survivor's own: they go."""
    session.execute(delete(EmployerBlock).where(EmployerBlock.user_id == user.id))
    session.execute(delete(CategoryExclusion).where(CategoryExclusion.user_id == user.id))
    session.flush()
