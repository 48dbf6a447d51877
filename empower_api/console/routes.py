"""The console's pages and form actions: thin views over the API's own services.

Each action loads its form through the schema the API route uses, calls the one service
function that route calls (which checks the actor, applies the rule and audits), then
redirects back to its queue with a message (post/redirect/get). A refusal is shown on
the page with the service's reason, and the page is sent with the service's status.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from empower_api.accounts import service as accounts
from empower_api.accounts.models import STAFF_ROLES, Role, User
from empower_api.accounts.routes import device_label
from empower_api.accounts.schemas import LoginSchema, ProfileSchema
from empower_api.accounts.security_schemas import MfaLoginSchema
from empower_api.audit import service as audit
from empower_api.audit.schemas import AuditQuerySchema
from empower_api.console import signin
from empower_api.console.pages import (
    error_page,
    load,
    money,
    parse_amount,
    protect,
    refused,
    render,
    said,
    when,
)
from empower_api.db import db
from empower_api.errors import DomainError, Invalid
from empower_api.extensions import limiter, rate_limit_key
from empower_api.grants import applications, disbursements, programs
from empower_api.grants.models import ApplicationStatus, DisbursementStatus, PayoutMethod
from empower_api.grants.schemas import (
    FlagOverrideSchema,
    GrantDecisionSchema,
    MarkPaidSchema,
    StaffApplicationQuerySchema,
    StaffGrantApplicationDetailSchema,
)
from empower_api.inputs import text_problem
from empower_api.jobs import service as jobs
from empower_api.jobs.models import VettingStatus
from empower_api.jobs.schemas import VettingDecisionSchema, VettingQuerySchema
from empower_api.moderation import service as moderation
from empower_api.moderation.schemas import ModerationDecisionSchema
from empower_api.pagination import PageQuerySchema

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                static_folder="static", static_url_path="/static")

STAFF = tuple(STAFF_ROLES)
PAGE_SIZE = 20
# Home shows each queue's length up to this many, then "100+".
COUNT_CAP = 100
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@blp.before_request
def _check_form() -> Response | None:
    """Every form post carries this browser's CSRF token (400 otherwise, before any
    view runs: nobody is signed in, nothing changes), and only plain text."""
    # Per request, whatever the app context (tests keep one open across requests).
    g.console_user = None  # set by signin.signed_in once the session is checked
    g.pop("csrf_token", None)  # Flask-WTF's cache of this browser's token
    if request.method in SAFE_METHODS:
        return None
    from flask_wtf.csrf import ValidationError, validate_csrf  # loaded with the console

    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return error_page(400, _("This form has expired or did not come from this console. "
                                 "Reload the page and try again."))
    for name, value in request.form.items(multi=True):
        if reason := text_problem(value) or text_problem(name):
            # The API's own words for the same fault (a catalogued message id).
            return error_page(400, _(reason))
    return None


@blp.errorhandler(DomainError)
def _service_error(error: DomainError) -> Response:
    """A refusal no view caught (a bad page cursor, say): an error page, never JSON."""
    status = refused(error)
    return error_page(status, said(error))


@blp.errorhandler(HTTPException)
def http_error_page(error: HTTPException) -> Response:
    """The console's HTML page for an HTTP error (also for unknown console addresses)."""
    db.session.rollback()
    messages = {404: _("There is nothing here."), 405: _("This page does not take that."),
                429: _("Too many attempts. Wait a minute and try again.")}
    status = error.code or 500
    page = protect(error_page(status, messages.get(status, _("This could not be done."))))
    if status == 405 and (allow := error.get_response().headers.get("Allow")):
        page.headers["Allow"] = allow
    return page


@blp.after_request
def _headers(response: Response) -> Response:
    return protect(response)


@blp.app_template_filter("money")
def _money_filter(amount: int | None, currency: str) -> str:
    return money(amount, currency)


@blp.app_template_filter("when")
def _when_filter(moment: Any) -> str:
    return when(moment)


@blp.context_processor
def _layout() -> dict[str, Any]:
    from empower_api.console.pages import layout_context

    return layout_context()


def _query(schema: type, **extra: Any) -> dict[str, Any] | None:
    """The page's query through the API's query schema; None (and a message) if bad."""
    try:
        return load(schema, {**request.args.to_dict(), **extra})
    except Invalid as error:
        refused(error)
        return None


def _back(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **{k: v for k, v in values.items() if v}), 303)


# --- signing in and out ------------------------------------------------------------------


@blp.get("")
def index() -> Response:
    """The queues for a signed-in staff member; the sign-in page for anyone else."""
    user = signin.signed_in()
    if user is None:
        session.pop("mfa_token", None)
        return render("signin.html")
    g.console_user = user
    return render("home.html", counts=_queue_counts(user))


