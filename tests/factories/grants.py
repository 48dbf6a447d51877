"""Grant programs, applications and payout accounts for tests, made through the services."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from empower_api.accounts.models import User
from empower_api.db import utcnow
from empower_api.grants import applications, programs
from empower_api.grants.models import (
    GrantApplication,
    GrantProgram,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutMethod,
)
from tests.factories.accounts import make_staff

_plans = itertools.count(1)
_WORDS = ("bakery oven flour market stall", "sewing machine thread fabric alterations",
          "bookkeeping course fees college", "bicycle repair tools workshop",
          "phone credit mobile shop", "hair salon chair dryer", "vegetable garden seeds tools")


def program_payload(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data = {"name": "Fresh Start", "currency": "USD", "budget_amount": 100_000,
            "max_award_amount": 30_000, "dual_approval_threshold_amount": 20_000,
            "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30),
            "description": "Small grants."}
    data.update(overrides)
    return data


def make_program(session: Session, *, actor: User | None = None, **overrides: Any
                 ) -> GrantProgram:
    return programs.create_program(session, actor=actor or make_staff(session),
                                   data=program_payload(**overrides))


def unique_plan() -> str:
    """A plan unlike any other test plan (no near-duplicate flag)."""
    n = next(_plans)
    return f"{_WORDS[n % len(_WORDS)]} step {uuid.uuid4().hex} then {uuid.uuid4().hex} {n}"


def make_application(session: Session, program: GrantProgram, applicant: User, *,
                     amount: int = 10_000, plan: str | None = None) -> GrantApplication:
    return applications.apply(session, actor=applicant, program_id=program.id, data={
        "requested_amount": amount, "purpose": "Tools", "plan": plan or unique_plan()})


def make_payout_account(session: Session, user: User, *, method: str = PayoutMethod.MANUAL,
                        stripe_account_id: str | None = None,
                        status: str = PayoutAccountStatus.ACTIVE) -> PayoutAccount:
    account = PayoutAccount(user_id=user.id, method=method, status=status,
                            stripe_account_id=stripe_account_id)
    session.add(account)
    session.flush()
    return account
