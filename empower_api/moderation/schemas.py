"""Request and response shapes for reports, moderation and survivor controls."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.jobs.models import JobCategory
from empower_api.jobs.schemas import PLAIN, JobSchema
from empower_api.moderation.models import Decision, ReportReason
from empower_api.pagination import page_schema
from empower_api.timefmt import UtcDateTime


def _choice(enum: type, **kw: object) -> fields.String:
    return fields.String(validate=validate.OneOf([e.value for e in enum]), **kw)


class ReportCreateSchema(ma.Schema):
    reason = _choice(ReportReason, required=True)
    details = fields.String(load_default=None, allow_none=True,
                            validate=[validate.Length(max=2000), PLAIN],
                            metadata={"description": "What is wrong (seen by staff only)."})


class ReportSchema(ma.Schema):
    id = fields.UUID()
    job_id = fields.UUID()
    reason = fields.String()
    details = fields.String(allow_none=True)
    created_at = UtcDateTime()


class CaseReportSchema(ma.Schema):
    """A report as staff see it: never who filed it."""

    reason = fields.String()
    details = fields.String(allow_none=True)
    created_at = UtcDateTime()


class ModerationCaseSchema(ma.Schema):
    id = fields.UUID()
    job = fields.Nested(JobSchema)
    trigger = fields.String(metadata={"description": "`reports` or `scam_signals`"})
    signals = fields.List(fields.String(), metadata={
        "description": "Scam signal kinds found: `fees`, `documents`, `travel`"})
    state = fields.String(metadata={"description": "`pending`, `restored` or `removed`"})
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "Staff's note on the decision"})
    reports = fields.List(fields.Nested(CaseReportSchema))


ModerationPageSchema = page_schema(ModerationCaseSchema, "ModerationPage")


class ModerationDecisionSchema(ma.Schema):
    decision = _choice(Decision, required=True)
    note = fields.String(load_default=None, allow_none=True,
                         validate=[validate.Length(min=1, max=2000), PLAIN])


class BlockedEmployerSchema(ma.Schema):
    employer_id = fields.UUID()
    name = fields.String()
    blocked_at = UtcDateTime()


BlockedEmployerPageSchema = page_schema(BlockedEmployerSchema, "BlockedEmployerPage")


class ExcludedCategoriesSchema(ma.Schema):
    categories = fields.List(_choice(JobCategory), required=True,
                             validate=validate.Length(max=len(JobCategory)))