def _count(page: Any) -> str:
    return f"{COUNT_CAP}+" if page.next_cursor else str(len(page.items))


def _queue_counts(user: User) -> list[dict[str, Any]]:
    """Each queue with its length, read through the services that list it."""
    s = db.session
    return [
        {"label": _("Employers awaiting vetting"), "endpoint": "console.employers",
         "args": {}, "count": _count(jobs.list_employers_for_vetting(
             s, actor=user, status=VettingStatus.PENDING, limit=COUNT_CAP, cursor=None))},
        {"label": _("Reported postings to review"), "endpoint": "console.moderation_queue",
         "args": {}, "count": _count(moderation.list_queue(s, actor=user, limit=COUNT_CAP,
                                                            cursor=None))},
        {"label": _("Grant applications awaiting a first approval"),
         "endpoint": "console.grants", "args": {"status": ApplicationStatus.SUBMITTED},
         "count": _count(applications.list_for_staff(
             s, status=ApplicationStatus.SUBMITTED, program_id=None, limit=COUNT_CAP,
             cursor=None))},
        {"label": _("Grant applications awaiting a second approval"),
         "endpoint": "console.grants",
         "args": {"status": ApplicationStatus.AWAITING_SECOND_APPROVAL},
         "count": _count(applications.list_for_staff(
             s, status=ApplicationStatus.AWAITING_SECOND_APPROVAL, program_id=None,
             limit=COUNT_CAP, cursor=None))},
        {"label": _("Manual payouts to hand over"), "endpoint": "console.disbursement_list",
         "args": {"status": DisbursementStatus.PENDING, "method": PayoutMethod.MANUAL},
         "count": _count(disbursements.list_for_staff(
             s, status=DisbursementStatus.PENDING, method=PayoutMethod.MANUAL,
             limit=COUNT_CAP, cursor=None))},
        {"label": _("Failed payouts"), "endpoint": "console.disbursement_list",
         "args": {"status": DisbursementStatus.FAILED},
         "count": _count(disbursements.list_for_staff(
             s, status=DisbursementStatus.FAILED, limit=COUNT_CAP, cursor=None))},
    ]


def _login_labels() -> dict[str, str]:
    return {"login": _("E-mail"), "password": _("Password"), "code": _("Code")}


def _signed_in_or_refused(result: Any) -> Response:
    """After the last sign-in step: staff and admins enter; any other account's new
    session ends at once and the page says the console is for staff."""
    if isinstance(result, dict):  # two-factor needed: the code page asks for it
        signin.forget()
        session["mfa_token"] = result["mfa_token"]
        return redirect(url_for("console.code"), 303)
    if result.user.role not in STAFF_ROLES:
        signin.start(result)
        signin.end(result.user, reason="console_refused")
        flash(_("Only staff and admin accounts can use the console."), "error")
        return render("signin.html", 403)
    signin.start(result)
    return redirect(url_for("console.index"), 303)


@blp.post("/login")
@limiter.limit(signin.auth_limit, key_func=rate_limit_key, scope="console-auth-ip")
@limiter.limit(signin.auth_limit, key_func=signin.login_form_key, scope="console-auth-name")
def login() -> Response:
    """First step: e-mail and password, checked by the API's log-in service."""
    try:
        data = load(LoginSchema, {"login": request.form.get("login", ""),
                                  "password": request.form.get("password", "")})
        result = accounts.login(db.session, login=data["login"], password=data["password"],
                                device_label=_device())
    except DomainError as error:
        return render("signin.html", refused(error, _login_labels()),
                      login=request.form.get("login", ""))
    return _signed_in_or_refused(result)


def _device() -> str:
    return f"{signin.DEVICE_LABEL} ({device_label({})})"


@blp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(signin.auth_limit, key_func=rate_limit_key, scope="console-mfa-ip",
               methods=["POST"])
@limiter.limit(signin.auth_limit, key_func=signin.code_form_key, scope="console-mfa-token",
               methods=["POST"])
def code() -> Response:
    """Second step: a code from the authenticator app, or a backup code."""
    token = session.get("mfa_token")
    if not token:
        return redirect(url_for("console.index"), 303)
    if request.method == "GET":
        return render("code.html")
    try:
        data = load(MfaLoginSchema, {"mfa_token": token, "code": request.form.get("code", "")})
        result = accounts.login_second_step(db.session, token=data["mfa_token"],
                                            code=data["code"])
    except DomainError as error:
        status = refused(error, _login_labels())
        if error.code == "mfa_token_invalid":
            session.pop("mfa_token", None)
            return render("signin.html", status)
        return render("code.html", status)
    return _signed_in_or_refused(result)


