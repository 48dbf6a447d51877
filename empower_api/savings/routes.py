"""HTTP routes for savings groups: thin views that call one service function each."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from empower_api.db import db
from empower_api.idempotency import idempotent
from empower_api.inputs import checked_per_item, find_problem
from empower_api.pagination import PageQuerySchema
from empower_api.savings import service
from empower_api.savings.schemas import (
    GroupListSchema,
    LedgerPageSchema,
    LoanListSchema,
    MeetingListSchema,
    SavingsGroupBriefSchema,
    SavingsGroupCreateSchema,
    SavingsGroupSchema,
    SavingsInviteCodeSchema,
    SavingsJoinSchema,
    SavingsLeaveResultSchema,
    SavingsLeaveSchema,
    SavingsLoanCreateSchema,
    SavingsLoanQuerySchema,
    SavingsLoanSchema,
    SavingsMeetingCreateSchema,
    SavingsMeetingSchema,
    SavingsMeetingUpdateSchema,
    SavingsMembershipSchema,
    SavingsRoleSchema,
    SavingsShareOutSchema,
    SavingsStatementSchema,
    SavingsSyncResultSchema,
    SavingsSyncSchema,
    SavingsTransactionCreateSchema,
    SavingsTransactionSchema,
)
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("savings", __name__, url_prefix="/api/v1", description="Savings groups")

GROUP = "/savings/groups/<uuid:group_id>"
_CONSTITUTION = tuple(SavingsGroupBriefSchema().fields)


def _group_body(view: service.GroupView) -> dict[str, Any]:
    group, me = view.group, view.me
    body: dict[str, Any] = {name: getattr(group, name) for name in _CONSTITUTION}
    body.update(
        invite_code=group.invite_code if me.is_officer else None, cycle=view.cycle,
        balances=view.balances, my_member_id=me.id, my_role=me.role,
        members=[_member_row(view, m) for m in view.members],
    )
    return body


def _member_row(view: service.GroupView, member: Any) -> dict[str, Any]:
    """Everyone sees a member's alias and role; savings, shares and dates only the member
    themselves and the officers (null otherwise)."""
    row: dict[str, Any] = {"id": member.id, "alias": member.alias, "role": member.role,
                           "status": member.status, "joined_at": None, "left_at": None,
                           "shares": None, "savings_amount": None}
    if view.sees_details_of(member):
        savings, shares = view.holdings.get(member.id, (0, 0))
        row.update(joined_at=member.joined_at, left_at=member.left_at, shares=shares,
                   savings_amount=savings)
    return row


@blp.route("/savings/groups")
class Groups(MethodView):
    @auth_required()
    @blp.arguments(SavingsGroupCreateSchema)
    @blp.response(201, SavingsGroupSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a savings group; you become its chair and its first cycle opens."""
        actor = require_actor()
        group = service.create_group(db.session, actor=actor, data=data)
        return _group_body(service.get_group(db.session, actor=actor, group_id=group.id))

    @auth_required()
    @blp.response(200, GroupListSchema)
    def get(self) -> Any:
        """The groups you belong to (or belonged to)."""
        items = []
        for group, me in service.list_my_groups(db.session, actor=require_actor()):
            item = {name: getattr(group, name) for name in _CONSTITUTION}
            item.update(my_member_id=me.id, my_role=me.role, my_status=me.status)
            items.append(item)
        return {"items": items, "next_cursor": None}


