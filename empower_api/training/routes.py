"""HTTP routes for training: thin views that call one service function each."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.db import db, writes_on_get
from empower_api.extensions import limiter, rate_limit_key
from empower_api.jobs.routes import conditional, search_key
from empower_api.pagination import PageQuerySchema
from empower_api.response_cache import public_cache
from empower_api.security.permissions import (
    access_reason_documented,
    auth_required,
    require_actor,
)
from empower_api.training import (
    catalog,
    courses,
    credentials,
    enrollments,
    issuer_keys,
    prior_learning,
    privacy,  # noqa: F401  (registers exporter and eraser)
    recommendations,
    status_list,
    verification,
)
from empower_api.training.schemas import (
    CourseCreateSchema,
    CoursePageSchema,
    CourseSchema,
    CourseSearchQuerySchema,
    CredentialPageSchema,
    CredentialSchema,
    EnrollmentPageSchema,
    EnrollmentSchema,
    IssuedSchema,
    PriorLearningCreateSchema,
    PriorLearningDecisionSchema,
    PriorLearningPageSchema,
    PriorLearningQueueQuerySchema,
    PriorLearningSchema,
    RecommendationsSchema,
    RevokeSchema,
    ShareQuerySchema,
    ShareSchema,
    StaffEnrollmentPageSchema,
    VerifyRequestSchema,
    VerifyResultSchema,
    course_summary,
)

blp = Blueprint("training", __name__, url_prefix="/api/v1", description="Training")
wellknown = Blueprint("issuer", __name__, url_prefix="/.well-known",
                      description="Credential issuer identity")

STAFF = (Role.STAFF, Role.ADMIN)


def _search_limit() -> str:
    return current_app.config.get("RATELIMIT_SEARCH", "120/minute")


def _verify_limit() -> str:
    return current_app.config.get("RATELIMIT_VERIFY", "30/minute")


# --- courses --------------------------------------------------------------------------


@blp.route("/courses")
class Courses(MethodView):
    decorators = [limiter.limit(_search_limit, key_func=rate_limit_key, scope="courses-search",
                                methods=["GET", "HEAD"])]

    @public_cache("courses", normalise_q=search_key)
    @conditional
    @blp.arguments(CourseSearchQuerySchema, location="query")
    @blp.response(200, CoursePageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Search the course catalog (no account needed).

        Full text over title, description, provider and skills (``q``), with filters.
        """
        page = catalog.search_courses(db.session, query=query, limit=query["limit"],
                                      cursor=query.get("cursor"))
        return jsonify({"items": [course_summary(c) for c in page.items],
                        "next_cursor": page.next_cursor})

    @auth_required(*STAFF)
    @blp.arguments(CourseCreateSchema)
    @blp.response(201, CourseSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a course (staff).

        With its modules, skills taught and the credential it awards.
        """
        return courses.create_course(db.session, actor=require_actor(), data=data)


@blp.route("/courses/<uuid:course_id>")
class CourseItem(MethodView):
    @public_cache("courses")
    @blp.response(200, CourseSchema)
    def get(self, course_id: uuid.UUID) -> Any:
        """A course with its modules (no account needed).

        Includes the credential the course awards.
        """
        return courses.get_course(db.session, course_id=course_id)


# --- enrollments ----------------------------------------------------------------------


@blp.route("/courses/<uuid:course_id>/enrollments")
class CourseEnrollments(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(201, EnrollmentSchema)
    def post(self, course_id: uuid.UUID) -> Any:
        """Enroll in a course (survivors).

        One active enrollment per course: a second one is a 409.
        """
        return enrollments.enroll(db.session, user=require_actor(), course_id=course_id)


@blp.route("/me/enrollments")
class MyEnrollments(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, EnrollmentPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's enrollments, newest first.

        Every status, each with its course and progress.
        """
        return enrollments.list_mine(db.session, user=require_actor(), limit=query["limit"],
                                     cursor=query["cursor"])


@blp.route("/enrollments/<uuid:enrollment_id>/modules/<uuid:module_id>/complete")
class ModuleComplete(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, EnrollmentSchema)
    def post(self, enrollment_id: uuid.UUID, module_id: uuid.UUID) -> Any:
        """Mark a module done (the enrolled survivor).

        Answers the enrollment with ``progress`` from 0 to 100.
        """
        return enrollments.complete_module(db.session, user=require_actor(),
                                           enrollment_id=enrollment_id, module_id=module_id)


@blp.route("/enrollments/<uuid:enrollment_id>/withdraw")
class Withdraw(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, EnrollmentSchema)
    def post(self, enrollment_id: uuid.UUID) -> Any:
        """Withdraw from a course (the enrolled survivor).

        The enrollment becomes ``withdrawn``; enrolling again later is allowed.
        """
        return enrollments.withdraw(db.session, user=require_actor(),
                                    enrollment_id=enrollment_id)


@blp.route("/staff/courses/<uuid:course_id>/enrollments")
class StaffCourseEnrollments(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, StaffEnrollmentPageSchema)
    def get(self, query: dict[str, Any], course_id: uuid.UUID) -> Any:
        """A course's enrollments (staff).

        Ids, status and progress only: nothing that names a person.
        """
        return enrollments.list_for_course(db.session, course_id=course_id,
                                           limit=query["limit"], cursor=query["cursor"])


@blp.route("/staff/enrollments/<uuid:enrollment_id>/complete")
class StaffComplete(MethodView):
    @auth_required(*STAFF)
    @blp.response(201, IssuedSchema)
    def post(self, enrollment_id: uuid.UUID) -> Any:
        """Complete an enrollment and issue its credential (staff).

        Both happen in one transaction; the decision is audited.
        """
        credential = enrollments.complete_by_staff(db.session, actor=require_actor(),
                                                   enrollment_id=enrollment_id)
        return {"credential": credential}


# --- credentials ----------------------------------------------------------------------


@blp.route("/me/credentials")
class MyCredentials(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, CredentialPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's credentials, newest first.

        Revoked ones are listed with ``status: revoked``.
        """
        return credentials.list_mine(db.session, user=require_actor(), limit=query["limit"],
                                     cursor=query["cursor"])


@blp.route("/credentials/<uuid:credential_id>")
class CredentialItem(MethodView):
    @auth_required()
    @blp.response(200, CredentialSchema)
    def get(self, credential_id: uuid.UUID) -> Any:
        """One of the caller's credentials.

        The document (``vc``), its compact JWS and its status; 404 for anyone else.
        """
        return credentials.get_mine(db.session, user=require_actor(),
                                    credential_id=credential_id)


@blp.route("/credentials/<uuid:credential_id>/share")
class ShareCredential(MethodView):
    @auth_required()
    @blp.arguments(ShareQuerySchema, location="query")
    @blp.response(200, ShareSchema)
    def get(self, query: dict[str, Any], credential_id: uuid.UUID) -> Any:
        """What to show someone: a link or QR payload carrying only the JWS.

        ``include_name=true`` adds the holder's name beside (not inside) the credential.
        """
        return credentials.share(db.session, user=require_actor(), credential_id=credential_id,
                                 include_name=query["include_name"])


@blp.route("/credentials/verify")
class VerifyCredential(MethodView):
    decorators = [limiter.limit(_verify_limit, key_func=rate_limit_key,
                                scope="credentials-verify")]

    @blp.arguments(VerifyRequestSchema)
    @blp.response(200, VerifyResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Verify a credential (no account needed).

        Checks signature, key, algorithm, dates and revocation; anything wrong is
        ``valid: false`` with a ``reason``.
        """
        return verification.verify(db.session, token=data["jws"]).as_dict()


@blp.route("/credentials/status/<uuid:list_id>")
class StatusListCredential(MethodView):
    @conditional
    @blp.response(200)
    def get(self, list_id: uuid.UUID) -> Response:
        """A revocation status list (W3C Bitstring Status List).

        JSON by default; ``Accept: application/vc+jwt`` gives it signed as a JWS.
        """
        document = status_list.status_list_credential(db.session, list_id=list_id)
        if request.accept_mimetypes.best == "application/vc+jwt":
            token, _kid = credentials.sign(document)
            return Response(token, mimetype="application/vc+jwt")
        return jsonify(document)


@blp.route("/staff/credentials/<uuid:credential_id>/revoke")
class RevokeCredential(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(RevokeSchema)
    @blp.response(200, CredentialSchema)
    def post(self, data: dict[str, Any], credential_id: uuid.UUID) -> Any:
        """Revoke a credential (staff).

        Takes effect at once, in verification and in the published status list.
        """
        return credentials.revoke(db.session, actor=require_actor(),
                                  credential_id=credential_id, reason=data["reason"])


# --- prior learning -------------------------------------------------------------------


@blp.route("/me/prior-learning")
class MyPriorLearning(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(PriorLearningCreateSchema)
    @blp.response(201, PriorLearningSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Claim a credential or skill earned elsewhere.

        The claim waits (``pending``) for staff to verify or decline it.
        """
        return prior_learning.create_claim(db.session, user=require_actor(), data=data)

    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, PriorLearningPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The caller's prior-learning claims, newest first.

        Each with its status.
        """
        return prior_learning.list_mine(db.session, user=require_actor(), limit=query["limit"],
                                        cursor=query["cursor"])


@blp.route("/staff/prior-learning")
class PriorLearningQueue(MethodView):
    @writes_on_get  # the read is audited
    @auth_required(*STAFF)
    @blp.arguments(PriorLearningQueueQuerySchema, location="query")
    @access_reason_documented(blp)
    @blp.response(200, PriorLearningPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Claims to review (staff), oldest first.

        Needs a reason in ``X-Access-Reason``; every read is audited.
        """
        return prior_learning.list_for_review(
            db.session, actor=require_actor(), status=query["status"],
            reason=request.headers.get("X-Access-Reason"), limit=query["limit"],
            cursor=query["cursor"])


@blp.route("/staff/prior-learning/<uuid:claim_id>/decision")
class PriorLearningDecision(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(PriorLearningDecisionSchema)
    @blp.response(200, PriorLearningSchema)
    def post(self, data: dict[str, Any], claim_id: uuid.UUID) -> Any:
        """Verify or decline a prior-learning claim (staff).

        A verified claim counts for matching like an issued credential; audited.
        """
        return prior_learning.decide(db.session, actor=require_actor(), claim_id=claim_id,
                                     decision=data["decision"], note=data["note"])


# --- recommendations ------------------------------------------------------------------


@blp.route("/me/recommendations")
class Recommendations(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.response(200, RecommendationsSchema)
    def get(self) -> Any:
        """Jobs and courses picked for the caller, each with a one-line reason.

        Jobs by shared skills; courses teaching what saved jobs ask for.
        """
        return recommendations.recommend(db.session, user=require_actor())


# --- issuer identity (outside /api/v1) ----------------------------------------------------


@wellknown.route("/jwks.json")
class Jwks(MethodView):
    @wellknown.response(200)
    def get(self) -> Any:
        """The issuer's public keys (JWK Set), current and retired.

        Every credential's JWS names one of them in its ``kid``.
        """
        return issuer_keys.jwks()


@wellknown.route("/did.json")
class DidDocument(MethodView):
    @wellknown.response(200)
    def get(self) -> Any:
        """The issuer's did:web document.

        The same keys as the JWK Set, as assertion methods.
        """
        return issuer_keys.did_document()
