"""Every audited event kind, and the action that must produce it.

To add an event kind: write a producer (it does the action through the API or the
command line and returns the expected subject id, or None) and add a row to EVENTS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select

from empower_api.accounts.models import User
from empower_api.audit.models import AuditEvent
from tests.factories.accounts import PASSWORD, make_admin, make_staff, make_survivor
from tests.factories.jobs import make_employer
from tests.factories.savings import add_member, make_group, make_meeting, member_of, record

API = "/api/v1"
ALIAS = "auditpal7"
EMAIL = "audit.staff@org.example"
STAFF_PASSWORD = "staff-password-long"


@dataclass
class Ctx:
    app: Any
    client: Any
    session: Any
    auth_client: Callable[..., Any]

    def survivor(self) -> User:
        user = make_survivor(self.session, alias=ALIAS)
        self.session.commit()
        return user

    def cli(self, *args: str) -> str:
        result = self.app.test_cli_runner().invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    def staff_with_totp(self, *extra: str) -> tuple[User, pyotp.TOTP]:
        output = self.cli("users", "create-staff", "--email", EMAIL, "--password",
                          STAFF_PASSWORD, *extra)
        uri = next(line for line in output.splitlines() if line.startswith("otpauth://"))
        user = self.session.scalar(select(User).where(User.role != "survivor")
                                   .order_by(User.created_at.desc()))
        return user, pyotp.parse_uri(uri)


def login_ok(ctx: Ctx) -> Any:
    user = ctx.survivor()
    response = ctx.client.post(f"{API}/auth/login", json={"login": ALIAS, "password": PASSWORD})
    assert response.status_code == 200
    return user.id


def login_failed(ctx: Ctx) -> Any:
    user = ctx.survivor()
    response = ctx.client.post(f"{API}/auth/login", json={"login": ALIAS, "password": "nope-nope1"})
    assert response.status_code == 401
    return user.id


def token_reuse(ctx: Ctx) -> Any:
    signed_in = ctx.auth_client(ctx.survivor())
    spent = {"Authorization": f"Bearer {signed_in.refresh_token}"}
    assert ctx.client.post(f"{API}/auth/refresh", headers=spent).status_code == 200
    assert ctx.client.post(f"{API}/auth/refresh", headers=spent).status_code == 401
    return None


def safety_exit(ctx: Ctx) -> Any:
    user = ctx.survivor()
    assert ctx.auth_client(user).post(f"{API}/auth/safety-exit").status_code == 204
    return user.id


def mfa_failed(ctx: Ctx) -> Any:
    user, _ = ctx.staff_with_totp()
    token = ctx.client.post(f"{API}/auth/login", json={
        "login": EMAIL, "password": STAFF_PASSWORD}).get_json()["mfa_token"]
    wrong = ctx.client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": "000000"})
    assert wrong.status_code == 401
    return user.id


def backup_code_used(ctx: Ctx) -> Any:
    output = ctx.cli("users", "create-staff", "--email", EMAIL, "--password", STAFF_PASSWORD)
    code = next(line.strip() for line in output.splitlines() if line.startswith("  "))
    token = ctx.client.post(f"{API}/auth/login", json={
        "login": EMAIL, "password": STAFF_PASSWORD}).get_json()["mfa_token"]
    done = ctx.client.post(f"{API}/auth/login/mfa", json={"mfa_token": token, "code": code})
    assert done.status_code == 200
    return done.get_json()["user"]["id"]


def mfa_enabled(ctx: Ctx) -> Any:
    user = ctx.survivor()
    me = ctx.auth_client(user)
    totp = pyotp.parse_uri(me.post(f"{API}/me/mfa").get_json()["otpauth_uri"])
    assert me.post(f"{API}/me/mfa/confirm", json={"code": totp.now()}).status_code == 200
    return user.id


def mfa_disabled(ctx: Ctx) -> Any:
    user_id = mfa_enabled(ctx)
    me = ctx.auth_client(ctx.session.get(User, user_id))
    assert me.delete(f"{API}/me/mfa", json={"password": PASSWORD}).status_code == 204
    return user_id


def duress_password_set(ctx: Ctx) -> Any:
    user = ctx.survivor()
    response = ctx.auth_client(user).put(f"{API}/me/duress-password", json={
        "password": PASSWORD, "duress_password": "harmless-decoy-words"})
    assert response.status_code == 204
    return user.id


def duress_login(ctx: Ctx) -> Any:
    user_id = duress_password_set(ctx)
    response = ctx.client.post(f"{API}/auth/login", json={
        "login": ALIAS, "password": "harmless-decoy-words"})
    assert response.status_code == 200
    return user_id


def staff_created(ctx: Ctx) -> Any:
    return ctx.staff_with_totp()[0].id


def admin_created(ctx: Ctx) -> Any:
    return ctx.staff_with_totp("--admin")[0].id


def staff_deactivated(ctx: Ctx) -> Any:
    user_id = staff_created(ctx)
    ctx.cli("users", "deactivate-staff", "--email", EMAIL)
    return user_id


def admin_deactivated(ctx: Ctx) -> Any:
    user_id = admin_created(ctx)
    ctx.cli("users", "deactivate-staff", "--email", EMAIL)
    return user_id


def vetting_approved(ctx: Ctx) -> Any:
    employer = make_employer(ctx.session, status="pending")
    ctx.session.commit()
    staff = ctx.auth_client(make_staff(ctx.session))
    response = staff.post(f"{API}/staff/employers/{employer.id}/vetting",
                          json={"decision": "approve", "note": "papers checked"})
    assert response.status_code == 200, response.get_json()
    return employer.id


def savings_role_changed(ctx: Ctx) -> Any:
    chair, other = make_survivor(ctx.session), make_survivor(ctx.session)
    group = make_group(ctx.session, chair)
    member = add_member(ctx.session, group, other)
    ctx.session.commit()
    response = ctx.auth_client(chair).post(
        f"{API}/savings/groups/{group.id}/members/{member.id}/role", json={"role": "treasurer"})
    assert response.status_code == 200, response.get_json()
    return member.id


def staff_read_user(ctx: Ctx) -> Any:
    user = ctx.survivor()
    staff = ctx.auth_client(make_staff(ctx.session))
    response = staff.get(f"{API}/staff/users/{user.id}",
                         headers={"X-Access-Reason": "checking a grant application"})
    assert response.status_code == 200
    return user.id


def savings_correction(ctx: Ctx) -> Any:
    chair = make_survivor(ctx.session)
    group = make_group(ctx.session, chair)
    meeting = make_meeting(ctx.session, group, chair)
    tx = record(ctx.session, group, chair, meeting=meeting,
                member=member_of(ctx.session, group, chair), type="share_purchase", shares=1)
    ctx.session.commit()
    response = ctx.auth_client(chair).post(
        f"{API}/savings/groups/{group.id}/transactions/{tx.id}/reversal")
    assert response.status_code == 201, response.get_json()
    return tx.id


def pii_key_rotated(ctx: Ctx) -> Any:
    ctx.cli("keys", "rotate-pii")
    return None


def exported(ctx: Ctx) -> Any:
    user = ctx.survivor()
    assert ctx.auth_client(user).get(f"{API}/me/export").status_code == 200
    return user.id


def erased(ctx: Ctx) -> Any:
    user = ctx.survivor()
    response = ctx.auth_client(user).delete(f"{API}/me", json={"password": PASSWORD})
    assert response.status_code == 204
    return user.id


def moderation_removed(ctx: Ctx) -> Any:
    from tests.factories.jobs import make_job
    from tests.factories.moderation import hide_by_reports

    job = make_job(ctx.session, make_employer(ctx.session))
    hide_by_reports(ctx.session, job)
    ctx.session.commit()
    response = ctx.auth_client(make_staff(ctx.session)).post(
        f"{API}/staff/jobs/{job.id}/moderation", json={"decision": "remove"})
    assert response.status_code == 200, response.get_json()
    return job.id


def _grant_application(ctx: Ctx) -> Any:
    from tests.factories.grants import make_application, make_payout_account, make_program

    survivor = make_survivor(ctx.session)
    make_payout_account(ctx.session, survivor)
    application = make_application(ctx.session, make_program(ctx.session), survivor,
                                   amount=5_000)
    ctx.session.commit()
    return application


def grant_approved(ctx: Ctx) -> Any:
    application = _grant_application(ctx)
    response = ctx.auth_client(make_staff(ctx.session)).post(
        f"{API}/staff/grant-applications/{application.id}/decision",
        json={"decision": "approve", "note": "Plan is sound."})
    assert response.status_code == 200, response.get_json()
    return application.id


def disbursement_paid(ctx: Ctx) -> Any:
    application = _grant_application(ctx)
    staff = ctx.auth_client(make_staff(ctx.session))
    staff.post(f"{API}/staff/grant-applications/{application.id}/decision",
               json={"decision": "approve", "note": "Plan is sound."})
    payer = ctx.auth_client(make_staff(ctx.session))
    (pending,) = [d for d in payer.get(f"{API}/staff/disbursements?status=pending")
                  .get_json()["items"] if d["application_id"] == str(application.id)]
    response = payer.post(f"{API}/staff/disbursements/{pending['id']}/mark-paid",
                          json={"reference": "cash at the office"})
    assert response.status_code == 200, response.get_json()
    return pending["id"]


def retention_purged(ctx: Ctx) -> Any:
    ctx.cli("retention", "purge")
    return None


# (action, actor role recorded, producer, made over HTTP so it carries a request id)
EVENTS: list[tuple[str, str | None, Callable[[Ctx], Any], bool]] = [
    ("auth.login", "survivor", login_ok, True),
    ("auth.login_failed", None, login_failed, True),
    ("auth.token_reuse", "survivor", token_reuse, True),
    ("auth.safety_exit", "survivor", safety_exit, True),
    ("auth.mfa_failed", None, mfa_failed, True),
    ("auth.duress_login", "survivor", duress_login, True),
    ("mfa.enabled", "survivor", mfa_enabled, True),
    ("mfa.disabled", "survivor", mfa_disabled, True),
    ("mfa.backup_code_used", "staff", backup_code_used, True),
    ("account.duress_password_set", "survivor", duress_password_set, True),
    ("account.staff_created", None, staff_created, False),
    ("account.admin_created", None, admin_created, False),
    ("account.staff_deactivated", None, staff_deactivated, False),
    ("account.admin_deactivated", None, admin_deactivated, False),
    ("jobs.employer.vetting.approve", "staff", vetting_approved, True),
    ("savings.role_changed", "survivor", savings_role_changed, True),
    ("staff.read_user", "staff", staff_read_user, True),
    ("savings.transaction_reversed", "survivor", savings_correction, True),
    ("keys.pii_rotated", None, pii_key_rotated, False),
    ("account.exported", "survivor", exported, True),
    ("account.erased", "survivor", erased, True),
    ("jobs.posting.moderation.remove", "staff", moderation_removed, True),
    ("grants.application.approve", "staff", grant_approved, True),
    ("grants.disbursement.paid", None, disbursement_paid, True),
    ("retention.purge", None, retention_purged, False),
]


def _count(session: Any, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == action))


@pytest.mark.parametrize("action,actor_role,produce,over_http", EVENTS,
                         ids=[row[0] for row in EVENTS])
def test_action_produces_its_audit_event(app, client, session, auth_client, action, actor_role,
                                         produce, over_http):
    ctx = Ctx(app, client, session, auth_client)
    before = _count(session, action)
    started = int(time.time()) - 1
    subject = produce(ctx)
    session.expire_all()
    assert _count(session, action) == before + 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.seq.desc()).limit(1))
    assert event.actor_role == actor_role
    if subject is not None:
        assert event.subject_id == str(subject)
    assert event.occurred_at.timestamp() >= started
    assert (event.request_id is not None) == over_http
    # No personal data: neither the alias, the e-mail nor any password.
    text = json.dumps({"data": event.data, "reason": event.reason, "subject": event.subject_id})
    for secret in (ALIAS, EMAIL, PASSWORD, STAFF_PASSWORD, "harmless-decoy-words"):
        assert secret not in text


def test_admin_can_list_by_action_and_the_request_id_matches_the_response(
        session, client, auth_client):
    make_survivor(session, alias=ALIAS)
    session.commit()
    response = client.post(f"{API}/auth/login", json={"login": ALIAS, "password": "wrong-guess1"},
                           headers={"X-Request-ID": "req-audit-42"})
    assert response.headers["X-Request-ID"] == "req-audit-42"
    admin = auth_client(make_admin(session))
    items = admin.get(f"{API}/staff/audit-log?action=auth.login_failed").get_json()["items"]
    assert items[0]["request_id"] == "req-audit-42"
