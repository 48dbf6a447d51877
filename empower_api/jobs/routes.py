"""HTTP routes for jobs: thin views that call one service function each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, json, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.db import db, writes_on_get
from empower_api.extensions import limiter, login_name_key, rate_limit_key
from empower_api.i18n import translate
from empower_api.jobs import service
from empower_api.jobs.models import CATEGORY_LABELS
from empower_api.jobs.schemas import (
    EmployerCreateSchema,
    EmployerJobsQuerySchema,
    EmployerListSchema,
    EmployerMemberListSchema,
    EmployerPageSchema,
    EmployerSchema,
    InvitationCreateSchema,
    InvitationListSchema,
    InvitationSchema,
    JobCategoryListSchema,
    JobCreateSchema,
    JobPageSchema,
    JobSchema,
    JobSearchQuerySchema,
    JobUpdateSchema,
    SavedJobPageSchema,
    SavedSearchCreateSchema,
    SavedSearchPageSchema,
    SavedSearchSchema,
    VettingDecisionSchema,
    VettingQuerySchema,
    summary_of,
)
from empower_api.jobs.search import query_words
from empower_api.moderation.personal import personal_filter
from empower_api.pagination import PageQuerySchema
from empower_api.response_cache import public_cache
from empower_api.security.permissions import auth_required, current_actor, require_actor

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Jobs")

STAFF = (Role.STAFF, Role.ADMIN)


def _search_limit() -> str:
    return current_app.config.get("RATELIMIT_SEARCH", "120/minute")


def search_key(q: str) -> str:
    """``q`` as search reads it (its words), so the response cache keys equal searches
    alike. Raises ``Invalid("q")`` for a query search refuses."""
    # A prefix term is marked: "bak" (prefix) and "bak" (whole word) search differently.
    return " ".join(f"{term.text}*" if term.prefix else term.text for term in query_words(q))


def conditional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send an ``ETag`` for the body; answer 304 when ``If-None-Match`` has it.

    A signed-in caller's answer may be personalised (a survivor's blocked employers
    and excluded categories are left out), so it is ``private``: a response cache
    must neither store it nor serve it the anonymous answer (``Vary: Authorization``).
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = current_app.make_response(view(*args, **kwargs))
        response.vary.add("Authorization")
        if response.status_code != 200:
            return response
        response.add_etag()
        response.headers["Cache-Control"] = (
            "private, no-cache" if current_actor() is not None else "no-cache")
        return response.make_conditional(request)

    return wrapper


# --- employers ------------------------------------------------------------------------


@blp.route("/employers")
class Employers(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.arguments(EmployerCreateSchema)
    @blp.response(201, EmployerSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register an organisation; it waits for vetting (``pending``)."""
        return service.create_employer(db.session, actor=require_actor(), data=data)


@blp.route("/employers/<uuid:employer_id>")
class EmployerItem(MethodView):
    @auth_required(optional=True)
    @blp.response(200, EmployerSchema)
    def get(self, employer_id: uuid.UUID) -> Any:
        """An employer: public while vetted; members and staff always."""
        return service.get_employer(db.session, actor=current_actor(), employer_id=employer_id)


