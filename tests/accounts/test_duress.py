"""Duress password: a log-in indistinguishable from a real one, into a harmless decoy."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
import pytest
from sqlalchemy import select

from empower_api.accounts.models import User
from empower_api.security import passwords
from tests.conftest import assert_problem
from tests.factories.accounts import (
    PASSWORD,
    make_admin,
    make_employer_user,
    make_staff,
    make_survivor,
)
from tests.factories.jobs import make_employer, make_job
from tests.factories.savings import make_group

API = "/api/v1"
ALIAS = "maple_leaf9"
DURESS = "sunny-garden-walk"


@pytest.fixture
def survivor(session, auth_client):
    """A survivor with real records: saved jobs, a savings group, a duress password."""
    user = make_survivor(session, alias=ALIAS, region="Illinois", city="Chicago",
                         languages=["en"])
    employer = make_employer(session)
    jobs = [make_job(session, employer) for _ in range(4)]
    make_group(session, user)
    session.commit()
    me = auth_client(user)
    for job in jobs[:2]:
        assert me.put(f"{API}/me/saved-jobs/{job.id}").status_code == 204
    response = me.put(f"{API}/me/duress-password",
                      json={"password": PASSWORD, "duress_password": DURESS})
    assert response.status_code == 204, response.get_json()
    return user


def login(client, password, name=ALIAS):
    return client.post(f"{API}/auth/login", json={"login": name, "password": password})


def bearer(body):
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_setting_it_needs_the_real_password_and_a_good_distinct_one(session, auth_client):
    me = auth_client(make_survivor(session))
    url = f"{API}/me/duress-password"
    assert_problem(me.put(url, json={"password": "not-the-password", "duress_password": DURESS}),
                   422, field="password")
    assert_problem(me.put(url, json={"password": PASSWORD, "duress_password": "short"}),
                   422, field="duress_password")
    assert_problem(me.put(url, json={"password": PASSWORD, "duress_password": PASSWORD}),
                   422, field="duress_password")
    assert_problem(me.put(url, json={"password": PASSWORD}), 422, field="duress_password")


@pytest.mark.parametrize("maker", [make_employer_user, make_staff, make_admin])
def test_only_survivors_set_one(session, auth_client, maker):
    me = auth_client(maker(session))
    assert_problem(me.put(f"{API}/me/duress-password",
                          json={"password": PASSWORD, "duress_password": DURESS}), 403)


def test_duress_login_looks_like_a_real_one(client, survivor):
    real, fake = login(client, PASSWORD), login(client, DURESS)
    assert real.status_code == fake.status_code == 200
    real_body, fake_body = real.get_json(), fake.get_json()
    assert set(real_body) == set(fake_body) == {"access_token", "refresh_token", "user"}
    assert set(real_body["user"]) == set(fake_body["user"])
    assert fake_body["user"]["alias"] == ALIAS
    assert fake_body["user"]["role"] == "survivor" and fake_body["user"]["anonymous"] is True
    assert fake_body["user"]["id"] != str(survivor.id)
    assert real.headers.get("Cache-Control") == fake.headers.get("Cache-Control")


def test_duress_login_logs_the_same_lines_as_a_real_one(client, survivor, caplog_json):
    login(client, PASSWORD)
    real = [line for line in caplog_json() if line.get("event") == "user_logged_in"]
    login(client, DURESS)
    both = [line for line in caplog_json() if line.get("event") == "user_logged_in"]
    fake = both[len(real):]
    shape = [{k: v for k, v in line.items() if k not in {"user_id", "timestamp", "request_id"}}
             for line in (real[-1], fake[-1])]
    assert shape[0] == shape[1]


def test_decoy_shows_the_alias_some_public_jobs_and_nothing_real(client, survivor):
    fake = bearer(login(client, DURESS).get_json())
    assert client.get(f"{API}/me", headers=fake).get_json()["alias"] == ALIAS
    saved = client.get(f"{API}/me/saved-jobs", headers=fake).get_json()["items"]
    assert 1 <= len(saved) <= 3
    assert client.get(f"{API}/savings/groups", headers=fake).get_json()["items"] == []
    export = client.get(f"{API}/me/export", headers=fake).get_json()
    assert export["account"]["id"] != str(survivor.id)
    assert str(survivor.id) not in str(export)


def test_duress_login_ends_every_other_session_and_is_audited_for_admins(
        client, session, auth_client, survivor):
    elsewhere = auth_client(survivor)
    assert elsewhere.get(f"{API}/me").status_code == 200
    login(client, DURESS)
    assert_problem(elsewhere.get(f"{API}/me"), 401)
    admin = auth_client(make_admin(session))
    events = admin.get(f"{API}/staff/audit-log?action=auth.duress_login").get_json()["items"]
    assert events[0]["subject_id"] == str(survivor.id)
    # Not in what the survivor (or someone holding their phone) can read.
    real = bearer(login(client, PASSWORD).get_json())
    assert client.get(f"{API}/me/access-log", headers=real).get_json()["items"] == []
    assert "duress" not in str(client.get(f"{API}/me/export", headers=real).get_json())


def test_decoy_account_cannot_be_found(client, session, auth_client, survivor):
    fake_id = login(client, DURESS).get_json()["user"]["id"]
    decoy = session.get(User, uuid.UUID(fake_id))
    assert decoy.is_decoy and decoy.alias_key is None and decoy.email_index is None
    # Log-in by alias finds the real account; staff cannot open the decoy's record.
    assert login(client, PASSWORD).get_json()["user"]["id"] == str(survivor.id)
    staff = auth_client(make_staff(session))
    assert_problem(staff.get(f"{API}/staff/users/{fake_id}",
                             headers={"X-Access-Reason": "checking a report today"}), 404)
    taken = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": ALIAS.upper(), "password": "another-long-pass"})
    assert_problem(taken, 409)
    # A second duress log-in reuses the same decoy.
    assert login(client, DURESS).get_json()["user"]["id"] == fake_id


def test_every_log_in_path_spends_exactly_two_argon2_verifications(client, session,
                                                                   survivor, monkeypatch):
    make_survivor(session, alias="no_duress1")
    session.commit()
    calls = []
    hasher = passwords.PROFILES["fast"]
    original = type(hasher).verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(type(hasher), "verify", counting)
    paths = {
        "unknown account": ("nobody_here", PASSWORD, 401),
        "wrong password": (ALIAS, "wrong-wrong-1", 401),
        "real password": (ALIAS, PASSWORD, 200),
        "duress password": (ALIAS, DURESS, 200),
        "no duress set, right": ("no_duress1", PASSWORD, 200),
        "no duress set, wrong": ("no_duress1", "wrong-wrong-1", 401),
    }
    counts = {}
    for label, (name, password, status) in paths.items():
        calls.clear()
        assert login(client, password, name).status_code == status, label
        counts[label] = len(calls)
    assert counts == dict.fromkeys(paths, 2)


def test_with_two_factor_the_duress_password_still_asks_for_the_code(client, session,
                                                                     auth_client, survivor):
    me = auth_client(survivor)
    totp = pyotp.parse_uri(me.post(f"{API}/me/mfa").get_json()["otpauth_uri"])
    assert me.post(f"{API}/me/mfa/confirm", json={"code": totp.now()}).status_code == 200
    first = login(client, DURESS).get_json()
    assert set(first) == {"mfa_required", "mfa_token"}
    code = totp.at(int(time.time()) + totp.interval)
    done = client.post(f"{API}/auth/login/mfa", json={"mfa_token": first["mfa_token"],
                                                      "code": code})
    assert done.status_code == 200
    assert done.get_json()["user"]["id"] != str(survivor.id)
    assert done.get_json()["user"]["alias"] == ALIAS


def shape_problems(real, fake, path="$"):
    """Where two JSON documents differ in keys or value types (null fits any type)."""
    if real is None or fake is None:
        return []
    if isinstance(real, dict) and isinstance(fake, dict):
        if set(real) != set(fake):
            return [f"{path}: keys {sorted(set(real) ^ set(fake))}"]
        return [p for key in real for p in shape_problems(real[key], fake[key], f"{path}.{key}")]
    if isinstance(real, list) and isinstance(fake, list):
        if real and fake:
            return shape_problems(real[0], fake[0], f"{path}[0]")
        return []
    if type(real) is not type(fake):
        return [f"{path}: {type(real).__name__} vs {type(fake).__name__}"]
    return []


def test_every_response_of_a_decoy_session_has_a_real_sessions_shape(app, client, survivor):
    # The duress log-in ends the real account's other sessions: it goes first.
    fake = bearer(login(client, DURESS).get_json())
    real = bearer(login(client, PASSWORD).get_json())
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/v1/") \
                or rule.rule.endswith(("/docs", "openapi.json")):
            continue
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", str(uuid.uuid4()), rule.rule)
        got_real, got_fake = client.get(path, headers=real), client.get(path, headers=fake)
        assert got_real.status_code == got_fake.status_code, rule.rule
        assert got_real.mimetype == got_fake.mimetype, rule.rule
        problems = shape_problems(got_real.get_json(), got_fake.get_json())
        assert not problems, (rule.rule, problems)
        checked.append(rule.rule)
    for path in ("/api/v1/me", "/api/v1/me/export", "/api/v1/me/saved-jobs",
                 "/api/v1/me/sessions", "/api/v1/savings/groups"):
        assert path in checked
    # The refresh answer too.
    tokens = [login(client, DURESS).get_json(), login(client, PASSWORD).get_json()]
    refreshed = [client.post(f"{API}/auth/refresh",
                             headers={"Authorization": f"Bearer {body['refresh_token']}"})
                 for body in tokens]
    assert refreshed[0].status_code == refreshed[1].status_code == 200
    assert not shape_problems(refreshed[0].get_json(), refreshed[1].get_json())


def test_erasing_the_account_erases_its_decoy(client, session, auth_client, survivor):
    fake_id = uuid.UUID(login(client, DURESS).get_json()["user"]["id"])
    real = bearer(login(client, PASSWORD).get_json())
    response = client.delete(f"{API}/me", json={"password": PASSWORD}, headers=real)
    assert response.status_code == 204
    session.expire_all()
    decoy = session.get(User, fake_id)
    assert decoy.erased_at is not None and decoy.alias != ALIAS
    assert session.scalar(select(User.id).where(User.alias == ALIAS)) is None


def test_decoy_can_rename_itself_like_a_real_account_without_taking_the_alias(
        client, session, survivor):
    fake = bearer(login(client, DURESS).get_json())
    same = client.patch(f"{API}/me", json={"alias": ALIAS}, headers=fake)
    assert same.status_code == 200 and same.get_json()["alias"] == ALIAS
    renamed = client.patch(f"{API}/me", json={"alias": "new_name42"}, headers=fake)
    assert renamed.status_code == 200
    # The new alias stays free: registering it works, and it signs nobody in as the decoy.
    assert_problem(login(client, DURESS, "new_name42"), 401)
    free = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": "new_name42", "password": "another-long-pass"})
    assert free.status_code == 201


def test_a_password_changed_in_the_decoy_session_leads_back_to_the_decoy(client, survivor):
    first = login(client, DURESS).get_json()
    changed = client.post(f"{API}/me/password", headers=bearer(first), json={
        "current_password": DURESS, "new_password": "forced-new-secret"})
    assert changed.status_code == 204
    again = login(client, "forced-new-secret")
    assert again.status_code == 200
    assert again.get_json()["user"]["id"] == first["user"]["id"]
    assert_problem(login(client, DURESS), 401)
    # The survivor's real password is untouched.
    assert login(client, PASSWORD).get_json()["user"]["id"] == str(survivor.id)
