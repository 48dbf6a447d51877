"""Request and response shapes for jobs. Unknown body fields are refused (422)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from empower_api.countries import country_field
from empower_api.db import utcnow
from empower_api.i18n import N_
from empower_api.inputs import FullMatch
from empower_api.jobs.models import (
    BOOLEAN_COMMITMENTS,
    BackgroundCheck,
    EmploymentType,
    JobCategory,
    JobStatus,
    PayPeriod,
    VettingStatus,
    Workplace,
)
from empower_api.money import MAX_AMOUNT, amount_field, validate_currency
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime, rfc3339

BCP47 = FullMatch(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                        error=N_("Use a BCP 47 tag like 'en' or 'pt-BR'."))
# Control characters (NUL included) never reach the database.
# The same words as the request-wide check (empower_api.inputs.text_problem).
PLAIN = FullMatch(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                  error=N_("Control characters are not allowed."))
# Other controls never get this far (text_problem); tab, CR and LF are what it refuses.
ONE_LINE = FullMatch(r"^[^\x00-\x1f\x7f]*$",
                     error=N_("Keep this on one line, without tabs or line breaks."))


def _line(max_length: int, **kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length), ONE_LINE], **kw)


def _text(max_length: int, **kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length), PLAIN], **kw)


def _choice(enum: type, **kw: Any) -> fields.String:
    return fields.String(validate=validate.OneOf([e.value for e in enum]), **kw)




def _future(value: datetime) -> None:
    if value <= utcnow():
        raise ma.ValidationError("Choose a moment in the future.")


Skill = fields.String(validate=[validate.Length(min=1, max=50), ONE_LINE])
Language = fields.String(validate=[validate.Length(min=2, max=35), BCP47])


# --- employers --------------------------------------------------------------------


class CommitmentsSchema(ma.Schema):
    flexible_scheduling = fields.Boolean(required=True)
    fair_chance_hiring = fields.Boolean(required=True)
    pay_transparency = fields.Boolean(required=True)
    safe_workplace_policy = fields.Boolean(required=True)
    trauma_informed_training = fields.Boolean(required=True)
    language_support = fields.List(Language, required=True, validate=validate.Length(max=20))
    accommodations = fields.Boolean(required=True)


class EmployerCreateSchema(ma.Schema):
    name = _line(120, required=True)
    description = _text(5000, required=True)
    country = country_field(metadata={
        "description": "ISO 3166-1 alpha-2 code in capitals (the United Kingdom is `GB`); "
                       "default: the server's `DEFAULT_COUNTRY`."})
    region = _line(80, required=True)
    city = _line(80, required=True)
    website = fields.Url(schemes={"https", "http"}, validate=validate.Length(max=300),
                         allow_none=True)
    commitments = fields.Nested(CommitmentsSchema, required=True)


class BadgeSchema(ma.Schema):
    """Why a posting is safe to consider: the employer's vetting and commitments."""

    vetted = fields.Boolean()
    vetted_until = UtcDateTime(allow_none=True)
    commitments = fields.List(fields.String())
    language_support = fields.List(fields.String())


def badge_of(employer: Any) -> dict[str, Any]:
    """``commitments`` lists the commitments the employer made (compact for lists)."""
    vetted = employer.is_vetted(utcnow())
    declared = employer.commitments or {}
    return {
        "vetted": vetted,
        "vetted_until": employer.vetted_until if vetted else None,
        "commitments": [key for key in BOOLEAN_COMMITMENTS if declared.get(key) is True],
        "language_support": list(declared.get("language_support", [])),
    }


