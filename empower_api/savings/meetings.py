"""Meetings: only the latest meeting of the open cycle can change."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.errors import Conflict, Invalid, NotFound
from empower_api.pagination import Page, SortKey, paginate
from empower_api.savings.access import (
    access,
    current_cycle,
    member_of,
)
from empower_api.savings.models import (
    Meeting,
    MeetingAttendance,
    SavingsGroup,
)


def _attendance(session: Session, group: SavingsGroup, meeting: Meeting,
                attendee_ids: list[uuid.UUID]) -> None:
    unique = list(dict.fromkeys(attendee_ids))
    for member_id in unique:
        member_of(session, group, member_id, "attendee_ids", active=False)
    meeting.attendance = [MeetingAttendance(meeting_id=meeting.id, member_id=m) for m in unique]


def create_meeting(session: Session, *, actor: User, group_id: uuid.UUID,
                   data: dict[str, Any]) -> tuple[Meeting, bool]:
    """A new meeting becomes the latest; returns (meeting, created). ``client_id`` replays."""
    group, me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    client_id = data.get("client_id")
    if client_id is not None:
        existing = session.scalar(select(Meeting).where(Meeting.group_id == group.id,
                                                        Meeting.client_id == client_id))
        if existing is not None:
            if existing.held_on != data["held_on"]:
                raise Invalid("client_id", "This client_id was used for another meeting.",
                              code="client_id_reused")
            return existing, False
    cycle = current_cycle(session, group)
    held_on: date = data["held_on"]
    latest = _latest_meeting(session, group)
    if latest is not None and latest.cycle_id == cycle.id and held_on < latest.held_on:
        raise Invalid("held_on", "A new meeting cannot be dated before the latest one.")
    if held_on > utcnow().date() + timedelta(days=1):
        raise Invalid("held_on", "A meeting cannot be recorded in the future.")
    group.last_meeting_seq += 1
    meeting = Meeting(id=uuid.uuid4(), group_id=group.id, cycle_id=cycle.id,
                      seq=group.last_meeting_seq, held_on=held_on, client_id=client_id,
                      recorded_by_id=me.id)
    session.add(meeting)
    _attendance(session, group, meeting, data.get("attendee_ids") or [])
    session.flush()
    return meeting, True


def _latest_meeting(session: Session, group: SavingsGroup) -> Meeting | None:
    if not group.last_meeting_seq:
        return None
    return session.scalar(select(Meeting).where(Meeting.group_id == group.id,
                                                Meeting.seq == group.last_meeting_seq))


def editable_meeting(session: Session, group: SavingsGroup, meeting_id: uuid.UUID,
                     field_name: str) -> Meeting:
    """The latest meeting of the open cycle, the only one that may change; Invalid
    naming ``field_name`` if not the group's, Conflict ``meeting_closed`` if earlier."""
    return check_editable(group, session.get(Meeting, meeting_id), field_name)


def check_editable(group: SavingsGroup, meeting: Meeting | None, field_name: str) -> Meeting:
    """``meeting`` if it is the group's latest meeting of the open cycle (``editable_meeting``'s
    rule for a row the caller read itself); Invalid / Conflict as there."""
    if meeting is None or meeting.group_id != group.id:
        raise Invalid(field_name, "No such meeting in this group.")
    if meeting.seq != group.last_meeting_seq or meeting.cycle_id != group.current_cycle_id:
        raise Conflict("Only the latest meeting can change; correct an earlier one with a "
                       "reversing entry.", code="meeting_closed")
    return meeting


def update_meeting(session: Session, *, actor: User, group_id: uuid.UUID, meeting_id: uuid.UUID,
                   data: dict[str, Any]) -> Meeting:
    """Edit the date or attendance of the latest meeting only."""
    group, _me = access(session, actor=actor, group_id=group_id, officer=True, lock=True)
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        raise NotFound("No such meeting.")
    meeting = editable_meeting(session, group, meeting_id, "meeting_id")
    if "held_on" in data:
        previous = session.scalar(select(Meeting.held_on).where(
            Meeting.group_id == group.id, Meeting.cycle_id == meeting.cycle_id,
            Meeting.seq < meeting.seq).order_by(Meeting.seq.desc()).limit(1))
        if previous is not None and data["held_on"] < previous:
            raise Invalid("held_on", "A meeting cannot be dated before the one before it.")
        if data["held_on"] > utcnow().date() + timedelta(days=1):
            raise Invalid("held_on", "A meeting cannot be recorded in the future.")
        meeting.held_on = data["held_on"]
    if "attendee_ids" in data:
        meeting.attendance.clear()
        session.flush()
        _attendance(session, group, meeting, data["attendee_ids"])
    session.flush()
    return meeting


def list_meetings(session: Session, *, actor: User, group_id: uuid.UUID, limit: int,
                  cursor: str | None) -> Page[Meeting]:
    group, _me = access(session, actor=actor, group_id=group_id, write=False)
    stmt = select(Meeting).where(Meeting.group_id == group.id).options(
        selectinload(Meeting.attendance))
    return paginate(session, stmt, keys=[SortKey(Meeting.seq, descending=True)], limit=limit,
                    cursor=cursor, scope="savings-meetings")
