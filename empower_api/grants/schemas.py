"""Request and response shapes for microgrants. Unknown fields are refused (422).

Amounts are strict integers of minor units of the program's ``currency``.
"""

from __future__ import annotations

import json

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.grants.models import (
    ApplicationStatus,
    Decision,
    DisbursementStatus,
    GrievanceAbout,
    GrievanceStatus,
    PayoutMethod,
)
from empower_api.money import amount_field, validate_currency
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.timefmt import UtcDateTime

TEXT = validate.Length(min=1, max=4000)


class GrantProgramCreateSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    currency = fields.String(required=True, validate=lambda c: validate_currency(c.upper()))
    budget_amount = amount_field(minimum=1, required=True)
    max_award_amount = amount_field(minimum=1, required=True)
    dual_approval_threshold_amount = amount_field(required=True)
    opens_at = UtcDateTime(required=True)
    closes_at = UtcDateTime(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    awards_per_survivor = fields.Integer(strict=True, load_default=1,
                                         validate=validate.Range(min=1, max=100))
    eligibility_questions = fields.List(fields.String(validate=validate.Length(min=1, max=300)),
                                        load_default=list, validate=validate.Length(max=20))


class GrantProgramSchema(ma.Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String()
    currency = fields.String()
    budget_amount = fields.Integer()
    max_award_amount = fields.Integer()
    dual_approval_threshold_amount = fields.Integer()
    awards_per_survivor = fields.Integer()
    eligibility_questions = fields.List(fields.String())
    opens_at = UtcDateTime()
    closes_at = UtcDateTime()


GrantProgramPageSchema = page_schema(GrantProgramSchema, "GrantProgramPage")


class GrantApplicationCreateSchema(ma.Schema):
    requested_amount = amount_field(minimum=1, required=True)
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=500))
    plan = fields.String(required=True, validate=TEXT)
    answers = fields.List(fields.String(validate=validate.Length(max=2000)), load_default=list,
                          validate=validate.Length(max=20))


class StaffGrantApplicationCreateSchema(GrantApplicationCreateSchema):
    program_id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)


class GrantApplicationSchema(ma.Schema):
    """What the applicant sees of their application."""

    id = fields.UUID()
    program_id = fields.UUID()
    status = fields.String()
    currency = fields.String()
    requested_amount = fields.Integer()
    approved_amount = fields.Integer(allow_none=True)
    purpose = fields.String()
    plan = fields.String()
    decision_note = fields.String(allow_none=True, data_key="decision_reason")
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


GrantApplicationPageSchema = page_schema(GrantApplicationSchema, "GrantApplicationPage")


class StaffGrantApplicationSchema(ma.Schema):
    """The review queue: amounts, status and flags; no purpose or plan (read one with a
    reason for those)."""

    id = fields.UUID()
    program_id = fields.UUID()
    applicant_id = fields.UUID()
    status = fields.String()
    currency = fields.String()
    requested_amount = fields.Integer()
    approved_amount = fields.Integer(allow_none=True)
    flags = fields.List(fields.String())
    flags_overridden = fields.Function(lambda a: a.flags_overridden_by_id is not None)
    first_approver_id = fields.UUID(allow_none=True)  # the second approver must differ
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


StaffGrantApplicationPageSchema = page_schema(StaffGrantApplicationSchema,
                                              "StaffGrantApplicationPage")


class StaffGrantApplicationDetailSchema(StaffGrantApplicationSchema):
    purpose = fields.String()
    plan = fields.String()
    answers = fields.Function(lambda a: json.loads(a.answers) if a.answers else [])
    decision_note = fields.String(allow_none=True)
    # Only while the applicant allows grant_follow_up_contact; else null.
    follow_up_contact = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                                    allow_none=True)


class StaffApplicationQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None,
                           validate=validate.OneOf(list(ApplicationStatus)))
    program_id = fields.UUID(load_default=None)


class GrantDecisionSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(Decision)))
    approved_amount = amount_field(minimum=1, load_default=None, allow_none=True)
    note = fields.String(required=True, validate=TEXT)


class FlagOverrideSchema(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=10, max=2000))


class CaseloadCreateSchema(ma.Schema):
    staff_id = fields.UUID(load_default=None)
    staff_email = fields.String(load_default=None, validate=validate.Length(max=254))
    user_id = fields.UUID(required=True)


class CaseloadSchema(ma.Schema):
    id = fields.UUID()
    staff_id = fields.UUID()
    user_id = fields.UUID()
    created_at = UtcDateTime()


class PayoutAccountCreateSchema(ma.Schema):
    method = fields.String(required=True, validate=validate.OneOf(list(PayoutMethod)))
    mobile_money_phone = fields.String(load_default=None, validate=validate.Length(max=32))


class PayoutAccountSchema(ma.Schema):
    method = fields.String()
    status = fields.String()
    mobile_money_phone = fields.String(allow_none=True)
    onboarding_url = fields.String(allow_none=True)


class DisbursementSchema(ma.Schema):
    id = fields.UUID()
    application_id = fields.UUID()
    program_id = fields.UUID()
    amount = fields.Integer()
    currency = fields.String()
    method = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    provider_reference = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    created_at = UtcDateTime()
    paid_at = UtcDateTime(allow_none=True)


DisbursementPageSchema = page_schema(DisbursementSchema, "DisbursementPage")


class DisbursementQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None,
                           validate=validate.OneOf(list(DisbursementStatus)))


class MarkPaidSchema(ma.Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ProgramReportSchema(ma.Schema):
    program_id = fields.UUID()
    currency = fields.String()
    budget_amount = fields.Integer()
    committed_amount = fields.Integer()
    disbursed_amount = fields.Integer()
    remaining_amount = fields.Integer()
    applications_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    disbursements_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())


class WebhookResultSchema(ma.Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


class GrievanceCreateSchema(ma.Schema):
    about = fields.String(required=True, validate=validate.OneOf(list(GrievanceAbout)))
    application_id = fields.UUID(required=True)
    details = fields.String(required=True, validate=TEXT)


class GrievanceBriefSchema(ma.Schema):
    id = fields.UUID()
    about = fields.String()
    application_id = fields.UUID()
    source = fields.String()
    status = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class GrievanceSchema(GrievanceBriefSchema):
    details = fields.String(allow_none=True)


GrievancePageSchema = page_schema(GrievanceSchema, "GrievancePage")
GrievanceBriefPageSchema = page_schema(GrievanceBriefSchema, "GrievanceBriefPage")


class GrievanceQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(list(GrievanceStatus)))


class GrievanceHandleSchema(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        [GrievanceStatus.IN_REVIEW, GrievanceStatus.RESOLVED]))
    note = fields.String(load_default=None, validate=TEXT)


class CheckInSchema(ma.Schema):
    id = fields.UUID()
    question = fields.Constant(
        "Did the money arrive in full, and did you keep all of it for yourself?")
    created_at = UtcDateTime()
    answered_at = UtcDateTime(allow_none=True)
    received_in_full = fields.Boolean(allow_none=True)
    kept_all = fields.Boolean(allow_none=True)


CheckInPageSchema = page_schema(CheckInSchema, "GrantCheckInPage")


class CheckInAnswerSchema(ma.Schema):
    # JSON true or false only (not "yes" or 1).
    received_in_full = fields.Boolean(required=True, truthy={True}, falsy={False})
    kept_all = fields.Boolean(required=True, truthy={True}, falsy={False})