@blp.post("/logout")
def logout() -> Response:
    """End this console session (and its session row)."""
    user = signin.signed_in()
    signin.end(user, reason="logout")
    flash(_("You are signed out."), "info")
    return redirect(url_for("console.index"), 303)


# --- employers ---------------------------------------------------------------------------


VETTING_TABS = [VettingStatus.PENDING, VettingStatus.VETTED, VettingStatus.SUSPENDED,
                VettingStatus.EXPIRED, VettingStatus.REJECTED]


def _employers_page(user: User, status: int = 200) -> Response:
    query = _query(VettingQuerySchema, limit=PAGE_SIZE) or {
        "status": VettingStatus.PENDING, "cursor": None}
    page = jobs.list_employers_for_vetting(db.session, actor=user, status=query["status"],
                                           limit=PAGE_SIZE, cursor=query["cursor"])
    rows = [{"employer": e, "decisions": jobs.vetting_decisions(e)} for e in page.items]
    return render("employers.html", status, rows=rows, tab=query["status"],
                  tabs=VETTING_TABS, next_cursor=page.next_cursor)


@blp.get("/employers")
@signin.staff_page(*STAFF)
def employers(user: User) -> Response:
    """Employers by vetting status (pending first), with their commitments."""
    return _employers_page(user)


@blp.post("/employers/<uuid:employer_id>/vetting")
@signin.staff_page(*STAFF)
def vetting(user: User, employer_id: uuid.UUID) -> Response:
    """Approve, reject or suspend an employer with a note (``jobs.decide_vetting``)."""
    try:
        data = load(VettingDecisionSchema, {"decision": request.form.get("decision", ""),
                                            "note": request.form.get("note", "")})
        employer = jobs.decide_vetting(db.session, actor=user, employer_id=employer_id,
                                       decision=data["decision"], note=data["note"])
    except DomainError as error:
        return _employers_page(user, refused(error, {"note": _("Note"),
                                                     "decision": _("Decision")}))
    flash(_("%(name)s is now %(status)s.", name=employer.name,
            status=_status_label(employer.vetting_status)), "success")
    return _back("console.employers", status=request.args.get("status"))


def _status_label(status: str) -> str:
    labels = {"pending": _("pending"), "vetted": _("vetted"), "rejected": _("rejected"),
              "suspended": _("suspended"), "expired": _("expired")}
    return labels.get(status, status)


# --- moderation --------------------------------------------------------------------------


def _moderation_page(user: User, status: int = 200) -> Response:
    query = _query(PageQuerySchema, limit=PAGE_SIZE) or {"cursor": None}
    page = moderation.list_queue(db.session, actor=user, limit=PAGE_SIZE,
                                 cursor=query["cursor"])
    return render("moderation.html", status, cases=page.items, next_cursor=page.next_cursor)


@blp.get("/moderation")
@signin.staff_page(*STAFF)
def moderation_queue(user: User) -> Response:
    """Postings hidden by reports or held for scam signals, oldest first."""
    return _moderation_page(user)


@blp.post("/moderation/<uuid:job_id>")
@signin.staff_page(*STAFF)
def moderation_decision(user: User, job_id: uuid.UUID) -> Response:
    """Restore or remove a posting (``moderation.decide``)."""
    try:
        data = load(ModerationDecisionSchema, {
            "decision": request.form.get("decision", ""),
            "note": request.form.get("note", "").strip() or None})
        case = moderation.decide(db.session, actor=user, job_id=job_id,
                                 decision=data["decision"], note=data["note"])
    except DomainError as error:
        return _moderation_page(user, refused(error, {"note": _("Note"),
                                                      "decision": _("Decision")}))
    message = (_("“%(title)s” is published again.", title=case["job"].title)
               if data["decision"] == "restore"
               else _("“%(title)s” is removed.", title=case["job"].title))
    flash(message, "success")
    return _back("console.moderation_queue")


# --- grants ------------------------------------------------------------------------------


GRANT_TABS = [ApplicationStatus.SUBMITTED, ApplicationStatus.AWAITING_SECOND_APPROVAL]


def _grants_page(user: User, status: int = 200) -> Response:
    query = _query(StaffApplicationQuerySchema, limit=PAGE_SIZE) or {
        "status": None, "program_id": None, "cursor": None}
    tab = query["status"] or ApplicationStatus.SUBMITTED
    page = applications.list_for_staff(db.session, status=tab, program_id=query["program_id"],
                                       limit=PAGE_SIZE, cursor=query["cursor"])
    budgets = {}
    for program_id in dict.fromkeys(a.program_id for a in page.items):
        budgets[program_id] = {"program": programs.get_program(db.session, program_id),
                               **programs.report(db.session, program_id=program_id)}
    return render("grants.html", status, applications=page.items, budgets=budgets, tab=tab,
                  tabs=GRANT_TABS, next_cursor=page.next_cursor, me=user.id)


