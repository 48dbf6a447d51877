"""Demo data: courses, an enrollment in progress and an issued, verifiable credential."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api.accounts.demo import load as accounts_demo
from empower_api.db import db
from empower_api.training import demo
from empower_api.training.models import Course, Credential, Enrollment

API = "/api/v1"


def test_demo_is_idempotent_and_its_credential_verifies(app, client):
    with app.app_context():
        session = db.session
        context = {"printed": []}
        accounts_demo(session, context)
        demo.load(session, context)
        session.commit()
        demo.load(session, context)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Course)) == len(demo.COURSES)
        statuses = sorted(session.scalars(select(Enrollment.status).where(
            Enrollment.user_id == context["survivor"].id)))
        assert statuses == ["active", "completed"]
        in_progress = session.scalar(select(Enrollment.progress).where(
            Enrollment.status == "active"))
        assert 0 < in_progress < 100
        token = session.scalar(select(Credential.jws))
    body = client.post(f"{API}/credentials/verify", json={"jws": token}).get_json()
    assert body["valid"] is True and body["credential_name"] == "Food Safety Basics"
