"""Moderation demo data: a reported posting and a held one wait in the staff queue."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api.accounts.demo import load as accounts_demo
from empower_api.db import db
from empower_api.jobs import demo as jobs_demo
from empower_api.jobs.models import Job
from empower_api.moderation import demo
from empower_api.moderation.models import ModerationCase
from tests.factories.accounts import make_staff

API = "/api/v1"


def test_demo_fills_the_queue_and_is_idempotent(app, auth_client):
    with app.app_context():
        session = db.session
        context = {"printed": []}
        accounts_demo(session, context)
        jobs_demo.load(session, context)
        for _ in range(2):
            demo.load(session, context)
            session.commit()
        assert session.scalar(select(func.count()).select_from(ModerationCase)) == 2
        categories = set(session.scalars(select(Job.category)))
        assert {"food_service", "logistics", "technology", "housekeeping"} <= categories
        staff = make_staff(session)
        session.commit()
    queue = auth_client(staff).get(f"{API}/staff/moderation").get_json()["items"]
    assert {(item["job"]["title"], item["trigger"]) for item in queue} == {
        (demo.REPORTED_TITLE, "reports"), (demo.HELD_TITLE, "scam_signals")}
    reported = next(item for item in queue if item["trigger"] == "reports")
    assert len(reported["reports"]) == 3
