"""Registration, log-in, token rotation, sessions and safety-exit over HTTP."""

from __future__ import annotations

from tests.conftest import ApiClient, assert_problem
from tests.factories.accounts import PASSWORD, make_survivor

API = "/api/v1"
STRONG = "river-stone-lantern"


def register_anonymous(client, alias="quietfox", password=STRONG):
    return client.post(f"{API}/auth/register",
                       json={"mode": "anonymous", "alias": alias, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_registration_returns_tokens_and_ten_codes(client):
    response = register_anonymous(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user"]["alias"] == "quietfox"
    assert body["user"]["anonymous"] is True
    assert body["user"]["role"] == "survivor"
    assert len(body["recovery_codes"]) == 10 and len(set(body["recovery_codes"])) == 10
    assert body["access_token"] and body["refresh_token"]
    me = client.get(f"{API}/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.get_json()["alias"] == "quietfox"


def test_identified_registration_by_email_and_by_phone(client):
    by_email = client.post(f"{API}/auth/register", json={
        "mode": "identified", "email": "Ana@Example.ORG", "password": STRONG,
        "role": "employer", "display_name": "Ana"})
    assert by_email.status_code == 201, by_email.get_json()
    user = by_email.get_json()["user"]
    assert user == {"id": user["id"], "role": "employer", "anonymous": False,
                    "alias": None, "display_name": "Ana"}
    assert "recovery_codes" not in by_email.get_json()
    by_phone = client.post(f"{API}/auth/register", json={
        "mode": "identified", "phone": "+1 415 555 0134", "password": STRONG,
        "role": "survivor", "display_name": "Bo"})
    assert by_phone.status_code == 201, by_phone.get_json()
    assert client.post(f"{API}/auth/login", json={
        "login": "+14155550134", "password": STRONG}).status_code == 200
    assert client.post(f"{API}/auth/login", json={
        "login": "ana@example.org", "password": STRONG}).status_code == 200


def test_registration_refuses_staff_role_and_weak_passwords(client):
    staff = client.post(f"{API}/auth/register", json={
        "mode": "identified", "email": "x@example.org", "password": STRONG, "role": "staff"})
    assert_problem(staff, 422, field="role")
    assert_problem(register_anonymous(client, password="short"), 422, field="password")
    assert_problem(register_anonymous(client, password="password123"), 422, field="password")
    assert_problem(register_anonymous(client, alias="me@mail.org"), 422, field="alias")
    assert_problem(register_anonymous(client, alias="5551234567"), 422, field="alias")


def test_duplicate_email_is_409(client):
    data = {"mode": "identified", "email": "dup@example.org", "password": STRONG,
            "role": "survivor", "display_name": "D"}
    assert client.post(f"{API}/auth/register", json=data).status_code == 201
    data["email"] = "DUP@example.org"
    assert_problem(client.post(f"{API}/auth/register", json=data), 409)


def test_wrong_password_and_unknown_account_get_the_same_401(client, session):
    make_survivor(session, alias="knownone")
    session.commit()
    wrong = client.post(f"{API}/auth/login", json={"login": "knownone", "password": "nope-nope-1"})
    unknown = client.post(f"{API}/auth/login", json={"login": "nobodyhere", "password": "x" * 12})
    assert_problem(wrong, 401)
    assert wrong.get_json() == unknown.get_json()
    ok = client.post(f"{API}/auth/login", json={"login": "KnownOne", "password": PASSWORD})
    assert ok.status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(client):
    tokens = register_anonymous(client).get_json()
    first = client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert first.status_code == 200
    rotated = first.get_json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert client.get(f"{API}/me", headers=bearer(rotated["access_token"])).status_code == 200
    # The spent refresh token comes back: theft. The whole session ends.
    reuse = client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert_problem(reuse, 401)
    assert_problem(client.get(f"{API}/me", headers=bearer(rotated["access_token"])), 401)
    assert_problem(client.post(f"{API}/auth/refresh",
                               headers=bearer(rotated["refresh_token"])), 401)


def test_access_token_cannot_refresh(client):
    tokens = register_anonymous(client).get_json()
    assert_problem(client.post(f"{API}/auth/refresh", headers=bearer(tokens["access_token"])), 401)


def test_logout_ends_only_this_session(client):
    phone = register_anonymous(client).get_json()
    laptop = client.post(f"{API}/auth/login",
                         json={"login": "quietfox", "password": STRONG}).get_json()
    logout = client.post(f"{API}/auth/logout", headers=bearer(phone["access_token"]))
    assert logout.status_code == 204
    assert_problem(client.get(f"{API}/me", headers=bearer(phone["access_token"])), 401)
    assert client.get(f"{API}/me", headers=bearer(laptop["access_token"])).status_code == 200


def test_safety_exit_kills_every_existing_access_token(client):
    first = register_anonymous(client).get_json()
    others = [client.post(f"{API}/auth/login", json={"login": "quietfox", "password": STRONG,
                                                     "device_label": f"d{i}"}).get_json()
              for i in range(2)]
    response = client.post(f"{API}/auth/safety-exit", headers=bearer(first["access_token"]))
    assert response.status_code == 204
    for tokens in [first, *others]:
        assert_problem(client.get(f"{API}/me", headers=bearer(tokens["access_token"])), 401)
        assert_problem(client.post(f"{API}/auth/refresh",
                                   headers=bearer(tokens["refresh_token"])), 401)


def test_sessions_list_and_revoke(client):
    phone = register_anonymous(client).get_json()
    client.post(f"{API}/auth/login", json={"login": "quietfox", "password": STRONG,
                                           "device_label": "Library computer"})
    listing = client.get(f"{API}/me/sessions", headers=bearer(phone["access_token"])).get_json()
    assert len(listing["items"]) == 2
    assert {s["current"] for s in listing["items"]} == {True, False}
    other = next(s for s in listing["items"] if not s["current"])
    assert other["device_label"] == "Library computer"
    assert set(other) == {"id", "device_label", "created_at", "last_used_at", "current"}
    gone = client.delete(f"{API}/me/sessions/{other['id']}", headers=bearer(phone["access_token"]))
    assert gone.status_code == 204
    listing = client.get(f"{API}/me/sessions", headers=bearer(phone["access_token"])).get_json()
    assert [s["current"] for s in listing["items"]] == [True]


def test_cannot_revoke_someone_elses_session(client, session, auth_client):
    mine = auth_client(make_survivor(session))
    theirs: ApiClient = auth_client(make_survivor(session))
    their_session = theirs.get(f"{API}/me/sessions").get_json()["items"][0]["id"]
    assert_problem(mine.delete(f"{API}/me/sessions/{their_session}"), 404)
    assert theirs.get(f"{API}/me").status_code == 200


def test_an_authenticated_request_loads_session_and_user_in_one_query(session, auth_client,
                                                                      app):
    from sqlalchemy import event

    from empower_api.db import db

    client = auth_client(make_survivor(session))
    statements = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        if "auth_sessions" in statement or "FROM users" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"{API}/me").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
