"""The OpenAPI document is complete: every operation, present and future, has an id, a
description, the error responses it can return (as problem+json) and examples."""

from __future__ import annotations

import re
from typing import Any

import pytest

from empower_api.apidoc import example_for, snake

OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
METHODS = {"get", "post", "put", "patch", "delete"}
RATE_LIMITED = {("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/register"),
                ("post", "/api/v1/auth/refresh"), ("post", "/api/v1/auth/recover"),
                ("get", "/api/v1/jobs")}


@pytest.fixture
def spec(database_url) -> dict[str, Any]:
    """The document of a fresh app: other tests register probe views on the shared one."""
    from empower_api import create_app
    from tests.conftest import make_config

    with create_app(make_config(DATABASE_URL=database_url)).test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[Any]]]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                params = item.get("parameters", []) + operation.get("parameters", [])
                found.append((method, path, operation, params))
    return found


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        _, _, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def test_servers_are_set(spec):
    assert spec["servers"] and spec["servers"][0]["url"].startswith("http")


def test_operation_ids_are_snake_case_and_unique(spec):
    ids = [op["operationId"] for _, _, op, _ in operations(spec)]
    assert all(OPERATION_ID.match(i) for i in ids), [i for i in ids if not OPERATION_ID.match(i)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60


def test_operation_ids_are_derived_from_endpoint_and_method(spec):
    ops = {(m, p): op for m, p, op, _ in operations(spec)}
    assert ops[("get", "/api/v1/jobs/{job_id}")]["operationId"] == "jobs_job_item_get"
    assert snake("SavedSearchItem") == "saved_search_item"
    assert snake("MeJWKS") == "me_jwks"


def test_every_operation_has_summary_and_description(spec):
    lacking = [(m, p) for m, p, op, _ in operations(spec)
               if not op.get("summary") or len(op.get("description", "")) < 10]
    assert not lacking


def _expected_errors(method: str, path: str, op: dict[str, Any], params: list[Any]) -> set[str]:
    expected = set()
    if op.get("security"):
        expected |= {"401", "403"}
    elif "security" in op:
        expected.add("401")
    if any(p.get("in") == "path" for p in params):
        expected.add("404")
    if method != "get":
        expected.add("409")
    if op.get("requestBody") or any(p.get("in") == "query" for p in params):
        expected.add("422")
    if (method, path) in RATE_LIMITED:
        expected.add("429")
    return expected


def test_every_operation_documents_the_errors_it_can_return(spec):
    missing = {}
    for method, path, op, params in operations(spec):
        lacking = _expected_errors(method, path, op, params) - set(op["responses"])
        if lacking:
            missing[f"{method.upper()} {path}"] = sorted(lacking)
    assert not missing


def test_declared_precondition_is_documented(spec):
    ops = {(m, p): op for m, p, op, _ in operations(spec)}
    assert "428" in ops[("get", "/api/v1/staff/users/{user_id}")]["responses"]


def test_every_error_response_is_a_problem_document(spec):
    for method, path, op, _ in operations(spec):
        for status, response in op["responses"].items():
            if status == "default" or int(status) >= 400:
                body = resolve(spec, response)
                content = body.get("content", {})
                assert "application/problem+json" in content, (method, path, status)
                schema = resolve(spec, content["application/problem+json"]["schema"])
                assert {"type", "code", "status", "detail"} <= set(schema["properties"])
                if status == "429":
                    assert "Retry-After" in body["headers"]


def test_problem_examples_follow_the_problem_scheme(spec):
    for name, response in spec["components"]["responses"].items():
        example = response.get("content", {}).get("application/problem+json", {}).get("example")
        if example is not None:
            assert example["type"] == f"/problems/{example['code']}", name


def test_request_and_response_schemas_carry_examples(spec):
    for method, path, op, _ in operations(spec):
        bodies = [op.get("requestBody", {})]
        bodies += [resolve(spec, r) for s, r in op["responses"].items() if s.startswith("2")]
        for body in bodies:
            for media_type, media in body.get("content", {}).items():
                if "schema" not in media:
                    continue
                schema = resolve(spec, media["schema"])
                example = schema.get("example", media.get("example"))
                assert example is not None, (method, path, media_type)
                if schema.get("type") == "object" and schema.get("properties"):
                    assert set(example) <= set(schema["properties"]), (method, path)
                    assert set(schema.get("required", [])) <= set(example), (method, path)


def test_examples_respect_formats_and_given_examples():
    components = {"Thing": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "count": {"type": "integer", "minimum": 3},
        "note": {"type": "string", "example": "given"},
        "code": {"type": "string", "minLength": 12},
    }}}
    example = example_for({"$ref": "#/components/schemas/Thing"}, components)
    assert example["id"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert example["at"].endswith("Z")
    assert example["kind"] == "a"
    assert example["count"] == 3
    assert example["note"] == "given"
    assert len(example["code"]) >= 12


def test_a_new_endpoint_complies_without_per_endpoint_work(database_url):
    """A view written the usual way, with nothing OpenAPI-specific, is fully documented."""
    import marshmallow as ma
    from flask.views import MethodView
    from flask_smorest import Blueprint

    from empower_api import create_app
    from empower_api.extensions import api
    from empower_api.security.permissions import auth_required
    from tests.conftest import make_config

    class WidgetSchema(ma.Schema):
        name = ma.fields.String(required=True)

    blp = Blueprint("widgets", __name__, url_prefix="/api/v1")

    @blp.route("/widgets/<uuid:widget_id>")
    class WidgetItem(MethodView):
        @auth_required("staff")
        @blp.arguments(WidgetSchema)
        @blp.response(200, WidgetSchema)
        def put(self, data: dict[str, Any], widget_id: Any) -> Any:
            """Replace a widget."""
            return data

    app = create_app(make_config(DATABASE_URL=database_url))
    api.register_blueprint(blp)
    with app.test_client() as client:
        spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/widgets/{widget_id}"]["put"]
    assert op["operationId"] == "widgets_widget_item_put"
    assert {"401", "403", "404", "409", "422"} <= set(op["responses"])
    assert "access token" in op["description"]
    assert spec["components"]["schemas"]["Widget"]["example"] == {"name": "Riverside Bakery"}


def test_a_nullable_timestamp_is_documented_as_nullable(spec):
    """Found by the fuzzer: ``closed_at`` of an open posting is null, but the document
    said a plain string (the date-time attribute function dropped apispec's null)."""
    schemas = spec["components"]["schemas"]
    job = resolve(spec, spec["paths"]["/api/v1/jobs/{job_id}"]["get"]["responses"]["200"])
    job = resolve(spec, job["content"]["application/json"]["schema"])
    assert job["properties"]["closed_at"]["type"] == ["string", "null"]
    assert job["properties"]["closed_at"]["format"] == "date-time"
    assert schemas["Notification"]["properties"]["read_at"]["type"] == ["string", "null"]
    # A timestamp that is always present stays a plain string.
    assert job["properties"]["created_at"]["type"] == "string"


def test_a_body_of_optional_fields_is_documented_as_optional(spec, app, session, auth_client):
    """Found by the fuzzer: ``PATCH /me`` with no body is a valid no-op (200), but the
    document said every body was required."""
    from tests.factories.accounts import make_survivor

    paths = spec["paths"]
    assert paths["/api/v1/me"]["patch"]["requestBody"]["required"] is False
    assert paths["/api/v1/jobs"]["post"]["requestBody"]["required"] is True
    client = auth_client(make_survivor(session))
    assert client.patch("/api/v1/me").status_code == 200


def test_metrics_documents_that_a_token_may_not_be_needed(spec):
    """Found by the fuzzer: /metrics answers without a token where none is configured
    (development), but the document required one; and 404 (production, no token set)
    was not documented."""
    operation = spec["paths"]["/metrics"]["get"]
    assert operation["security"] == [{"metricsToken": []}, {}]
    assert "404" in operation["responses"]
