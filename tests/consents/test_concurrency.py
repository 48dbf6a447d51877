"""Concurrent decisions by one survivor, with real threads and commits (PostgreSQL)."""

from __future__ import annotations

import threading
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select

from empower_api.consents.models import Consent, ConsentEvent
from empower_api.db import db
from tests.factories.accounts import make_survivor

pytestmark = pytest.mark.postgres_only


def test_concurrent_decisions_are_serialised_and_the_history_matches_the_state(
        committing_app, auth_client):
    with committing_app.app_context():
        user = make_survivor(db.session)
        db.session.commit()
    clients = [auth_client(user) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses: list[Any] = []

    def decide(client: Any, granted: bool) -> None:
        barrier.wait(timeout=10)
        response = client.put("/api/v1/me/consents/research_contact", json={"granted": granted})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=decide, args=(c, i % 2 == 0))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * len(clients)
    with committing_app.app_context():
        history = [e.granted for e in db.session.scalars(
            select(ConsentEvent).where(ConsentEvent.user_id == user.id)
            .order_by(ConsentEvent.seq))]
        current = db.session.scalar(select(Consent).where(Consent.user_id == user.id))
    assert history, history
    # Each row is a change: no two neighbours alike, and the last is the state in force.
    assert all(a != b for a, b in pairwise(history))
    assert current is not None and current.granted == history[-1]
