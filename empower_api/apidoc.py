"""A complete OpenAPI document without per-endpoint work.

An apispec plugin completes every operation as flask-smorest registers it, from what
the code already says:

- ``operationId``: ``<blueprint>_<view in snake_case>_<method>``, stable while the
  view keeps its name;
- ``description``: the docstring after its first line, else a sentence built from
  the summary and who may call it;
- error responses, as ``application/problem+json``: 401 (and 403) from
  ``auth_required``, 404 from a path parameter, 409 on every write (duplicates,
  state conflicts and concurrent changes all answer 409), 422 from
  ``@blp.arguments``, 429 from a Flask-Limiter limit; any other error status a view
  declares (``@blp.alt_response(428, …)``) gets the problem body too;
- an ``example`` on every request and response schema, generated from its fields
  unless a field or schema gives one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from apispec import APISpec, BasePlugin
from flask_limiter.util import get_qualified_name

from empower_api.errors import STATUS_CODES, problem_type

if TYPE_CHECKING:
    from flask_smorest import Api

WRITE_METHODS = {"post", "put", "patch", "delete"}
PROBLEM_MEDIA_TYPE = "application/problem+json"

# Status → (response component name, description): one component per error status.
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is not valid JSON."),
    401: ("Unauthorized", "No valid access token (missing, expired, revoked or malformed)."),
    403: ("Forbidden", "Signed in, but this account may not do this (its role, or this "
                       "object is not its own)."),
    404: ("NotFound", "No such object, or not one the caller may see."),
    409: ("Conflict", "Conflicts with the current state: a duplicate, an object in the wrong "
                      "state, or a concurrent change (retry). `code` says which."),
    413: ("PayloadTooLarge", "The body is larger than 1 MiB."),
    415: ("UnsupportedMediaType", "Send the body as application/json."),
    422: ("ValidationError", "A value is not valid: `errors` maps each field to messages."),
    428: ("PreconditionRequired", "A required header is missing: `detail` names it."),
    429: ("RateLimited", "Too many requests: wait for `Retry-After` seconds."),
    503: ("Unavailable", "A dependency (the database) does not answer: retry shortly."),
}

# Examples for string fields, by field name then by format.
NAMED_EXAMPLES: dict[str, Any] = {
    "alias": "morningstar", "password": "a-long-pass-phrase",
    "new_password": "another-long-pass-phrase", "current_password": "a-long-pass-phrase",
    "login": "morningstar", "email": "person@example.org", "phone": "+15551234567",
    "currency": "USD", "country": "GB", "region": "Greater London", "city": "London",
    "locale": "en", "language": "en", "languages": ["en", "es"], "cursor": None,
    "next_cursor": None, "device_label": "Android phone", "title": "Bakery assistant",
    "name": "Riverside Bakery", "note": "Checked the safe-workplace policy.",
    "recovery_code": "k7q2-9xhp-m3tz", "access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig",
    "refresh_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "token_type": "Bearer",
    "website": "https://bakery.example.org", "description": "Early shifts, paid training.",
    "role": "survivor", "display_name": "Sam",
}
FORMAT_EXAMPLES: dict[str, Any] = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "date-time": "2026-03-01T09:30:00Z",
    "date": "2026-03-01", "email": "person@example.org", "uri": "https://example.org",
    "url": "https://example.org", "ipv4": "192.0.2.1",
}
# OpenAPI links: what a client does next with an answer. A reader sees the workflows, and
# a stateful fuzzer (tests/fuzz) follows them to run real sequences. Keyed by the source
# operation and status; values use OpenAPI runtime expressions.
LINKS: dict[tuple[str, int], dict[str, dict[str, Any]]] = {
    # Accounts: register, then sign in with what was sent.
    ("accounts_register_post", 201): {"LogIn": {
        "operationId": "accounts_login_post",
        "requestBody": {"login": "$request.body#/alias", "password": "$request.body#/password"}}},
    # Savings: group → meeting (the creator attends) → transaction → ledger.
    ("savings_groups_post", 201): {
        "RecordMeeting": {"operationId": "savings_meetings_post",
                          "parameters": {"group_id": "$response.body#/id"},
                          "requestBody": {"attendee_ids": ["$response.body#/my_member_id"]}},
        "ReadLedger": {"operationId": "savings_ledger_get",
                       "parameters": {"group_id": "$response.body#/id"}}},
    ("savings_meetings_post", 201): {"RecordTransaction": {
        "operationId": "savings_transactions_post",
        "parameters": {"group_id": "$response.body#/group_id"},
        "requestBody": {"meeting_id": "$response.body#/id",
                        "member_id": "$response.body#/attendee_ids/0",
                        "type": "share_purchase", "shares": 1}}},
    ("savings_transactions_post", 201): {
        "ReadLedger": {"operationId": "savings_ledger_get",
                       "parameters": {"group_id": "$response.body#/group_id"}},
        "ReadTransaction": {"operationId": "savings_transaction_item_get",
                            "parameters": {"group_id": "$response.body#/group_id",
                                           "transaction_id": "$response.body#/id"}}},
    # Jobs: employer → vetting → posting → application → status → messages.
    ("jobs_employers_post", 201): {"Vet": {
        "operationId": "jobs_vetting_post", "parameters": {"employer_id": "$response.body#/id"},
        "requestBody": {"decision": "approve", "note": "Checked the commitments."}}},
    ("jobs_vetting_post", 200): {"PostJob": {
        "operationId": "jobs_jobs_post",
        "requestBody": {"employer_id": "$request.path.employer_id"}}},
    ("jobs_jobs_post", 201): {"Apply": {
        "operationId": "applications_job_applications_post",
        "parameters": {"job_id": "$response.body#/id"}}},
    ("applications_job_applications_post", 201): {"ChangeStatus": {
        "operationId": "applications_status_change_post",
        "parameters": {"application_id": "$response.body#/id"},
        "requestBody": {"status": "viewed"}}},
    ("applications_status_change_post", 200): {"Message": {
        "operationId": "applications_messages_post",
        "parameters": {"application_id": "$request.path.application_id"}}},
    ("applications_messages_post", 201): {"ReadMessages": {
        "operationId": "applications_messages_get",
        "parameters": {"application_id": "$request.path.application_id"}}},
    # Training: course → enrollment → completion (a credential) → verification.
    ("training_courses_post", 201): {"Enroll": {
        "operationId": "training_course_enrollments_post",
        "parameters": {"course_id": "$response.body#/id"}}},
    ("training_course_enrollments_post", 201): {"Complete": {
        "operationId": "training_staff_complete_post",
        "parameters": {"enrollment_id": "$response.body#/id"}}},
    ("training_staff_complete_post", 201): {
        "Verify": {"operationId": "training_verify_credential_post",
                   "requestBody": {"jws": "$response.body#/credential/jws"}},
        "Share": {"operationId": "training_share_credential_get",
                  "parameters": {"credential_id": "$response.body#/credential/id"}}},
    # Grants: program → application → approval(s) → disbursement handed over.
    ("grants_staff_programs_post", 201): {"Apply": {
        "operationId": "grants_program_applications_post",
        "parameters": {"program_id": "$response.body#/id"}}},
    ("grants_program_applications_post", 201): {"Decide": {
        "operationId": "grants_decision_view_post",
        "parameters": {"application_id": "$response.body#/id"},
        "requestBody": {"decision": "approve", "note": "A clear plan."}}},
    ("grants_decision_view_post", 200): {
        "SecondApproval": {"operationId": "grants_decision_view_post",
                           "parameters": {"application_id": "$request.path.application_id"},
                           "requestBody": {"decision": "approve", "note": "Agreed."}},
        "Disbursements": {"operationId": "grants_staff_disbursements_get"}},
    ("grants_staff_disbursements_get", 200): {"MarkPaid": {
        "operationId": "grants_mark_paid_post",
        "parameters": {"disbursement_id": "$response.body#/items/0/id"},
        "requestBody": {"reference": "Cash handed over at the office."}}},
}
MAX_DEPTH = 5
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def utc_datetime_properties(_converter: Any, field: Any, **_kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a ``UtcDateTime`` is an RFC 3339 ``date-time``, and
    ``null`` too when the field allows None (``closed_at`` of an open posting): the
    nullable type apispec derived earlier must not be overwritten by a plain string."""
    from empower_api.timefmt import UtcDateTime

    if isinstance(field, UtcDateTime):
        return {"type": ["string", "null"] if field.allow_none else "string",
                "format": "date-time"}
    return {}


