"""Request and response shapes for applications, messages and feedback."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.i18n import N_, msg
from empower_api.jobs.applications.feedback import RATED_COMMITMENTS
from empower_api.jobs.applications.messages import MAX_BODY
from empower_api.jobs.applications.models import ApplicationStatus
from empower_api.jobs.applications.service import EMPLOYER_STATUSES, SHAREABLE_FIELDS
from empower_api.jobs.schemas import PLAIN
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime


def _text(max_length: int, **kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length), PLAIN], **kw)


def _known_fields(values: list[str]) -> None:
    unknown = sorted(set(values) - set(SHAREABLE_FIELDS))
    if unknown:
        raise ma.ValidationError(msg("Not a shareable field: {unknown}. Choose from {choices}.",
                                     unknown=", ".join(unknown),
                                     choices=", ".join(SHAREABLE_FIELDS)))


class ApplicationShareSchema(ma.Schema):
    fields = fields.List(fields.String(validate=validate.Length(max=40)),
                         load_default=list, validate=[validate.Length(max=20), _known_fields],
                         metadata={"description": f"any of {', '.join(SHAREABLE_FIELDS)}"})
    credential_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                                    validate=validate.Length(max=20))


class ApplicationCreateSchema(ma.Schema):
    cover_note = fields.String(validate=[validate.Length(max=4000), PLAIN], load_default=None,
                               allow_none=True)
    share = fields.Nested(ApplicationShareSchema, load_default=dict)


class HistoryEntrySchema(ma.Schema):
    status = fields.String()
    at = fields.String(metadata={"description": "RFC 3339 UTC"})
    actor_role = fields.String(metadata={"description": "applicant | employer | staff | system"})


class ApplicationSharedSchema(ma.Schema):
    fields = fields.Dict(metadata={"description": "the shared profile fields, as submitted"})
    credentials = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "shared credentials, each with its jws"})


class ApplicationNoteSchema(ma.Schema):
    id = fields.UUID()
    body = fields.String()
    created_at = UtcDateTime()


class ApplicationJobSchema(ma.Schema):
    id = fields.UUID()
    title = fields.String()
    employer_name = fields.String()
    status = fields.String()


class ApplicationSchema(ma.Schema):
    """An application. Employers see ``notes``; the applicant sees ``job``, never notes."""

    id = fields.UUID()
    job_id = fields.UUID()
    applicant_handle = fields.String()
    status = fields.String()
    cover_note = fields.String(allow_none=True)
    shared = fields.Nested(ApplicationSharedSchema)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    submitted_at = UtcDateTime()
    updated_at = UtcDateTime()
    notes = fields.List(fields.Nested(ApplicationNoteSchema))
    job = fields.Nested(ApplicationJobSchema)


ApplicationPageSchema = page_schema(ApplicationSchema, "ApplicationPage")


class ApplicationsQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf([s.value for s in ApplicationStatus]))


class StatusChangeSchema(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(list(EMPLOYER_STATUSES)))
    note = _text(4000, load_default=None, allow_none=True)


class NoteCreateSchema(ma.Schema):
    body = _text(4000, required=True)


class MessageCreateSchema(ma.Schema):
    body = fields.String(required=True, validate=[
        validate.Length(min=1, max=MAX_BODY, error=N_("Write 1 to {max} characters.")), PLAIN])


class MessageSchema(ma.Schema):
    id = fields.UUID()
    application_id = fields.UUID()
    sender_role = fields.String(metadata={"description": "applicant | employer"})
    mine = fields.Boolean()
    body = fields.String(allow_none=True, metadata={"description": "null once erased"})
    erased = fields.Boolean()
    created_at = UtcDateTime()


MessagePageSchema = page_schema(MessageSchema, "MessagePage")

CommitmentsKeptSchema = ma.Schema.from_dict(
    {name: fields.Boolean(required=True) for name in RATED_COMMITMENTS},
    name="CommitmentsKept")


class FeedbackCreateSchema(ma.Schema):
    commitments_kept = fields.Nested(CommitmentsKeptSchema, required=True)
    comment = fields.String(validate=[validate.Length(max=2000), PLAIN], load_default=None,
                            allow_none=True)


class FeedbackSchema(ma.Schema):
    id = fields.UUID()
    application_id = fields.UUID()
    commitments_kept = fields.Dict()
    comment = fields.String(allow_none=True)
    created_at = UtcDateTime()


class FeedbackSummarySchema(ma.Schema):
    employer_id = fields.UUID()
    ratings = fields.Integer(allow_none=True, metadata={"description": "null under 5"})
    minimum_ratings = fields.Integer()
    commitments_kept_bp = fields.Dict(metadata={
        "description": "per commitment, basis points of ratings saying it was kept"})
    recent_ratings = fields.Integer(allow_none=True)
    recent_kept_bp = fields.Integer(allow_none=True)
    review_threshold_bp = fields.Integer()
