"""HTTP routes for reports, staff moderation and survivors' blocks and exclusions."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.db import db
from empower_api.extensions import limiter, rate_limit_key
from empower_api.moderation import personal, service
from empower_api.moderation.schemas import (
    BlockedEmployerPageSchema,
    ExcludedCategoriesSchema,
    ModerationCaseSchema,
    ModerationDecisionSchema,
    ModerationPageSchema,
    ReportCreateSchema,
    ReportSchema,
)
from empower_api.pagination import PageQuerySchema
from empower_api.security import tokens
from empower_api.security.crypto import cipher
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("moderation", __name__, url_prefix="/api/v1",
                description="Reports, moderation, and survivors' blocks and exclusions")

STAFF = (Role.STAFF, Role.ADMIN)


def _report_limit() -> str:
    return current_app.config.get("RATELIMIT_REPORTS", "10/hour")


def user_rate_limit_key() -> str:
    """Per signed-in user (a keyed hash of the token's subject); per IP when the token is
    missing or bad (the view then answers 401 anyway). Only the signature and expiry
    are checked here: the limit is counted before the view loads the session."""
    claims = tokens.request_claims()  # the view's own check reuses this decode
    identity = claims.get("sub") if claims else None
    if not identity:
        return f"ip:{rate_limit_key()}"
    return f"user:{cipher().blind_index(f'ratelimit:user:{identity}')}"


@blp.route("/jobs/<uuid:job_id>/reports")
class JobReports(MethodView):
    decorators = [limiter.limit(_report_limit, key_func=user_rate_limit_key,
                                scope="job-reports", methods=["POST"])]

    @auth_required()
    @blp.arguments(ReportCreateSchema)
    @blp.response(201, ReportSchema)
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Report a posting (once per user).

        Three distinct reporters hide it until staff review it; reporters stay anonymous.
        """
        return service.report_job(db.session, actor=require_actor(), job_id=job_id,
                                  reason=data["reason"], details=data["details"])


@blp.route("/staff/moderation")
class ModerationQueue(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ModerationPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Postings waiting for a moderation decision, oldest first.

        Hidden by reports or held for scam signals; each with its unreviewed reports.
        """
        return service.list_queue(db.session, actor=require_actor(), limit=query["limit"],
                                  cursor=query["cursor"])


@blp.route("/staff/jobs/<uuid:job_id>/moderation")
class ModerationDecision(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(ModerationDecisionSchema)
    @blp.response(200, ModerationCaseSchema)
    def post(self, data: dict[str, Any], job_id: uuid.UUID) -> Any:
        """Restore or remove a posting waiting in the moderation queue.

        Removal is final and notifies the posting's applicants neutrally.
        """
        return service.decide(db.session, actor=require_actor(), job_id=job_id,
                              decision=data["decision"], note=data["note"])


@blp.route("/me/blocked-employers")
class BlockedEmployers(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, BlockedEmployerPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The employers the caller blocked, most recent first."""
        return personal.list_blocked_employers(db.session, actor=require_actor(),
                                               limit=query["limit"], cursor=query["cursor"])


@blp.route("/me/blocked-employers/<uuid:employer_id>")
class BlockedEmployerItem(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(204)
    def put(self, employer_id: uuid.UUID) -> None:
        """Block an employer (blocking it again is harmless).

        Its postings vanish from the caller's search and saved-search matches.
        """
        personal.block_employer(db.session, actor=require_actor(), employer_id=employer_id)

    @auth_required(Role.SURVIVOR)
    @blp.response(204)
    def delete(self, employer_id: uuid.UUID) -> None:
        """Unblock an employer (harmless if it was not blocked)."""
        personal.unblock_employer(db.session, actor=require_actor(), employer_id=employer_id)


@blp.route("/me/excluded-categories")
class ExcludedCategories(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, ExcludedCategoriesSchema)
    def get(self) -> Any:
        """The job categories the caller never wants to see."""
        return {"categories": personal.excluded_categories(db.session, actor=require_actor())}

    @auth_required(Role.SURVIVOR)
    @blp.arguments(ExcludedCategoriesSchema)
    @blp.response(200, ExcludedCategoriesSchema)
    def put(self, data: dict[str, Any]) -> Any:
        """Replace the job categories the caller never wants to see.

        Postings in them vanish from the caller's search and saved-search matches.
        """
        return {"categories": personal.set_excluded_categories(
            db.session, actor=require_actor(), categories=data["categories"])}
