"""Consents over HTTP: defaults, decisions, history, unknown purposes, export, erasure."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import func, select

from empower_api.consents.models import ConsentEvent
from tests import sqlcount
from tests.conftest import assert_problem
from tests.factories.accounts import PASSWORD, make_survivor

API = "/api/v1"
PURPOSES = ["share_profile_with_employers", "grant_follow_up_contact",
            "include_in_impact_figures", "research_contact"]


def put(client: Any, purpose: str, granted: Any) -> Any:
    return client.put(f"{API}/me/consents/{purpose}", json={"granted": granted})


def states(client: Any) -> dict[str, dict[str, Any]]:
    response = client.get(f"{API}/me/consents")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["purpose"]: item for item in response.get_json()["items"]}


@pytest.fixture
def survivor(session):
    user = make_survivor(session)
    session.commit()
    return user


def test_every_purpose_starts_at_its_default(auth_client, survivor):
    found = states(auth_client(survivor))
    assert list(found) == PURPOSES
    assert found["share_profile_with_employers"]["granted"] is True
    for purpose in PURPOSES[1:]:
        assert found[purpose]["granted"] is False
    for item in found.values():
        assert item["is_default"] is True and item["decided_at"] is None
        assert item["version"] == item["current_version"] == 1
        assert item["description"]


def test_granting_and_withdrawing_are_recorded_with_version_and_time(auth_client, survivor):
    client = auth_client(survivor)
    granted = put(client, "research_contact", True)
    assert granted.status_code == 200
    body = granted.get_json()
    assert body["purpose"] == "research_contact" and body["granted"] is True
    assert body["is_default"] is False and body["version"] == 1
    assert body["decided_at"].endswith("Z")
    withdrawn = put(client, "research_contact", False).get_json()
    assert withdrawn["granted"] is False
    assert states(client)["research_contact"]["granted"] is False
    history = client.get(f"{API}/me/consents/research_contact/history").get_json()
    assert [h["granted"] for h in history["items"]] == [False, True]  # newest first
    assert history["next_cursor"] is None
    assert all(h["version"] == 1 and h["decided_at"].endswith("Z") for h in history["items"])


def test_restating_the_current_decision_adds_no_history(app, auth_client, survivor, session):
    client = auth_client(survivor)
    for _ in range(3):
        assert put(client, "include_in_impact_figures", True).status_code == 200
    # Withdrawing the default-granted purpose is a change; re-granting is another.
    put(client, "share_profile_with_employers", False)
    put(client, "share_profile_with_employers", False)
    count = session.scalar(select(func.count()).select_from(ConsentEvent)
                           .where(ConsentEvent.user_id == survivor.id))
    assert count == 2


def test_history_is_paged_and_each_page_costs_the_same_queries(app, auth_client, survivor):
    client = auth_client(survivor)
    for granted in (True, False, True, False, True):
        put(client, "grant_follow_up_contact", granted)
    url = f"{API}/me/consents/grant_follow_up_contact/history"
    first = client.get(f"{url}?limit=2").get_json()
    assert [h["granted"] for h in first["items"]] == [True, False]
    second = client.get(f"{url}?limit=2&cursor={first['next_cursor']}").get_json()
    assert [h["granted"] for h in second["items"]] == [True, False]
    third = client.get(f"{url}?limit=2&cursor={second['next_cursor']}").get_json()
    assert [h["granted"] for h in third["items"]] == [True] and third["next_cursor"] is None
    assert _queries(app, client, f"{url}?limit=1") == _queries(app, client, f"{url}?limit=50")
    assert _queries(app, client, f"{url}?limit=50") <= 5
    assert_problem(client.get(f"{url}?cursor=not-a-cursor"), 422)


def _counted(app: Any) -> AbstractContextManager[list[str]]:
    """The statements run meanwhile; BEGIN and COMMIT count (whole requests)."""
    return sqlcount.counted(app, skip=sqlcount.SAVEPOINTS)


def _queries(app, client, url):
    with _counted(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", ["/me/consents/marketing", "/me/consents/marketing/history"])
def test_an_unknown_purpose_is_a_404_problem(auth_client, survivor, path):
    client = auth_client(survivor)
    response = client.put(API + path, json={"granted": True}) if path.endswith("marketing") \
        else client.get(API + path)
    body = assert_problem(response, 404)
    assert body["code"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"granted": "yes"}, {"granted": 1}, {"granted": None},
                                  {"granted": True, "note": "x"}])
def test_a_bad_body_is_a_422_naming_the_field(auth_client, survivor, body):
    response = auth_client(survivor).put(f"{API}/me/consents/research_contact", json=body)
    problem = assert_problem(response, 422)
    assert set(problem["errors"]) & {"granted", "note"}


def test_the_export_holds_current_decisions_and_the_history(auth_client, survivor):
    client = auth_client(survivor)
    put(client, "research_contact", True)
    put(client, "share_profile_with_employers", False)
    exported = client.get(f"{API}/me/export").get_json()["consents"]
    current = {c["purpose"]: c for c in exported["current"]}
    assert current["research_contact"]["granted"] is True
    assert current["share_profile_with_employers"]["granted"] is False
    assert current["grant_follow_up_contact"]["is_default"] is True
    assert [(h["purpose"], h["granted"]) for h in exported["history"]] == [
        ("research_contact", True), ("share_profile_with_employers", False)]
    assert all(h["decided_at"].endswith("Z") for h in exported["history"])


def test_erasure_removes_the_history_and_every_grant(app, auth_client, survivor, session):
    from empower_api.consents.service import has_consent

    client = auth_client(survivor)
    for purpose in PURPOSES[1:]:
        put(client, purpose, True)
    assert client.delete(f"{API}/me", json={"password": PASSWORD}).status_code == 204
    assert session.scalar(select(func.count()).select_from(ConsentEvent)
                          .where(ConsentEvent.user_id == survivor.id)) == 0
    for purpose in PURPOSES:
        assert has_consent(session, survivor.id, purpose) is False, purpose
