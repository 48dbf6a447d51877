"""Demo accounts: a staff member, an admin, a survivor and an employer."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts import service
from empower_api.accounts import staff as staff_accounts
from empower_api.accounts.models import Role, User

DEMO_PASSWORD = "demo-password-2026"
STAFF_EMAIL = "staff@demo.empower.test"
ADMIN_EMAIL = "admin@demo.empower.test"
EMPLOYER_EMAIL = "hiring@demo-bakery.test"
SURVIVOR_ALIAS = "sunrise42"


def _identified(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_index == service.email_index(email)))


def _staff_account(session: Session, context: dict[str, Any], email: str, *,
                   admin: bool) -> User:
    """Staff sign in with two-factor: a new account's authenticator URI is printed once."""
    existing = _identified(session, email)
    if existing is not None:
        return existing
    created = staff_accounts.create_staff_account(session, email=email, password=DEMO_PASSWORD,
                                                  admin=admin)
    context["printed"].append(f"two-factor for {email}: {created.otpauth_uri}")
    return created.user


def load(session: Session, context: dict[str, Any]) -> None:
    staff, admin = (_staff_account(session, context, email, admin=is_admin)
                    for email, is_admin in ((STAFF_EMAIL, False), (ADMIN_EMAIL, True)))
    employer = _identified(session, EMPLOYER_EMAIL)
    if employer is None:
        employer = service.register(session, device_label="demo", data={
            "mode": "identified", "email": EMPLOYER_EMAIL, "password": DEMO_PASSWORD,
            "role": Role.EMPLOYER, "display_name": "Rosa (Demo Bakery)"}).user
    survivor = session.scalar(select(User).where(User.alias_key == SURVIVOR_ALIAS))
    if survivor is None:
        survivor = service.register(session, device_label="demo", data={
            "mode": "anonymous", "alias": SURVIVOR_ALIAS, "password": DEMO_PASSWORD}).user
        survivor.languages, survivor.skills = ["en", "es"], ["baking", "customer service"]
        survivor.region, survivor.city = "Illinois", "Chicago"
    others = []
    for alias in ("brightpath", "harbor7", "willow_tree"):
        user = session.scalar(select(User).where(User.alias_key == alias))
        if user is None:
            user = service.register(session, device_label="demo", data={
                "mode": "anonymous", "alias": alias, "password": DEMO_PASSWORD}).user
        others.append(user)
    session.flush()
    context.update(staff=staff, admin=admin, employer_user=employer, survivor=survivor,
                   other_survivors=others)
    context["printed"].extend([
        f"staff log-in:    {STAFF_EMAIL} / {DEMO_PASSWORD}",
        f"staff console:   {current_app.config['PUBLIC_BASE_URL']}/console "
        "(staff or admin log-in, then a code from the two-factor app)",
        f"admin log-in:    {ADMIN_EMAIL} / {DEMO_PASSWORD}",
        f"employer log-in: {EMPLOYER_EMAIL} / {DEMO_PASSWORD}",
        f"survivor log-in: {SURVIVOR_ALIAS} / {DEMO_PASSWORD} (anonymous)",
    ])
