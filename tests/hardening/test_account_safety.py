"""Issue #8, account safety: re-authentication, rotation races, timing, limits, look-alikes."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from empower_api import create_app
from empower_api.security import passwords
from tests.accounts.test_auth_api import API, STRONG, bearer, register_anonymous
from tests.conftest import assert_problem, make_config
from tests.factories.accounts import PASSWORD, make_survivor
from tests.hardening.helpers import stale_client

# --- 1. re-authentication -------------------------------------------------------------

IDENTITY_CHANGES = [
    {"alias": "takenover1"},
    {"email": "attacker@example.org"},
    {"phone": "+14155550177"},
]


@pytest.mark.parametrize("change", IDENTITY_CHANGES)
def test_borrowed_token_cannot_change_identity(app, session, change):
    user = make_survivor(session, email="owner@example.org", anonymous=False, alias="ownerfox")
    session.commit()
    thief = stale_client(app, user)
    body = assert_problem(thief.patch(f"{API}/me", json=change), 403)
    assert body["code"] == "reauthentication_required"
    assert_problem(thief.patch(f"{API}/me", json={**change, "current_password": "wrong-guess-1"}),
                   422, field="current_password")
    ok = thief.patch(f"{API}/me", json={**change, "current_password": PASSWORD})
    assert ok.status_code == 200, ok.get_json()


def test_borrowed_token_cannot_mint_recovery_codes(app, session):
    user = make_survivor(session, alias="quietowl7")
    session.commit()
    thief = stale_client(app, user)
    body = assert_problem(thief.post(f"{API}/me/recovery-codes"), 403)
    assert body["code"] == "reauthentication_required"
    ok = thief.post(f"{API}/me/recovery-codes", json={"current_password": PASSWORD})
    assert ok.status_code == 201 and len(ok.get_json()["recovery_codes"]) == 10


def test_borrowed_token_still_edits_ordinary_profile_fields(app, session):
    user = make_survivor(session, alias="quietowl8")
    session.commit()
    thief = stale_client(app, user)
    response = thief.patch(f"{API}/me", json={"city": "Oakland", "alias": "quietowl8"})
    assert response.status_code == 200 and response.get_json()["city"] == "Oakland"


def test_fresh_login_may_change_alias_and_owner_can_still_log_in_and_recover(client):
    registered = register_anonymous(client, alias="firstname1").get_json()
    codes = registered["recovery_codes"]
    changed = client.patch(f"{API}/me", json={"alias": "secondname2"},
                           headers=bearer(registered["access_token"]))
    assert changed.status_code == 200, changed.get_json()
    assert client.post(f"{API}/auth/login", json={"login": "secondname2",
                                                  "password": STRONG}).status_code == 200
    recovered = client.post(f"{API}/auth/recover", json={
        "alias": "SecondName2", "recovery_code": codes[0], "new_password": "new-lantern-river"})
    assert recovered.status_code == 200, recovered.get_json()


def test_refresh_keeps_the_login_time_so_it_never_makes_a_token_fresh(app, session):
    from flask_jwt_extended import decode_token

    user = make_survivor(session, alias="quietowl9")
    session.commit()
    with app.app_context():
        from empower_api.accounts import service
        from empower_api.db import db
        tokens = service.start_session(db.session, db.session.get(type(user), user.id), "x")
        db.session.commit()
        first = decode_token(tokens.access_token)["auth_time"]
    client = app.test_client()
    rotated = client.post(f"{API}/auth/refresh", headers=bearer(tokens.refresh_token))
    with app.app_context():
        assert decode_token(rotated.get_json()["access_token"])["auth_time"] == first


def test_reauthentication_is_in_the_openapi_document(client):
    spec = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/me", "patch"), ("/api/v1/me", "delete"),
                         ("/api/v1/me/recovery-codes", "post"), ("/api/v1/me/password", "post")):
        operation = spec[path][method]
        assert operation["x-reauthentication"]["window_seconds"] == 300, path
        assert "current_password" in operation["responses"]["403"]["description"]


# --- 3. log-in timing ----------------------------------------------------------------------


def test_login_spends_one_hash_whether_or_not_the_account_exists(client, session, monkeypatch):
    make_survivor(session, alias="timingfox")
    session.commit()
    calls: list[str] = []
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "hash",
                        lambda self, *a, **k: calls.append("hash") or real_hash(self, *a, **k))
    monkeypatch.setattr(PasswordHasher, "verify",
                        lambda self, *a, **k: calls.append("verify") or real_verify(self, *a, **k))
    passwords.verify_password(None, "warm-up")  # the dummy hash is made once per process
    counts = []
    for login in ("timingfox", "nobody-here", "timingfox", "nobody-either"):
        calls.clear()
        response = client.post(f"{API}/auth/login", json={"login": login, "password": "bad-1234"})
        assert response.status_code == 401
        counts.append(list(calls))
    assert counts == [["verify"]] * 4


# --- 5. rate-limit keys are the canonical identity ------------------------------------------


@pytest.fixture
def limited_client(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_AUTH="3/minute"))
    return app.test_client()


@pytest.mark.parametrize("spellings", [
    ["+1 650 555 0199", "+1-650-555-0199", "+1 (650) 555-0199", "+16505550199"],
    ["Rosa@Example.org", "rosa@EXAMPLE.ORG", "ｒｏｓａ@example.org", "rosa@example.org "],
    ["quietfox", "QuietFox", "ｑｕｉｅｔｆｏｘ", " quietfox"],
])
def test_login_limit_counts_every_spelling_of_one_identity(limited_client, spellings):
    statuses = [limited_client.post(
        f"{API}/auth/login", json={"login": login, "password": "guess-guess-1"},
        environ_base={"REMOTE_ADDR": f"10.0.1.{i}"}).status_code
        for i, login in enumerate(spellings)]
    assert statuses == [401, 401, 401, 429]


def test_recover_limit_counts_every_spelling_of_one_alias(limited_client):
    statuses = [limited_client.post(
        f"{API}/auth/recover", json={"alias": alias, "recovery_code": "aaaaa-bbbbb-ccccc",
                                     "new_password": "river-stone-lantern"},
        environ_base={"REMOTE_ADDR": f"10.0.2.{i}"}).status_code
        for i, alias in enumerate(["sunrise42", "SUNRISE42", "ｓｕｎｒｉｓｅ42", "Sunrise42"])]
    assert statuses == [401, 401, 401, 429]


def test_phone_login_in_any_spelling_finds_the_account(client, session):
    make_survivor(session, phone="+16505550142", anonymous=False)
    session.commit()
    for login in ("+1 (650) 555-0142", "+1.650.555.0142", "+1 650 555 0142"):
        response = client.post(f"{API}/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, login


# --- 4. existence oracles are limited ---------------------------------------------------------


def test_identity_change_answers_are_rate_limited(database_url):
    from empower_api.accounts import service
    from empower_api.db import db

    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_AUTH="3/minute"))
    with app.app_context():
        from tests.factories.accounts import make_survivor as make
        user = make(db.session, email="prober@example.org", anonymous=False)
        tokens = service.start_session(db.session, user, "probe")
        db.session.commit()
    client = app.test_client()
    headers = bearer(tokens.access_token)
    statuses = [client.patch(f"{API}/me", headers=headers,
                             json={"email": f"guess{i}@example.org"}).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Ordinary profile edits are not limited.
    assert client.patch(f"{API}/me", headers=headers, json={"city": "Reno"}).status_code == 200


# --- 6. look-alike identities ------------------------------------------------------------------


def _register_email(client, email):
    return client.post(f"{API}/auth/register", json={
        "mode": "identified", "email": email, "password": STRONG, "display_name": "T"})


def test_lookalike_emails_do_not_make_new_accounts(client):
    assert _register_email(client, "testo@example.org").status_code == 201
    assert_problem(_register_email(client, "ｔｅｓｔｏ@example.org"), 409)
    assert_problem(_register_email(client, "testo@EXAMPLE.org"), 409)
    assert_problem(_register_email(client, "TESTO@example.org"), 409)
    assert_problem(_register_email(client, "test\u043e@example.org"), 422, field="email")
    assert_problem(_register_email(client, "testo@ex\u0430mple.org"), 422, field="email")


def test_lookalike_email_refused_on_profile_change_too(session, auth_client):
    other = make_survivor(session, email="taken@example.org", anonymous=False)
    me_user = make_survivor(session, email="mine@example.org", anonymous=False)
    session.commit()
    assert other
    me = auth_client(me_user)
    assert_problem(me.patch(f"{API}/me", json={"email": "ｔａｋｅｎ@example.org"}), 409)
    assert_problem(me.patch(f"{API}/me", json={"email": "t\u0430ken@example.org"}), 422,
                   field="email")


def test_single_script_non_latin_email_is_fine(client):
    assert _register_email(client, "\u0442\u0435\u0441\u0442@example.org").status_code == 201