@blp.get("/grants")
@signin.staff_page(*STAFF)
def grants(user: User) -> Response:
    """Grant applications awaiting a first or a second approval, with budgets left."""
    return _grants_page(user)


def _grant_labels() -> dict[str, str]:
    return {"note": _("Note"), "decision": _("Decision"),
            "approved_amount": _("Amount to approve"), "reason": _("Reason")}


@blp.post("/grants/<uuid:application_id>/decision")
@signin.staff_page(*STAFF)
def grant_decision(user: User, application_id: uuid.UUID) -> Response:
    """Approve or reject (``applications.decide``: two people at or above the threshold,
    never one's own case, never past the budget)."""
    try:
        currency = request.form.get("currency", "")
        amount = parse_amount(request.form.get("approved_amount", ""), currency,
                              "approved_amount")
        data = load(GrantDecisionSchema, {"decision": request.form.get("decision", ""),
                                          "approved_amount": amount,
                                          "note": request.form.get("note", "")})
        application = applications.decide(
            db.session, actor=user, application_id=application_id, decision=data["decision"],
            approved_amount=data["approved_amount"], note=data["note"])
    except DomainError as error:
        return _grants_page(user, refused(error, _grant_labels()))
    messages = {
        ApplicationStatus.AWAITING_SECOND_APPROVAL:
            _("First approval recorded: a second staff member must approve."),
        ApplicationStatus.APPROVED: _("Approved: the payout is on its way."),
        ApplicationStatus.REJECTED: _("Rejected."),
    }
    flash(messages.get(application.status, _("Saved.")), "success")
    return _back("console.grants", status=request.args.get("status"))


@blp.post("/grants/<uuid:application_id>/flag-override")
@signin.staff_page(*STAFF)
def grant_flag_override(user: User, application_id: uuid.UUID) -> Response:
    """Clear a possible-duplicate flag with a reason (``applications.override_flags``)."""
    try:
        data = load(FlagOverrideSchema, {"reason": request.form.get("reason", "")})
        applications.override_flags(db.session, actor=user, application_id=application_id,
                                    reason=data["reason"])
    except DomainError as error:
        return _grants_page(user, refused(error, _grant_labels()))
    flash(_("The duplicate flag is cleared; the application can be approved."), "success")
    return _back("console.grants", status=request.args.get("status"))


@blp.route("/grants/<uuid:application_id>/read", methods=["GET", "POST"])
@signin.staff_page(*STAFF)
def grant_read(user: User, application_id: uuid.UUID) -> Response:
    """An application's purpose and plan: opens only with a typed access reason
    (``applications.staff_read``, audited like the API's read)."""
    if request.method == "GET":
        return render("reason.html", target=_("this grant application"),
                      action=url_for("console.grant_read", application_id=application_id))
    try:
        application = applications.staff_read(db.session, actor=user,
                                              application_id=application_id,
                                              reason=request.form.get("reason", ""))
    except DomainError as error:
        return render("reason.html", refused(error, _grant_labels()),
                      target=_("this grant application"),
                      action=url_for("console.grant_read", application_id=application_id))
    program = programs.get_program(db.session, application.program_id)
    questions = list(program.eligibility_questions or [])
    record = StaffGrantApplicationDetailSchema().dump(application)
    return render("grant_record.html", application=application, record=record,
                  answers=list(zip(questions, record["answers"], strict=False)))


# --- disbursements -----------------------------------------------------------------------


DISBURSEMENT_TABS = [
    ("pending-manual", {"status": DisbursementStatus.PENDING, "method": PayoutMethod.MANUAL}),
    ("failed", {"status": DisbursementStatus.FAILED}),
    ("pending", {"status": DisbursementStatus.PENDING}),
    ("processing", {"status": DisbursementStatus.PROCESSING}),
    ("paid", {"status": DisbursementStatus.PAID}),
]