@blp.route("/me/employers")
class MyEmployers(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.response(200, EmployerListSchema)
    def get(self) -> Any:
        """The organisations the caller is a member of."""
        return {"items": service.list_my_employers(db.session, actor=require_actor())}


@blp.route("/employers/<uuid:employer_id>/members")
class Members(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.response(200, EmployerMemberListSchema)
    def get(self, employer_id: uuid.UUID) -> Any:
        """The organisation's members (members only)."""
        return {"items": service.list_members(db.session, actor=require_actor(),
                                              employer_id=employer_id)}



def _invite_limit() -> str:
    return current_app.config.get("RATELIMIT_AUTH", "5/minute")


@blp.route("/employers/<uuid:employer_id>/invitations")
class Invitations(MethodView):
    # Limited like registration: per IP and per address invited.
    decorators = [limiter.limit(_invite_limit, key_func=rate_limit_key, scope="invite-ip"),
                  limiter.limit(_invite_limit, key_func=login_name_key, scope="invite-name")]

    @auth_required(Role.EMPLOYER)
    @blp.arguments(InvitationCreateSchema)
    @blp.response(201, InvitationSchema)
    @blp.alt_response(429, description="Too many invitations")
    def post(self, data: dict[str, Any], employer_id: uuid.UUID) -> Any:
        """Invite an e-mail address to join the organisation (members).

        The answer is the same whether or not the address has an account; nobody
        becomes a member without accepting. Inviting again returns the same invitation.
        """
        return service.invite_member(db.session, actor=require_actor(),
                                     employer_id=employer_id, email=data["email"])


@blp.route("/me/invitations")
class MyInvitations(MethodView):
    @auth_required()
    @blp.response(200, InvitationListSchema)
    def get(self) -> Any:
        """Pending invitations to organisations, addressed to the caller's e-mail."""
        return {"items": service.my_invitations(db.session, actor=require_actor())}


@blp.route("/invitations/<uuid:invitation_id>/accept")
class AcceptInvitation(MethodView):
    @auth_required()
    @blp.response(200, InvitationSchema)
    def post(self, invitation_id: uuid.UUID) -> Any:
        """Accept an invitation addressed to you and join the organisation.

        Employer accounts only; accepting again answers the same.
        """
        return service.accept_invitation(db.session, actor=require_actor(),
                                         invitation_id=invitation_id)


@blp.route("/invitations/<uuid:invitation_id>/decline")
class DeclineInvitation(MethodView):
    @auth_required()
    @blp.response(200, InvitationSchema)
    def post(self, invitation_id: uuid.UUID) -> Any:
        """Decline an invitation addressed to you; declining again answers the same."""
        return service.decline_invitation(db.session, actor=require_actor(),
                                          invitation_id=invitation_id)


@blp.route("/employers/<uuid:employer_id>/jobs")
class EmployerJobs(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.arguments(EmployerJobsQuerySchema, location="query")
    @blp.response(200, JobPageSchema)
    def get(self, query: dict[str, Any], employer_id: uuid.UUID) -> Any:
        """Every posting of the organisation, drafts included (members only)."""
        return service.list_employer_jobs(
            db.session, actor=require_actor(), employer_id=employer_id,
            status=query.get("status"), limit=query["limit"], cursor=query["cursor"])


@blp.route("/staff/employers")
class VettingQueue(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(VettingQuerySchema, location="query")
    @blp.response(200, EmployerPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Employers by vetting status (default ``pending``), oldest first."""
        return service.list_employers_for_vetting(
            db.session, actor=require_actor(), status=query["status"], limit=query["limit"],
            cursor=query["cursor"])


@blp.route("/staff/employers/<uuid:employer_id>/vetting")
class Vetting(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(VettingDecisionSchema)
    @blp.response(200, EmployerSchema)
    def post(self, data: dict[str, Any], employer_id: uuid.UUID) -> Any:
        """Approve (for 12 months), reject or suspend an employer, with a note."""
        return service.decide_vetting(db.session, actor=require_actor(),
                                      employer_id=employer_id, decision=data["decision"],
                                      note=data["note"])


# --- postings ---------------------------------------------------------------------------


@blp.route("/jobs")
class Jobs(MethodView):
    decorators = [limiter.limit(_search_limit, key_func=rate_limit_key, scope="jobs-search",
                                methods=["GET", "HEAD"])]

    @public_cache("jobs", normalise_q=search_key)
    @auth_required(optional=True)
    @conditional
    @blp.arguments(JobSearchQuerySchema, location="query")
    @blp.response(200, JobPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Search published postings of vetted employers (no account needed).

        Signed-in survivors never see postings of employers they blocked or in
        categories they excluded; such answers are ``Cache-Control: private``.
        """
        page = service.search(db.session, query=query,
                              personal_filter=personal_filter(current_actor()))
        return jsonify({"items": [summary_of(job) for job in page.items],
                        "next_cursor": page.next_cursor})

    @auth_required(Role.EMPLOYER)
    @blp.arguments(JobCreateSchema)
    @blp.response(201, JobSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Post a job (members of a vetted employer)."""
        return service.create_job(db.session, actor=require_actor(), data=data)


@blp.route("/jobs/<uuid:job_id>")
class JobItem(MethodView):
    @public_cache("jobs")
    @auth_required(optional=True)
    @blp.response(200, JobSchema)
    def get(self, job_id: uuid.UUID) -> Any:
        """A posting: public ones to anyone, drafts to the employer's members."""
        return service.get_job(db.session, actor=current_actor(), job_id=job_id)

    @auth_required(Role.EMPLOYER)
    @blp.arguments(JobUpdateSchema)
    @blp.response(200, JobSchema)
    def patch(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Edit, publish (``status: published``) or unpublish a posting."""
        return service.update_job(db.session, actor=require_actor(), job_id=job_id, data=data)


@blp.route("/jobs/<uuid:job_id>/close")
class CloseJob(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.response(200, JobSchema)
    def post(self, job_id: uuid.UUID) -> Any:
        """Close a posting."""
        return service.close_job(db.session, actor=require_actor(), job_id=job_id)


@blp.route("/job-categories")
class JobCategories(MethodView):
    @blp.response(200, JobCategoryListSchema)
    def get(self) -> Any:
        """The posting categories: code, label and what each covers, in the request's
        language."""
        return {"items": [{"code": code, "label": translate(label), "covers": translate(covers)}
                          for code, (label, covers) in CATEGORY_LABELS.items()]}


# Web pages paste JSON-LD into <script type="application/ld+json">: "<", ">" and "&"
# go out as JSON escapes, so no free text (a city, a title) can end that element.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@blp.route("/jobs/<uuid:job_id>/jsonld")
class JobJsonLd(MethodView):
    @blp.doc(responses={"200": {"description": "A schema.org JobPosting",
                                "content": {"application/ld+json": {}}}})
    def get(self, job_id: uuid.UUID) -> Response:
        """The posting as a schema.org ``JobPosting`` (JSON-LD)."""
        doc = service.job_posting_jsonld(db.session, job_id=job_id)
        return Response(json.dumps(doc).translate(_SCRIPT_SAFE), mimetype="application/ld+json")


# --- saved jobs and searches ---------------------------------------------------------------


@blp.route("/me/saved-jobs")
class SavedJobs(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SavedJobPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Saved jobs, newest first."""
        return service.list_saved_jobs(db.session, actor=require_actor(), limit=query["limit"],
                                       cursor=query["cursor"])


@blp.route("/me/saved-jobs/<uuid:job_id>")
class SavedJobItem(MethodView):
    @auth_required()
    @blp.response(204)
    def put(self, job_id: uuid.UUID) -> None:
        """Save a job (saving it again is harmless)."""
        service.save_job(db.session, actor=require_actor(), job_id=job_id)

    @auth_required()
    @blp.response(204)
    def delete(self, job_id: uuid.UUID) -> None:
        """Forget a saved job (harmless if it was not saved)."""
        service.unsave_job(db.session, actor=require_actor(), job_id=job_id)


@blp.route("/me/saved-searches")
class SavedSearches(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SavedSearchPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Saved searches, newest first."""
        return service.list_saved_searches(db.session, actor=require_actor(),
                                           limit=query["limit"], cursor=query["cursor"])

    @auth_required()
    @blp.arguments(SavedSearchCreateSchema)
    @blp.response(201, SavedSearchSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Save a search (``query`` takes the same keys as ``GET /jobs``)."""
        return service.create_saved_search(db.session, actor=require_actor(), data=data)


@blp.route("/me/saved-searches/<uuid:search_id>")
class SavedSearchItem(MethodView):
    @auth_required()
    @blp.response(200, SavedSearchSchema)
    def get(self, search_id: uuid.UUID) -> Any:
        """One saved search."""
        return service.get_saved_search(db.session, actor=require_actor(), search_id=search_id)

    @auth_required()
    @blp.response(204)
    def delete(self, search_id: uuid.UUID) -> None:
        """Delete a saved search."""
        service.delete_saved_search(db.session, actor=require_actor(), search_id=search_id)


@blp.route("/me/saved-searches/<uuid:search_id>/matches")
class SavedSearchMatches(MethodView):
    @writes_on_get  # reading the matches moves the search's read marker
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, JobPageSchema)
    def get(self, query: dict[str, Any], search_id: uuid.UUID) -> Any:
        """Postings published since the search was last read; reading marks it read."""
        return service.saved_search_matches(db.session, actor=require_actor(),
                                            search_id=search_id, limit=query["limit"],
                                            cursor=query["cursor"])
