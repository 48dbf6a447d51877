"""HTTP routes for microgrants: thin views that call one service function each."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from empower_api.accounts.models import Role
from empower_api.db import db, writes_on_get
from empower_api.grants import (
    applications,
    disbursements,
    payouts,
    privacy,  # noqa: F401  (registers the exporter and the eraser)
    programs,
    safeguards,
    webhooks,
)
from empower_api.grants.schemas import (
    CaseloadCreateSchema,
    CaseloadSchema,
    CheckInAnswerSchema,
    CheckInPageSchema,
    CheckInSchema,
    DisbursementPageSchema,
    DisbursementQuerySchema,
    DisbursementSchema,
    FlagOverrideSchema,
    GrantApplicationCreateSchema,
    GrantApplicationPageSchema,
    GrantApplicationSchema,
    GrantDecisionSchema,
    GrantProgramCreateSchema,
    GrantProgramPageSchema,
    GrantProgramSchema,
    GrievanceBriefPageSchema,
    GrievanceCreateSchema,
    GrievanceHandleSchema,
    GrievancePageSchema,
    GrievanceQuerySchema,
    GrievanceSchema,
    MarkPaidSchema,
    PayoutAccountCreateSchema,
    PayoutAccountSchema,
    ProgramReportSchema,
    StaffApplicationQuerySchema,
    StaffGrantApplicationCreateSchema,
    StaffGrantApplicationDetailSchema,
    StaffGrantApplicationPageSchema,
    StaffGrantApplicationSchema,
    WebhookResultSchema,
)
from empower_api.idempotency import idempotent
from empower_api.pagination import PageQuerySchema
from empower_api.security.permissions import (
    access_reason_documented,
    auth_required,
    require_actor,
)

blp = Blueprint("grants", __name__, url_prefix="/api/v1", description="Microgrants")

STAFF = (Role.STAFF, Role.ADMIN)


@blp.route("/staff/grant-programs")
class StaffPrograms(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(GrantProgramCreateSchema)
    @blp.response(201, GrantProgramSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a grant program (staff).

        Budget, max award and dual-approval threshold in minor units of its currency."""
        return programs.create_program(db.session, actor=require_actor(), data=data)

    @auth_required(*STAFF)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, GrantProgramPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Every grant program, newest first (staff).

        Open, upcoming and closed programs alike."""
        return programs.list_all(db.session, limit=query["limit"], cursor=query["cursor"])


@blp.route("/grant-programs")
class OpenPrograms(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, GrantProgramPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Grant programs open for applications now (signed in).

        Closing soonest first."""
        return programs.list_open(db.session, limit=query["limit"], cursor=query["cursor"])


