"""Request and response shapes for savings groups. Unknown fields are refused (422).

Money is integer minor units of the group's ``currency`` (strict integers: no
floats, no strings).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from empower_api.money import amount_field, validate_currency
from empower_api.pagination import PageQuerySchema, page_schema
from empower_api.savings.models import (
    RECORDABLE_TYPES,
    InterestMethod,
    LoanStatus,
    MemberRole,
)
from empower_api.timefmt import UtcDateTime


class SavingsGroupCreateSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    # Lower case is accepted and stored in capitals (the service upper-cases it).
    currency = fields.String(required=True,
                             validate=lambda code: validate_currency(code.upper()))
    share_price = amount_field(minimum=1, required=True)
    max_shares_per_meeting = fields.Integer(strict=True, required=True,
                                            validate=validate.Range(min=1, max=100))
    social_fund_amount = amount_field(required=True)
    loan_interest_bps_per_month = fields.Integer(strict=True, required=True,
                                                 validate=validate.Range(min=0, max=10_000))
    interest_method = fields.String(load_default=InterestMethod.FLAT,
                                    validate=validate.OneOf(list(InterestMethod)))
    max_loan_multiple = fields.Integer(strict=True, required=True,
                                       validate=validate.Range(min=0, max=100))
    cycle_months = fields.Integer(strict=True, required=True,
                                  validate=validate.Range(min=1, max=36))


class SavingsJoinSchema(ma.Schema):
    invite_code = fields.String(required=True, validate=validate.Length(min=4, max=16))


class SavingsRoleSchema(ma.Schema):
    role = fields.String(required=True, validate=validate.OneOf(list(MemberRole)))


class SavingsLeaveSchema(ma.Schema):
    payout = fields.Boolean(load_default=False)


class SavingsMemberSchema(ma.Schema):
    id = fields.UUID()
    alias = fields.String()
    role = fields.String()
    status = fields.String()
    joined_at = UtcDateTime()
    left_at = UtcDateTime(allow_none=True)


class SavingsCycleSchema(ma.Schema):
    id = fields.UUID()
    number = fields.Integer()
    share_price = fields.Integer()
    status = fields.String()
    started_on = fields.Date()
    ends_on = fields.Date()


class SavingsBalancesSchema(ma.Schema):
    cash = fields.Integer()
    share_fund = fields.Integer()
    social_fund = fields.Integer()
    loans_outstanding = fields.Integer()
    interest_receivable = fields.Integer()
    interest_earned = fields.Integer()
    fines = fields.Integer()


class SavingsGroupBriefSchema(ma.Schema):
    """The constitution, as created."""

    id = fields.UUID()
    name = fields.String()
    currency = fields.String()
    share_price = fields.Integer()
    max_shares_per_meeting = fields.Integer()
    social_fund_amount = fields.Integer()
    loan_interest_bps_per_month = fields.Integer()
    interest_method = fields.String()
    max_loan_multiple = fields.Integer()
    cycle_months = fields.Integer()
    created_at = UtcDateTime()


class SavingsGroupMemberSchema(SavingsMemberSchema):
    """A member in the group view: a plain member sees only alias, role and status of the
    others (the rest is null); their own row and officers' views are complete."""

    joined_at = UtcDateTime(allow_none=True)
    shares = fields.Integer(allow_none=True)
    savings_amount = fields.Integer(allow_none=True)


class SavingsGroupSchema(SavingsGroupBriefSchema):
    invite_code = fields.String(allow_none=True)  # officers only
    cycle = fields.Nested(SavingsCycleSchema, allow_none=True)
    members = fields.List(fields.Nested(SavingsGroupMemberSchema))
    balances = fields.Nested(SavingsBalancesSchema)
    my_member_id = fields.UUID()
    my_role = fields.String()


class SavingsGroupListItemSchema(SavingsGroupBriefSchema):
    my_member_id = fields.UUID()
    my_role = fields.String()
    my_status = fields.String()


GroupListSchema = page_schema(SavingsGroupListItemSchema, "SavingsGroupList")


class SavingsInviteCodeSchema(ma.Schema):
    invite_code = fields.String()


class SavingsMembershipSchema(SavingsMemberSchema):
    group_id = fields.UUID()


class SavingsLeaveResultSchema(ma.Schema):
    member = fields.Nested(SavingsMembershipSchema)
    payout_amount = fields.Integer(attribute="payout")
    transaction_id = fields.UUID(allow_none=True, attribute="transaction.id")


class SavingsMeetingCreateSchema(ma.Schema):
    held_on = fields.Date(required=True)
    client_id = fields.UUID()
    attendee_ids = fields.List(fields.UUID(), validate=validate.Length(max=500))


class SavingsMeetingUpdateSchema(ma.Schema):
    held_on = fields.Date()
    attendee_ids = fields.List(fields.UUID(), validate=validate.Length(max=500))


class SavingsMeetingSchema(ma.Schema):
    id = fields.UUID()
    group_id = fields.UUID()
    cycle_id = fields.UUID()
    seq = fields.Integer()
    held_on = fields.Date()
    client_id = fields.UUID(allow_none=True)
    attendee_ids = fields.List(fields.UUID())
    created_at = UtcDateTime()


