"""The functions other domains call to enforce each purpose: a withdrawal counts at once."""

from __future__ import annotations

import dataclasses

import pytest

from empower_api.consents import service
from empower_api.consents.service import Purpose
from tests.factories.accounts import make_employer_user, make_staff, make_survivor

API = "/api/v1"
SHARE = {"fields": ["display_name", "skills", "email"], "credential_ids": ["c-1"]}


def test_profile_sharing_stops_as_soon_as_it_is_withdrawn(session, auth_client):
    survivor = make_survivor(session)
    session.commit()
    assert service.shared_profile(session, user_id=survivor.id, share=SHARE) == SHARE
    response = auth_client(survivor).put(f"{API}/me/consents/share_profile_with_employers",
                                         json={"granted": False})
    assert response.status_code == 200
    # Applications share nothing beyond the cover note from now on, already sent ones too.
    assert service.shared_profile(session, user_id=survivor.id, share=SHARE) == {
        "fields": [], "credential_ids": []}
    assert service.has_consent(session, survivor.id, Purpose.SHARE_PROFILE_WITH_EMPLOYERS) \
        is False


def test_grant_follow_up_contact_needs_an_opt_in_and_a_withdrawal_ends_it(session,
                                                                          auth_client):
    survivor = make_survivor(session)
    session.commit()
    client = auth_client(survivor)
    purpose = Purpose.GRANT_FOLLOW_UP_CONTACT
    assert service.has_consent(session, survivor.id, purpose) is False
    client.put(f"{API}/me/consents/{purpose}", json={"granted": True})
    session.expire_all()
    assert service.has_consent(session, survivor.id, purpose) is True
    client.put(f"{API}/me/consents/{purpose}", json={"granted": False})
    session.expire_all()
    assert service.has_consent(session, survivor.id, purpose) is False


def test_consenting_user_ids_answers_for_a_whole_page_at_once(session):
    users = [make_survivor(session) for _ in range(4)]
    service.set_consent(session, user=users[0], purpose=Purpose.SHARE_PROFILE_WITH_EMPLOYERS,
                        granted=False)
    service.set_consent(session, user=users[1], purpose=Purpose.RESEARCH_CONTACT, granted=True)
    ids = [u.id for u in users]
    assert service.consenting_user_ids(
        session, Purpose.SHARE_PROFILE_WITH_EMPLOYERS, ids) == set(ids[1:])
    assert service.consenting_user_ids(session, Purpose.RESEARCH_CONTACT, ids) == {ids[1]}
    assert service.consenting_user_ids(session, Purpose.RESEARCH_CONTACT, []) == set()


def test_a_grant_on_older_wording_falls_back_to_the_default(session, monkeypatch):
    user = make_survivor(session)
    service.set_consent(session, user=user, purpose=Purpose.RESEARCH_CONTACT, granted=True)
    service.set_consent(session, user=user, purpose=Purpose.SHARE_PROFILE_WITH_EMPLOYERS,
                        granted=False)
    newer = {name: dataclasses.replace(info, version=2)
             for name, info in service.PURPOSES.items()}
    monkeypatch.setattr(service, "PURPOSES", newer)
    assert service.has_consent(session, user.id, Purpose.RESEARCH_CONTACT) is False
    assert service.consenting_user_ids(session, Purpose.RESEARCH_CONTACT, [user.id]) == set()
    # A withdrawal holds whatever the wording.
    assert service.has_consent(session, user.id, Purpose.SHARE_PROFILE_WITH_EMPLOYERS) is False
    state = {s.purpose: s for s in service.list_consents(session, user=user)}
    assert state["research_contact"].granted is False
    assert state["research_contact"].version == 1
    assert state["research_contact"].current_version == 2
    # Deciding again records the decision on the current wording.
    again = service.set_consent(session, user=user, purpose=Purpose.RESEARCH_CONTACT,
                                granted=True)
    assert again.granted is True and again.version == 2


def test_unknown_purposes_are_a_programming_error_in_enforcement(session):
    with pytest.raises(KeyError):
        service.has_consent(session, make_survivor(session).id, "marketing")


def test_research_contacts_are_only_counted_and_only_with_consent(session, auth_client):
    staff = make_staff(session)
    survivors = [make_survivor(session) for _ in range(3)]
    make_employer_user(session)
    session.commit()
    count_url = f"{API}/staff/research-contacts/count"
    staff_client = auth_client(staff)
    baseline = staff_client.get(count_url).get_json()["count"]
    assert baseline == 0
    clients = [auth_client(s) for s in survivors]
    for client in clients:
        client.put(f"{API}/me/consents/research_contact", json={"granted": True})
    response = staff_client.get(count_url)
    assert response.status_code == 200 and response.get_json() == {"count": 3}
    clients[0].put(f"{API}/me/consents/research_contact", json={"granted": False})
    assert staff_client.get(count_url).get_json() == {"count": 2}
