"""A group with a chair, a treasurer, a member and an outsider, signed in over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories.accounts import make_survivor
from tests.savings.helpers import create_group, join, meeting, set_role


@dataclass
class Circle:
    gid: str
    invite_code: str
    chair: Any
    treasurer: Any
    member: Any
    outsider: Any
    chair_id: str
    treasurer_id: str
    member_id: str
    meeting_id: str
    users: dict[str, Any]


@pytest.fixture
def circle(session: Any, auth_client: Any) -> Circle:
    users = {name: make_survivor(session, alias=f"{name}_{id(session) % 10_000}")
             for name in ("ana", "bea", "cleo", "dan")}
    session.commit()
    chair, treasurer, member, outsider = (auth_client(users[n]) for n in ("ana", "bea", "cleo",
                                                                          "dan"))
    group = create_group(chair)
    treasurer_id = join(treasurer, group["invite_code"])["id"]
    member_id = join(member, group["invite_code"])["id"]
    set_role(chair, group["id"], treasurer_id, "treasurer")
    meeting_id = meeting(chair, group["id"])["id"]
    return Circle(gid=group["id"], invite_code=group["invite_code"], chair=chair,
                  treasurer=treasurer, member=member, outsider=outsider,
                  chair_id=group["my_member_id"], treasurer_id=treasurer_id, member_id=member_id,
                  meeting_id=meeting_id, users=users)
