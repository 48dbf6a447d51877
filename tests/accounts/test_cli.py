"""Command-line: staff creation, PII key rotation, audit chain verification."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import String, select, type_coerce, update

from empower_api.accounts import service
from empower_api.accounts.models import User
from empower_api.audit import service as audit
from empower_api.audit.models import AuditEvent
from empower_api.security import crypto
from tests.conftest import TEST_CONFIG
from tests.factories.accounts import make_survivor


def test_create_staff_and_admin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-staff", "--email", "Lead@Org.example",
                                 "--password", "staff-password-long"])
    assert result.exit_code == 0, result.output
    admin = runner.invoke(args=["users", "create-staff", "--email", "root@org.example",
                                "--password", "admin-password-long", "--admin"])
    assert admin.exit_code == 0, admin.output
    roles = {u.email: u.role for u in session.scalars(select(User).where(
        User.email_index.in_([service.email_index("Lead@org.example"),
                              service.email_index("root@org.example")])))}
    assert roles == {"Lead@org.example": "staff", "root@org.example": "admin"}


def test_create_staff_refuses_weak_password_and_duplicates(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create-staff", "--email", "a@org.example",
                               "--password", "short"])
    assert weak.exit_code != 0 and "10 characters" in weak.output
    ok = runner.invoke(args=["users", "create-staff", "--email", "a@org.example",
                             "--password", "long-enough-pass"])
    assert ok.exit_code == 0
    dup = runner.invoke(args=["users", "create-staff", "--email", "a@org.example",
                              "--password", "long-enough-pass"])
    assert dup.exit_code != 0


def test_rotate_pii_keys_reencrypts_under_the_new_key(app, session):
    user = make_survivor(session, email="rotate@example.org", anonymous=False,
                         legal_name="Rota Tion")
    session.commit()
    old_key = TEST_CONFIG["PII_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    original = crypto.cipher()
    crypto.set_cipher(crypto.PiiCipher(f"{new_key},{old_key}", TEST_CONFIG["PII_INDEX_KEY"]))
    try:
        result = app.test_cli_runner().invoke(args=["keys", "rotate-pii"])
        assert result.exit_code == 0, result.output
        raw = session.execute(select(type_coerce(User.email, String)).where(
            User.id == user.id)).scalar_one()
        assert Fernet(new_key.encode()).decrypt(raw.encode()) == b"rotate@example.org"
        # Readable with the new key alone: the old one can be retired.
        crypto.set_cipher(crypto.PiiCipher(new_key, TEST_CONFIG["PII_INDEX_KEY"]))
        session.expire_all()
        assert session.get(User, user.id).legal_name == "Rota Tion"
    finally:
        crypto.set_cipher(original)


def test_audit_verify_passes_then_detects_tampering(app, session):
    for i in range(3):
        audit.record(session, action="test.decision", subject_id=i, data={"n": i})
    session.commit()
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    middle = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).all()[1]
    session.execute(update(AuditEvent).where(AuditEvent.seq == middle.seq)
                    .values(data={"n": 999}))
    session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert str(middle.seq) in broken.output
