"""Console sign-in: the API's staff accounts and two-factor step, its own cookie session,
CSRF on every form, idle timeout, revocation, and no entry with a bearer token."""

from __future__ import annotations

import re
import time
import uuid

from sqlalchemy import select

from empower_api import create_app
from empower_api.accounts import duress
from empower_api.accounts import staff as staff_accounts
from empower_api.accounts.models import AuthSession
from empower_api.audit.models import AuditEvent
from tests.conftest import make_config, reset_schema
from tests.console.conftest import (
    STAFF_PASSWORD,
    csrf_token,
    post_form,
    sign_in,
    text,
)
from tests.factories.accounts import PASSWORD, make_employer_user, make_survivor

PAGES = ["/console/employers", "/console/moderation", "/console/grants",
         "/console/disbursements", "/console/people", "/console/audit"]


def console_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint != "console.static":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, re.sub(r"<(?:[a-z]+:)?[a-z_]+>", str(uuid.uuid4()), rule.rule)


def test_signed_out_console_is_the_sign_in_form_posting_to_login(browser):
    page = browser.get("/console")
    assert page.status_code == 200
    html = text(page)
    assert '<form method="post" action="/console/login"' in html
    assert 'name="csrf_token"' in html
    assert '<label for="login">' in html and '<label for="password">' in html


def test_staff_signs_in_with_password_then_totp_and_sees_the_queues(browser, make_staff_member,
                                                                    session):
    member = make_staff_member()
    done = sign_in(browser, member)
    assert done.status_code == 303 and done.headers["Location"].endswith("/console")
    home = browser.get("/console")
    assert home.status_code == 200
    assert "Employers awaiting vetting" in text(home) and member.email in text(home)
    opened = session.scalars(select(AuthSession).where(
        AuthSession.user_id == member.user.id)).all()
    assert len(opened) == 1 and opened[0].device_label.startswith("Staff console")


def test_a_backup_code_signs_in_once(app, browser, make_staff_member):
    member = make_staff_member()
    assert sign_in(browser, member, code=member.backup_codes[0]).status_code == 303
    again = sign_in(app.test_client(), member, code=member.backup_codes[0])
    assert again.status_code == 401
    assert "not right" in text(again)


def test_a_wrong_password_stays_on_the_sign_in_page_and_is_audited(browser, make_staff_member,
                                                                   session):
    member = make_staff_member()
    refused = post_form(browser, "/console/login", {"login": member.email, "password": "nope"})
    assert refused.status_code == 401
    assert 'action="/console/login"' in text(refused)
    assert "The log-in details are not right" in text(refused) or "not right" in text(refused)
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "auth.login_failed", AuditEvent.subject_id == str(member.user.id)))
    assert browser.get("/console/employers").status_code == 303


def test_a_wrong_code_is_refused_and_signs_nobody_in(browser, make_staff_member):
    member = make_staff_member()
    wrong = sign_in(browser, member, code="000000" if member.code() != "000000" else "111111")
    assert wrong.status_code == 401
    assert 'action="/console/login/code"' in text(wrong)
    assert browser.get("/console/employers").status_code == 303


def test_the_code_page_without_a_first_step_goes_back_to_sign_in(browser):
    assert browser.get("/console/login/code").headers["Location"].endswith("/console")


def test_a_post_without_a_valid_csrf_token_is_400_and_signs_nobody_in(browser, make_staff_member,
                                                                      session):
    member = make_staff_member()
    for token in (None, "forged-token"):
        data = {"login": member.email, "password": STAFF_PASSWORD}
        if token:
            data["csrf_token"] = token
        refused = browser.post("/console/login", data=data)
        assert refused.status_code == 400
        assert "expired" in text(refused)
    # The first step never ran: no challenge, no session, nobody signed in.
    assert browser.get("/console/login/code").status_code == 303
    assert session.scalar(select(AuthSession).where(
        AuthSession.user_id == member.user.id)) is None
    # Nor does a code step without a token finish a real challenge.
    post_form(browser, "/console/login", {"login": member.email, "password": STAFF_PASSWORD})
    refused = browser.post("/console/login/code", data={"code": member.code()})
    assert refused.status_code == 400
    assert browser.get("/console/employers").status_code == 303


def test_another_browsers_csrf_token_is_refused(app, browser, signed_in):
    client, _member = signed_in()
    token = csrf_token(client)
    assert browser.post("/console/logout", data={"csrf_token": token}).status_code == 400
    assert client.get("/console/employers").status_code == 200


def test_every_console_route_needs_the_console_session(app, browser):
    for method, path in console_rules(app):
        response = browser.open(path, method=method)
        if method == "GET":
            assert response.status_code in (200, 303), (method, path)
            if response.status_code == 200:
                assert path == "/console", path  # only the sign-in page itself
        else:
            assert response.status_code == 400, (method, path)


def test_bearer_tokens_open_no_console_page(app, session, auth_client, make_staff_member):
    member = make_staff_member(admin=True)
    for user in (make_survivor(session), make_employer_user(session), member.user):
        client = auth_client(user)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 303, (user.role, path)
            assert response.headers["Location"].endswith("/console")
        home = client.get("/console")
        assert 'action="/console/login"' in text(home)