@blp.route("/grant-programs/<uuid:program_id>/applications")
class ProgramApplications(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(GrantApplicationCreateSchema)
    @blp.response(201, GrantApplicationSchema)
    def post(self, data: dict[str, Any], program_id: uuid.UUID) -> Any:
        """Apply to a program (survivors).

        Over the program's max award → 422; outside its window → 409."""
        return applications.apply(db.session, actor=require_actor(), program_id=program_id,
                                  data=data)


@blp.route("/me/grant-applications")
class MyApplications(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, GrantApplicationPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Your grant applications, newest first.

        With their status and, once decided, the reason given."""
        return applications.list_mine(db.session, actor=require_actor(), limit=query["limit"],
                                      cursor=query["cursor"])


@blp.route("/me/grant-applications/<uuid:application_id>/withdraw")
class Withdraw(MethodView):
    @auth_required()
    @blp.response(200, GrantApplicationSchema)
    def post(self, application_id: uuid.UUID) -> Any:
        """Withdraw your application before a decision.

        After any decision → 409 ``already_decided``."""
        return applications.withdraw(db.session, actor=require_actor(),
                                     application_id=application_id)


@blp.route("/staff/grant-applications")
class StaffApplications(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(StaffApplicationQuerySchema, location="query")
    @blp.response(200, StaffGrantApplicationPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The review queue, oldest first (staff).

        Filter by ``status`` and ``program_id``; purpose and plan are read one at a time."""
        return applications.list_for_staff(
            db.session, status=query["status"], program_id=query["program_id"],
            limit=query["limit"], cursor=query["cursor"])

    @auth_required(*STAFF)
    @blp.arguments(StaffGrantApplicationCreateSchema)
    @blp.response(201, StaffGrantApplicationSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Apply on a survivor's behalf (staff).

        You are then linked to the case and may not decide it."""
        return applications.apply_on_behalf(db.session, actor=require_actor(), data=data)


@blp.route("/staff/grant-applications/<uuid:application_id>")
class StaffApplication(MethodView):
    @auth_required(*STAFF)
    @writes_on_get
    @access_reason_documented(blp)
    @blp.response(200, StaffGrantApplicationDetailSchema)
    def get(self, application_id: uuid.UUID) -> Any:
        """One application with its purpose, plan and answers (staff).

        Needs an ``X-Access-Reason`` header (428 without); the read is audited."""
        return applications.staff_read(db.session, actor=require_actor(),
                                       application_id=application_id,
                                       reason=request.headers.get("X-Access-Reason"))


@blp.route("/staff/grant-applications/<uuid:application_id>/decision")
class DecisionView(MethodView):
    @auth_required(*STAFF)
    @idempotent
    @blp.arguments(GrantDecisionSchema)
    @blp.response(200, StaffGrantApplicationSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Approve or reject an application (staff).

        At or above the threshold a second, different staff member must approve."""
        return applications.decide(db.session, actor=require_actor(),
                                   application_id=application_id, decision=data["decision"],
                                   approved_amount=data["approved_amount"], note=data["note"])


@blp.route("/staff/grant-applications/<uuid:application_id>/flag-override")
class FlagOverride(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(FlagOverrideSchema)
    @blp.response(200, StaffGrantApplicationSchema)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Clear a possible-duplicate flag with a reason (staff; audited).

        409 ``not_flagged`` when nothing is flagged."""
        return applications.override_flags(db.session, actor=require_actor(),
                                           application_id=application_id,
                                           reason=data["reason"])


@blp.route("/staff/caseloads")
class Caseloads(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(CaseloadCreateSchema)
    @blp.response(201, CaseloadSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Record that a staff member is a survivor's caseworker (staff).

        That staff member may then not decide the survivor's grants."""
        return applications.add_caseload(db.session, actor=require_actor(), data=data)


@blp.route("/me/payout-account")
class PayoutAccountView(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(PayoutAccountCreateSchema)
    @blp.response(201, PayoutAccountSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Choose how grants are paid to you: Stripe or manual (survivors).

        Stripe returns an onboarding URL; without Stripe configured it is a 409."""
        account, url = payouts.set_up(db.session, actor=require_actor(), data=data)
        return {"method": account.method, "status": account.status,
                "mobile_money_phone": account.mobile_money_phone, "onboarding_url": url}

    @auth_required(Role.SURVIVOR)
    @blp.response(200, PayoutAccountSchema)
    def get(self) -> Any:
        """Your payout account (survivors).

        404 until you have chosen one."""
        account = payouts.require_mine(db.session, actor=require_actor())
        return {"method": account.method, "status": account.status,
                "mobile_money_phone": account.mobile_money_phone, "onboarding_url": None}


@blp.route("/staff/disbursements")
class StaffDisbursements(MethodView):
    @auth_required(*STAFF)
    @blp.arguments(DisbursementQuerySchema, location="query")
    @blp.response(200, DisbursementPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Disbursements, newest first, filtered by ``status`` (staff).

        ``attempts`` counts calls to Stripe or hand payouts recorded."""
        return disbursements.list_for_staff(db.session, status=query["status"],
                                            limit=query["limit"], cursor=query["cursor"])


@blp.route("/staff/disbursements/<uuid:disbursement_id>/mark-paid")
class MarkPaid(MethodView):
    @auth_required(*STAFF)
    @idempotent
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, DisbursementSchema)
    def post(self, data: dict[str, Any], disbursement_id: uuid.UUID) -> Any:
        """Record a manual payout with its reference (staff; manual method only).

        A Stripe disbursement → 409 ``not_manual``."""
        return disbursements.mark_paid_manually(db.session, actor=require_actor(),
                                                disbursement_id=disbursement_id,
                                                reference=data["reference"])


@blp.route("/staff/disbursements/<uuid:disbursement_id>/retry")
class Retry(MethodView):
    @auth_required(*STAFF)
    @idempotent
    @blp.response(200, DisbursementSchema)
    def post(self, disbursement_id: uuid.UUID) -> Any:
        """Send a failed disbursement again (staff).

        Its amount is committed again, within the program's budget."""
        return disbursements.retry(db.session, actor=require_actor(),
                                   disbursement_id=disbursement_id)


@blp.route("/staff/disbursements/<uuid:disbursement_id>/switch-to-manual")
class SwitchToManual(MethodView):
    @auth_required(*STAFF)
    @idempotent
    @blp.response(200, DisbursementSchema)
    def post(self, disbursement_id: uuid.UUID) -> Any:
        """Turn a failed Stripe disbursement into a manual one (staff).

        Refused while Stripe's outcome is unknown (reconcile first)."""
        return disbursements.switch_to_manual(db.session, actor=require_actor(),
                                              disbursement_id=disbursement_id)


@blp.route("/staff/grant-programs/<uuid:program_id>/report")
class Report(MethodView):
    @auth_required(*STAFF)
    @blp.response(200, ProgramReportSchema)
    def get(self, program_id: uuid.UUID) -> Any:
        """A program's budget, committed and disbursed amounts, counts by status (staff).

        Amounts in minor units of the program's currency."""
        return programs.report(db.session, program_id=program_id)


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, WebhookResultSchema)
    def post(self) -> Any:
        """Receive a Stripe event (signed; no token).

        Bad ``Stripe-Signature`` → 400; an event seen before changes nothing."""
        return webhooks.receive(db.session, payload=request.get_data(),
                                signature=request.headers.get("Stripe-Signature"))


@blp.route("/me/grievances")
class MyGrievances(MethodView):
    @auth_required(Role.SURVIVOR)
    @blp.arguments(GrievanceCreateSchema)
    @blp.response(201, GrievanceSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Raise a grievance about your application or its payout (survivors).

        Admins read it; never the staff who decided or paid it."""
        return safeguards.raise_grievance(db.session, actor=require_actor(), data=data)

    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, GrievancePageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Your grievances, newest first.

        With their status as admins handle them."""
        return safeguards.list_mine(db.session, actor=require_actor(), limit=query["limit"],
                                    cursor=query["cursor"])


@blp.route("/admin/grievances")
class AdminGrievances(MethodView):
    @auth_required(Role.ADMIN)
    @blp.arguments(GrievanceQuerySchema, location="query")
    @blp.response(200, GrievanceBriefPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Grievances, oldest first, without their details (admins).

        Never those about a case the admin applied for, decided or paid."""
        return safeguards.list_for_admin(db.session, actor=require_actor(),
                                         status=query["status"], limit=query["limit"],
                                         cursor=query["cursor"])


@blp.route("/admin/grievances/<uuid:grievance_id>")
class AdminGrievance(MethodView):
    @auth_required(Role.ADMIN)
    @writes_on_get
    @access_reason_documented(blp)
    @blp.response(200, GrievanceSchema)
    def get(self, grievance_id: uuid.UUID) -> Any:
        """One grievance with its details (admins).

        Needs an ``X-Access-Reason`` header (428 without); the read is audited."""
        return safeguards.admin_read(db.session, actor=require_actor(),
                                     grievance_id=grievance_id,
                                     reason=request.headers.get("X-Access-Reason"))

    @auth_required(Role.ADMIN)
    @blp.arguments(GrievanceHandleSchema)
    @blp.response(200, GrievanceSchema)
    def patch(self, data: dict[str, Any], grievance_id: uuid.UUID) -> Any:
        """Move a grievance to in review or resolved, with a note (admins; audited).

        404 for grievances about a case the admin was part of."""
        return safeguards.handle(db.session, actor=require_actor(), grievance_id=grievance_id,
                                 status=data["status"], note=data["note"])


@blp.route("/me/grant-check-ins")
class MyCheckIns(MethodView):
    @auth_required()
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, CheckInPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Your private check-ins after payouts, newest first.

        Only you see them."""
        return safeguards.list_my_check_ins(db.session, actor=require_actor(),
                                            limit=query["limit"], cursor=query["cursor"])


@blp.route("/me/grant-check-ins/<uuid:check_in_id>")
class MyCheckIn(MethodView):
    @auth_required()
    @blp.arguments(CheckInAnswerSchema)
    @blp.response(200, CheckInSchema)
    def post(self, data: dict[str, Any], check_in_id: uuid.UUID) -> Any:
        """Answer a check-in once.

        A "no" to either question raises a grievance for you."""
        return safeguards.answer_check_in(db.session, actor=require_actor(),
                                          check_in_id=check_in_id,
                                          received_in_full=data["received_in_full"],
                                          kept_all=data["kept_all"])
