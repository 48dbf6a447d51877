"""GET /impact: public, cached, consent-filtered, with small cells suppressed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from empower_api.consents.service import Purpose, set_consent
from empower_api.db import utcnow
from empower_api.impact import registry
from empower_api.impact.service import window
from empower_api.savings.models import TxType
from tests.factories.accounts import make_survivor
from tests.factories.jobs import make_employer, make_job
from tests.factories.savings import add_member, make_group, make_meeting, record

API = "/api/v1"


def impact(client: Any) -> dict[str, Any]:
    response = client.get(f"{API}/impact")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def this_month(body: dict[str, Any]) -> dict[str, Any]:
    month = utcnow().strftime("%Y-%m")
    found = [m for m in body["by_month"] if m["month"] == month]
    assert len(found) == 1
    return found[0]


def clear(app):
    app.extensions.pop("impact_cache", None)


def savers(session, count: int, *, consenting: int, shares: int = 1):
    """A group of ``count`` survivors who each bought ``shares`` shares (500 each) this
    month; the first ``consenting`` allow impact figures."""
    people = [make_survivor(session) for _ in range(count)]
    group = make_group(session, people[0])
    members = [add_member(session, group, p) if i else None for i, p in enumerate(people)]
    from tests.factories.savings import member_of

    members[0] = member_of(session, group, people[0])
    meeting = make_meeting(session, group, people[0])
    for member in members:
        record(session, group, people[0], meeting=meeting, member=member,
               type=TxType.SHARE_PURCHASE, shares=shares)
    for person in people[:consenting]:
        set_consent(session, user=person, purpose=Purpose.INCLUDE_IN_IMPACT_FIGURES,
                    granted=True)
    session.commit()
    return people, group


def test_impact_is_public_and_cacheable(client):
    response = client.get(f"{API}/impact")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    assert body["suppression_threshold"] == 5
    assert body["generated_at"].endswith("Z")
    assert len(body["by_month"]) == 12
    assert body["by_month"][-1]["month"] == utcnow().strftime("%Y-%m")


def consenting_survivor(session, *, consenting: bool = True):
    person = make_survivor(session)
    if consenting:
        set_consent(session, user=person, purpose=Purpose.INCLUDE_IN_IMPACT_FIGURES,
                    granted=True)
    return person


def test_applications_and_hires_count_consenting_applicants_only(app, session, client):
    from tests.factories.applications import make_application

    job = make_job(session, make_employer(session))
    for i in range(4):
        make_application(session, job, consenting_survivor(session),
                         status="hired" if i < 3 else "submitted")
    make_application(session, job, consenting_survivor(session, consenting=False),
                     status="hired")
    session.commit()
    body = impact(client)
    assert (body["applications"], body["hires"]) == (None, None)  # 4 and 3: suppressed
    for _ in range(2):
        make_application(session, job, consenting_survivor(session), status="hired")
    session.commit()
    clear(app)
    body = impact(client)
    assert (body["applications"], body["hires"]) == (6, 5)
    assert (this_month(body)["applications"], this_month(body)["hires"]) == (6, 5)


def test_grants_disbursed_are_summed_per_currency_over_five_consenting_recipients(
        app, session, client):
    from empower_api.grants.models import Disbursement, DisbursementStatus
    from tests.factories.grants import make_application as make_grant_application
    from tests.factories.grants import make_program

    program = make_program(session)
    now = utcnow()

    def paid(person, amount):
        application = make_grant_application(session, program, person, amount=amount)
        session.add(Disbursement(application_id=application.id, program_id=program.id,
                                 recipient_id=person.id,
                                 amount=amount, currency=program.currency, method="manual",
                                 status=DisbursementStatus.PAID, paid_at=now))
        session.flush()

    for _ in range(4):
        paid(consenting_survivor(session), 1_000)
    paid(consenting_survivor(session, consenting=False), 9_000)
    session.commit()
    assert impact(client)["grants_disbursed_amount"] == []  # 4 recipients: suppressed
    paid(consenting_survivor(session), 2_000)
    session.commit()
    clear(app)
    body = impact(client)
    assert body["grants_disbursed_amount"] == [{"currency": program.currency,
                                                "amount": 6_000}]


def test_a_count_of_four_is_null_and_five_is_shown(app, session, client):
    employer = make_employer(session)
    for _ in range(4):
        make_job(session, employer)
    make_job(session, employer, status="draft")  # never published: not counted
    session.commit()
    body = impact(client)
    assert body["jobs_published"] is None
    assert this_month(body)["jobs_published"] is None
    make_job(session, employer)
    session.commit()
    clear(app)
    body = impact(client)
    assert body["jobs_published"] == 5
    assert this_month(body)["jobs_published"] == 5


def test_only_consenting_survivors_are_counted_and_one_withdrawal_changes_the_figures(
        app, session, client, auth_client):
    people, _group = savers(session, 6, consenting=5, shares=2)
    body = impact(client)
    # Five consenting savers of 2 shares at 500: 5000; the sixth is not counted.
    assert body["total_saved_amount"] == [{"currency": "USD", "amount": 5000}]
    assert this_month(body)["total_saved_amount"] == [{"currency": "USD", "amount": 5000}]
    assert body["savings_groups_active"] is None  # one group: under 5
    withdrawn = auth_client(people[1]).put(f"{API}/me/consents/include_in_impact_figures",
                                           json={"granted": False})
    assert withdrawn.status_code == 200
    # Effective at once: the withdrawal drops this process's cache.
    body = impact(client)
    assert body["total_saved_amount"] == []
    assert this_month(body)["total_saved_amount"] == []


def test_savings_groups_are_counted_when_five_have_consenting_savers(app, session, client):
    for _ in range(4):
        savers(session, 1, consenting=1)
    assert impact(client)["savings_groups_active"] is None
    savers(session, 1, consenting=0)
    clear(app)
    assert impact(client)["savings_groups_active"] is None  # its saver did not consent
    savers(session, 1, consenting=1)
    clear(app)
    body = impact(client)
    assert body["savings_groups_active"] == 5
    assert this_month(body)["savings_groups_active"] == 5
    # Five savers in five groups, one each: the money total has five contributors too.
    assert body["total_saved_amount"] == [{"currency": "USD", "amount": 2500}]


def test_the_server_keeps_figures_for_the_cache_lifetime(app, session, client):
    employer = make_employer(session)
    for _ in range(5):
        make_job(session, employer)
    session.commit()
    assert impact(client)["jobs_published"] == 5
    make_job(session, employer)
    session.commit()
    assert impact(client)["jobs_published"] == 5  # served from the cache
    clear(app)
    assert impact(client)["jobs_published"] == 6


def test_months_are_the_last_twelve_utc_months_across_a_year_end():
    span = window(datetime(2027, 2, 10, 8, 0, tzinfo=UTC))
    assert span.months[0] == "2026-03" and span.months[-1] == "2027-02"
    assert len(span.months) == 12
    assert span.since == datetime(2026, 3, 1, tzinfo=UTC)


def test_a_provider_for_an_unknown_figure_is_refused():
    with pytest.raises(KeyError):
        registry.register_figure("people_helped")


def test_courses_and_credentials_count_consenting_survivors_only(app, session, client,
                                                                  auth_client):
    from tests.factories.accounts import make_staff
    from tests.factories.training import make_course, make_credential

    staff = make_staff(session)
    course = make_course(session, staff=staff)
    people = [make_survivor(session) for _ in range(6)]
    for person in people:
        make_credential(session, person, course, staff)
    for person in people[:5]:
        set_consent(session, user=person, purpose=Purpose.INCLUDE_IN_IMPACT_FIGURES,
                    granted=True)
    session.commit()
    body = impact(client)
    assert body["courses_completed"] == 5 and body["credentials_issued"] == 5
    assert this_month(body)["courses_completed"] == 5
    assert this_month(body)["credentials_issued"] == 5
    auth_client(people[0]).put(f"{API}/me/consents/include_in_impact_figures",
                               json={"granted": False})
    body = impact(client)
    assert body["courses_completed"] is None and body["credentials_issued"] is None
