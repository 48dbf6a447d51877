"""Hostile or broken input is a clear 4xx, never a 500 (on both engines)."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from empower_api.inputs import MAX_DEPTH, find_problem
from tests.conftest import assert_problem

API = "/api/v1"


@pytest.mark.parametrize("login", ["maria\u0000", "a\u0007b", "x\u007f"])
def test_control_characters_are_422_by_field(client, login):
    response = client.post(f"{API}/auth/login", json={"login": login, "password": "x" * 12})
    body = assert_problem(response, 422, field="login")
    assert "Control characters" in body["errors"]["login"][0]


def test_lone_surrogate_is_422(client):
    raw = '{"mode": "anonymous", "alias": "\\ud800abc", "password": "a-long-pass-phrase"}'
    response = client.post(f"{API}/auth/register", data=raw, content_type="application/json")
    assert_problem(response, 422, field="alias")


def test_tabs_and_newlines_stay_allowed():
    assert find_problem({"note": "line one\n\tline two\r\n"}) is None


def test_unparseably_deep_json_is_400(client):
    response = client.post(f"{API}/auth/login", data="[" * 100_000,
                           content_type="application/json")
    assert_problem(response, 400)


def test_deep_but_parseable_json_is_422(client):
    deep = {"login": "a", "password": "b" * 12}
    node = deep
    for _ in range(MAX_DEPTH + 2):
        node["x"] = {}
        node = node["x"]
    assert_problem(client.post(f"{API}/auth/login", json=deep), 422)


def test_integer_too_long_to_parse_is_400(client):
    raw = '{"login": "a", "password": ' + "9" * 5000 + "}"
    assert_problem(client.post(f"{API}/auth/login", data=raw,
                               content_type="application/json"), 400)


def test_control_character_in_query_is_422(client):
    assert_problem(client.get(f"{API}/jobs?q=bread%00"), 422, field="q")


def test_nul_in_a_signed_in_write_is_422(session, auth_client):
    from tests.factories.accounts import make_survivor

    client = auth_client(make_survivor(session))
    assert_problem(client.patch(f"{API}/me", json={"city": "Chi\u0000cago"}), 422, field="city")
    assert client.get(f"{API}/me").get_json()["city"] is None


def test_field_path_names_nested_items():
    assert find_problem({"share": {"fields": ["ok", "b\u0000d"]}}) == (
        "share.fields.1", "Control characters are not allowed.")
    assert json.dumps(find_problem({"a": [1, 2, "fine"]})) == "null"


def test_one_control_character_message_wherever_it_is_caught(client):
    """The request-wide check and the schemas say the same words for the same fault."""
    from empower_api.jobs.schemas import ONE_LINE, PLAIN

    in_query = assert_problem(client.get(f"{API}/jobs?q=bread%00"), 422, field="q")
    with pytest.raises(ValidationError) as by_schema:
        PLAIN("bread\u0000")
    assert in_query["errors"]["q"] == ["Control characters are not allowed."]
    assert by_schema.value.messages == ["Control characters are not allowed."]
    # A tab or a line break is allowed in free text, so a one-line field says what it wants.
    tabbed = assert_problem(client.get(f"{API}/jobs?q=bread%09rolls"), 422, field="q")
    assert tabbed["errors"]["q"] == ["Keep this on one line, without tabs or line breaks."]
    with pytest.raises(ValidationError) as by_line:
        ONE_LINE("bread\nrolls")
    assert by_line.value.messages == ["Keep this on one line, without tabs or line breaks."]


def test_the_one_line_message_is_translated(client):
    response = client.get(f"{API}/jobs?q=bread%0Arolls", headers={"Accept-Language": "es"})
    body = assert_problem(response, 422, field="q")
    assert body["errors"]["q"] == [
        "Escríbelo en una sola línea, sin tabulaciones ni saltos de línea."]
