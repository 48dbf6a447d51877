"""A survivor sees every staff read of their records: when, which role, why."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem
from tests.factories.accounts import make_admin, make_staff, make_survivor
from tests.sqlcount import SAVEPOINTS, counted

API = "/api/v1"
REASON = "Grant application review, case 17"


def test_missing_reason_is_428_and_leaves_no_entry(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    staff = auth_client(make_staff(session))
    assert_problem(staff.get(f"{API}/staff/users/{survivor.id}"), 428)
    body = auth_client(survivor).get(f"{API}/me/access-log").get_json()
    assert body == {"items": [], "next_cursor": None}


def test_a_staff_read_appears_in_the_survivors_access_log_and_export(session, auth_client):
    survivor, other = make_survivor(session), make_survivor(session)
    staff_user, admin_user = make_staff(session), make_admin(session)
    session.commit()
    me = auth_client(survivor)
    me.get(f"{API}/me/export")  # the survivor's own actions are not accesses
    assert auth_client(staff_user).get(f"{API}/staff/users/{survivor.id}",
                                       headers={"X-Access-Reason": REASON}).status_code == 200
    assert auth_client(admin_user).get(f"{API}/staff/users/{survivor.id}", headers={
        "X-Access-Reason": "Safeguarding follow-up"}).status_code == 200
    items = me.get(f"{API}/me/access-log").get_json()["items"]
    assert [(i["staff_role"], i["reason"]) for i in items] == [
        ("admin", "Safeguarding follow-up"), ("staff", REASON)]
    assert set(items[0]) == {"occurred_at", "staff_role", "reason"}  # never who
    assert items[0]["occurred_at"].endswith("Z")
    export = me.get(f"{API}/me/export").get_json()
    assert [e["reason"] for e in export["access_log"]] == [REASON, "Safeguarding follow-up"]
    assert str(staff_user.id) not in str(export["access_log"])
    assert auth_client(other).get(f"{API}/me/access-log").get_json()["items"] == []


def test_access_log_pages_with_a_cursor(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    staff = auth_client(make_staff(session))
    for n in range(3):
        staff.get(f"{API}/staff/users/{survivor.id}",
                  headers={"X-Access-Reason": f"review {n:07d}"})
    me = auth_client(survivor)
    first = me.get(f"{API}/me/access-log?limit=2").get_json()
    second = me.get(f"{API}/me/access-log?limit=2&cursor={first['next_cursor']}").get_json()
    reasons = [i["reason"] for i in first["items"] + second["items"]]
    assert reasons == ["review 0000002", "review 0000001", "review 0000000"]
    assert second["next_cursor"] is None
    assert_problem(me.get(f"{API}/me/access-log?cursor=forged"), 422, field="cursor")


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_access_log_takes_few_statements_whatever_the_page_size(app, session, auth_client,
                                                                limit):
    survivor = make_survivor(session)
    session.commit()
    staff = auth_client(make_staff(session))
    for n in range(3):
        staff.get(f"{API}/staff/users/{survivor.id}",
                  headers={"X-Access-Reason": f"review {n:07d}"})
    me = auth_client(survivor)
    with counted(app, skip=SAVEPOINTS) as statements:
        response = me.get(f"{API}/me/access-log?limit={limit}")
    assert len(response.get_json()["items"]) == min(limit, 3)
    assert len(statements) <= 5, statements
