"""Request and response shapes for training. Unknown body fields are refused (422)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from empower_api.db import utcnow
from empower_api.i18n import N_, current_locale, shipped_locales
from empower_api.jobs.schemas import Language, Skill, _line, _text
from empower_api.money import amount_field, validate_currency
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime, rfc3339
from empower_api.training.models import ClaimStatus, Modality
from empower_api.training.verification import MAX_JWS_LENGTH

# --- courses --------------------------------------------------------------------------


class ModuleInputSchema(ma.Schema):
    title = _line(120, required=True)


class CredentialTemplateSchema(ma.Schema):
    name = _line(120, required=True)
    description = _text(2000, required=True)
    description_translations = fields.Dict(
        keys=fields.String(validate=validate.OneOf(
            shipped_locales()[1:], error=N_("Choose one of the languages served: {choices}."))),
        values=_text(2000), validate=validate.Length(max=len(shipped_locales())),
        metadata={"description": "The description in other shipped languages, {locale: "
                                 "text}; a credential is issued in its learner's language."})


class CourseCreateSchema(ma.Schema):
    title = _line(120, required=True)
    description = _text(10000, required=True)
    provider = _line(120, required=True)
    modality = fields.String(required=True, validate=validate.OneOf([m.value for m in Modality]))
    languages = fields.List(Language, required=True, validate=validate.Length(min=1, max=10))
    duration_hours = fields.Integer(strict=True, required=True,
                                    validate=validate.Range(min=1, max=10_000))
    cost_amount = amount_field(load_default=0)
    currency = fields.String(required=True, validate=validate_currency)
    skills = fields.List(Skill, load_default=list, validate=validate.Length(max=30))
    modules = fields.List(fields.Nested(ModuleInputSchema), required=True,
                          validate=validate.Length(min=1, max=100))
    credential = fields.Nested(CredentialTemplateSchema, required=True)


class ModuleSchema(ma.Schema):
    id = fields.UUID()
    position = fields.Integer()
    title = fields.String()


class CourseSummarySchema(ma.Schema):
    """A course in a list: no description or modules (small pages)."""

    id = fields.UUID()
    title = fields.String()
    provider = fields.String()
    modality = fields.String()
    languages = fields.List(fields.String())
    skills = fields.List(fields.String())
    duration_hours = fields.Integer()
    cost_amount = fields.Integer()
    currency = fields.String()
    free = fields.Boolean()
    credential_name = fields.String()
    created_at = UtcDateTime()


_SUMMARY_AS_IS = ("title", "provider", "modality", "duration_hours", "cost_amount", "currency",
                  "free", "credential_name")


def course_summary(course: Any) -> dict[str, Any]:
    """``CourseSummarySchema().dump(course)``, built directly (the search hot path);
    a test holds the two equal."""
    out = {name: getattr(course, name) for name in _SUMMARY_AS_IS}
    out["id"] = str(course.id)
    out["languages"] = list(course.languages or [])
    out["skills"] = list(course.skills or [])
    out["created_at"] = rfc3339(course.created_at)
    return out


class CredentialTemplateOutSchema(ma.Schema):
    name = fields.String(attribute="credential_name")
    description = fields.String(attribute="credential_description")


def credential_template(course: Any) -> dict[str, Any]:
    """The credential a course awards, its description in the request's language."""
    translations = dict(course.credential_description_translations or {})
    return {"name": course.credential_name,
            "description": translations.get(current_locale(), course.credential_description),
            "description_translations": translations}


class CourseSchema(CourseSummarySchema):
    description = fields.String()
    modules = fields.List(fields.Nested(ModuleSchema))
    credential = fields.Function(credential_template)


class CourseSearchQuerySchema(PageQuerySchema):
    q = fields.String(validate=[validate.Length(max=200)])
    skills = DelimitedList(Skill, validate=validate.Length(max=20))
    languages = DelimitedList(Language, validate=validate.Length(max=10))
    modality = DelimitedList(fields.String(validate=validate.OneOf([m.value for m in Modality])),
                             validate=validate.Length(max=3))
    free = fields.Boolean()


CoursePageSchema = page_schema(CourseSummarySchema, "CoursePage")

# --- enrollments ------------------------------------------------------------------------