def snake(name: str) -> str:
    """``SavedSearchItem`` → ``saved_search_item``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def problem_example(status: int) -> dict[str, Any]:
    code = STATUS_CODES[status]
    example: dict[str, Any] = {"type": problem_type(code), "title": code.replace("_", " "),
                               "status": status, "detail": ERROR_RESPONSES[status][1],
                               "code": code}
    if status == 422:
        example["errors"] = {
            "limit": ["Must be greater than or equal to 1 and less than or equal to 100."]}
    return example


def plain(value: Any) -> Any:
    """JSON-ready: enum members as their values (a schema's default may be a StrEnum), and
    no ``format: null`` or ``pattern: null`` (what apispec writes for custom datetimes)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()
                if not (key in ("format", "pattern") and item is None)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def example_for(schema: Mapping[str, Any], components: Mapping[str, Any], *,
                name: str = "", depth: int = 0) -> Any:
    """An example value of an OpenAPI schema, from its fields (refs resolved)."""
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "$ref" in schema:
        target = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return example_for(target, components, name=name, depth=depth + 1) \
            if depth < MAX_DEPTH else {}
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return example_for(schema[key][0], components, name=name, depth=depth)
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), None)
    if schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if name in NAMED_EXAMPLES and kind in ("string", "array"):
        return NAMED_EXAMPLES[name]
    if kind == "object":
        if depth >= MAX_DEPTH:
            return {}
        return {key: example_for(value, components, name=key, depth=depth + 1)
                for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        item = example_for(schema.get("items", {}), components, name=name, depth=depth + 1)
        return [item] if depth < MAX_DEPTH else []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1) if "maximum" not in schema or \
            schema["maximum"] >= 1 else int(schema["maximum"])
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if schema.get("format") in FORMAT_EXAMPLES:
        return FORMAT_EXAMPLES[schema["format"]]
    for suffix, fmt in (("_at", "date-time"), ("_on", "date"), ("_id", "uuid")):
        if name.endswith(suffix):
            return FORMAT_EXAMPLES[fmt]
    text = name.replace("_", "-") or "text"
    minimum = int(schema.get("minLength", 0))
    return (text * (minimum // max(len(text), 1) + 1))[:max(minimum, len(text))]


class CompleteOperationsPlugin(BasePlugin):
    """Completes each operation of the document (see the module docstring)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        from empower_api.extensions import ProblemSchema

        for status, (name, description) in ERROR_RESPONSES.items():
            response: dict[str, Any] = {
                "description": description,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": ProblemSchema,
                                                 "example": problem_example(status)}},
            }
            if status == 429:
                response["headers"] = RETRY_AFTER
            spec.components.response(name, response, lazy=True)

    def schema_helper(self, name: str, definition: dict[str, Any],
                      **kwargs: Any) -> dict[str, Any]:
        # Enum choices and defaults come as StrEnum members: write their values.
        return plain(definition)

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if not operations or rule is None or self.spec is None:
            return
        blueprint, _, view = rule.endpoint.partition(".")
        limited = self._limited_methods(rule.endpoint)
        for method, operation in operations.items():
            operation.setdefault("operationId", f"{blueprint}_{snake(view)}_{method}")
            if "parameters" in operation:
                operation["parameters"] = plain(operation["parameters"])
            responses = operation.setdefault("responses", {})
            wanted: set[int] = set()
            if operation.get("security"):
                wanted |= {401, 403}
            elif "security" in operation:  # optional sign-in: a bad token is still refused
                wanted.add(401)
            if path and "{" in path:
                wanted.add(404)
            if method in WRITE_METHODS:
                wanted.add(409)
            if "422" in responses or 422 in responses or any(
                    p.get("in") == "header" for p in operation.get("parameters", [])
                    if isinstance(p, dict)):
                wanted.add(422)  # a declared header is checked too (X-Access-Reason)
            if limited is not None and (not limited or method in limited):
                wanted.add(429)
            for status in wanted:
                declared = responses.pop(status, None) or responses.pop(str(status), None)
                responses[str(status)] = self._problem_response(status, declared)
            for status in [s for s in list(responses) if str(s).isdigit() and int(s) >= 400]:
                declared = responses.pop(status)
                responses[str(status)] = self._problem_response(int(status), declared)
            operation.setdefault("description", self._description(operation, wanted))
            self._add_examples(operation)
            self._body_required_only_with_required_fields(operation)
            self._add_links(operation["operationId"], responses)

    def _limited_methods(self, endpoint: str) -> set[str] | None:
        """None: no limit; an empty set: every method; else the limited methods."""
        app = self.api._app
        view = app.view_functions.get(endpoint) if app is not None else None
        if view is None:
            return None
        from empower_api.extensions import limiter

        # Flask-Limiter keeps decorated limits by the view's qualified name.
        groups = limiter.limit_manager._decorated_limits.get(get_qualified_name(view))
        if not groups:
            return None
        methods: set[str] = set()
        for group in groups:
            if not getattr(group, "methods", None):
                return set()
            methods |= {m.lower() for m in group.methods}
        return methods

    def _problem_response(self, status: int, declared: Any) -> Any:
        """The response for an error status: what the view declared, given the problem
        body if it has none (its own description kept), else the shared component."""
        if isinstance(declared, dict) and "content" in declared:
            return declared
        if isinstance(declared, dict) and declared.get("description"):
            from empower_api.extensions import ProblemSchema

            ref = self.api.ma_plugin.resolver.resolve_schema_dict(ProblemSchema)
            example = problem_example(status) if status in ERROR_RESPONSES else None
            media: dict[str, Any] = {"schema": ref}
            if example is not None:
                media["example"] = example
            response = {**declared, "content": {PROBLEM_MEDIA_TYPE: media}}
            if status == 429:
                response.setdefault("headers", RETRY_AFTER)
            return response
        if status in ERROR_RESPONSES:
            return ERROR_RESPONSES[status][0]
        return declared

    @staticmethod
    def _description(operation: Mapping[str, Any], wanted: set[int]) -> str:
        summary = operation.get("summary", "").rstrip(".")
        if operation.get("security"):
            access = "Needs an access token (`Authorization: Bearer <token>`)."
        elif operation.get("security") == []:
            access = "Public; an access token, if sent, may show more."
        else:
            access = "Public: no account needed."
        limited = " Rate-limited per client (429 with `Retry-After`)." if 429 in wanted else ""
        return f"{summary}. {access}{limited}".lstrip(". ")

    def _body_required_only_with_required_fields(self, operation: dict[str, Any]) -> None:
        """A body whose fields are all optional may be left out: the view then gets ``{}``
        (webargs reads a missing JSON body as empty), so ``PATCH /me`` with no body is a
        valid no-op. The document said ``required: true`` for every body (found by the
        fuzzer, which sent none and was answered 200)."""
        assert self.spec is not None
        body = operation.get("requestBody")
        if not isinstance(body, dict) or not body.get("required"):
            return
        for media in body.get("content", {}).values():
            schema = media.get("schema") or {}
            ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
            target = self.spec.components.schemas.get(ref.rsplit("/", 1)[-1]) if ref else schema
            if not isinstance(target, dict) or target.get("required") or \
                    target.get("type", "object") != "object":
                return
        body["required"] = False

    @staticmethod
    def _add_links(operation_id: str, responses: dict[str, Any]) -> None:
        """The ``LINKS`` of this operation, on its success responses."""
        for (source, status), links in LINKS.items():
            response = responses.get(str(status), responses.get(status))
            if source == operation_id and isinstance(response, dict):
                response["links"] = {name: dict(link) for name, link in links.items()}

    def _add_examples(self, operation: Mapping[str, Any]) -> None:
        assert self.spec is not None
        components = self.spec.components.schemas
        if "Problem" in components:
            components["Problem"].setdefault("example", problem_example(404))
        for schema in components.values():  # nested ones too
            schema.setdefault("example", plain(example_for(schema, components)))
        bodies = [operation.get("requestBody", {})]
        bodies += [r for r in operation.get("responses", {}).values() if isinstance(r, dict)]
        for body in bodies:
            for media in body.get("content", {}).values():
                schema = media.get("schema") or {}
                ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
                target = components.get(ref.rsplit("/", 1)[-1]) if ref else None
                if target is not None:
                    target.setdefault("example", plain(example_for(target, components)))
                elif isinstance(schema, dict) and schema and "example" not in media:
                    media["example"] = plain(example_for(schema, components))
