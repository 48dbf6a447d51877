"""Logs are JSON with a request id and never carry PII or secrets."""

from __future__ import annotations

import json
import logging

import structlog

from empower_api.observability import redact_processor, redact_text


def test_redaction_scrubs_emails_phones_and_tokens():
    text = ("mail ana.perez@example.org call +1 (415) 555-0134 "
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig Bearer abc.def")
    cleaned = redact_text(text)
    for secret in ("ana.perez@example.org", "555-0134", "eyJhbGci", "abc.def"):
        assert secret not in cleaned


def test_sensitive_keys_are_redacted_whole():
    event = redact_processor(None, "info", {
        "event": "x", "password": "hunter2-long-pass", "nested": {"email": "x@y.org"},
        "refresh_token": "opaque", "user_id": "5d1c"})
    assert event["password"] == "[redacted]"
    assert event["nested"]["email"] == "[redacted]"
    assert event["refresh_token"] == "[redacted]"
    assert event["user_id"] == "5d1c"


def test_log_lines_are_json_with_request_id(client, caplog_json):
    client.get("/healthz", headers={"X-Request-ID": "req-42"})
    lines = [line for line in caplog_json() if line.get("event") == "request"]
    assert lines and lines[-1]["request_id"] == "req-42"
    assert lines[-1]["status"] == 200


def test_stdlib_logger_output_is_redacted(caplog_json):
    logging.getLogger("some.library").warning("user ana@example.org failed with +14155550134")
    structlog.get_logger("x").info("hello", email="ana@example.org", note="call +14155550134")
    text = json.dumps(caplog_json())
    assert "ana@example.org" not in text
    assert "4155550134" not in text