def test_a_survivor_or_employer_account_cannot_use_the_console(app, browser, session):
    for user in (make_survivor(session, alias=f"dawn{uuid.uuid4().hex[:6]}"),
                 make_employer_user(session)):
        session.commit()
        login = user.alias or user.email
        refused = post_form(browser, "/console/login", {"login": login, "password": PASSWORD})
        assert refused.status_code == 403
        assert "Only staff and admin accounts" in text(refused)
        assert browser.get("/console/employers").status_code == 303
        session.expire_all()
        opened = session.scalars(select(AuthSession).where(
            AuthSession.user_id == user.id)).all()
        assert all(s.revoked_at is not None for s in opened)


def test_idle_for_15_minutes_signs_out(app, signed_in, session):
    client, _member = signed_in()
    with client.session_transaction("/console") as cookie:
        cookie["seen"] = int(time.time()) - 15 * 60 - 5
        sid = cookie["sid"]
    assert client.get("/console/employers").status_code == 303
    page = client.get("/console")
    assert 'action="/console/login"' in text(page)
    assert "15 minutes" in text(page)
    session.expire_all()
    assert session.get(AuthSession, uuid.UUID(sid)).revoked_at is not None


def test_activity_within_15_minutes_keeps_the_session(signed_in):
    client, _member = signed_in()
    with client.session_transaction("/console") as cookie:
        cookie["seen"] = int(time.time()) - 14 * 60
    assert client.get("/console/employers").status_code == 200
    with client.session_transaction("/console") as cookie:
        assert time.time() - cookie["seen"] < 5


def test_deactivating_the_staff_account_ends_its_console_session(signed_in, session):
    client, member = signed_in()
    assert client.get("/console/grants").status_code == 200
    staff_accounts.deactivate_staff(session, email=member.email)
    session.commit()
    assert client.get("/console/grants").status_code == 303
    assert 'action="/console/login"' in text(client.get("/console"))


def test_safety_exit_style_revocation_of_the_session_row_ends_it(signed_in, session):
    client, member = signed_in()
    from empower_api.accounts import service

    service.end_all_sessions(session, user=member.user, reason="safety_exit")
    session.commit()
    assert client.get("/console/employers").status_code == 303


def test_sign_out_ends_the_session(signed_in, session):
    client, _member = signed_in()
    with client.session_transaction("/console") as cookie:
        sid = cookie["sid"]
    done = post_form(client, "/console/logout", {})
    assert done.status_code == 303
    assert "You are signed out" in text(client.get("/console"))
    assert client.get("/console/employers").status_code == 303
    session.expire_all()
    assert session.get(AuthSession, uuid.UUID(sid)).revoked_reason == "logout"


def test_a_duress_password_opens_the_decoy_as_the_api_does(browser, make_staff_member, session):
    member = make_staff_member()
    duress.set_duress_password(session, user=member.user, password=STAFF_PASSWORD,
                               duress_password="another-long-phrase-9")
    session.commit()
    done = sign_in(browser, member, password="another-long-phrase-9")
    assert done.status_code == 303
    with browser.session_transaction("/console") as cookie:
        assert cookie["uid"] != str(member.user.id)  # the decoy account, not the real one
    assert browser.get("/console").status_code == 200
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "auth.duress_login", AuditEvent.subject_id == str(member.user.id)))


def test_console_cookie_is_httponly_strict_and_scoped_to_the_console(browser):
    cookie = browser.get("/console").headers["Set-Cookie"]
    assert cookie.startswith("empower_console=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http in development and tests


def test_console_cookie_is_secure_in_production(database_url):
    production = create_app(make_config(EMPOWER_ENV="production", DATABASE_URL=database_url))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    cookie = production.test_client().get("/console").headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_api_sets_no_console_cookie(client):
    assert "Set-Cookie" not in client.get("/api/v1/jobs").headers
    assert "Set-Cookie" not in client.post("/api/v1/auth/login",
                                           json={"login": "x", "password": "y"}).headers


def test_console_sign_in_is_limited_per_log_in_name_like_the_api(tmp_path):
    limited = create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'limits.db'}",
                                     RATELIMIT_ENABLED=True, RATELIMIT_AUTH="3/minute"))
    reset_schema(limited)
    client = limited.test_client()
    token = csrf_token(client)
    statuses = [client.post("/console/login",
                            data={"login": "target@org.example", "password": "guess-guess-1",
                                  "csrf_token": token},
                            environ_base={"REMOTE_ADDR": f"10.0.9.{i}"}).status_code
                for i in range(4)]
    assert statuses == [401, 401, 401, 429]  # from four addresses: the name's bucket
    last = client.post("/console/login", data={"login": "target@org.example", "password": "x",
                                                "csrf_token": token},
                       environ_base={"REMOTE_ADDR": "10.0.9.200"})
    assert last.status_code == 429
    assert last.mimetype == "text/html" and "Too many attempts" in text(last)
