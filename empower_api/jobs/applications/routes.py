"""HTTP routes for applications, their messages and feedback (thin views)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.db import db, writes_on_get
from empower_api.jobs.applications import (
    feedback,
    messages,
    privacy,  # noqa: F401  (registers exporter, eraser)
    service,
    views,
)
from empower_api.jobs.applications.schemas import (
    ApplicationCreateSchema,
    ApplicationNoteSchema,
    ApplicationPageSchema,
    ApplicationSchema,
    ApplicationsQuerySchema,
    FeedbackCreateSchema,
    FeedbackSchema,
    FeedbackSummarySchema,
    MessageCreateSchema,
    MessagePageSchema,
    MessageSchema,
    NoteCreateSchema,
    StatusChangeSchema,
)
from empower_api.pagination import Page, PageQuerySchema
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("applications", __name__, url_prefix="/api/v1",
                description="Job applications, messages and feedback")

PARTICIPANTS = (Role.SURVIVOR, Role.EMPLOYER)
STAFF = (Role.STAFF, Role.ADMIN)


@blp.route("/jobs/<uuid:job_id>/applications")
class JobApplications(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Apply to a posting.

        Only the chosen ``share.fields`` are shown to the employer, as they are now;
        a second application to the same posting is a 409."""
        session = db.session
        application = service.apply(session, actor=require_actor(), job_id=job_id, data=data)
        job = service.job_of(session, application)
        return views.applicant_view(application, job)

    @auth_required(Role.EMPLOYER)
    @blp.arguments(ApplicationsQuerySchema, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, query: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Applications to a posting, newest first.

        Members of the posting's employer only; each shows the handle, status, cover
        note and only what the applicant shared."""
        page = service.list_for_job(db.session, actor=require_actor(), job_id=job_id,
                                    status=query.get("status"), limit=query["limit"],
                                    cursor=query["cursor"])
        return Page(items=service.employer_views(db.session, page.items),
                    next_cursor=page.next_cursor)


@blp.route("/me/applications")
class MyApplications(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(ApplicationsQuerySchema, location="query")
    @blp.response(200, ApplicationPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's applications, newest first.

        Each shows its status and history (never the employer's notes)."""
        page = service.list_mine(db.session, actor=require_actor(), status=query.get("status"),
                                 limit=query["limit"], cursor=query["cursor"])
        return Page(items=[views.applicant_view(a, a.job) for a in page.items],
                    next_cursor=page.next_cursor)


@blp.route("/applications/<uuid:application_id>")
class ApplicationItem(MethodView):
    @writes_on_get  # an employer member's first open marks it viewed
    @auth_required(*PARTICIPANTS)
    @blp.response(200, ApplicationSchema)
    def get(self, application_id: uuid.UUID) -> Any:
        """One application with its history.

        The applicant sees it without notes; the employer's members see their notes,
        and the first open by one of them marks it ``viewed``."""
        return service.open_application(db.session, actor=require_actor(),
                                        application_id=application_id)


@blp.route("/applications/<uuid:application_id>/withdraw")
class Withdraw(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, ApplicationSchema)
    def post(self, application_id: uuid.UUID) -> Any:
        """Withdraw an application.

        Only the applicant, and only while it is open (otherwise 409)."""
        session = db.session
        application = service.withdraw(session, actor=require_actor(),
                                       application_id=application_id)
        return views.applicant_view(application, service.job_of(session, application))


@blp.route("/applications/<uuid:application_id>/status")
class StatusChange(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Move an application along the pipeline.

        Members of the employer only; impossible transitions are 409. An optional
        ``note`` is kept as an internal note."""
        session = db.session
        application = service.change_status(session, actor=require_actor(),
                                            application_id=application_id,
                                            status=data["status"], note=data.get("note"))
        return service.employer_view_of(session, application)


@blp.route("/applications/<uuid:application_id>/notes")
class Notes(MethodView):
    @auth_required(Role.EMPLOYER)
    @blp.arguments(NoteCreateSchema)
    @blp.response(201, ApplicationNoteSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Add an internal note.

        Members of the employer only; the applicant never sees notes."""
        return service.add_note(db.session, actor=require_actor(),
                                application_id=application_id, body=data["body"])


@blp.route("/applications/<uuid:application_id>/messages")
class Messages(MethodView):
    @auth_required(*PARTICIPANTS)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MessagePageSchema)
    def get(self, query: dict[str, Any], application_id: uuid.UUID) -> Any:
        """The application's messages, oldest first.

        The applicant and the employer's members only."""
        return messages.list_messages(db.session, actor=require_actor(),
                                      application_id=application_id, limit=query["limit"],
                                      cursor=query["cursor"])

    @auth_required(*PARTICIPANTS)
    @blp.arguments(MessageCreateSchema)
    @blp.response(201, MessageSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Send a message.

        A withdrawn, declined or hired-and-closed application takes none (409)."""
        return messages.post_message(db.session, actor=require_actor(),
                                     application_id=application_id, body=data["body"])


@blp.route("/applications/<uuid:application_id>/feedback")
class GiveFeedback(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(FeedbackCreateSchema)
    @blp.response(201, FeedbackSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Rate whether the employer kept its commitments.

        The applicant, once, after ``hired`` or ``declined``; anonymous to the employer."""
        return feedback.give_feedback(db.session, actor=require_actor(),
                                      application_id=application_id, data=data)


@blp.route("/staff/employers/<uuid:employer_id>/feedback")
class EmployerFeedback(MethodView):
    @auth_required(*STAFF)
    @blp.response(200, FeedbackSummarySchema)
    def get(self, employer_id: uuid.UUID) -> Any:
        """Survivors' feedback on an employer, in aggregate.

        Every figure is null until at least 5 ratings exist."""
        return feedback.employer_summary(db.session, actor=require_actor(),
                                         employer_id=employer_id)
