"""Profile reads and writes, recovery codes, password policy on change."""

from __future__ import annotations

import pytest

from tests.accounts.test_auth_api import API, STRONG, bearer, register_anonymous
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor


def test_patch_me_updates_profile_fields(session, auth_client):
    client = auth_client(make_survivor(session))
    response = client.patch(f"{API}/me", json={
        "languages": ["en", "pt-BR"], "skills": ["baking"], "region": "Illinois",
        "city": "Chicago", "availability": "weekday mornings",
        "accommodations": "quiet workspace", "legal_name": "Ana Maria Perez",
        "date_of_birth": "1994-03-02"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["languages"] == ["en", "pt-BR"]
    assert body["legal_name"] == "Ana Maria Perez"
    assert body["date_of_birth"] == "1994-03-02"
    assert client.get(f"{API}/me").get_json()["city"] == "Chicago"


@pytest.mark.parametrize("field,value", [("role", "staff"), ("id", "x"), ("anonymous", False)])
def test_patch_cannot_set_protected_fields(session, auth_client, field, value):
    user = make_survivor(session, alias="keepme")
    session.commit()
    client = auth_client(user)
    response = client.patch(f"{API}/me", json={field: value, "city": "Elsewhere"})
    assert_problem(response, 422, field=field)
    me = client.get(f"{API}/me").get_json()
    assert me["role"] == "survivor" and me["anonymous"] is True and me["city"] is None
    assert me["id"] == str(user.id)


@pytest.mark.parametrize("field", ["id", "anonymous", "is_staff"])
def test_register_cannot_set_protected_fields(client, field):
    response = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": "sneaky1", "password": STRONG, field: True})
    assert_problem(response, 422, field=field)
    assert client.post(f"{API}/auth/login",
                       json={"login": "sneaky1", "password": STRONG}).status_code == 401


def test_patch_rejects_bad_language_tags(session, auth_client):
    client = auth_client(make_survivor(session))
    assert_problem(client.patch(f"{API}/me", json={"languages": ["english!"]}), 422,
                   field="languages.0")


def test_anonymous_survivor_can_add_and_remove_email(client):
    tokens = register_anonymous(client).get_json()
    headers = bearer(tokens["access_token"])
    added = client.patch(f"{API}/me", json={"email": "later@example.org"}, headers=headers)
    assert added.status_code == 200
    assert added.get_json()["anonymous"] is False
    assert client.post(f"{API}/auth/login", json={
        "login": "later@example.org", "password": STRONG}).status_code == 200
    removed = client.patch(f"{API}/me", json={"email": None}, headers=headers)
    assert removed.status_code == 200
    assert removed.get_json()["anonymous"] is True and removed.get_json()["email"] is None
    assert_problem(client.post(f"{API}/auth/login", json={
        "login": "later@example.org", "password": STRONG}), 401)


def test_email_taken_by_another_account_is_409(session, auth_client):
    make_survivor(session, email="owner@example.org", anonymous=False)
    client = auth_client(make_survivor(session))
    assert_problem(client.patch(f"{API}/me", json={"email": "OWNER@example.org"}), 409)


def test_recovery_code_works_once(client):
    tokens = register_anonymous(client).get_json()
    code = tokens["recovery_codes"][3]
    first = client.post(f"{API}/auth/recover", json={
        "alias": "quietfox", "recovery_code": code, "new_password": "fresh-meadow-path"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["access_token"]
    # Old sessions ended; the new password works; the code is spent.
    assert_problem(client.get(f"{API}/me", headers=bearer(tokens["access_token"])), 401)
    assert client.post(f"{API}/auth/login", json={
        "login": "quietfox", "password": "fresh-meadow-path"}).status_code == 200
    again = client.post(f"{API}/auth/recover", json={
        "alias": "quietfox", "recovery_code": code, "new_password": "another-good-path"})
    assert_problem(again, 401)
    other = client.post(f"{API}/auth/recover", json={
        "alias": "quietfox", "recovery_code": tokens["recovery_codes"][4].upper(),
        "new_password": "another-good-path"})
    assert other.status_code == 200


def test_recovery_with_wrong_code_or_alias_is_401(client):
    register_anonymous(client)
    for alias, code in [("quietfox", "aaaaa-bbbbb-ccccc"), ("nobody", "aaaaa-bbbbb-ccccc")]:
        response = client.post(f"{API}/auth/recover", json={
            "alias": alias, "recovery_code": code, "new_password": "fresh-meadow-path"})
        assert_problem(response, 401)


def test_password_change_requires_current_and_policy(session, auth_client):
    client = auth_client(make_survivor(session))
    wrong = client.post(f"{API}/me/password", json={
        "current_password": "not-it-at-all", "new_password": "fresh-meadow-path"})
    assert_problem(wrong, 422, field="current_password")
    weak = client.post(f"{API}/me/password", json={
        "current_password": "correct-horse-battery", "new_password": "1234567890"})
    assert_problem(weak, 422, field="password")
    ok = client.post(f"{API}/me/password", json={
        "current_password": "correct-horse-battery", "new_password": "fresh-meadow-path"})
    assert ok.status_code == 204
