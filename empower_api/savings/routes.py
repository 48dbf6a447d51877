"""HTTP routes for savings groups: thin views that call one service function each."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.db import db
from empower_api.idempotency import idempotent
from empower_api.pagination import PageQuerySchema
from empower_api.savings import service
from empower_api.savings.schemas import (
    GroupBriefSchema,
    GroupCreateSchema,
    GroupListSchema,
    GroupSchema,
    InviteCodeSchema,
    JoinSchema,
    LeaveResultSchema,
    LeaveSchema,
    LedgerPageSchema,
    LoanCreateSchema,
    LoanListSchema,
    LoanQuerySchema,
    LoanSchema,
    MeetingCreateSchema,
    MeetingListSchema,
    MeetingSchema,
    MeetingUpdateSchema,
    MembershipSchema,
    RoleSchema,
    ShareOutSchema,
    StatementSchema,
    SyncResultSchema,
    SyncSchema,
    TransactionCreateSchema,
    TransactionSchema,
)
from empower_api.security.permissions import auth_required, require_actor

blp = Blueprint("savings", __name__, url_prefix="/api/v1", description="Savings groups")

GROUP = "/savings/groups/<uuid:group_id>"
_CONSTITUTION = tuple(GroupBriefSchema().fields)


def _group_body(view: service.GroupView) -> dict[str, Any]:
    group, me = view.group, view.me
    body: dict[str, Any] = {name: getattr(group, name) for name in _CONSTITUTION}
    body.update(
        invite_code=group.invite_code if me.is_officer else None, cycle=view.cycle,
        balances=view.balances, my_member_id=me.id, my_role=me.role,
        members=[
            {"id": m.id, "alias": m.alias, "role": m.role, "status": m.status,
             "joined_at": m.joined_at, "left_at": m.left_at,
             "shares": view.holdings.get(m.id, (0, 0))[1],
             "savings_amount": view.holdings.get(m.id, (0, 0))[0]}
            for m in view.members
        ],
    )
    return body


@blp.route("/savings/groups")
class Groups(MethodView):
    @auth_required()
    @blp.arguments(GroupCreateSchema)
    @blp.response(201, GroupSchema)
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
    @blp.arguments(JoinSchema)
    @blp.response(201, MembershipSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Join a group with its invite code."""
        return service.join_group(db.session, actor=require_actor(),
                                  invite_code=data["invite_code"])


@blp.route(GROUP)
class Group(MethodView):
    @auth_required()
    @blp.response(200, GroupSchema)
    def get(self, group_id: uuid.UUID) -> Any:
        """Constitution, members (by alias) and balances from the ledger (members)."""
        return _group_body(service.get_group(db.session, actor=require_actor(),
                                             group_id=group_id))


@blp.route(f"{GROUP}/invite-code")
class InviteCode(MethodView):
    @auth_required()
    @blp.response(200, InviteCodeSchema)
    def post(self, group_id: uuid.UUID) -> Any:
        """Replace the invite code (chair); the old one stops working."""
        return service.rotate_invite_code(db.session, actor=require_actor(), group_id=group_id)


@blp.route(f"{GROUP}/members/<uuid:member_id>/role")
class RoleChange(MethodView):
    @auth_required()
    @blp.arguments(RoleSchema)
    @blp.response(200, MembershipSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID, member_id: uuid.UUID) -> Any:
        """Give a member a role (chair); giving "chair" hands the chair over."""
        return service.set_role(db.session, actor=require_actor(), group_id=group_id,
                                member_id=member_id, role=data["role"])


