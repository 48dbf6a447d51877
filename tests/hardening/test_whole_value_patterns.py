"""Issue #8 point 9 (and the alias point from #13): every pattern matches the whole
value, every identifier compares in one canonical form, and only what a phone parser
reads as a number is refused as an alias."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import marshmallow as ma
import pytest
from marshmallow import validate

import empower_api
from empower_api.inputs import FullMatch
from tests.accounts.test_auth_api import API, STRONG, register_anonymous
from tests.conftest import assert_problem
from tests.factories.jobs import job_payload, make_employer, owner_of

PACKAGE = Path(empower_api.__file__).resolve().parent


def test_alias_with_a_trailing_newline_is_refused_and_makes_no_second_account(client):
    assert register_anonymous(client, alias="sunnyday").status_code == 201
    assert_problem(register_anonymous(client, alias="sunnyday\n"), 422, field="alias")
    assert_problem(register_anonymous(client, alias="newname9\n"), 422, field="alias")


def test_alias_change_with_a_trailing_newline_is_refused(client):
    token = register_anonymous(client, alias="calmriver").get_json()["access_token"]
    response = client.patch(f"{API}/me", json={"alias": "calmriver2\n"},
                            headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 422, field="alias")


@pytest.mark.parametrize("field,value", [
    ("title", "Cook\n"), ("title", "Co\nok"), ("city", "Chicago\n"), ("languages", ["en\n"]),
    ("skills", ["baking\n"]),
])
def test_job_fields_refuse_a_newline_anywhere(session, auth_client, field, value):
    employer = make_employer(session)
    client = auth_client(owner_of(session, employer))
    response = client.post(f"{API}/jobs", json=job_payload(employer.id, **{field: value}))
    assert_problem(response, 422)
    assert field in response.get_json()["errors"] or any(
        key.startswith(field) for key in response.get_json()["errors"])


def test_profile_languages_refuse_a_trailing_newline(client):
    token = register_anonymous(client, alias="calmlake").get_json()["access_token"]
    response = client.patch(f"{API}/me", json={"languages": ["en\n"]},
                            headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 422)


def _schemas() -> list[type[ma.Schema]]:
    for info in pkgutil.walk_packages(empower_api.__path__, "empower_api."):
        if info.name != "empower_api.worker":  # it builds an app of its own
            importlib.import_module(info.name)
    found, todo = [], list(ma.Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("empower_api."):
            found.append(cls)
    return found


def _validators(field: ma.fields.Field):
    yield from field.validators
    for attr in ("inner", "value_field", "key_field"):
        if isinstance(getattr(field, attr, None), ma.fields.Field):
            yield from _validators(getattr(field, attr))
    if isinstance(field, ma.fields.Nested) and isinstance(field.nested, ma.Schema):
        for inner in field.nested.fields.values():
            yield from _validators(inner)


def test_every_schema_pattern_must_match_the_whole_value():
    schemas = _schemas()
    assert len(schemas) > 20
    partial, full = [], 0
    for schema in schemas:
        for name, field in schema().fields.items():
            for validator in _validators(field):
                if isinstance(validator, FullMatch):
                    full += 1
                elif isinstance(validator, validate.Regexp):
                    partial.append(f"{schema.__module__}.{schema.__name__}.{name}")
    assert full > 0
    assert partial == []


def test_no_code_uses_a_prefix_match_for_validation():
    """``pattern.match`` / ``re.match`` accept a trailing newline with ``$``."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "match"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


# --- aliases and phone numbers (moved from #13) ---------------------------------------


@pytest.mark.parametrize("alias", ["ab12cd3456789", "rosa1987luck7777", "maria2024x",
                                   "a1b2c3d4e5f6g7"])
def test_aliases_with_years_and_lucky_numbers_pass(client, alias):
    response = register_anonymous(client, alias=alias)
    assert response.status_code == 201, response.get_json()
    login = client.post(f"{API}/auth/login", json={"login": alias, "password": STRONG})
    assert login.status_code == 200


@pytest.mark.parametrize("alias", ["6505550199", "650-555-0199", "650.555.0199",
                                   "1_650_555_0199"])
def test_aliases_a_phone_parser_reads_as_a_number_are_refused(client, alias):
    body = assert_problem(register_anonymous(client, alias=alias), 422, field="alias")
    assert "phone" in body["errors"]["alias"][0]
