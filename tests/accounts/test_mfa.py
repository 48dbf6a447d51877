"""Two-factor log-in: staff always, survivors by choice; codes work once."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import String, select, type_coerce, update

from empower_api import create_app
from empower_api.accounts.models import User
from empower_api.accounts.security_models import MfaChallenge, MfaSecret
from empower_api.db import utcnow
from tests.conftest import assert_problem, make_config
from tests.factories.accounts import PASSWORD, make_staff, make_survivor

API = "/api/v1"
STAFF_PASSWORD = "staff-password-long"


def create_staff(app, email="lead@org.example", *extra):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-staff", "--email", email, "--password", STAFF_PASSWORD, *extra])
    assert result.exit_code == 0, result.output
    uris = [line for line in result.output.splitlines() if line.startswith("otpauth://totp/")]
    assert len(uris) == 1, result.output
    codes = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(codes) == 10 and len(set(codes)) == 10
    return pyotp.parse_uri(uris[0]), codes


def next_code(totp, steps_ahead=0):
    return totp.at(int(time.time()) + steps_ahead * totp.interval)


def first_step(client, login="lead@org.example", password=STAFF_PASSWORD):
    response = client.post(f"{API}/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_staff_login_needs_a_code_then_gives_the_usual_tokens(app, client):
    totp, _codes = create_staff(app)
    body = first_step(client)
    assert body == {"mfa_required": True, "mfa_token": body["mfa_token"]}
    assert "access_token" not in body and "refresh_token" not in body
    done = client.post(f"{API}/auth/login/mfa",
                       json={"mfa_token": body["mfa_token"], "code": next_code(totp)})
    assert done.status_code == 200, done.get_json()
    tokens = done.get_json()
    assert set(tokens) == {"access_token", "refresh_token", "user"}
    assert tokens["user"]["role"] == "staff"
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200


def test_admin_too_and_the_uri_names_the_issuer(app, client):
    totp, _ = create_staff(app, "root@org.example", "--admin")
    assert totp.issuer == "Empower"
    token = first_step(client, "root@org.example")["mfa_token"]
    done = client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)})
    assert done.get_json()["user"]["role"] == "admin"


def test_wrong_code_is_401_and_the_token_works_once(app, client):
    totp, _ = create_staff(app)
    token = first_step(client)["mfa_token"]
    wrong = next_code(totp, 5)
    body = assert_problem(client.post(f"{API}/auth/login/mfa",
                                      json={"mfa_token": token, "code": wrong}), 401)
    assert body["code"] == "invalid_mfa_code"
    ok = client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)})
    assert ok.status_code == 200
    again = client.post(f"{API}/auth/login/mfa",
                        json={"mfa_token": token, "code": next_code(totp, 1)})
    assert assert_problem(again, 401)["code"] == "mfa_token_invalid"


def test_a_code_is_refused_when_replayed_inside_its_window(app, client):
    totp, _ = create_staff(app)
    code = next_code(totp)
    first = client.post(f"{API}/auth/login/mfa",
                        json={"mfa_token": first_step(client)["mfa_token"], "code": code})
    assert first.status_code == 200
    replay = client.post(f"{API}/auth/login/mfa",
                         json={"mfa_token": first_step(client)["mfa_token"], "code": code})
    assert assert_problem(replay, 401)["code"] == "invalid_mfa_code"
    # The next step's code is still good: only the used one is spent.
    later = client.post(f"{API}/auth/login/mfa", json={
        "mfa_token": first_step(client)["mfa_token"], "code": next_code(totp, 1)})
    assert later.status_code == 200


def test_mfa_token_expires_after_five_minutes(app, client, session):
    totp, _ = create_staff(app)
    token = first_step(client)["mfa_token"]
    challenge = session.scalars(select(MfaChallenge)).all()[-1]
    assert timedelta(minutes=4) < challenge.expires_at - utcnow() <= timedelta(minutes=5)
    session.execute(update(MfaChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    late = client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)})
    assert assert_problem(late, 401)["code"] == "mfa_token_invalid"


def test_five_wrong_codes_spend_the_token(app, client):
    totp, _ = create_staff(app)
    token = first_step(client)["mfa_token"]
    for _ in range(5):
        assert_problem(client.post(f"{API}/auth/login/mfa",
                                   json={"mfa_token": token, "code": "000000"}), 401)
    spent = client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": next_code(totp)})
    assert assert_problem(spent, 401)["code"] == "mfa_token_invalid"


def test_backup_codes_work_once_each(app, client):
    _totp, codes = create_staff(app)
    ok = client.post(f"{API}/auth/login/mfa",
                     json={"mfa_token": first_step(client)["mfa_token"], "code": codes[0]})
    assert ok.status_code == 200, ok.get_json()
    again = client.post(f"{API}/auth/login/mfa",
                        json={"mfa_token": first_step(client)["mfa_token"], "code": codes[0]})
    assert_problem(again, 401)
    other = client.post(f"{API}/auth/login/mfa", json={
        "mfa_token": first_step(client)["mfa_token"], "code": codes[1].upper()})
    assert other.status_code == 200


def test_totp_seed_is_encrypted_at_rest(app, session):
    totp, _ = create_staff(app)
    raw = session.execute(select(type_coerce(MfaSecret.secret, String))).scalars().all()
    assert raw and all(totp.secret not in value for value in raw)
    assert session.scalars(select(MfaSecret)).all()[-1].secret == totp.secret


def test_staff_without_a_seed_cannot_sign_in_until_reset(app, client, session):
    make_staff(session, email="old@org.example")
    session.commit()
    refused = client.post(f"{API}/auth/login",
                          json={"login": "old@org.example", "password": PASSWORD})
    assert assert_problem(refused, 403)["code"] == "mfa_setup_required"
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "--email",
                                                "old@org.example"])
    assert result.exit_code == 0, result.output
    uri = next(line for line in result.output.splitlines() if line.startswith("otpauth://"))
    token = first_step(client, "old@org.example", PASSWORD)["mfa_token"]
    done = client.post(f"{API}/auth/login/mfa", json={
        "mfa_token": token, "code": next_code(pyotp.parse_uri(uri))})
    assert done.status_code == 200


def test_deactivate_staff_ends_every_session_at_once(app, client, session, auth_client):
    totp, _ = create_staff(app)
    token = first_step(client)["mfa_token"]
    tokens = client.post(f"{API}/auth/login/mfa",
                         json={"mfa_token": token, "code": next_code(totp)}).get_json()
    user = session.scalar(select(User).where(User.role == "staff").order_by(
        User.created_at.desc()))
    other_device = auth_client(user)
    signed_in = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{API}/me", headers=signed_in).status_code == 200
    result = app.test_cli_runner().invoke(args=["users", "deactivate-staff", "--email",
                                                "lead@org.example"])
    assert result.exit_code == 0, result.output
    assert "2 sessions ended" in result.output
    assert_problem(client.get(f"{API}/me", headers=signed_in), 401)
    assert_problem(other_device.get(f"{API}/me"), 401)
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert_problem(client.post(f"{API}/auth/refresh", headers=refresh), 401)
    # Cannot sign in again: the same answer as a wrong password.
    again = client.post(f"{API}/auth/login",
                        json={"login": "lead@org.example", "password": STAFF_PASSWORD})
    assert assert_problem(again, 401)["code"] == "invalid_credentials"


def test_deactivate_staff_refuses_unknown_and_survivor_accounts(app, session):
    make_survivor(session, email="someone@example.org", anonymous=False)
    session.commit()
    runner = app.test_cli_runner()
    for email in ("nobody@org.example", "someone@example.org"):
        result = runner.invoke(args=["users", "deactivate-staff", "--email", email])
        assert result.exit_code == 1 and "No staff" in result.output


def enrol_survivor(client):
    started = client.post(f"{API}/me/mfa")
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    return pyotp.parse_uri(body["otpauth_uri"])


def test_survivor_opts_in_confirms_and_then_needs_a_code(app, client, session, auth_client):
    user = make_survivor(session, alias="optin1")
    session.commit()
    me = auth_client(user)
    totp = enrol_survivor(me)
    assert totp.name == "optin1"  # the alias, never a contact detail
    # Not on until confirmed: log-in still gives tokens directly.
    plain = client.post(f"{API}/auth/login", json={"login": "optin1", "password": PASSWORD})
    assert "access_token" in plain.get_json()
    assert_problem(me.post(f"{API}/me/mfa/confirm", json={"code": next_code(totp, 9)}), 422,
                   field="code")
    confirmed = me.post(f"{API}/me/mfa/confirm", json={"code": next_code(totp)})
    assert confirmed.status_code == 200
    assert len(set(confirmed.get_json()["backup_codes"])) == 10
    assert_problem(me.post(f"{API}/me/mfa"), 409)
    body = first_step(client, "optin1", PASSWORD)
    assert body["mfa_required"] is True and "access_token" not in body
    done = client.post(f"{API}/auth/login/mfa", json={"mfa_token": body["mfa_token"],
                                                      "code": next_code(totp, 1)})
    assert done.status_code == 200 and done.get_json()["user"]["alias"] == "optin1"


def test_survivor_gets_an_svg_qr_code_when_asked(session, auth_client):
    me = auth_client(make_survivor(session))
    response = me.post(f"{API}/me/mfa?qr=svg")
    svg = response.get_json()["qr_svg"]
    assert svg.startswith("<svg") and "<script" not in svg
    assert "qr_svg" not in me.post(f"{API}/me/mfa").get_json()
    assert_problem(me.post(f"{API}/me/mfa?qr=png"), 422, field="qr")


def test_survivor_turns_it_off_with_the_password(client, session, auth_client):
    user = make_survivor(session, alias="optout1")
    session.commit()
    me = auth_client(user)
    totp = enrol_survivor(me)
    assert me.post(f"{API}/me/mfa/confirm", json={"code": next_code(totp)}).status_code == 200
    assert_problem(me.delete(f"{API}/me/mfa", json={"password": "not-my-password"}), 422,
                   field="password")
    assert me.delete(f"{API}/me/mfa", json={"password": PASSWORD}).status_code == 204
    plain = client.post(f"{API}/auth/login", json={"login": "optout1", "password": PASSWORD})
    assert "access_token" in plain.get_json()


@pytest.fixture
def limited_client(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_AUTH="3/minute"))
    return app.test_client()


def test_second_step_is_rate_limited_like_log_in(limited_client):
    statuses = [limited_client.post(f"{API}/auth/login/mfa",
                                    json={"mfa_token": "made-up", "code": "123456"},
                                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
