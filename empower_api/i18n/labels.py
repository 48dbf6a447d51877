"""What a person sees for each enum value, in every shipped language.

Keys are stable: the kind (``application_status``) and the value the API sends
(``interview``). Labels are English here, translated by the catalogs, and served by
``GET /api/v1/labels`` so the app never hard-codes them. ``tests/i18n/test_labels.py``
walks every ``StrEnum`` of the code: a new value without a label fails there.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from empower_api.i18n import N_, translate_in

# Enums that no person reads (machine states of workers and ledgers).
INTERNAL_ENUMS = frozenset({"AttemptOutcome", "TxOrigin", "Kind", "BalanceHolder"})


@cache
def all_labels() -> dict[str, tuple[type[StrEnum], dict[str, str]]]:
    """kind -> (the enum, value -> English label). Built on first use: the domains'
    models are imported here, and domains import this module."""
    from empower_api.accounts.models import Role
    from empower_api.consents.service import Purpose
    from empower_api.grants import models as grants
    from empower_api.jobs import models as jobs
    from empower_api.jobs.applications import models as applications
    from empower_api.moderation import models as moderation
    from empower_api.savings import models as savings
    from empower_api.training import models as training

    return {
        "role": (Role, {
            Role.SURVIVOR: N_("Member"), Role.EMPLOYER: N_("Employer"),
            Role.STAFF: N_("Staff"), Role.ADMIN: N_("Administrator")}),
        "vetting_status": (jobs.VettingStatus, {
            jobs.VettingStatus.PENDING: N_("Waiting for review"),
            jobs.VettingStatus.VETTED: N_("Vetted"),
            jobs.VettingStatus.REJECTED: N_("Not approved"),
            jobs.VettingStatus.SUSPENDED: N_("Suspended"),
            jobs.VettingStatus.EXPIRED: N_("Vetting expired")}),
        "employer_member_role": (jobs.MemberRole, {
            jobs.MemberRole.OWNER: N_("Owner"), jobs.MemberRole.MEMBER: N_("Team member")}),
        "employment_type": (jobs.EmploymentType, {
            jobs.EmploymentType.FULL_TIME: N_("Full time"),
            jobs.EmploymentType.PART_TIME: N_("Part time"),
            jobs.EmploymentType.CONTRACT: N_("Contract"),
            jobs.EmploymentType.TEMPORARY: N_("Temporary"),
            jobs.EmploymentType.INTERNSHIP: N_("Internship")}),
        "pay_period": (jobs.PayPeriod, {
            jobs.PayPeriod.HOUR: N_("per hour"), jobs.PayPeriod.WEEK: N_("per week"),
            jobs.PayPeriod.MONTH: N_("per month"), jobs.PayPeriod.YEAR: N_("per year")}),
        "workplace": (jobs.Workplace, {
            jobs.Workplace.ONSITE: N_("On site"), jobs.Workplace.HYBRID: N_("Hybrid"),
            jobs.Workplace.REMOTE: N_("Remote")}),
        "background_check": (jobs.BackgroundCheck, {
            jobs.BackgroundCheck.NONE: N_("No background check"),
            jobs.BackgroundCheck.FAIR_CHANCE: N_("Fair-chance background check"),
            jobs.BackgroundCheck.REQUIRED: N_("Background check required")}),
        "job_status": (jobs.JobStatus, {
            jobs.JobStatus.DRAFT: N_("Draft"), jobs.JobStatus.PUBLISHED: N_("Published"),
            # Its own words: "Closed" alone agrees with the cycle in gendered languages.
            jobs.JobStatus.CLOSED: N_("Closed to applications"),
            jobs.JobStatus.HELD: N_("Held for review"),
            jobs.JobStatus.HIDDEN: N_("Hidden while reviewed"),
            jobs.JobStatus.REMOVED: N_("Removed")}),
        "job_category": (jobs.JobCategory, {
            code: label for code, (label, _covers) in jobs.CATEGORY_LABELS.items()}),
        "invitation_status": (jobs.InvitationStatus, {
            jobs.InvitationStatus.PENDING: N_("Waiting for an answer"),
            jobs.InvitationStatus.ACCEPTED: N_("Accepted"),
            jobs.InvitationStatus.DECLINED: N_("Declined")}),
        "application_status": (applications.ApplicationStatus, {
            applications.ApplicationStatus.SUBMITTED: N_("Sent"),
            applications.ApplicationStatus.VIEWED: N_("Seen by the employer"),
            applications.ApplicationStatus.INTERVIEW: N_("Interview"),
            applications.ApplicationStatus.OFFERED: N_("Job offered"),
            applications.ApplicationStatus.HIRED: N_("Hired"),
            applications.ApplicationStatus.DECLINED: N_("Not selected"),
            applications.ApplicationStatus.WITHDRAWN: N_("Withdrawn")}),
        "application_actor": (applications.ActorRole, {
            applications.ActorRole.APPLICANT: N_("Applicant"),
            applications.ActorRole.EMPLOYER: N_("Employer"),
            applications.ActorRole.STAFF: N_("Staff"),
            applications.ActorRole.SYSTEM: N_("Automatic")}),
        "message_sender": (applications.SenderRole, {
            applications.SenderRole.APPLICANT: N_("Applicant"),
            applications.SenderRole.EMPLOYER: N_("Employer")}),
        "report_reason": (moderation.ReportReason, {
            moderation.ReportReason.UNSAFE: N_("Unsafe"),
            moderation.ReportReason.MISLEADING: N_("Misleading"),
            moderation.ReportReason.EXPLOITATIVE: N_("Exploitative"),
            moderation.ReportReason.OTHER: N_("Other")}),
        "moderation_trigger": (moderation.CaseTrigger, {
            moderation.CaseTrigger.REPORTS: N_("Reported by several people"),
            moderation.CaseTrigger.SCAM_SIGNALS: N_("Possible scam signals")}),
        "moderation_state": (moderation.CaseState, {
            moderation.CaseState.PENDING: N_("Waiting for review"),
            moderation.CaseState.RESTORED: N_("Restored"),
            moderation.CaseState.REMOVED: N_("Removed")}),
        "moderation_decision": (moderation.Decision, {
            moderation.Decision.RESTORE: N_("Restore"), moderation.Decision.REMOVE: N_("Remove")}),
        "course_modality": (training.Modality, {
            training.Modality.ONLINE: N_("Online"), training.Modality.IN_PERSON: N_("In person"),
            training.Modality.HYBRID: N_("Hybrid")}),
        "enrollment_status": (training.EnrollmentStatus, {
            training.EnrollmentStatus.ACTIVE: N_("In progress"),
            training.EnrollmentStatus.COMPLETED: N_("Completed"),
            training.EnrollmentStatus.WITHDRAWN: N_("Withdrawn")}),
        "credential_status": (training.CredentialStatus, {
            training.CredentialStatus.ACTIVE: N_("Valid"),
            training.CredentialStatus.REVOKED: N_("Revoked")}),
        "prior_learning_status": (training.ClaimStatus, {
            training.ClaimStatus.PENDING: N_("Waiting for review"),
            training.ClaimStatus.VERIFIED: N_("Verified"),
            training.ClaimStatus.DECLINED: N_("Not verified")}),
        "savings_member_role": (savings.MemberRole, {
            savings.MemberRole.CHAIR: N_("Chair"),
            savings.MemberRole.TREASURER: N_("Treasurer"),
            savings.MemberRole.SECRETARY: N_("Secretary"),
            savings.MemberRole.MEMBER: N_("Member")}),
        "savings_member_status": (savings.MemberStatus, {
            savings.MemberStatus.ACTIVE: N_("Active"), savings.MemberStatus.LEFT: N_("Left")}),
        "interest_method": (savings.InterestMethod, {
            savings.InterestMethod.FLAT: N_("Flat interest"),
            savings.InterestMethod.DECLINING: N_("Interest on the remaining balance")}),
        "cycle_status": (savings.CycleStatus, {
            savings.CycleStatus.OPEN: N_("Open"), savings.CycleStatus.CLOSED: N_("Closed")}),
        "loan_status": (savings.LoanStatus, {
            savings.LoanStatus.REQUESTED: N_("Requested"),
            savings.LoanStatus.DISBURSED: N_("Being repaid"),
            savings.LoanStatus.REPAID: N_("Repaid"),
            savings.LoanStatus.REJECTED: N_("Not approved"),
            savings.LoanStatus.CANCELLED: N_("Cancelled")}),
        "transaction_type": (savings.TxType, {
            savings.TxType.SHARE_PURCHASE: N_("Shares bought"),
            savings.TxType.SOCIAL_FUND: N_("Social fund contribution"),
            savings.TxType.FINE: N_("Fine"),
            savings.TxType.LOAN_REPAYMENT: N_("Loan repayment"),
            savings.TxType.LOAN_DISBURSEMENT: N_("Loan paid out"),
            savings.TxType.INTEREST_ACCRUAL: N_("Interest added"),
            savings.TxType.MEMBER_PAYOUT: N_("Paid to a member"),
            savings.TxType.SHARE_OUT: N_("Share-out"),
            savings.TxType.REVERSAL: N_("Correction")}),
        "ledger_account": (savings.Account, {
            savings.Account.CASH: N_("Cash box"),
            savings.Account.LOANS_RECEIVABLE: N_("Loans to members"),
            savings.Account.INTEREST_RECEIVABLE: N_("Interest owed"),
            savings.Account.MEMBER_SHARES: N_("Members' savings"),
            savings.Account.SOCIAL_FUND: N_("Social fund"),
            savings.Account.INTEREST_INCOME: N_("Interest earned"),
            savings.Account.FINES_INCOME: N_("Fines collected")}),
        "grant_application_status": (grants.ApplicationStatus, {
            grants.ApplicationStatus.SUBMITTED: N_("Sent"),
            grants.ApplicationStatus.AWAITING_SECOND_APPROVAL: N_("Waiting for a second approval"),
            grants.ApplicationStatus.APPROVED: N_("Approved"),
            grants.ApplicationStatus.REJECTED: N_("Not approved"),
            grants.ApplicationStatus.WITHDRAWN: N_("Withdrawn")}),
        "grant_decision": (grants.Decision, {
            grants.Decision.APPROVE: N_("Approve"), grants.Decision.REJECT: N_("Reject")}),
        "payout_method": (grants.PayoutMethod, {
            grants.PayoutMethod.STRIPE: N_("Bank transfer"),
            grants.PayoutMethod.MANUAL: N_("Cash or mobile money")}),
        "payout_account_status": (grants.PayoutAccountStatus, {
            grants.PayoutAccountStatus.PENDING: N_("Setup not finished"),
            grants.PayoutAccountStatus.ACTIVE: N_("Ready"),
            grants.PayoutAccountStatus.RESTRICTED: N_("Needs attention")}),
        "disbursement_status": (grants.DisbursementStatus, {
            grants.DisbursementStatus.PENDING: N_("Waiting to be paid"),
            grants.DisbursementStatus.PROCESSING: N_("Being paid"),
            grants.DisbursementStatus.PAID: N_("Paid"),
            grants.DisbursementStatus.FAILED: N_("Payment failed")}),
        "grievance_about": (grants.GrievanceAbout, {
            grants.GrievanceAbout.APPLICATION: N_("An application"),
            grants.GrievanceAbout.PAYOUT: N_("A payment")}),
        "grievance_status": (grants.GrievanceStatus, {
            grants.GrievanceStatus.OPEN: N_("Open"),
            grants.GrievanceStatus.IN_REVIEW: N_("Being looked at"),
            grants.GrievanceStatus.RESOLVED: N_("Resolved")}),
        "grievance_source": (grants.GrievanceSource, {
            grants.GrievanceSource.SURVIVOR: N_("Raised by you"),
            grants.GrievanceSource.CHECK_IN: N_("From a check-in")}),
        "consent_purpose": (Purpose, {
            Purpose.SHARE_PROFILE_WITH_EMPLOYERS: N_("Share my profile with employers"),
            Purpose.GRANT_FOLLOW_UP_CONTACT: N_("Contact after a grant"),
            Purpose.INCLUDE_IN_IMPACT_FIGURES: N_("Count me in published totals"),
            Purpose.RESEARCH_CONTACT: N_("Invitations to research")}),
    }


def label(kind: str, value: str) -> str:
    """The English label of ``value`` (translated when rendered); the value if unknown."""
    return all_labels()[kind][1].get(value, value)


def labels_in(tag: str) -> dict[str, dict[str, str]]:
    """Every kind's labels in locale ``tag``: ``{kind: {value: label}}``."""
    return {kind: {str(value): translate_in(tag, text) for value, text in labels.items()}
            for kind, (_enum, labels) in all_labels().items()}