class EnrollmentSchema(ma.Schema):
    id = fields.UUID()
    course_id = fields.UUID()
    course = fields.Function(lambda e: course_summary(e.course))
    status = fields.String()
    progress = fields.Integer(metadata={"description": "0–100"})
    completed_module_ids = fields.List(fields.String())
    created_at = UtcDateTime()
    completed_at = UtcDateTime(allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True)


EnrollmentPageSchema = page_schema(EnrollmentSchema, "EnrollmentPage")


class StaffEnrollmentSchema(ma.Schema):
    """What staff see in a course's list: no person, only the enrollment."""

    id = fields.UUID()
    course_id = fields.UUID()
    status = fields.String()
    progress = fields.Integer()
    created_at = UtcDateTime()
    completed_at = UtcDateTime(allow_none=True)


StaffEnrollmentPageSchema = page_schema(StaffEnrollmentSchema, "StaffEnrollmentPage")

# --- credentials ------------------------------------------------------------------------


class CredentialSchema(ma.Schema):
    id = fields.UUID()
    name = fields.String()
    course_id = fields.UUID(allow_none=True)
    vc = fields.Dict(metadata={"description": "W3C VC 2.0 / Open Badges 3.0 document"})
    jws = fields.String(metadata={"description": "the credential as a compact JWS (EdDSA)"})
    status = fields.String(metadata={"description": "active | revoked"})
    issued_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)


CredentialPageSchema = page_schema(CredentialSchema, "CredentialPage")


class IssuedSchema(ma.Schema):
    credential = fields.Nested(CredentialSchema)


class RevokeSchema(ma.Schema):
    reason = fields.String(load_default="other", validate=validate.OneOf(
        ["issued_in_error", "superseded", "misconduct", "other"]))


class ShareQuerySchema(ma.Schema):
    include_name = fields.Boolean(load_default=False)


class ShareSchema(ma.Schema):
    jws = fields.String()
    verify_url = fields.String(metadata={"description": "POST {\"jws\"} here to verify"})
    link = fields.String(metadata={"description": "a public link; the JWS is in the fragment"})
    qr_payload = fields.String(metadata={"description": "what a QR code carries: the JWS"})
    holder_name = fields.String(allow_none=True, metadata={
        "description": "stated by the holder, outside the signed credential"})


class VerifyRequestSchema(ma.Schema):
    jws = fields.String(required=True, validate=validate.Length(max=MAX_JWS_LENGTH))


class VerifyResultSchema(ma.Schema):
    valid = fields.Boolean()
    revoked = fields.Boolean(allow_none=True, metadata={
        "description": "null when the status was not (or could not be) checked"})
    issuer = fields.String(allow_none=True)
    credential_name = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True)
    reason = fields.String()

# --- prior learning ---------------------------------------------------------------------


def _not_future(value: Any) -> None:
    if value > utcnow().date():
        raise ma.ValidationError("Choose a date that has passed.")


class PriorLearningCreateSchema(ma.Schema):
    title = _line(120, required=True)
    issuer = _line(120, required=True)
    earned_on = fields.Date(required=True, validate=_not_future)
    evidence_note = _text(2000)
    skills = fields.List(Skill, load_default=list, validate=validate.Length(max=30))


class PriorLearningSchema(ma.Schema):
    id = fields.UUID()
    title = fields.String()
    issuer = fields.String()
    earned_on = fields.Date()
    evidence_note = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    status = fields.String()
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


PriorLearningPageSchema = page_schema(PriorLearningSchema, "PriorLearningPage")


class PriorLearningQueueQuerySchema(PageQuerySchema):
    status = fields.String(load_default=ClaimStatus.PENDING.value,
                           validate=validate.OneOf([s.value for s in ClaimStatus]))


class PriorLearningDecisionSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["verify", "decline"]))
    note = _text(2000, required=True)

# --- recommendations --------------------------------------------------------------------


class JobRecommendationSchema(ma.Schema):
    job = fields.Dict(metadata={"description": "a posting as in GET /jobs"})
    reason = fields.String()


class CourseRecommendationSchema(ma.Schema):
    course = fields.Dict(metadata={"description": "a course as in GET /courses"})
    reason = fields.String()


class RecommendationsSchema(ma.Schema):
    jobs = fields.List(fields.Nested(JobRecommendationSchema))
    courses = fields.List(fields.Nested(CourseRecommendationSchema))