@blp.route(f"{GROUP}/leave")
class Leave(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(LeaveSchema)
    @blp.response(200, LeaveResultSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Leave the group; with ``payout`` your savings are paid out now."""
        return service.leave_group(db.session, actor=require_actor(), group_id=group_id,
                                   payout=data["payout"])


@blp.route(f"{GROUP}/meetings")
class Meetings(MethodView):
    @auth_required()
    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingSchema)
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
    @blp.arguments(MeetingUpdateSchema)
    @blp.response(200, MeetingSchema)
    def patch(self, data: dict[str, Any], group_id: uuid.UUID, meeting_id: uuid.UUID) -> Any:
        """Change the date or attendance of the latest meeting (officers)."""
        return service.update_meeting(db.session, actor=require_actor(), group_id=group_id,
                                      meeting_id=meeting_id, data=data)


@blp.route(f"{GROUP}/transactions")
class Transactions(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(TransactionCreateSchema)
    @blp.response(201, TransactionSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Record a share purchase, social-fund contribution, fine or loan repayment
        (officers). Replaying a ``client_id`` returns the first result with 200."""
        tx, created = service.record_transaction(db.session, actor=require_actor(),
                                                 group_id=group_id, data=data)
        return tx, 201 if created else 200


@blp.route(f"{GROUP}/transactions/<uuid:transaction_id>")
class TransactionItem(MethodView):
    @auth_required()
    @blp.response(200, TransactionSchema)
    def get(self, group_id: uuid.UUID, transaction_id: uuid.UUID) -> Any:
        """One transaction with its ledger lines (yours, or any for officers)."""
        return service.get_transaction(db.session, actor=require_actor(), group_id=group_id,
                                       transaction_id=transaction_id)


@blp.route(f"{GROUP}/transactions/<uuid:transaction_id>/reversal")
class Reversal(MethodView):
    @auth_required()
    @idempotent
    @blp.response(201, TransactionSchema)
    def post(self, group_id: uuid.UUID, transaction_id: uuid.UUID) -> Any:
        """Correct a transaction with an exactly opposite posting (officers)."""
        return service.reverse_transaction(db.session, actor=require_actor(), group_id=group_id,
                                           transaction_id=transaction_id)


@blp.route(f"{GROUP}/sync")
class Sync(MethodView):
    @auth_required()
    @blp.arguments(SyncSchema)
    @blp.response(200, SyncResultSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Apply transactions recorded offline, in order, each on its own (officers)."""
        results = service.sync_transactions(
            db.session, actor=require_actor(), group_id=group_id, items=data["transactions"],
            load_item=TransactionCreateSchema().load)
        return {"results": results}


@blp.route(f"{GROUP}/loans")
class Loans(MethodView):
    @auth_required()
    @idempotent
    @blp.arguments(LoanCreateSchema)
    @blp.response(201, LoanSchema)
    def post(self, data: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Ask the group for a loan (members)."""
        session = db.session
        loan = service.request_loan(session, actor=require_actor(), group_id=group_id,
                                    data=data)
        return service.loan_view(session, loan)

    @auth_required()
    @blp.arguments(LoanQuerySchema, location="query")
    @blp.response(200, LoanListSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID) -> Any:
        """Loans, newest first: all of them for officers, your own otherwise."""
        return service.list_loans(db.session, actor=require_actor(), group_id=group_id,
                                  limit=query["limit"], cursor=query["cursor"],
                                  status=query.get("status"))


@blp.route(f"{GROUP}/loans/<uuid:loan_id>")
class LoanItem(MethodView):
    @auth_required()
    @blp.response(200, LoanSchema)
    def get(self, group_id: uuid.UUID, loan_id: uuid.UUID) -> Any:
        """One loan with what is still owed."""
        return service.get_loan(db.session, actor=require_actor(), group_id=group_id,
                                loan_id=loan_id)


@blp.route(f"{GROUP}/loans/<uuid:loan_id>/approve")
class LoanApprove(MethodView):
    @auth_required()
    @idempotent
    @blp.response(200, LoanSchema)
    def post(self, group_id: uuid.UUID, loan_id: uuid.UUID) -> Any:
        """Approve and disburse a loan (an officer who is not the borrower)."""
        session = db.session
        loan = service.approve_loan(session, actor=require_actor(), group_id=group_id,
                                    loan_id=loan_id)
        return service.loan_view(session, loan)


@blp.route(f"{GROUP}/loans/<uuid:loan_id>/reject")
class LoanReject(MethodView):
    @auth_required()
    @blp.response(200, LoanSchema)
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
    @blp.response(200, ShareOutSchema)
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
    @blp.response(200, StatementSchema)
    def get(self, query: dict[str, Any], group_id: uuid.UUID, member_id: uuid.UUID) -> Any:
        """A member's savings, loans and transactions (the member or an officer)."""
        return service.member_statement(db.session, actor=require_actor(), group_id=group_id,
                                        member_id=member_id, limit=query["limit"],
                                        cursor=query["cursor"])
