"""Issue #8 point 7: employers join organisations only by accepting an invitation; the
inviter learns nothing about the invited address; invitations are limited."""

from __future__ import annotations

import uuid

import pytest

from empower_api import create_app
from empower_api.accounts import service as accounts
from empower_api.db import db
from tests.accounts.test_auth_api import API, bearer
from tests.conftest import assert_problem, make_config, reset_schema
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.jobs import make_employer, owner_of


def _invite(client, employer_id, email):
    return client.post(f"{API}/employers/{employer_id}/invitations", json={"email": email})


def test_the_answer_is_the_same_for_any_address(session, auth_client):
    employer = make_employer(session)
    make_employer_user(session, email="boss@example.org")
    make_survivor(session, email="survivor@example.org", anonymous=False)
    session.commit()
    client = auth_client(owner_of(session, employer))
    shapes = []
    for email in ("boss@example.org", "survivor@example.org", "nobody@example.org",
                  owner_of(session, employer).email):
        response = _invite(client, employer.id, email)
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        shapes.append((sorted(body), body["status"], body["employer_name"]))
    assert len(set(map(repr, shapes))) == 1
    assert "user_id" not in shapes[0][0] and "display_name" not in shapes[0][0]


def test_inviting_again_is_the_same_invitation(session, auth_client):
    employer = make_employer(session)
    session.commit()
    client = auth_client(owner_of(session, employer))
    first = _invite(client, employer.id, "twice@example.org").get_json()
    again = _invite(client, employer.id, "TWICE@example.org").get_json()
    assert again["id"] == first["id"] and again["status"] == "pending"


def test_accept_and_decline_are_for_the_invitee_and_repeatable(session, auth_client):
    employer = make_employer(session)
    invitee_user = make_employer_user(session, email="invitee@example.org")
    other = make_employer_user(session, email="other@example.org")
    survivor = make_survivor(session, email="surv@example.org", anonymous=False)
    session.commit()
    owner = auth_client(owner_of(session, employer))
    invitation = _invite(owner, employer.id, "invitee@example.org").get_json()
    to_survivor = _invite(owner, employer.id, "surv@example.org").get_json()

    for stranger in (auth_client(other), owner):
        assert_problem(stranger.post(f"{API}/invitations/{invitation['id']}/accept"), 404)
        assert_problem(stranger.post(f"{API}/invitations/{invitation['id']}/decline"), 404)
    assert_problem(auth_client(survivor).post(f"{API}/invitations/{to_survivor['id']}/accept"),
                   403)
    invitee = auth_client(invitee_user)
    assert_problem(invitee.post(f"{API}/invitations/{uuid.uuid4()}/accept"), 404)
    for _ in range(2):
        accepted = invitee.post(f"{API}/invitations/{invitation['id']}/accept")
        assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    members = owner.get(f"{API}/employers/{employer.id}/members").get_json()["items"]
    assert sorted(m["user_id"] for m in members).count(str(invitee_user.id)) == 1
    assert_problem(invitee.post(f"{API}/invitations/{invitation['id']}/decline"), 409)
    assert invitee.get(f"{API}/me/invitations").get_json()["items"] == []

    declined = auth_client(survivor).post(f"{API}/invitations/{to_survivor['id']}/decline")
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"


def test_the_old_add_by_email_endpoint_is_gone(session, auth_client):
    employer = make_employer(session)
    make_employer_user(session, email="quiet@example.org")
    session.commit()
    client = auth_client(owner_of(session, employer))
    response = client.post(f"{API}/employers/{employer.id}/members",
                           json={"email": "quiet@example.org"})
    assert response.status_code == 405


def test_invitations_are_rate_limited(tmp_path):
    # An app of its own on a file of its own: its commits must not reach other tests.
    app = create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'limits.db'}",
                                 RATELIMIT_ENABLED=True, RATELIMIT_AUTH="3/minute"))
    reset_schema(app)
    with app.app_context():
        employer = make_employer(db.session)
        owner = owner_of(db.session, employer)
        tokens = accounts.start_session(db.session, owner, "x")
        db.session.commit()
        employer_id = employer.id
    client = app.test_client()
    statuses = [client.post(f"{API}/employers/{employer_id}/invitations",
                            headers=bearer(tokens.access_token),
                            json={"email": f"probe{i}@example.org"}).status_code
                for i in range(4)]
    assert statuses == [201, 201, 201, 429]


@pytest.mark.postgres_only
def test_parallel_accepts_make_one_membership(committing_app):
    import threading

    with committing_app.app_context():
        employer = make_employer(db.session)
        invitee = make_employer_user(db.session, email="racer@example.org")
        owner = owner_of(db.session, employer)
        owner_tokens = accounts.start_session(db.session, owner, "x")
        tokens = accounts.start_session(db.session, invitee, "x")
        db.session.commit()
        employer_id = employer.id
    client = committing_app.test_client()
    invitation = client.post(f"{API}/employers/{employer_id}/invitations",
                             headers=bearer(owner_tokens.access_token),
                             json={"email": "racer@example.org"}).get_json()
    barrier, statuses = threading.Barrier(4), []

    def accept() -> None:
        barrier.wait(timeout=10)
        statuses.append(committing_app.test_client().post(
            f"{API}/invitations/{invitation['id']}/accept",
            headers=bearer(tokens.access_token)).status_code)

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 4
    members = client.get(f"{API}/employers/{employer_id}/members",
                         headers=bearer(owner_tokens.access_token)).get_json()["items"]
    assert len(members) == 2
