"""A live app for the console's browser tests, in a process of its own.

``python -m tests.console.e2e_server DATABASE_URL PORT`` builds the app with the test
settings on an empty database, adds the people and cases the browser flows need through
the project's services and factories (real commits), prints one JSON line describing
them, then serves HTTP on 127.0.0.1:PORT (0: any free port, printed) until killed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyotp
from werkzeug.serving import make_server

from empower_api import create_app
from empower_api.accounts import staff as staff_accounts
from empower_api.db import db
from empower_api.grants import applications
from empower_api.jobs.models import VettingStatus
from tests.conftest import make_config, reset_schema
from tests.factories.accounts import make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program
from tests.factories.jobs import make_employer, make_job
from tests.factories.moderation import hide_by_reports

PASSWORD = "staff-password-long"
STAFF = ["vetting", "first", "second", "payout", "records"]


def seed(session: Any) -> dict[str, Any]:
    people: dict[str, Any] = {}
    for name in [*STAFF, "admin"]:
        email = f"{name}@console-e2e.example"
        made = staff_accounts.create_staff_account(session, email=email, password=PASSWORD,
                                                   admin=name == "admin")
        people[name] = {"email": email, "secret": pyotp.parse_uri(made.otpauth_uri).secret,
                        "id": str(made.user.id)}
        admin = made.user
    employer = make_employer(session, status=VettingStatus.PENDING, name="Harbor Bakery Co-op")
    job = make_job(session, make_employer(session, name="Quick Cash Staffing"),
                   title="Overseas hostess, travel paid")
    hide_by_reports(session, job)
    program = make_program(session, name="Fresh Start", budget_amount=100_000,
                           max_award_amount=30_000, dual_approval_threshold_amount=20_000)
    large_applicant = make_survivor(session, alias="brightpath")
    make_payout_account(session, large_applicant)
    large = make_application(session, program, large_applicant, amount=25_000)
    small_applicant = make_survivor(session, alias="harbor7", region="Lagos", city="Ikeja",
                                    languages=["yo", "en"], skills=["sewing"])
    make_payout_account(session, small_applicant)
    small = make_application(session, program, small_applicant, amount=8_000)
    session.flush()
    applications.decide(session, actor=admin, application_id=small.id, decision="approve",
                        approved_amount=None, note="Small tools grant.")
    return {"staff": people, "password": PASSWORD, "employer_id": str(employer.id),
            "job_id": str(job.id), "large_application_id": str(large.id),
            "survivor_id": str(small_applicant.id), "survivor_alias": "harbor7"}


def main() -> None:
    database_url, port = sys.argv[1], int(sys.argv[2])
    app = create_app(make_config(DATABASE_URL=database_url))
    reset_schema(app)
    with app.app_context():
        described = seed(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    described["url"] = f"http://127.0.0.1:{server.server_port}"
    sys.stdout.write(json.dumps(described) + "\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
