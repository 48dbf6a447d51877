"""A whole, committed world for the API-wide gates (fuzzing, the authorization matrix).

The demo data (every domain's ``demo.load``) gives deep states: a savings group with
meetings, transactions and a loan; postings with applications and messages; courses with
an enrollment and a credential; a grant program with applications and a disbursement.
A few factories add what the demo lacks: a survivor and an employer who own nothing of
it (the "other" callers), a grievance, a prior-learning claim and an invitation.

Every caller signs in through the real endpoints (``POST /auth/login``, then
``/auth/login/mfa`` with a current TOTP code for staff and admin), so their tokens are
what a phone or the staff console would hold.

The world is committed (each test still runs in its rolled-back transaction on top of
it); ``wipe`` empties every table afterwards so the rest of the suite starts clean.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyotp
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from empower_api.db import db
from empower_api.models import metadata

CALLERS = ("anonymous", "survivor", "other_survivor", "employer", "other_employer", "staff",
           "admin")


@dataclass
class World:
    """Tokens by caller name (None for ``anonymous``) and a real id for each path parameter
    name (``job_id`` → a posting of the employer's organisation the survivor applied to)."""

    tokens: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        token = self.tokens.get(caller)
        return {"Authorization": f"Bearer {token}"} if token else {}


def _first(session: Session, statement: Any) -> str | None:
    value = session.scalar(statement.limit(1))
    return None if value is None else str(value)


def _collect_ids(session: Session, context: dict[str, Any],
                 extra: dict[str, Any]) -> dict[str, str]:
    from empower_api.accounts.models import AuthSession
    from empower_api.grants.models import Disbursement, GrantApplication, GrantProgram
    from empower_api.jobs.applications.models import Application
    from empower_api.jobs.models import EmployerMember, Job, JobStatus, SavedSearch
    from empower_api.notifications.models import Notification
    from empower_api.savings.models import Loan, Meeting, Membership, Transaction
    from empower_api.training.models import (
        Course,
        CourseModule,
        Credential,
        Enrollment,
        StatusList,
    )

    survivor, employer_user = context["survivor"].id, context["employer_user"].id
    employer_id = session.scalar(select(EmployerMember.employer_id)
                                 .where(EmployerMember.user_id == employer_user))
    group = context["savings_group"]
    # Every pick is deterministic (the matrix expects one status): the course in progress,
    # its last module, the latest meeting, the first transaction of the ledger.
    enrollment = session.scalar(select(Enrollment).where(Enrollment.user_id == survivor,
                                                         Enrollment.completed_at.is_(None))
                                .limit(1))
    ids = {
        "employer_id": employer_id,
        "job_id": _first(session, select(Application.job_id)
                         .join(Job, Job.id == Application.job_id)
                         .where(Application.applicant_id == survivor,
                                Job.employer_id == employer_id,
                                Job.status == JobStatus.PUBLISHED)),
        "application_id": _first(session, select(Application.id).join(
            Job, Job.id == Application.job_id).where(Application.applicant_id == survivor,
                                                     Job.employer_id == employer_id)),
        "group_id": group.id,
        "meeting_id": _first(session, select(Meeting.id).where(Meeting.group_id == group.id)
                             .order_by(Meeting.seq.desc())),
        "member_id": _first(session, select(Membership.id).where(
            Membership.group_id == group.id, Membership.user_id == survivor)),
        "loan_id": _first(session, select(Loan.id).where(Loan.group_id == group.id)),
        "transaction_id": _first(session, select(Transaction.id)
                                 .where(Transaction.group_id == group.id)
                                 .order_by(Transaction.seq)),
        "course_id": enrollment.course_id if enrollment else
        _first(session, select(Course.id)),
        "enrollment_id": enrollment.id if enrollment else None,
        "module_id": _first(session, select(CourseModule.id).where(
            CourseModule.course_id == enrollment.course_id)
            .order_by(CourseModule.position.desc())) if enrollment else None,
        "credential_id": _first(session, select(Credential.id)
                                .where(Credential.user_id == survivor)),
        "list_id": _first(session, select(StatusList.id)),
        "program_id": _first(session, select(GrantProgram.id)),
        "disbursement_id": _first(session, select(Disbursement.id)),
        "notification_id": _first(session, select(Notification.id)
                                  .where(Notification.user_id == survivor)
                                  .order_by(Notification.created_at, Notification.id)),
        "search_id": _first(session, select(SavedSearch.id)
                            .where(SavedSearch.user_id == survivor)),
        # A session of the survivor's other device (registration), not the signed-in one.
        "session_id": _first(session, select(AuthSession.id)
                             .where(AuthSession.user_id == survivor,
                                    AuthSession.device_label == "demo")),
        "user_id": survivor,
        "purpose": "research_contact",
        "other_survivor_id": context["other_survivor"].id,
        "staff_id": context["staff"].id,
        **extra,
    }
    grant_application = _first(session, select(GrantApplication.id)
                                .where(GrantApplication.applicant_id == survivor))
    ids.setdefault("grant_application_id", grant_application)
    return {key: str(value) if value is not None else str(uuid.uuid4())
            for key, value in ids.items()}


def _extras(session: Session, context: dict[str, Any]) -> dict[str, Any]:
    """What the demo lacks: callers owning nothing of it, and a few owned objects."""
    from empower_api.grants import safeguards
    from empower_api.grants.models import GrantApplication
    from empower_api.jobs import service as jobs_service
    from empower_api.jobs.models import EmployerMember
    from empower_api.training import prior_learning
    from tests.factories.accounts import PASSWORD, make_employer_user, make_survivor
    from tests.factories.jobs import make_employer

    other_survivor = make_survivor(session, alias=f"other{uuid.uuid4().hex[:8]}")
    other_owner = make_employer_user(session)
    make_employer(session, member=other_owner)
    context["other_survivor"], context["other_owner"] = other_survivor, other_owner
    context["other_password"] = PASSWORD
    extra: dict[str, Any] = {}
    employer_id = session.scalar(select(EmployerMember.employer_id).where(
        EmployerMember.user_id == context["employer_user"].id))
    # The other organisation's owner is invited to join the demo bakery (theirs to answer).
    invitation = jobs_service.invite_member(session, actor=context["employer_user"],
                                            employer_id=employer_id, email=other_owner.email)
    extra["invitation_id"] = invitation["id"]
    survivor = context["survivor"]
    grant_application = session.scalar(select(GrantApplication.id).where(
        GrantApplication.applicant_id == survivor.id).limit(1))
    extra["grievance_id"] = safeguards.raise_grievance(session, actor=survivor, data={
        "about": "application", "application_id": grant_application,
        "details": "Nobody answered my questions."}).id
    extra["claim_id"] = prior_learning.create_claim(session, user=survivor, data={
        "title": "Food hygiene level 2", "issuer": "City college", "skills": ["food safety"],
        "earned_on": date(2024, 5, 1)}).id
    return extra


def build(app: Flask) -> World:
    """Load the demo data and the extras, commit, and sign every caller in."""
    from empower_api.accounts.demo import (
        ADMIN_EMAIL,
        DEMO_PASSWORD,
        EMPLOYER_EMAIL,
        STAFF_EMAIL,
        SURVIVOR_ALIAS,
    )
    from empower_api.cli import demo_loaders

    with app.app_context():
        session = db.session
        context: dict[str, Any] = {"printed": []}
        for _name, load in demo_loaders():
            load(session, context)
            session.commit()
        extra = _extras(session, context)
        session.commit()
        world = World()
        world.users = {
            "survivor": context["survivor"].id, "other_survivor": context["other_survivor"].id,
            "employer": context["employer_user"].id, "other_employer": context["other_owner"].id,
            "staff": context["staff"].id, "admin": context["admin"].id,
        }
        world.logins = {
            "survivor": (SURVIVOR_ALIAS, DEMO_PASSWORD),
            "other_survivor": (context["other_survivor"].alias, context["other_password"]),
            "employer": (EMPLOYER_EMAIL, DEMO_PASSWORD),
            "other_employer": (context["other_owner"].email, context["other_password"]),
            "staff": (STAFF_EMAIL, DEMO_PASSWORD), "admin": (ADMIN_EMAIL, DEMO_PASSWORD),
        }
        world.tokens = {"anonymous": None}
        for caller, (login, password) in world.logins.items():
            world.tokens[caller] = sign_in(app, login, password, world.users[caller])
        world.ids = _collect_ids(db.session, context, extra)
        db.session.commit()
    return world


def sign_in(app: Flask, login: str, password: str, user_id: uuid.UUID) -> str:
    """An access token from ``POST /auth/login`` (and ``/auth/login/mfa`` when asked)."""
    from empower_api.accounts.security_models import MfaSecret

    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={
        "login": login, "password": password, "device_label": "quality gate"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    if body.get("mfa_required"):
        secret = db.session.scalar(select(MfaSecret.secret).where(MfaSecret.user_id == user_id))
        response = client.post("/api/v1/auth/login/mfa", json={
            "mfa_token": body["mfa_token"], "code": pyotp.TOTP(secret).now()})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
    return body["access_token"]


def wipe(app: Flask) -> None:
    """Empty every table (the world was committed)."""
    with app.app_context():
        engine = db.engine
        # The cache generations are the app's own rows, not data: without them the
        # response cache is off for every later test.
        tables = [t for t in reversed(metadata.sorted_tables) if t.name != "cache_generations"]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
