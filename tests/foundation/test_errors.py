"""Every error the API can return is application/problem+json."""

from __future__ import annotations

import json

from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api import create_app
from empower_api.errors import Conflict, PreconditionRequired
from tests.conftest import assert_problem, make_config
from tests.factories.accounts import make_employer_user, make_survivor

API = "/api/v1"


def test_malformed_json_is_400(client):
    response = client.post(f"{API}/auth/login", data="{not json",
                           content_type="application/json")
    body = assert_problem(response, 400)
    assert body["code"] == "malformed_json"


def test_missing_token_is_401(client):
    body = assert_problem(client.get(f"{API}/me"), 401)
    assert "Bearer" in client.get(f"{API}/me").headers["WWW-Authenticate"]
    assert body["detail"]


def test_garbage_token_is_401(client):
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer not-a-token"})
    assert_problem(response, 401)


def test_wrong_role_is_403(session, auth_client):
    survivor = make_survivor(session)
    response = auth_client(survivor).get(f"{API}/staff/audit-log")
    assert_problem(response, 403)


def test_unknown_route_is_404(client):
    body = assert_problem(client.get(f"{API}/no-such-thing"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete(f"{API}/auth/login")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_duplicate_is_409(client, session):
    make_survivor(session, alias="takenalias")
    response = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": "TakenAlias", "password": "a-long-unusual-pass"})
    body = assert_problem(response, 409)
    assert body["code"] == "alias_taken"


def test_non_json_body_is_415(client):
    response = client.post(f"{API}/auth/login", data="login=x&password=y",
                           content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_validation_error_is_422_by_field(client):
    response = client.post(f"{API}/auth/login", json={"login": "someone"})
    body = assert_problem(response, 422, field="password")
    assert body["errors"]["password"]


def test_unknown_body_field_is_422(client):
    response = client.post(f"{API}/auth/login",
                           json={"login": "a", "password": "b", "is_admin": True})
    assert_problem(response, 422, field="is_admin")


def test_bad_query_parameter_is_422(session, auth_client):
    from tests.factories.accounts import make_admin

    admin = auth_client(make_admin(session))
    assert_problem(admin.get(f"{API}/staff/audit-log?limit=1000"), 422, field="limit")
    assert_problem(admin.get(f"{API}/staff/audit-log?limit=abc"), 422, field="limit")


def _app_with_probe_routes() -> Flask:
    app = create_app(make_config(DATABASE_URL="sqlite://"))
    blp = Blueprint("probe", __name__, url_prefix="/probe")

    @blp.route("/boom")
    class Boom(MethodView):
        def get(self):
            raise RuntimeError("secret internal detail /srv/app.py line 3")

    @blp.route("/reason")
    class Reason(MethodView):
        def get(self):
            raise PreconditionRequired("Give X-Access-Reason.")

    @blp.route("/dataerror")
    class BadData(MethodView):
        def get(self):
            from sqlalchemy.exc import DataError

            raise DataError("INSERT ... 'Maria Lopez'", {"name": "Maria Lopez"}, Exception("x"))

    @blp.route("/conflict")
    class Clash(MethodView):
        def get(self):
            raise Conflict("Over budget.", code="budget_exceeded")

    app.register_blueprint(blp)
    return app


def test_unexpected_error_is_500_without_internals():
    app = _app_with_probe_routes()
    response = app.test_client().get("/probe/boom")
    body = assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "secret internal detail" not in text and "Traceback" not in text
    assert body["detail"]


def test_unexpected_error_log_names_the_place_not_the_message(caplog_json):
    app = _app_with_probe_routes()
    app.test_client().get("/probe/boom")
    lines = [line for line in caplog_json() if line.get("event") == "unhandled_exception"]
    assert lines and lines[0]["error_type"] == "RuntimeError"
    assert any("test_errors.py" in frame for frame in lines[0]["frames"])
    assert "secret internal detail" not in json.dumps(caplog_json())


def test_database_data_error_is_422_without_the_value():
    app = _app_with_probe_routes()
    response = app.test_client().get("/probe/dataerror")
    assert_problem(response, 422)
    assert "Maria" not in response.get_data(as_text=True)


def test_precondition_required_is_428():
    app = _app_with_probe_routes()
    assert_problem(app.test_client().get("/probe/reason"), 428)


def test_domain_conflict_carries_its_code():
    app = _app_with_probe_routes()
    body = assert_problem(app.test_client().get("/probe/conflict"), 409)
    assert body["code"] == "budget_exceeded"
    assert body["type"] == "/problems/budget_exceeded"


def test_rate_limit_is_429_with_retry_after(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_AUTH="2/minute"))
    client = app.test_client()
    statuses = []
    for _ in range(3):
        response = client.post(f"{API}/auth/login",
                               json={"login": "nobody-here", "password": "whatever-123"})
        statuses.append(response.status_code)
    assert statuses == [401, 401, 429]
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0


def test_employer_cannot_reach_admin_endpoint(session, auth_client):
    response = auth_client(make_employer_user(session)).get(f"{API}/staff/audit-log")
    assert_problem(response, 403)