MeetingListSchema = page_schema(SavingsMeetingSchema, "SavingsMeetingList")


class SavingsTransactionCreateSchema(ma.Schema):
    client_id = fields.UUID(required=True)
    meeting_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(list(RECORDABLE_TYPES)))
    shares = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    amount = amount_field(minimum=1)
    loan_id = fields.UUID()


SYNC_MAX_ITEMS = 200


class SavingsSyncSchema(ma.Schema):
    # Items are validated one by one in the service, so one bad item (null included)
    # rejects only itself.
    transactions = fields.List(
        fields.Raw(allow_none=True), required=True,
        validate=validate.Length(min=1, max=SYNC_MAX_ITEMS),
        metadata={"description": f"At most {SYNC_MAX_ITEMS} items per request."})


class SavingsPostingLineSchema(ma.Schema):
    """One ledger line of a transaction: debit or credit, in minor units. In the group
    ledger a plain member sees ``member_id`` and ``loan_id`` on their own lines only."""

    seq = fields.Integer()
    account = fields.String()
    member_id = fields.UUID(allow_none=True)
    loan_id = fields.UUID(allow_none=True)
    debit = fields.Integer()
    credit = fields.Integer()
    shares = fields.Integer()


class SavingsEntrySchema(SavingsPostingLineSchema):
    id = fields.UUID()
    transaction_id = fields.UUID()
    transaction_type = fields.String()
    created_at = UtcDateTime()


LedgerPageSchema = page_schema(SavingsEntrySchema, "SavingsLedgerPage")


class SavingsTransactionSchema(ma.Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    group_id = fields.UUID()
    cycle_id = fields.UUID()
    seq = fields.Integer()
    type = fields.String()
    meeting_id = fields.UUID(allow_none=True)
    member_id = fields.UUID(allow_none=True)
    loan_id = fields.UUID(allow_none=True)
    shares = fields.Integer()
    amount = fields.Integer()
    currency = fields.String()
    reverses_id = fields.UUID(allow_none=True)
    recorded_by_id = fields.UUID(allow_none=True)
    created_at = UtcDateTime()
    entries = fields.List(fields.Nested(SavingsPostingLineSchema))


class SavingsSyncItemResultSchema(ma.Schema):
    client_id = fields.Raw(allow_none=True)
    status = fields.String()
    transaction_id = fields.UUID(allow_none=True)
    error = fields.Dict(allow_none=True)

    @ma.post_dump
    def _drop_empty(self, data: dict, **_kw: object) -> dict:
        for key in ("error", "transaction_id"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class SavingsSyncResultSchema(ma.Schema):
    results = fields.List(fields.Nested(SavingsSyncItemResultSchema))


class SavingsLoanCreateSchema(ma.Schema):
    principal = amount_field(minimum=1, required=True)
    term_months = fields.Integer(strict=True, required=True,
                                 validate=validate.Range(min=1, max=36))
    purpose = fields.String(load_default=None, validate=validate.Length(max=500))


class SavingsLoanSchema(ma.Schema):
    id = fields.UUID(attribute="loan.id")
    group_id = fields.UUID(attribute="loan.group_id")
    member_id = fields.UUID(attribute="loan.member_id")
    principal = fields.Integer(attribute="loan.principal")
    term_months = fields.Integer(attribute="loan.term_months")
    interest_bps_per_month = fields.Integer(attribute="loan.interest_bps_per_month")
    interest_method = fields.String(attribute="loan.interest_method")
    purpose = fields.String(attribute="loan.purpose", allow_none=True)
    status = fields.String(attribute="loan.status")
    requested_at = UtcDateTime(attribute="loan.requested_at")
    disbursed_at = UtcDateTime(attribute="loan.disbursed_at", allow_none=True)
    closed_at = UtcDateTime(attribute="loan.closed_at", allow_none=True)
    approved_by_id = fields.UUID(attribute="loan.approved_by_id", allow_none=True)
    principal_outstanding = fields.Integer()
    interest_outstanding = fields.Integer()


LoanListSchema = page_schema(SavingsLoanSchema, "SavingsLoanList")


class SavingsLoanQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(list(LoanStatus)))


class SavingsPayoutSchema(ma.Schema):
    member_id = fields.UUID()
    alias = fields.String()
    shares = fields.Integer()
    savings_amount = fields.Integer(attribute="savings")
    profit_amount = fields.Integer(attribute="profit")
    amount = fields.Integer()


class SavingsShareOutSchema(ma.Schema):
    cycle_id = fields.UUID()
    next_cycle_id = fields.UUID()
    currency = fields.String()
    payouts = fields.List(fields.Nested(SavingsPayoutSchema))
    total = fields.Integer()
    social_fund_carried_over = fields.Integer()
    undistributed = fields.Integer()


class SavingsStatementSchema(ma.Schema):
    member = fields.Nested(SavingsMemberSchema)
    currency = fields.String()
    shares = fields.Integer()
    savings_amount = fields.Integer(attribute="savings")
    loans = fields.List(fields.Nested(SavingsLoanSchema))
    items = fields.List(fields.Nested(SavingsTransactionSchema), attribute="page.items")
    next_cursor = fields.String(allow_none=True, attribute="page.next_cursor")
