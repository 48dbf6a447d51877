"""Each console page and action through the Flask client: the same services as the API
(two-person approval, budget, transitions, audit), refusals shown on the page."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from empower_api.audit.models import AuditEvent
from empower_api.grants.models import (
    ApplicationStatus,
    Disbursement,
    DisbursementStatus,
    GrantApplication,
    PayoutMethod,
)
from empower_api.jobs.models import Employer, Job, JobStatus, VettingStatus
from tests.console.conftest import post_form, text
from tests.factories.accounts import make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program
from tests.factories.jobs import make_employer, make_job
from tests.factories.moderation import hide_by_reports


def audited(session, action, subject_id):
    session.expire_all()
    return session.scalar(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.subject_id == str(subject_id)))


def test_home_counts_each_queue(signed_in, session):
    make_employer(session, status=VettingStatus.PENDING)
    make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, _member = signed_in()
    html = text(client.get("/console"))
    counts = dict((label, int(count)) for count, label in re.findall(
        r'<span class="count">(\d+)\+?</span>\s*<span class="label">([^<]+)</span>', html))
    assert counts["Employers awaiting vetting"] >= 2
    assert set(counts) == {"Employers awaiting vetting", "Reported postings to review",
                           "Grant applications awaiting a first approval",
                           "Grant applications awaiting a second approval",
                           "Manual payouts to hand over", "Failed payouts"}


# --- employers ---------------------------------------------------------------------------


def test_pending_employers_show_their_commitments_and_only_possible_decisions(signed_in,
                                                                             session):
    employer = make_employer(session, status=VettingStatus.PENDING, name="Harbor Bakery")
    session.commit()
    client, _member = signed_in()
    html = text(client.get("/console/employers"))
    assert "Harbor Bakery" in html and "Fair-chance hiring" in html and "en, es" in html
    card = html[html.index(f'id="employer-{employer.id}"'):]
    card = card[:card.index("</article>")]
    assert 'value="approve"' in card and 'value="reject"' in card
    assert 'value="suspend"' not in card  # a pending employer cannot be suspended


def test_staff_approve_an_employer_with_a_note(signed_in, session):
    employer = make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, member = signed_in()
    done = post_form(client, f"/console/employers/{employer.id}/vetting?status=pending",
                     {"decision": "approve", "note": "References checked."})
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/console/employers?status=pending")
    assert "is now vetted" in text(client.get("/console/employers"))
    session.expire_all()
    assert session.get(Employer, employer.id).vetting_status == VettingStatus.VETTED
    event = audited(session, "jobs.employer.vetting.approve", employer.id)
    assert event.actor_id == member.user.id and event.reason == "References checked."


def test_suspending_a_vetted_employer_hides_it(signed_in, session):
    employer = make_employer(session, status=VettingStatus.VETTED)
    session.commit()
    client, _member = signed_in()
    assert 'value="suspend"' in text(client.get("/console/employers?status=vetted"))
    done = post_form(client, f"/console/employers/{employer.id}/vetting",
                     {"decision": "suspend", "note": "Complaints under review."})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Employer, employer.id).vetting_status == VettingStatus.SUSPENDED


def test_a_vetting_decision_without_a_note_is_refused_on_the_page(signed_in, session):
    employer = make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, _member = signed_in()
    refused = post_form(client, f"/console/employers/{employer.id}/vetting",
                        {"decision": "approve", "note": ""})
    assert refused.status_code == 422
    assert "Note:" in text(refused) and 'role="alert"' in text(refused)
    session.expire_all()
    assert session.get(Employer, employer.id).vetting_status == VettingStatus.PENDING


def test_an_impossible_transition_shows_the_services_reason(signed_in, session):
    employer = make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, _member = signed_in()
    refused = post_form(client, f"/console/employers/{employer.id}/vetting",
                        {"decision": "suspend", "note": "Trying anyway."})
    assert refused.status_code == 409
    assert "cannot be suspended now" in text(refused)


# --- moderation --------------------------------------------------------------------------


def hidden_job(session):
    job = make_job(session, make_employer(session), title="Night shift cleaner")
    hide_by_reports(session, job)
    session.commit()
    return job


def test_reported_postings_show_their_reports_and_can_be_restored(signed_in, session):
    job = hidden_job(session)
    client, member = signed_in()
    html = text(client.get("/console/moderation"))
    assert "Night shift cleaner" in html and "Exploitative" in html and "Looks unsafe." in html
    done = post_form(client, f"/console/moderation/{job.id}", {"decision": "restore",
                                                                "note": "Checked by phone."})
    assert done.status_code == 303
    assert "is published again" in text(client.get("/console/moderation"))
    session.expire_all()
    assert session.get(Job, job.id).status == JobStatus.PUBLISHED
    assert audited(session, "jobs.posting.moderation.restore", job.id).actor_id == member.user.id


def test_a_reported_posting_can_be_removed_once(signed_in, session):
    job = hidden_job(session)
    client, _member = signed_in()
    assert post_form(client, f"/console/moderation/{job.id}",
                     {"decision": "remove"}).status_code == 303
    session.expire_all()
    assert session.get(Job, job.id).status == JobStatus.REMOVED
    again = post_form(client, f"/console/moderation/{job.id}", {"decision": "remove"})
    assert again.status_code == 409 and "not waiting for moderation" in text(again)


# --- grants ------------------------------------------------------------------------------


def large_application(session, **program):
    survivor = make_survivor(session)
    make_payout_account(session, survivor)
    program = make_program(session, **program)
    application = make_application(session, program, survivor, amount=25_000)
    session.commit()
    return application


def decide(client, application_id, **form):
    return post_form(client, f"/console/grants/{application_id}/decision",
                     {"decision": "approve", "note": "Plan is sound.", "currency": "USD",
                      **form})


def test_the_grants_page_shows_the_programs_remaining_budget(signed_in, session):
    application = large_application(session, budget_amount=100_000)
    client, _member = signed_in()
    html = text(client.get("/console/grants"))
    assert "$1,000.00 left of $1,000.00" in html
    assert "$250.00 requested from Fresh Start" in html
    assert f"/console/people/{application.applicant_id}" in html


def test_a_large_grant_needs_two_different_staff_members(signed_in, session):
    application = large_application(session)
    first, first_member = signed_in()
    done = decide(first, application.id)
    assert done.status_code == 303
    assert "second staff member must approve" in text(first.get("/console/grants"))
    session.expire_all()
    assert session.get(GrantApplication, application.id).status == \
        ApplicationStatus.AWAITING_SECOND_APPROVAL
    # The same person cannot give the second approval.
    again = decide(first, application.id)
    assert again.status_code == 409 and "different staff member" in text(again)
    second, second_member = signed_in()
    page = text(second.get("/console/grants?status=awaiting_second_approval"))
    assert "yours would be the second" in page
    assert decide(second, application.id).status_code == 303
    session.expire_all()
    assert session.get(GrantApplication, application.id).status == ApplicationStatus.APPROVED
    disbursement = session.scalar(select(Disbursement).where(
        Disbursement.application_id == application.id))
    assert disbursement.amount == 25_000 and disbursement.method == PayoutMethod.MANUAL
    assert audited(session, "grants.application.first_approval",
                   application.id).actor_id == first_member.user.id
    assert audited(session, "grants.application.approve",
                   application.id).actor_id == second_member.user.id


def test_an_approval_past_the_budget_is_refused_with_the_reason(signed_in, session):
    program = make_program(session, budget_amount=30_000, max_award_amount=30_000,
                           dual_approval_threshold_amount=30_000)
    first = make_application(session, program, make_survivor(session), amount=20_000)
    second = make_application(session, program, make_survivor(session), amount=15_000)
    session.commit()
    client, _member = signed_in()
    assert decide(client, first.id).status_code == 303
    refused = decide(client, second.id)
    assert refused.status_code == 409
    assert "exceed the program" in text(refused)
    assert "$100.00 left of $300.00" in text(refused)
    session.expire_all()
    assert session.get(GrantApplication, second.id).status == ApplicationStatus.SUBMITTED


def test_an_approved_amount_is_typed_in_major_units(signed_in, session):
    application = large_application(session)
    client, _member = signed_in()
    assert decide(client, application.id, approved_amount="150.50").status_code == 303
    session.expire_all()
    assert session.get(GrantApplication, application.id).approved_amount == 15_050
    for typed in ("15,5", "1.234", "-3", "ten"):
        refused = decide(client, large_application(session).id, approved_amount=typed)
        assert refused.status_code == 422 and "Amount to approve" in text(refused), typed


def test_a_rejection_needs_a_note_and_is_recorded(signed_in, session):
    application = large_application(session)
    client, _member = signed_in()
    assert decide(client, application.id, decision="reject", note="").status_code == 422
    assert decide(client, application.id, decision="reject",
                  note="Outside the program's aims.").status_code == 303
    session.expire_all()
    assert session.get(GrantApplication, application.id).status == ApplicationStatus.REJECTED


def test_a_caseworker_cannot_decide_their_own_persons_grant(signed_in, session):
    from empower_api.grants.models import Caseload

    application = large_application(session)
    client, member = signed_in()
    session.add(Caseload(staff_id=member.user.id, user_id=application.applicant_id))
    session.commit()
    refused = decide(client, application.id)
    assert refused.status_code == 403 and "linked to this person" in text(refused)


def test_reading_an_applications_plan_needs_a_reason(signed_in, session):
    application = large_application(session)
    client, member = signed_in()
    ask = client.get(f"/console/grants/{application.id}/read")
    assert ask.status_code == 200 and 'name="reason"' in text(ask)
    assert "Tools" not in text(ask)
    short = post_form(client, f"/console/grants/{application.id}/read", {"reason": "why"})
    assert short.status_code == 428 and "Tools" not in text(short)
    shown = post_form(client, f"/console/grants/{application.id}/read",
                      {"reason": "Second review of the plan."})
    assert shown.status_code == 200 and "Tools" in text(shown)
    event = audited(session, "staff.read_user", application.applicant_id)
    assert event.reason == "Second review of the plan." and event.actor_id == member.user.id


# --- disbursements -----------------------------------------------------------------------


def approved_manual(session, signed_in):
    application = large_application(session, dual_approval_threshold_amount=90_000)
    client, member = signed_in()
    assert decide(client, application.id).status_code == 303
    session.expire_all()
    disbursement = session.scalar(select(Disbursement).where(
        Disbursement.application_id == application.id))
    return client, member, disbursement


def test_a_manual_payout_is_marked_paid_with_its_reference(signed_in, session):
    client, member, disbursement = approved_manual(session, signed_in)
    page = text(client.get("/console/disbursements?status=pending&method=manual"))
    assert "$250.00, by hand" in page and 'name="reference"' in page
    refused = post_form(client, f"/console/disbursements/{disbursement.id}/mark-paid",
                        {"reference": " "})
    assert refused.status_code == 422 and "Reference:" in text(refused)
    done = post_form(client, f"/console/disbursements/{disbursement.id}/mark-paid"
                     "?status=pending&method=manual", {"reference": "MPESA-QX81"})
    assert done.status_code == 303 and "method=manual" in done.headers["Location"]
    session.expire_all()
    paid = session.get(Disbursement, disbursement.id)
    assert paid.status == DisbursementStatus.PAID and paid.manual_reference == "MPESA-QX81"
    assert audited(session, "grants.disbursement.mark_paid",
                   disbursement.id).actor_id == member.user.id
    twice = post_form(client, f"/console/disbursements/{disbursement.id}/mark-paid",
                      {"reference": "MPESA-QX81"})
    assert twice.status_code == 409 and "already paid" in text(twice)


def test_a_failed_payout_can_be_retried(signed_in, session):
    from empower_api.grants import disbursements

    client, _member, disbursement = approved_manual(session, signed_in)
    disbursements.fail(session, session.get(Disbursement, disbursement.id),
                       reason="cash office closed", definitive=True)
    session.commit()
    page = text(client.get("/console/disbursements?status=failed"))
    assert "cash office closed" in page and "/retry" in page
    assert "switch-to-manual" not in page  # manual already
    assert post_form(client, f"/console/disbursements/{disbursement.id}/retry",
                     {}).status_code == 303
    session.expire_all()
    assert session.get(Disbursement, disbursement.id).status == DisbursementStatus.PENDING
    again = post_form(client, f"/console/disbursements/{disbursement.id}/retry", {})
    assert again.status_code == 409 and "Only a failed disbursement" in text(again)


def test_a_failed_stripe_payout_can_switch_to_manual(signed_in, session):
    from empower_api.grants import disbursements

    client, _member, disbursement = approved_manual(session, signed_in)
    row = session.get(Disbursement, disbursement.id)
    row.method = PayoutMethod.STRIPE
    disbursements.fail(session, row, reason="account_closed", definitive=True)
    session.commit()
    assert "switch-to-manual" in text(client.get("/console/disbursements?status=failed"))
    assert post_form(client, f"/console/disbursements/{disbursement.id}/switch-to-manual",
                     {}).status_code == 303
    session.expire_all()
    switched = session.get(Disbursement, disbursement.id)
    assert switched.method == PayoutMethod.MANUAL
    assert switched.status == DisbursementStatus.PENDING


# --- a survivor's record and the audit log -----------------------------------------------


def test_a_survivors_record_opens_only_after_a_typed_reason(signed_in, session):
    survivor = make_survivor(session, region="Lagos", city="Ikeja")
    session.commit()
    client, member = signed_in()
    ask = client.get(f"/console/people/{survivor.id}")
    assert ask.status_code == 200
    assert 'name="reason"' in text(ask) and survivor.alias not in text(ask)
    refused = post_form(client, f"/console/people/{survivor.id}", {"reason": "look"})
    assert refused.status_code == 428 and survivor.alias not in text(refused)
    assert audited(session, "staff.read_user", survivor.id) is None
    shown = post_form(client, f"/console/people/{survivor.id}",
                      {"reason": "Checking payout details for grant."})
    assert shown.status_code == 200
    assert survivor.alias in text(shown) and "Ikeja" in text(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    event = audited(session, "staff.read_user", survivor.id)
    assert event.reason == "Checking payout details for grant."
    assert event.actor_id == member.user.id


def test_people_lookup_goes_to_the_reason_page(signed_in):
    client, _member = signed_in()
    wanted = uuid.uuid4()
    found = client.get(f"/console/people?id={wanted}")
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/people/{wanted}")
    assert client.get("/console/people?id=someone").status_code == 422
    missing = post_form(client, f"/console/people/{wanted}", {"reason": "Checking a case."})
    assert missing.status_code == 404


def test_the_audit_log_is_for_admins_only(signed_in, session):
    staff_client, _staff = signed_in()
    refused = staff_client.get("/console/audit")
    assert refused.status_code == 403
    assert "Only administrators" in text(refused)
    assert "/console/audit" not in text(staff_client.get("/console"))
    admin_client, admin = signed_in(admin=True)
    page = admin_client.get("/console/audit?action=auth.login")
    assert page.status_code == 200
    assert "<code>auth.login</code>" in text(page)
    assert str(admin.user.id) in text(page)
    assert text(admin_client.get("/console/audit?cursor=not-a-cursor")).count("role=\"alert\"")


def test_console_pages_have_a_strict_policy_and_no_inline_code(signed_in, session):
    client, _member = signed_in(admin=True)
    make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    for path in ["/console", "/console/employers", "/console/moderation", "/console/grants",
                 "/console/disbursements", "/console/people", "/console/audit"]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        html = text(response)
        assert re.search(r'<html lang="en" dir="ltr">', html)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path
    assert client.get("/console/static/console.css").status_code == 200


def test_the_apis_own_headers_are_unchanged(client):
    response = client.get("/api/v1/jobs")
    assert response.headers["Content-Security-Policy"] == \
        "default-src 'none'; frame-ancestors 'none'"


# --- addresses that are not pages ----------------------------------------------------------


def test_an_unknown_console_address_is_an_html_page_with_the_console_headers(client):
    for path, status in (("/console/nope", 404), ("/console/grants/not-a-uuid/read", 404),
                         ("/console/employers/x/y/z", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.mimetype == "text/html", path
        assert "There is nothing here." in text(response)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_a_wrong_method_on_a_console_page_is_an_html_405_with_allow(client):
    response = client.delete("/console/employers")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert "This page does not take that." in text(response)


def test_the_api_keeps_answering_problem_json_for_unknown_addresses(client):
    for path in ("/api/v1/nope", "/consoles", "/console-x"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json", path


def test_an_unknown_console_address_speaks_the_request_language_right_to_left(client):
    for method, path in (("GET", "/console/nope"), ("PATCH", "/console/employers")):
        response = client.open(path, method=method, headers={"Accept-Language": "ar"})
        html = text(response)
        assert response.status_code in (404, 405)
        assert '<html lang="ar" dir="rtl"' in html, html[:200]
        assert response.headers["Content-Language"] == "ar"


def test_a_control_character_in_a_console_form_gets_the_apis_words(signed_in):
    client, _member = signed_in()
    page = client.get("/console/people")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page))
    assert token, "the people page has a form with a CSRF token"
    response = client.post("/console/people/00000000-0000-0000-0000-000000000000",
                           data={"csrf_token": token.group(1), "reason": "a\u0000b"},
                           headers={"Accept-Language": "es"})
    assert response.status_code == 400
    from empower_api.i18n import translate_in

    assert translate_in("es", "Control characters are not allowed.") in text(response)
