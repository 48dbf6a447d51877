"""Personal data is encrypted at rest, kept out of logs, exported and erasable."""

from __future__ import annotations

import json

from sqlalchemy import text

from empower_api.accounts.models import User
from tests.accounts.test_auth_api import API, STRONG, bearer
from tests.conftest import assert_problem
from tests.factories.accounts import PASSWORD, make_survivor

EMAIL = "maria.lopez@example.org"
PHONE = "+14155550199"
LEGAL = "Maria Guadalupe Lopez"


def full_flow(client):
    registered = client.post(f"{API}/auth/register", json={
        "mode": "identified", "email": EMAIL, "password": STRONG, "role": "survivor",
        "display_name": "ML"})
    assert registered.status_code == 201
    tokens = client.post(f"{API}/auth/login", json={"login": EMAIL, "password": STRONG}).get_json()
    updated = client.patch(f"{API}/me", headers=bearer(tokens["access_token"]), json={
        "phone": PHONE, "legal_name": LEGAL, "date_of_birth": "1990-01-31"})
    assert updated.status_code == 200
    client.post(f"{API}/auth/login", json={"login": PHONE, "password": "wrong-password-x"})
    return registered.get_json()["user"]["id"], tokens


def test_database_holds_no_plaintext_pii(client, app):
    user_id, _ = full_flow(client)
    with app.app_context():
        from empower_api.db import db

        row = db.session.execute(
            text("SELECT * FROM users WHERE id = :id"),
            {"id": user_id.replace("-", "") if db.dialect == "sqlite" else user_id},
        ).mappings().one()
    raw = json.dumps({k: str(v) for k, v in row.items()})
    for secret in (EMAIL, EMAIL.split("@")[0], PHONE, "4155550199", LEGAL, "Guadalupe",
                   "1990-01-31"):
        assert secret not in raw
    assert row["email_index"] and len(row["email_index"]) == 64


def test_logs_of_a_full_flow_hold_no_pii(client, caplog_json):
    full_flow(client)
    text_logged = json.dumps(caplog_json())
    assert text_logged  # something was logged
    for secret in (EMAIL, PHONE, "4155550199", LEGAL, STRONG):
        assert secret not in text_logged


def test_export_contains_profile_and_sessions(session, auth_client):
    user = make_survivor(session, alias="exporter", skills=["sewing"], region="Oaxaca")
    session.commit()
    client = auth_client(user)
    body = client.get(f"{API}/me/export").get_json()
    assert body["account"]["alias"] == "exporter"
    assert body["account"]["skills"] == ["sewing"]
    assert body["account"]["region"] == "Oaxaca"
    assert len(body["sessions"]) == 1
    assert "password_hash" not in json.dumps(body)


def test_erasure_requires_password_and_erases(session, auth_client, app):
    user = make_survivor(session, alias="goodbye1", email=EMAIL, anonymous=False,
                         legal_name=LEGAL, skills=["x"])
    session.commit()
    client = auth_client(user)
    assert_problem(client.delete(f"{API}/me", json={"password": "not-my-password"}), 422,
                   field="password")
    response = client.delete(f"{API}/me", json={"password": PASSWORD})
    assert response.status_code == 204
    assert_problem(client.get(f"{API}/me"), 401)
    session.expire_all()
    erased = session.get(User, user.id)
    assert erased is not None  # the row stays, so money records keep their owner id
    assert erased.erased_at is not None
    assert erased.email is None and erased.legal_name is None and erased.skills == []
    assert erased.alias.startswith("erased-")
    assert_problem(client.post(f"{API}/auth/login", json={"login": "goodbye1",
                                                          "password": PASSWORD}), 401)
    assert_problem(client.post(f"{API}/auth/login", json={"login": EMAIL,
                                                          "password": PASSWORD}), 401)


def test_login_rehashes_outdated_password_hash(session, client):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    user = make_survivor(session, alias="oldhash1")
    user.password_hash = old
    session.commit()
    assert client.post(f"{API}/auth/login",
                       json={"login": "oldhash1", "password": PASSWORD}).status_code == 200
    session.expire_all()
    assert session.get(User, user.id).password_hash != old
