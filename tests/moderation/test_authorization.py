"""Who may call which moderation and survivor-control endpoint: one table.

Callers (issue 9): a survivor, another survivor, a member of the posting's employer,
a member of another employer, staff, and no token. Each cell runs on fresh objects.
"""

from __future__ import annotations

import pytest

from tests.factories.accounts import make_staff, make_survivor
from tests.factories.jobs import make_employer, make_job, owner_of
from tests.factories.moderation import hide_by_reports

API = "/api/v1"
CALLERS = ("survivor", "other_survivor", "member", "other_employer", "staff", "anonymous")

# (method, path template, body, expected status per caller, in CALLERS order)
TABLE = [
    ("POST", "/jobs/{job}/reports", {"reason": "unsafe", "details": "x"},
     (201, 201, 201, 201, 201, 401)),
    ("GET", "/staff/moderation", None, (403, 403, 403, 403, 200, 401)),
    ("POST", "/staff/jobs/{hidden}/moderation", {"decision": "restore"},
     (403, 403, 403, 403, 200, 401)),
    ("PUT", "/me/blocked-employers/{employer}", None, (204, 204, 403, 403, 403, 401)),
    ("DELETE", "/me/blocked-employers/{employer}", None, (204, 204, 403, 403, 403, 401)),
    ("GET", "/me/blocked-employers", None, (200, 200, 403, 403, 403, 401)),
    ("PUT", "/me/excluded-categories", {"categories": ["care"]},
     (200, 200, 403, 403, 403, 401)),
    ("GET", "/me/excluded-categories", None, (200, 200, 403, 403, 403, 401)),
    ("GET", "/job-categories", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/jobs", None, (200, 200, 200, 200, 200, 200)),
]

CELLS = [(method, template, body, caller, status)
         for method, template, body, expected in TABLE
         for caller, status in zip(CALLERS, expected, strict=True)]


@pytest.mark.parametrize(("method", "template", "body", "caller", "expected"), CELLS,
                         ids=[f"{m} {t} {c}" for m, t, _b, c, _s in CELLS])
def test_authorization_table(session, client, auth_client, method, template, body, caller,
                             expected):
    employer = make_employer(session)
    job = make_job(session, employer)
    hidden = make_job(session, employer)
    hide_by_reports(session, hidden)
    users = {"survivor": make_survivor(session), "other_survivor": make_survivor(session),
             "member": owner_of(session, employer),
             "other_employer": owner_of(session, make_employer(session)),
             "staff": make_staff(session)}
    session.commit()
    who = client if caller == "anonymous" else auth_client(users[caller])
    path = API + template.format(job=job.id, hidden=hidden.id, employer=employer.id)
    response = who.open(path, method=method, json=body)
    assert response.status_code == expected, (caller, response.get_data(as_text=True))


def test_table_covers_every_route_of_the_moderation_blueprint(app):
    served = {(method, rule.rule.removeprefix(API))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("moderation.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(m, t.replace("{job}", "<uuid:job_id>").replace("{hidden}", "<uuid:job_id>")
               .replace("{employer}", "<uuid:employer_id>")) for m, t, _b, _e in TABLE}
    assert served <= listed, served - listed