def _disbursements_page(user: User, status: int = 200) -> Response:
    wanted = {"status": request.args.get("status") or DisbursementStatus.PENDING,
              "method": request.args.get("method") or None}
    if wanted["status"] not in set(DisbursementStatus) or \
            wanted["method"] not in (None, *PayoutMethod):
        wanted = {"status": DisbursementStatus.PENDING, "method": None}
    query = _query(PageQuerySchema, limit=PAGE_SIZE) or {"cursor": None}
    page = disbursements.list_for_staff(db.session, status=wanted["status"],
                                        method=wanted["method"], limit=PAGE_SIZE,
                                        cursor=query["cursor"])
    return render("disbursements.html", status, items=page.items, wanted=wanted,
                  tabs=DISBURSEMENT_TABS, next_cursor=page.next_cursor)


@blp.get("/disbursements")
@signin.staff_page(*STAFF)
def disbursement_list(user: User) -> Response:
    """Payouts by status (manual ones waiting to be handed over first)."""
    return _disbursements_page(user)


def _after_payout(message: str) -> Response:
    flash(message, "success")
    return _back("console.disbursement_list", status=request.args.get("status"),
                 method=request.args.get("method"))


@blp.post("/disbursements/<uuid:disbursement_id>/mark-paid")
@signin.staff_page(*STAFF)
def mark_paid(user: User, disbursement_id: uuid.UUID) -> Response:
    """Record a manual payout with its reference (``disbursements.mark_paid_manually``)."""
    try:
        data = load(MarkPaidSchema, {"reference": request.form.get("reference", "").strip()})
        disbursements.mark_paid_manually(db.session, actor=user,
                                         disbursement_id=disbursement_id,
                                         reference=data["reference"])
    except DomainError as error:
        return _disbursements_page(user, refused(error, {"reference": _("Reference")}))
    return _after_payout(_("Marked paid."))


def _payout_step(user: User, step: Any, disbursement_id: uuid.UUID, done: str) -> Response:
    try:
        step(db.session, actor=user, disbursement_id=disbursement_id)
    except DomainError as error:
        return _disbursements_page(user, refused(error))
    return _after_payout(done)


@blp.post("/disbursements/<uuid:disbursement_id>/retry")
@signin.staff_page(*STAFF)
def retry(user: User, disbursement_id: uuid.UUID) -> Response:
    """Send a failed payout again, within the budget (``disbursements.retry``)."""
    return _payout_step(user, disbursements.retry, disbursement_id,
                        _("The payout will be sent again."))


@blp.post("/disbursements/<uuid:disbursement_id>/switch-to-manual")
@signin.staff_page(*STAFF)
def switch_to_manual(user: User, disbursement_id: uuid.UUID) -> Response:
    """Pay a failed Stripe payout by hand instead (``disbursements.switch_to_manual``)."""
    return _payout_step(user, disbursements.switch_to_manual, disbursement_id,
                        _("The payout is now manual: hand it over, then mark it paid."))


# --- a survivor's record -----------------------------------------------------------------


@blp.get("/people")
@signin.staff_page(*STAFF)
def people(user: User) -> Response:
    """Open a person's record by account id (the reason is asked next)."""
    wanted = request.args.get("id", "").strip()
    if wanted:
        try:
            return redirect(url_for("console.person", user_id=uuid.UUID(wanted)), 303)
        except ValueError:
            flash(_("Type an account id like 0b5c…-…: it is shown on grant applications."),
                  "error")
            return render("people.html", 422)
    return render("people.html")


@blp.route("/people/<uuid:user_id>", methods=["GET", "POST"])
@signin.staff_page(*STAFF)
def person(user: User, user_id: uuid.UUID) -> Response:
    """One person's record: opens only after a typed access reason
    (``accounts.staff_read_user``: at least 10 characters, audited, in their access log)."""
    action = url_for("console.person", user_id=user_id)
    if request.method == "GET":
        return render("reason.html", target=_("this person's record"), action=action)
    try:
        person = accounts.staff_read_user(db.session, actor=user, user_id=user_id,
                                          reason=request.form.get("reason", ""))
    except DomainError as error:
        return render("reason.html", refused(error, {"reason": _("Reason")}),
                      target=_("this person's record"), action=action)
    return render("person.html", record=ProfileSchema().dump(person))


# --- audit log ---------------------------------------------------------------------------


@blp.get("/audit")
@signin.staff_page(Role.ADMIN)
def audit_log(user: User) -> Response:
    """The audit log, newest first, filtered by action or subject (admins only)."""
    query = _query(AuditQuerySchema, limit=PAGE_SIZE) or {"cursor": None}
    status = 200 if query.get("limit") else 422
    page = audit.list_events(db.session, action=query.get("action") or None,
                             subject_id=query.get("subject_id") or None, limit=PAGE_SIZE,
                             cursor=query.get("cursor"))
    return render("audit.html", status, events=page.items, next_cursor=page.next_cursor,
                  action=query.get("action") or "", subject_id=query.get("subject_id") or "")
