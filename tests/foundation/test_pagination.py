"""Keyset cursors: stable pages, and forged or broken cursors are a 422."""

from __future__ import annotations

from uuid import uuid4

from empower_api.audit import service as audit
from empower_api.pagination import decode_cursor, encode_cursor
from tests.conftest import assert_problem
from tests.factories.accounts import make_admin


def test_pages_cover_every_item_once(session, auth_client):
    admin = make_admin(session)
    for i in range(7):
        audit.record(session, action=f"test.event{i}", actor=admin)
    session.commit()
    client = auth_client(admin)
    seen, cursor = [], None
    while True:
        url = "/api/v1/staff/audit-log?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen.extend(item["action"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    events = [a for a in seen if a.startswith("test.event")]
    assert events == [f"test.event{i}" for i in reversed(range(7))]


def test_tampered_cursor_is_422(session, auth_client, app):
    client = auth_client(make_admin(session))
    with app.test_request_context():
        good = encode_cursor([5], "audit")
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert_problem(client.get(f"/api/v1/staff/audit-log?cursor={forged}"), 422, field="cursor")
    assert_problem(client.get("/api/v1/staff/audit-log?cursor=%%%"), 422, field="cursor")


def test_cursor_from_another_list_is_refused(app):
    import pytest

    from empower_api.errors import Invalid

    with app.test_request_context():
        token = encode_cursor([1, "x"], "jobs")
        with pytest.raises(Invalid):
            decode_cursor(token, "audit", 2)
        assert decode_cursor(token, "jobs", 2) == [1, "x"]


def test_cursor_from_the_same_list_with_other_filters_is_refused(app):
    import uuid

    import pytest

    from empower_api.errors import Invalid
    from empower_api.pagination import scoped

    program = uuid.uuid4()
    with app.test_request_context():
        mine = scoped("grant-applications-staff", status="submitted", program_id=program)
        token = encode_cursor([1, "x"], mine)
        assert decode_cursor(token, scoped("grant-applications-staff", program_id=program,
                                           status="submitted"), 2) == [1, "x"]
        for other in (scoped("grant-applications-staff", status="approved", program_id=program),
                      scoped("grant-applications-staff", status="submitted", program_id=None),
                      "grant-applications-staff"):
            with pytest.raises(Invalid):
                decode_cursor(token, other, 2)


def test_a_staff_list_refuses_a_cursor_of_another_status(session, auth_client):
    from tests.factories.accounts import make_staff

    client = auth_client(make_staff(session))
    session.commit()
    with client.application.test_request_context():
        from empower_api.pagination import scoped

        token = encode_cursor([{"dt": "2026-01-01T00:00:00+00:00"}, {"u": str(uuid4())}],
                              scoped("grant-disbursements", status="pending", method=None))
    assert client.get(f"/api/v1/staff/disbursements?status=pending&cursor={token}"
                      ).status_code == 200
    assert_problem(client.get(f"/api/v1/staff/disbursements?status=failed&cursor={token}"),
                   422, "cursor")
