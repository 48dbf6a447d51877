"""Regressions found in review: each test failed before its fix."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from empower_api import create_app
from empower_api.accounts.models import AuthSession
from empower_api.db import sqlite_begin_mode, writes_on_get
from empower_api.extensions import limiter
from empower_api.idempotency import IdempotencyRecord
from tests.accounts.test_auth_api import API, STRONG, bearer, register_anonymous
from tests.conftest import assert_problem, make_config
from tests.factories.accounts import PASSWORD, make_staff, make_survivor


def test_rate_limit_store_never_holds_the_login_name(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True))
    client = app.test_client()
    client.post(f"{API}/auth/login", json={"login": "maria.lopez@example.org",
                                           "password": "wrong-wrong-1"})
    client.post(f"{API}/auth/login", json={"login": "+14155550123", "password": "wrong-wrong-1"})
    stored = repr(vars(limiter.storage))
    assert "login:" in stored
    for secret in ("maria.lopez", "example.org", "4155550123"):
        assert secret not in stored


def test_an_alias_made_of_digits_can_log_in(client):
    assert register_anonymous(client, alias="12345").status_code == 201
    response = client.post(f"{API}/auth/login", json={"login": "12345", "password": STRONG})
    assert response.status_code == 200


def test_erasure_blanks_device_labels_and_replay_caches(session, auth_client):
    user = make_survivor(session)
    session.commit()
    client = auth_client(user, device_label="Maria's phone at the shelter")
    session.add(IdempotencyRecord(user_id=user.id, scope="POST /x", key="k", request_hash="h",
                                  status=201, body='{"alias": "Maria"}',
                                  content_type="application/json"))
    session.commit()
    assert client.delete(f"{API}/me", json={"password": PASSWORD}).status_code == 204
    session.expire_all()
    labels = session.scalars(select(AuthSession.device_label)
                             .where(AuthSession.user_id == user.id)).all()
    assert labels == ["erased"]
    assert session.scalar(select(func.count()).select_from(IdempotencyRecord)
                          .where(IdempotencyRecord.user_id == user.id)) == 0


def test_going_anonymous_needs_recovery_codes_first(session, auth_client, client):
    user = make_survivor(session, email="later-anon@example.org", anonymous=False)
    session.commit()
    me = auth_client(user)
    assert me.patch(f"{API}/me", json={"alias": "quietriver"}).status_code == 200
    assert_problem(me.patch(f"{API}/me", json={"email": None}), 422, field="email")
    codes = me.post(f"{API}/me/recovery-codes")
    assert codes.status_code == 201
    assert len(codes.get_json()["recovery_codes"]) == 10
    gone = me.patch(f"{API}/me", json={"email": None})
    assert gone.status_code == 200 and gone.get_json()["anonymous"] is True
    recovered = client.post(f"{API}/auth/recover", json={
        "alias": "quietriver", "recovery_code": codes.get_json()["recovery_codes"][0],
        "new_password": "fresh-meadow-path"})
    assert recovered.status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client):
    tokens = register_anonymous(client).get_json()
    renewed = client.post(f"{API}/me/recovery-codes", headers=bearer(tokens["access_token"]))
    assert renewed.status_code == 201
    old = client.post(f"{API}/auth/recover", json={
        "alias": "quietfox", "recovery_code": tokens["recovery_codes"][0],
        "new_password": "fresh-meadow-path"})
    assert_problem(old, 401)


def test_export_has_ended_sessions_and_record_accesses(session, auth_client):
    user = make_survivor(session)
    session.commit()
    old = auth_client(user, device_label="old phone")
    assert old.post(f"{API}/auth/logout").status_code == 204
    staff = auth_client(make_staff(session))
    staff.get(f"{API}/staff/users/{user.id}", headers={"X-Access-Reason": "grant review 42"})
    body = auth_client(user).get(f"{API}/me/export").get_json()
    ended = [s for s in body["sessions"] if s["device_label"] == "old phone"]
    assert ended and ended[0]["ended_because"] == "logout"
    assert [a["action"] for a in body["record_accesses"]] == ["staff.read_user"]
    assert "grant review" not in json.dumps(body["record_accesses"])


def test_password_change_signs_out_other_devices_only(session, auth_client):
    user = make_survivor(session)
    session.commit()
    here, elsewhere = auth_client(user, "here"), auth_client(user, "elsewhere")
    response = here.post(f"{API}/me/password", json={
        "current_password": PASSWORD, "new_password": "fresh-meadow-path"})
    assert response.status_code == 204
    assert here.get(f"{API}/me").status_code == 200
    assert_problem(elsewhere.get(f"{API}/me"), 401)


def test_writes_on_get_takes_the_write_lock_up_front():
    seen = []
    sqlite_begin_mode.set("DEFERRED")
    writes_on_get(lambda: seen.append(sqlite_begin_mode.get()))()
    assert seen == ["IMMEDIATE"]
