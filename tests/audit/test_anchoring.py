"""Anchoring the chain: a checkpoint kept outside the database catches a rewrite."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import delete, select, update

from empower_api.audit import service as audit
from empower_api.audit.models import AuditEvent


def _events(session):
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def _record_some(session, n=5):
    for i in range(n):
        audit.record(session, action="test.decision", subject_id=i, data={"n": i})
    session.commit()


def invoke(app, *args):
    """Run a command; it shares the test's app context, so close the session it opened
    (its savepoint) before the test's own session goes on."""
    result = app.test_cli_runner().invoke(args=list(args))
    session = g.pop("_db_session", None) if has_app_context() else None
    if session is not None:
        session.close()
    return result


def _checkpoint(app):
    result = invoke(app, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _rewrite_from(session, seq, data):
    """Change one event and recompute every later hash: each link stays consistent."""
    prev = None
    for event in _events(session):
        if prev is not None:
            event.prev_hash = prev
        if event.seq == seq:
            event.data = data
        event.hash = audit._digest(event)
        prev = event.hash
    session.commit()


def test_checkpoint_prints_head_hash_and_count(app, session):
    _record_some(session)
    events = _events(session)
    assert _checkpoint(app) == f"{events[-1].hash}:{len(events)}"


def test_tampering_with_a_middle_row_is_detected(app, session):
    _record_some(session)
    middle = _events(session)[-3]
    session.execute(update(AuditEvent).where(AuditEvent.seq == middle.seq)
                    .values(reason="edited afterwards"))
    session.commit()
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"broken at event {middle.seq}" in result.output


def test_a_consistently_rewritten_chain_is_caught_by_against(app, session):
    _record_some(session)
    anchor = _checkpoint(app)
    middle = _events(session)[-3]
    _rewrite_from(session, middle.seq, {"n": 999})
    plain = invoke(app, "audit", "verify")
    assert plain.exit_code == 0, plain.output  # every link holds on its own
    anchored = invoke(app, "audit", "verify", "--against", anchor)
    assert anchored.exit_code == 1
    assert "rewritten" in anchored.output


def test_an_older_checkpoint_still_holds_as_the_chain_grows(app, session):
    _record_some(session, 2)
    anchor = _checkpoint(app)
    _record_some(session, 3)
    result = invoke(app, "audit", "verify", "--against", anchor)
    assert result.exit_code == 0, result.output
    assert "checkpoint" in result.output


def test_deleting_the_newest_events_is_caught_by_the_count(app, session):
    _record_some(session)
    anchor = _checkpoint(app)
    last = _events(session)[-1]
    session.execute(delete(AuditEvent).where(AuditEvent.seq == last.seq))
    session.commit()
    assert invoke(app, "audit", "verify").exit_code == 0
    result = invoke(app, "audit", "verify", "--against", anchor)
    assert result.exit_code == 1 and "deleted" in result.output


def test_a_malformed_checkpoint_is_a_usage_error(app):
    result = invoke(app, "audit", "verify", "--against", "abc:x")
    assert result.exit_code == 2 and "--against" in result.output
