"""Idempotency-Key: a retry replays the first response; another body is a 422."""

from __future__ import annotations

import itertools

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api import create_app
from empower_api.db import db
from empower_api.extensions import api
from empower_api.idempotency import idempotent
from empower_api.models import metadata
from empower_api.security.permissions import auth_required
from tests.conftest import ApiClient, assert_problem, make_config
from tests.factories.accounts import make_survivor

calls = itertools.count(1)


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('idem') / 'db.sqlite'}"
    app = create_app(make_config(DATABASE_URL=url))
    blp = Blueprint("probe", __name__, url_prefix="/probe")

    @blp.route("/pay")
    class Pay(MethodView):
        @auth_required()
        @idempotent
        def post(self):
            return {"payment": next(calls)}, 201

    api.register_blueprint(blp)
    from empower_api import transactional

    app.view_functions["probe.Pay"] = transactional(app.view_functions["probe.Pay"])
    with app.app_context():
        metadata.create_all(db.engine)
    app.test_client_class = ApiClient
    return app


def signed_in(app):
    from empower_api.accounts import service

    with app.app_context():
        user = make_survivor(db.session)
        tokens = service.start_session(db.session, user, "t")
        db.session.commit()
    client = app.test_client()
    client.token = tokens.access_token
    return client


@pytest.fixture
def payer(probe_app):
    return signed_in(probe_app)


def test_retry_with_same_key_replays_first_response(payer):
    first = payer.post("/probe/pay", json={"amount": 500}, headers={"Idempotency-Key": "k-1"})
    again = payer.post("/probe/pay", json={"amount": 500}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_other_body_is_422(payer):
    payer.post("/probe/pay", json={"amount": 500}, headers={"Idempotency-Key": "k-2"})
    other = payer.post("/probe/pay", json={"amount": 900}, headers={"Idempotency-Key": "k-2"})
    assert_problem(other, 422, field="Idempotency-Key")


def test_without_key_each_request_runs(payer):
    one = payer.post("/probe/pay", json={"amount": 1}).get_json()
    two = payer.post("/probe/pay", json={"amount": 1}).get_json()
    assert one != two


def test_keys_are_per_user(payer, probe_app):
    other = signed_in(probe_app)
    mine = payer.post("/probe/pay", json={}, headers={"Idempotency-Key": "shared"}).get_json()
    theirs = other.post("/probe/pay", json={}, headers={"Idempotency-Key": "shared"}).get_json()
    assert mine != theirs
