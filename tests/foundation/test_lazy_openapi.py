"""The OpenAPI document is written when first read, not during create_app()."""

from __future__ import annotations

from empower_api import create_app
from empower_api.extensions import api
from tests.conftest import make_config


def test_create_app_defers_the_document_and_the_first_read_completes_it():
    app = create_app(make_config())
    assert api.__dict__["_pending_docs"], "blueprints were documented during create_app()"
    assert "/api/v1/jobs" in [rule.rule for rule in app.url_map.iter_rules()]

    document = api.spec.to_dict()
    assert api.__dict__["_pending_docs"] == []
    assert {"/api/v1/jobs", "/api/v1/me"} <= set(document["paths"])
    assert "jobs" in {tag["name"] for tag in document["tags"]}
    # Reading again documents nothing twice.
    assert api.spec.to_dict() == document

    served = app.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.get_json()["paths"].keys() == document["paths"].keys()
