"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Schemathesis (a library here, inside pytest) generates requests from the document,
valid and invalid, and sends them to the WSGI app in process as each of: anonymous,
survivor, employer member and staff, signed in through the real log-in endpoints
(tests/factories/world.py). A generated path id is replaced by the real id of the
demo world's object of that name (the survivor's application, savings group,
enrollment...) so requests reach deep states instead of stopping at 404; invalid path
values (not a UUID) are left as generated.

Each example runs in a savepoint that is rolled back, so every example starts from the
same world, and generation is derandomized with a fixed seed: a run is reproducible.

Budget: ``FUZZ_MAX_EXAMPLES`` examples per operation and caller in the fuzzing phase
(default 3 in ``make test``; ``make fuzz`` raises it), plus each operation's documented
examples.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis import checks as st_checks

from tests.factories.world import World

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"
SEED = int(os.environ.get("FUZZ_SEED", "20261129"))

SERVER_OK = ["2xx", "3xx", "4xx"]
CALLERS = ("anonymous", "survivor", "employer", "staff")
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.negative_data_rejection,
]


def fuzz_config(*, stateful: bool = False,
                parameters: dict[str, str] | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "base-url": "http://localhost",
        **({"parameters": parameters} if parameters else {}),
        "generation": {"mode": "positive" if stateful else "all",
                       "max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none", "allow-x00": False,
                       # The callers' real tokens are sent; no generated Authorization.
                       "with-security-parameters": False,
                       # Deliberately lenient: unknown query parameters are ignored (cache
                       # busters, tracking added by proxies), so a negative case made only
                       # of an extra one (``?=true``) is not expected to be refused.
                       "allow-extra-parameters": False},
        # The coverage phase (boundary values, every missing field) runs in ``make fuzz``.
        "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": stateful}},
        "operations": [
            # Deliberate 5xx answers of this test environment, documented on the operation:
            # Stripe is a closed local port here, so a Stripe payout account is refused
            # with 502 stripe_unavailable (tests/grants cover it with the Stripe stub) ...
            {"include-operation-id": "grants_payout_account_view_post",
             "checks": {"not_a_server_error": {"expected-statuses": [*SERVER_OK, "502"]}}},
            # ... and no webhook secret is configured, which answers 503 (not a crash).
            {"include-operation-id": "grants_stripe_webhook_post",
             "checks": {"not_a_server_error": {"expected-statuses": [*SERVER_OK, "503"]}}},
        ],
    })


def app_document() -> dict[str, Any]:
    """The document the app serves at /api/v1/openapi.json (no database needed)."""
    from empower_api import create_app
    from tests.conftest import make_config

    with create_app(make_config(DATABASE_URL="sqlite://")).test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


DOCUMENT = app_document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=fuzz_config())


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def run(case: Any, app: Flask, world: World) -> None:
    """Send ``case`` as each caller, each in a rolled-back savepoint, and apply every check.

    One generated case is sent four times (anonymous, survivor, employer, staff): the
    generation cost is paid once and every caller meets the same inputs.
    """
    for name, value in list((case.path_parameters or {}).items()):
        if name in world.ids and (is_uuid(value) or name == "purpose"):
            case.path_parameters[name] = world.ids[name]
    connection = app.extensions["empower_db"]["sessionmaker"].kw["bind"]
    for caller in CALLERS:
        nested = connection.begin_nested()
        try:
            # The WSGI transport does not undo gzip (Flask-Compress answers Accept-Encoding).
            headers = {**world.headers(caller), "Accept-Encoding": "identity"}
            response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
            if os.environ.get("FUZZ_TRACE"):
                print("TRACE", caller, case.method, case.formatted_path, response.status_code)
        finally:
            nested.rollback()


@schema.parametrize()
def test_fuzz(case: Any, app: Flask, world: World) -> None:
    run(case, app, world)


# --- Stateful: sequences that follow the document's links -----------------------------

STATEFUL_SCENARIOS = int(os.environ.get("FUZZ_STATEFUL_SCENARIOS", "12"))
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))
STAFF_OPERATIONS = {"training_courses_post"}
WALK_CALLERS = {"applications_messages_post": "survivor", "applications_messages_get": "survivor",
                "training_verify_credential_post": "anonymous",
                "accounts_login_post": "anonymous", "accounts_register_post": "anonymous"}
EMPLOYER_OPERATIONS = {"jobs_employers_post", "jobs_jobs_post", "jobs_job_item_patch",
                       "applications_status_change_post", "applications_notes_post"}


def acting_caller(path: str, operation_id: str) -> str:
    """Who takes this step of a workflow: staff for staff and admin operations (vetting,
    completing an enrollment, deciding a grant), the employer for what an organisation
    does (post, move an application), else the survivor (apply, enroll, save, message)."""
    if WALK_CALLERS.get(operation_id):
        return WALK_CALLERS[operation_id]
    if path.startswith(("/api/v1/staff/", "/api/v1/admin/")) or \
            operation_id in STAFF_OPERATIONS:
        return "staff"
    if operation_id in EMPLOYER_OPERATIONS:
        return "employer"
    return "survivor"


