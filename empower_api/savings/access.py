"""Who may touch a group, and the group's shared helpers: the lock, the open cycle.

A non-member gets 404 for a group (its existence does not leak), a member without the
right role 403. A member who left is refused every write (403) and sees nothing of the
group but their own records (anything else is 404, as for a non-member). Every write
that reads balances first locks the group row (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite serialises write requests with ``BEGIN IMMEDIATE``), so two officers posting at
once neither lose an update nor lend the same cash twice.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.errors import Conflict, Forbidden, Invalid, NotFound
from empower_api.i18n import N_
from empower_api.savings.models import (
    Cycle,
    CycleStatus,
    MemberRole,
    Membership,
    SavingsGroup,
)

NO_GROUP = N_("No such savings group.")


def find_membership(session: Session, group_id: uuid.UUID, user: User) -> Membership | None:
    """The user's membership of the group (active or left), or None."""
    return session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user.id)
    )


def lock_group(session: Session, group_id: uuid.UUID) -> SavingsGroup:
    """The group, its row locked until the request ends; NotFound when there is none."""
    group = session.get(SavingsGroup, group_id, with_for_update=True, populate_existing=True)
    if group is None:
        raise NotFound(NO_GROUP)
    return group


@cache
def _access_query(lock: bool) -> Any:
    """``access``'s statement, built once per ``lock`` (bound by name: group_id,
    user_id) so its compiled form is cached; every request to a group runs it."""
    stmt = (
        select(SavingsGroup, Membership)
        .join(Membership, Membership.group_id == SavingsGroup.id)
        .where(SavingsGroup.id == bindparam("group_id"),
               Membership.user_id == bindparam("user_id"))
    )
    if lock:
        stmt = stmt.with_for_update(of=SavingsGroup).execution_options(populate_existing=True)
    return stmt


def access(
    session: Session,
    *,
    actor: User,
    group_id: uuid.UUID,
    lock: bool = False,
    write: bool = True,
    own_records: bool = False,
    officer: bool = False,
    chair: bool = False,
) -> tuple[SavingsGroup, Membership]:
    """The group and the actor's membership, or 404 (not a member) / 403 (not allowed).

    A member who left gets 403 on writes and 404 on reads, except reads with
    ``own_records``, whose caller then shows them only their own records.
    With ``lock`` the group row is locked (one round trip for both) until the request
    ends, which serialises every writer of this group's books.
    """
    row = session.execute(_access_query(lock), {"group_id": group_id,
                                                "user_id": actor.id}).first()
    if row is None:
        raise NotFound(NO_GROUP)
    group, me = row
    if not me.is_active:
        if write:
            raise Forbidden("You have left this group.", code="left_group")
        if not own_records:
            raise NotFound(NO_GROUP)
    if chair and me.role != MemberRole.CHAIR:
        raise Forbidden("Only the chair can do this.", code="chair_only")
    if officer and not me.is_officer:
        raise Forbidden("Only the group's officers can do this.", code="officers_only")
    return group, me


def member_of(session: Session, group: SavingsGroup, member_id: uuid.UUID, field_name: str,
              *, active: bool = True) -> Membership:
    """The group's member ``member_id``, or Invalid naming ``field_name`` (not a member;
    left, unless ``active`` is False)."""
    return check_member(group, session.get(Membership, member_id), field_name, active=active)


def check_member(group: SavingsGroup, member: Membership | None, field_name: str,
                 *, active: bool = True) -> Membership:
    """``member`` if it is a member of the group (and active, unless ``active`` is
    False); Invalid naming ``field_name`` otherwise (``member_of``'s rule for a row the
    caller read itself)."""
    if member is None or member.group_id != group.id:
        raise Invalid(field_name, "This person is not a member of the group.")
    if active and not member.is_active:
        raise Invalid(field_name, "This member has left the group.")
    return member


def readable_record(group: SavingsGroup, me: Membership, record: Any,
                    owner_id: uuid.UUID | None, *, missing: str, others: str) -> Any:
    """``record`` (a loan, a transaction, a member) if ``me`` may read it, VSLA-style:
    the group's books are the members' own, but one member's money is another's only
    through an officer. A member who left reads only their own records.

    Raises NotFound(``missing``) when it is not the group's (or not a leaver's own),
    Forbidden(``others``) when it is another member's and ``me`` is no officer.
    ``owner_id`` None is a group-level record (a social-fund payout, say).
    """
    if record is None or record.group_id != group.id or (
            not me.is_active and owner_id != me.id):
        raise NotFound(missing)
    if owner_id not in (None, me.id) and not me.is_officer:
        raise Forbidden(others)
    return record


def current_cycle(session: Session, group: SavingsGroup) -> Cycle:
    """The group's open cycle; Conflict ``no_open_cycle`` when there is none."""
    cycle = session.get(Cycle, group.current_cycle_id) if group.current_cycle_id else None
    if cycle is None or cycle.status != CycleStatus.OPEN:
        raise Conflict("The group has no open cycle.", code="no_open_cycle")
    return cycle


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months on, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def open_cycle(session: Session, group: SavingsGroup, number: int, today: date) -> Cycle:
    """Open cycle ``number`` today at the constitution's share price; it becomes current."""
    cycle = Cycle(id=uuid.uuid4(), group_id=group.id, number=number,
                  share_price=group.share_price, status=CycleStatus.OPEN, started_on=today,
                  ends_on=add_months(today, group.cycle_months))
    session.add(cycle)
    session.flush()
    group.current_cycle_id = cycle.id
    return cycle