class EmployerSchema(ma.Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String()
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    region = fields.String()
    city = fields.String()
    website = fields.String(allow_none=True)
    commitments = fields.Dict()
    vetting_status = fields.Method("_status")
    vetted_until = UtcDateTime(allow_none=True)
    badge = fields.Method("_badge")
    created_at = UtcDateTime()

    def _status(self, employer: Any) -> str:
        return employer.effective_status(utcnow())

    def _badge(self, employer: Any) -> dict[str, Any]:
        return BadgeSchema().dump(badge_of(employer))


EmployerPageSchema = page_schema(EmployerSchema, "EmployerPage")


class EmployerListSchema(ma.Schema):
    items = fields.List(fields.Nested(EmployerSchema))


class VettingQuerySchema(PageQuerySchema):
    status = _choice(VettingStatus, load_default=VettingStatus.PENDING)


class VettingDecisionSchema(ma.Schema):
    decision = fields.String(required=True,
                             validate=validate.OneOf(["approve", "reject", "suspend"]))
    note = _text(2000, required=True)


class InvitationCreateSchema(ma.Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class InvitationSchema(ma.Schema):
    """An invitation: the same shape whether or not the address has an account."""

    id = fields.UUID()
    employer_id = fields.UUID()
    employer_name = fields.String()
    status = fields.String()
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


class InvitationListSchema(ma.Schema):
    items = fields.List(fields.Nested(InvitationSchema))


class EmployerMemberSchema(ma.Schema):
    user_id = fields.UUID()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    joined_at = UtcDateTime()


class EmployerMemberListSchema(ma.Schema):
    items = fields.List(fields.Nested(EmployerMemberSchema))


# --- postings ---------------------------------------------------------------------


class JobWriteSchema(ma.Schema):
    title = _line(120)
    description = _text(10000)
    employment_type = _choice(EmploymentType)
    pay_min_amount = amount_field()
    pay_max_amount = amount_field()
    currency = fields.String(validate=validate_currency)
    pay_period = _choice(PayPeriod)
    country = country_field(metadata={
        "description": "ISO 3166-1 alpha-2 code in capitals (the United Kingdom is `GB`); "
                       "default on create: the employer's country."})
    region = _line(80)
    city = _line(80)
    workplace = _choice(Workplace)
    category = _choice(JobCategory, metadata={
        "description": "What kind of work (default `other`); see GET /job-categories."})
    languages = fields.List(Language, validate=validate.Length(max=20))
    skills = fields.List(Skill, validate=validate.Length(max=30))
    flexible_schedule = fields.Boolean()
    background_check = _choice(BackgroundCheck)
    status = fields.String(validate=validate.OneOf([JobStatus.DRAFT, JobStatus.PUBLISHED]))
    valid_through = UtcDateTime(allow_none=True, validate=_future)


# Everything API.md lists is required on create, except status (draft), valid_through,
# category (other) and country (the employer's).
OPTIONAL_ON_CREATE = ("status", "valid_through", "category", "country")


class JobCreateSchema(JobWriteSchema):
    employer_id = fields.UUID(required=True)

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_name not in OPTIONAL_ON_CREATE:
            field_obj.required = True


class JobUpdateSchema(JobWriteSchema):
    """``PATCH /jobs/{id}``: any subset of the writable fields."""


def _employer_with_badge(job: Any) -> dict[str, Any]:
    # Built by hand: one nested schema dump per list item costs more than the query.
    employer = job.employer
    badge = badge_of(employer)
    until = badge["vetted_until"]
    return {"id": str(employer.id), "name": employer.name, **badge,
            "vetted_until": rfc3339(until)}


class JobSummarySchema(ma.Schema):
    """A posting in a list: no description, so a page of 20 stays under 16 KB."""

    id = fields.UUID()
    employer = fields.Function(_employer_with_badge, metadata={
        "description": "id, name and the vetting badge (see EmployerBadge)"})
    title = fields.String()
    employment_type = fields.String()
    pay_min_amount = fields.Integer()
    pay_max_amount = fields.Integer()
    currency = fields.String()
    pay_period = fields.String()
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    region = fields.String()
    city = fields.String()
    workplace = fields.String()
    category = fields.String()
    languages = fields.List(fields.String())
    skills = fields.List(fields.String())
    flexible_schedule = fields.Boolean()
    background_check = fields.String()
    status = fields.String()
    published_at = UtcDateTime(allow_none=True)


class JobSchema(JobSummarySchema):
    employer_id = fields.UUID()
    description = fields.String()
    valid_through = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


JobPageSchema = page_schema(JobSummarySchema, "JobPage")


class JobCategorySchema(ma.Schema):
    code = fields.String()
    label = fields.String()
    covers = fields.String()


class JobCategoryListSchema(ma.Schema):
    items = fields.List(fields.Nested(JobCategorySchema))

_SUMMARY_AS_IS = ("title", "employment_type", "pay_min_amount", "pay_max_amount", "currency",
                  "pay_period", "country", "region", "city", "workplace", "category",
                  "flexible_schedule", "background_check", "status")


def summary_of(job: Any) -> dict[str, Any]:
    """``JobSummarySchema().dump(job)``, built directly: public search is the hottest
    path and a schema dump per item costs more than its query. A test holds the two
    equal."""
    out = {name: getattr(job, name) for name in _SUMMARY_AS_IS}
    out["id"] = str(job.id)
    out["employer"] = _employer_with_badge(job)
    out["languages"] = list(job.languages or [])
    out["skills"] = list(job.skills or [])
    out["published_at"] = rfc3339(job.published_at)
    return out


class JobSearchFiltersSchema(ma.Schema):
    """The filters of ``GET /jobs`` (also what a saved search stores)."""

    q = fields.String(validate=[validate.Length(max=200), ONE_LINE])
    country = country_field(metadata={
        "description": "Only postings in this country (ISO 3166-1 alpha-2, in capitals)."})
    region = _line(80)
    city = _line(80)
    workplace = DelimitedList(_choice(Workplace), validate=validate.Length(max=3))
    employment_type = DelimitedList(_choice(EmploymentType), validate=validate.Length(max=5))
    min_pay = fields.Integer(validate=validate.Range(min=0, max=MAX_AMOUNT))
    skills = DelimitedList(Skill, validate=validate.Length(max=20))
    languages = DelimitedList(Language, validate=validate.Length(max=10))
    flexible_schedule = fields.Boolean()
    background_check = DelimitedList(_choice(BackgroundCheck), validate=validate.Length(max=3))
    employer_id = fields.UUID()
    category = DelimitedList(_choice(JobCategory), validate=validate.Length(max=len(JobCategory)))
    sort = fields.String(validate=validate.OneOf(["relevance", "newest", "pay"]))


class JobSearchQuerySchema(JobSearchFiltersSchema, PageQuerySchema):
    """``GET /jobs``: the filters plus ``limit`` and ``cursor``."""


class EmployerJobsQuerySchema(PageQuerySchema):
    status = _choice(JobStatus)


# --- saved jobs and searches --------------------------------------------------------


class SavedJobSchema(ma.Schema):
    job_id = fields.UUID()
    saved_at = UtcDateTime(attribute="created_at")
    available = fields.Boolean()
    job = fields.Nested(JobSummarySchema, allow_none=True)


SavedJobPageSchema = page_schema(SavedJobSchema, "SavedJobPage")


class SavedSearchCreateSchema(ma.Schema):
    name = _line(80, required=True)
    query = fields.Dict(required=True)


class SavedSearchSchema(ma.Schema):
    id = fields.UUID()
    name = fields.String()
    query = fields.Dict()
    created_at = UtcDateTime()
    last_read_at = UtcDateTime()


SavedSearchPageSchema = page_schema(SavedSearchSchema, "SavedSearchPage")