def test_stateful_workflows(app: Flask, world: World) -> None:
    """Schemathesis's state machine walks the links (apidoc.LINKS) from the demo world:
    savings group → meeting → transaction → ledger; employer → vetting → posting →
    application → status → messages; course → enrollment → completion → verification;
    program → application → approvals → disbursement. Each step is taken by the caller
    whose step it is; each scenario is rolled back."""
    from hypothesis import HealthCheck, settings

    connection = app.extensions["empower_db"]["sessionmaker"].kw["bind"]
    steps: list[tuple[str, str, int]] = []

    from empower_api.apidoc import LINKS

    # The workflows' operations only, valid inputs only, and the demo world's ids where a
    # step does not take them from an earlier answer (so a walk can start deep).
    linked = {source for source, _status in LINKS} | {
        link["operationId"] for links in LINKS.values() for link in links.values()}
    parameters = {f"path.{name}": value for name, value in world.ids.items()}
    stateful = schemathesis.openapi.from_dict(
        DOCUMENT, config=fuzz_config(stateful=True, parameters=parameters)
    ).include(operation_id=sorted(linked))

    class Workflows(stateful.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self._savepoint = connection.begin_nested()
            steps.append(("--", "scenario", 0))

        def teardown(self) -> None:
            self._savepoint.rollback()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            caller = acting_caller(case.path, case.operation.definition.raw.get("operationId"))
            return {"app": app, "headers": {**world.headers(caller),
                                            "Accept-Encoding": "identity"}}

        def after_call(self, response: Any, case: Any) -> None:
            steps.append((case.method, case.path, response.status_code))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflows.run(settings=settings(
        max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS,
        derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck)))
    if os.environ.get("FUZZ_TRACE"):
        for step in steps:
            print("STEP", *step)
    reached = {(method, path) for method, path, status in steps if 0 < status < 300}
    assert len(steps) >= STATEFUL_SCENARIOS
    assert reached, "no step of any workflow succeeded"


# --- The four workflows, walked through the document's own links ----------------------

WORKFLOWS = {
    "savings": ("POST", "/api/v1/savings/groups",
                ["RecordMeeting", "RecordTransaction", "ReadLedger"]),
    "jobs": ("POST", "/api/v1/employers",
             ["Vet", "PostJob", "Apply", "ChangeStatus", "Message", "ReadMessages"]),
    "training": ("POST", "/api/v1/courses", ["Enroll", "Complete", "Verify"]),
    "grants": ("POST", "/api/v1/staff/grant-programs",
               ["Apply", "Decide", "Disbursements", "MarkPaid"]),
    "accounts": ("POST", "/api/v1/auth/register", ["LogIn"]),
}

def evaluate(expression: Any, request: dict[str, Any], response: Any) -> Any:
    """An OpenAPI runtime expression (``$response.body#/a/0``, ``$request.path.x``,
    ``$request.body#/x``) against the previous step; anything else is a literal."""
    if isinstance(expression, dict):
        return {key: evaluate(value, request, response) for key, value in expression.items()}
    if isinstance(expression, list):
        return [evaluate(value, request, response) for value in expression]
    if not isinstance(expression, str) or not expression.startswith("$"):
        return expression
    if expression.startswith("$request.path."):
        return request["path"][expression.removeprefix("$request.path.")]
    source, _, pointer = expression.partition("#")
    value = response if source == "$response.body" else request["body"]
    for part in filter(None, pointer.split("/")):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def find_operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return method.upper(), path, operation
    raise AssertionError(f"a link names an unknown operation {operation_id}")


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_workflow_follows_the_documents_links(workflow: str, app: Flask, world: World) -> None:
    """Start each workflow with a realistic request, then follow the named links of each
    answer exactly as the document states them, each step as the caller whose step it is;
    every step must succeed and pass every check."""
    from tests.authz.requests import body_for

    method, path, names = WORKFLOWS[workflow]
    operation = DOCUMENT["paths"][path][method.lower()]
    request: dict[str, Any] = {
        "path": {}, "body": body_for(f"{method} {path}", None, world, "survivor")}
    taken: list[tuple[str | None, str, int]] = []
    status, answer = call_step(app, world, method, path, operation, request, taken, None)
    for name in names:
        link = operation["responses"][status]["links"][name]
        method, path, operation = find_operation(link["operationId"])
        base = body_for(f"{method} {path}", None, world, "survivor") or {}
        body = {**base, **evaluate(link.get("requestBody", {}), request, answer)}
        request = {"path": {key: evaluate(value, request, answer)
                            for key, value in link.get("parameters", {}).items()},
                   "body": body if "requestBody" in operation else None}
        status, answer = call_step(app, world, method, path, operation, request, taken, name)
    assert len(taken) == len(names) + 1, (workflow, taken)


def call_step(app: Flask, world: World, method: str, path: str, operation: dict[str, Any],
              request: dict[str, Any], taken: list[Any], name: str | None) -> tuple[str, Any]:
    """One step of a workflow, as the caller whose step it is, with every check."""
    caller = acting_caller(path, operation["operationId"])
    has_body = request["body"] is not None
    case = schema[path][method].Case(
        path_parameters=request["path"] or None,
        body=request["body"] if has_body else schemathesis.core.NOT_SET,
        media_type="application/json" if has_body else None)
    headers = {**world.headers(caller), "Accept-Encoding": "identity",
               "X-Access-Reason": "workflow check"}
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    taken.append((name, caller, response.status_code))
    assert response.status_code < 300, (taken, response.text[:300])
    return str(response.status_code), (response.json() if response.content else None)
