"""Demo accounts: a staff member, an admin, a survivor and an employer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.accounts import service
from empower_api.accounts.models import Role, User

DEMO_PASSWORD = "demo-password-2026"
STAFF_EMAIL = "staff@demo.empower.test"
ADMIN_EMAIL = "admin@demo.empower.test"
EMPLOYER_EMAIL = "hiring@demo-bakery.test"
SURVIVOR_ALIAS = "sunrise42"


def _identified(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_index == service.email_index(email)))


def load(session: Session, context: dict[str, Any]) -> None:
    staff = _identified(session, STAFF_EMAIL) or service.create_staff(
        session, email=STAFF_EMAIL, password=DEMO_PASSWORD)
    admin = _identified(session, ADMIN_EMAIL) or service.create_staff(
        session, email=ADMIN_EMAIL, password=DEMO_PASSWORD, admin=True)
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
        f"admin log-in:    {ADMIN_EMAIL} / {DEMO_PASSWORD}",
        f"employer log-in: {EMPLOYER_EMAIL} / {DEMO_PASSWORD}",
        f"survivor log-in: {SURVIVOR_ALIAS} / {DEMO_PASSWORD} (anonymous)",
    ])