@blp.route("/savings/groups/join")
class Join(MethodView):
    @auth_required()
    @blp.arguments(SavingsJoinSchema)
    @blp.response(201, SavingsMembershipSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Join a group with its invite code."""
        return service.join_group(db.session, actor=require_actor(),
                                  invite_code=data["invite_code"])


@blp.route(GROUP)
class Group(MethodView):
    @auth_required()
    @blp.response(200, SavingsGroupSchema)
    def get(self, group_id: uuid.UUID) -> Any:
        """Constitution, members (by alias) and balances from the ledger (members)."""
        return _group_body(service.get_group(db.session, actor=require_actor(),
                                             group_id=group_id))


@blp.route(f"{GROUP}/invite-code")
class InviteCode(MethodView):
    @auth_required()
    @blp.response(200, SavingsInviteCodeSchema)
    def post(self, group_id: uuid.UUID) -> Any:
        """Replace the invite code (chair); the old one stops working."""
        return service.rotate_invite_code(db.session, actor=require_actor(), group_id=group_id)


@blp.route(f"{GROUP}/members/<uuid:member_id>/role")
class RoleChange(MethodView):
    @auth_required()
    @blp.arguments(SavingsRoleSchema)
    @blp.response(200, SavingsMembershipSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID, member_id: uuid.UUID) -> Any:
        """Give a member a role (chair); giving "chair" hands the chair over."""
        return service.set_role(db.session, actor=require_actor(), group_id=group_id,
                                member_id=member_id, role=data["role"])


@blp.route(f"{GROUP}/leave")
class Leave(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(SavingsLeaveSchema)
    @blp.response(200, SavingsLeaveResultSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Leave the group; with ``payout`` your savings are paid out now."""
        return service.leave_group(db.session, actor=require_actor(), group_id=group_id,
                                   payout=data["payout"])


@blp.route(f"{GROUP}/meetings")
class Meetings(MethodView):
    @auth_required()
    @blp.arguments(SavingsMeetingCreateSchema)
    @blp.response(201, SavingsMeetingSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Open a meeting (officers); it becomes the latest. A replayed client_id → 200."""
        meeting, created = service.create_meeting(db.session, actor=require_actor(),
                                                  group_id=group_id, data=data)
        return meeting, 201 if created else 200

    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MeetingListSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Meetings, latest first (members)."""
        return service.list_meetings(db.session, actor=require_actor(), group_id=group_id,
                                     limit=query["limit"], cursor=query["cursor"])


@blp.route(f"{GROUP}/meetings/<uuid:meeting_id>")
class MeetingItem(MethodView):
    @auth_required()
    @blp.arguments(SavingsMeetingUpdateSchema)
    @blp.response(200, SavingsMeetingSchema)
    def patch(self, data: dict[str, Any], group_id: uuid.UUID, meeting_id: uuid.UUID) -> Any:
        """Change the date or attendance of the latest meeting (officers)."""
        return service.update_meeting(db.session, actor=require_actor(), group_id=group_id,
                                      meeting_id=meeting_id, data=data)


@blp.route(f"{GROUP}/transactions")
class Transactions(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(SavingsTransactionCreateSchema)
    @blp.response(201, SavingsTransactionSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Record a share purchase, social-fund contribution, fine or loan repayment
        (officers). Replaying a ``client_id`` returns the first result with 200."""
        tx, created = service.record_transaction(db.session, actor=require_actor(),
                                                 group_id=group_id, data=data)
        return tx, 201 if created else 200


@blp.route(f"{GROUP}/transactions/<uuid:transaction_id>")
class TransactionItem(MethodView):
    @auth_required()
    @blp.response(200, SavingsTransactionSchema)
    def get(self, group_id: uuid.UUID, transaction_id: uuid.UUID) -> Any:
        """One transaction with its ledger lines (yours, or any for officers)."""
        return service.get_transaction(db.session, actor=require_actor(), group_id=group_id,
                                       transaction_id=transaction_id)


@blp.route(f"{GROUP}/transactions/<uuid:transaction_id>/reversal")
class Reversal(MethodView):
    @auth_required()
    @idempotent
    @blp.response(201, SavingsTransactionSchema)
    def post(self, group_id: uuid.UUID, transaction_id: uuid.UUID) -> Any:
        """Correct a transaction with an exactly opposite posting (officers)."""
        return service.reverse_transaction(db.session, actor=require_actor(), group_id=group_id,
                                           transaction_id=transaction_id)


@blp.route(f"{GROUP}/sync")
class Sync(MethodView):
    @auth_required()
    @blp.arguments(SavingsSyncSchema)
    @blp.response(200, SavingsSyncResultSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Apply transactions recorded offline, in order, each on its own (officers).

        At most 200 items per request. They are applied in chunks of 25, each chunk
        committed on its own, so the group lock (and on SQLite the database write lock)
        is held for one chunk at a time and other writers get in between; a replay
        after a failure finds the committed items as ``duplicate``. Items not reached
        within 5 seconds come back ``rejected`` with code ``not_processed``: send them
        again.
        """
        items, actor = data["transactions"], require_actor()
        schema = SavingsTransactionCreateSchema()

        def load_item(raw: Any) -> dict[str, Any]:
            # The request-wide input check left the items to us (checked_per_item below).
            if found := find_problem(raw):
                raise ValidationError({found[0]: [found[1]]})
            return schema.load(raw)

        deadline = time.monotonic() + service.SYNC_TIME_BUDGET_SECONDS
        results: list[Any] = []
        for start in range(0, len(items), service.SYNC_CHUNK):
            if start:
                db.session.commit()  # release the locks between chunks: fair to other writers
                if db.dialect == "sqlite":
                    # SQLite's busy handler is not a queue: pause so writers polling for
                    # the lock get it before this request takes it again.
                    time.sleep(service.SYNC_YIELD_SECONDS)
            if start and time.monotonic() > deadline:
                results.extend(service.not_processed(items[start:]))
                break
            results.extend(service.sync_transactions(
                db.session, actor=actor, group_id=group_id,
                items=items[start:start + service.SYNC_CHUNK], load_item=load_item))
        return {"results": results}


checked_per_item("/api/v1/savings/groups/<uuid:group_id>/sync", "transactions")


@blp.route(f"{GROUP}/loans")
class Loans(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(SavingsLoanCreateSchema)
    @blp.response(201, SavingsLoanSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Ask the group for a loan (members)."""
        session = db.session
        loan = service.request_loan(session, actor=require_actor(), group_id=group_id,
                                    data=data)
        return service.loan_view(session, loan)

    @auth_required()
    @blp.arguments(SavingsLoanQuerySchema, location="query")
    @blp.response(200, LoanListSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Loans, newest first: all of them for officers, your own otherwise."""
        return service.list_loans(db.session, actor=require_actor(), group_id=group_id,
                                  limit=query["limit"], cursor=query["cursor"],
                                  status=query.get("status"))


@blp.route(f"{GROUP}/loans/<uuid:loan_id>")
class LoanItem(MethodView):
    @auth_required()
    @blp.response(200, SavingsLoanSchema)
    def get(self, group_id: uuid.UUID, loan_id: uuid.UUID) -> Any:
        """One loan with what is still owed."""
        return service.get_loan(db.session, actor=require_actor(), group_id=group_id,
                                loan_id=loan_id)


@blp.route(f"{GROUP}/loans/<uuid:loan_id>/approve")
class LoanApprove(MethodView):
    @auth_required()
    @idempotent
    @blp.response(200, SavingsLoanSchema)
    def post(self, group_id: uuid.UUID, loan_id: uuid.UUID) -> Any:
        """Approve and disburse a loan (an officer who is not the borrower)."""
        session = db.session
        loan = service.approve_loan(session, actor=require_actor(), group_id=group_id,
                                    loan_id=loan_id)
        return service.loan_view(session, loan)


@blp.route(f"{GROUP}/loans/<uuid:loan_id>/reject")
class LoanReject(MethodView):
    @auth_required()
    @blp.response(200, SavingsLoanSchema)
    def post(self, group_id: uuid.UUID, loan_id: uuid.UUID) -> Any:
        """Turn a loan request down (an officer who is not the borrower)."""
        session = db.session
        loan = service.reject_loan(session, actor=require_actor(), group_id=group_id,
                                   loan_id=loan_id)
        return service.loan_view(session, loan)


@blp.route(f"{GROUP}/share-out")
class ShareOut(MethodView):
    @auth_required()
    @idempotent
    @blp.response(200, SavingsShareOutSchema)
    def post(self, group_id: uuid.UUID) -> Any:
        """Share out the cycle (chair): refused while loans are outstanding."""
        return service.share_out(db.session, actor=require_actor(), group_id=group_id)


@blp.route(f"{GROUP}/ledger")
class Ledger(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, LedgerPageSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Every ledger line, newest first (members)."""
        return service.group_ledger(db.session, actor=require_actor(), group_id=group_id,
                                    limit=query["limit"], cursor=query["cursor"])


@blp.route(f"{GROUP}/members/<uuid:member_id>/statement")
class Statement(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SavingsStatementSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID, member_id: uuid.UUID) -> Any:
        """A member's savings, loans and transactions (the member or an officer)."""
        return service.member_statement(db.session, actor=require_actor(), group_id=group_id,
                                        member_id=member_id, limit=query["limit"],
                                        cursor=query["cursor"])
