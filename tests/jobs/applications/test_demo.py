"""The demo gets applications in several states, with messages, once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from empower_api.accounts.demo import load as accounts_demo
from empower_api.db import db
from empower_api.jobs import demo as jobs_demo
from empower_api.jobs.applications import demo
from empower_api.jobs.applications.models import Application, Message


def test_demo_applications_cover_several_states_and_are_idempotent(app):
    with app.app_context():
        session = db.session
        context = {"printed": []}
        accounts_demo(session, context)
        jobs_demo.load(session, context)
        demo.load(session, context)
        session.commit()
        demo.load(session, context)
        session.commit()
        statuses = Counter(session.scalars(select(Application.status)))
        assert statuses == {"interview": 1, "submitted": 1, "declined": 1, "hired": 1,
                            "withdrawn": 1}
        assert session.scalar(select(func.count()).select_from(Message)) == 6
        assert any(line.startswith("applications:") for line in context["printed"])
