"""Savings groups: the rules, one import for routes, tasks, the demo and the CLI.

The rules live in one module per noun: ``access`` (who may touch a group, the lock),
``groups`` (groups and membership), ``meetings``, ``transactions`` (recording, /sync,
reversal), ``loans``, ``shareout`` and ``statements`` (statements, the ledger page,
the check of the books); ``privacy`` registers export and erasure. Functions take
the session explicitly and only flush; the request commits once.
"""

from __future__ import annotations

from empower_api.savings.access import NO_GROUP, add_months, find_membership
from empower_api.savings.groups import (
    GroupView,
    LeaveResult,
    canonical_invite_code,
    create_group,
    get_group,
    join_group,
    leave_group,
    list_my_groups,
    rotate_invite_code,
    set_role,
    summarize_balances,
)
from empower_api.savings.loans import (
    _ACCRUAL_NAMESPACE,
    LoanView,
    accrue_group_interest,
    accrue_loan_interest,
    approve_loan,
    get_loan,
    groups_with_declining_loans,
    interest_for,
    list_loans,
    loan_view,
    loan_views,
    reject_loan,
    request_loan,
)
from empower_api.savings.meetings import create_meeting, list_meetings, update_meeting
from empower_api.savings.privacy import SAVINGS_USER_TABLES, erase_savings, export_savings
from empower_api.savings.shareout import Payout, ShareOut, share_out
from empower_api.savings.statements import (
    LedgerCheck,
    LedgerLine,
    Statement,
    check_ledger,
    group_ledger,
    member_statement,
)
from empower_api.savings.transactions import (
    SYNC_CHUNK,
    SYNC_TIME_BUDGET_SECONDS,
    SYNC_YIELD_SECONDS,
    SyncResult,
    get_transaction,
    not_processed,
    record_transaction,
    request_hash,
    reverse_transaction,
    sync_transactions,
)

__all__ = [
    "NO_GROUP", "SAVINGS_USER_TABLES", "SYNC_CHUNK", "SYNC_TIME_BUDGET_SECONDS",
    "SYNC_YIELD_SECONDS", "_ACCRUAL_NAMESPACE", "GroupView", "LeaveResult",
    "LedgerCheck", "LedgerLine", "LoanView", "Payout", "ShareOut", "Statement", "SyncResult",
    "accrue_group_interest", "accrue_loan_interest", "add_months", "approve_loan",
    "canonical_invite_code", "check_ledger", "create_group", "create_meeting",
    "erase_savings", "export_savings", "find_membership", "get_group", "get_loan",
    "get_transaction", "group_ledger", "groups_with_declining_loans", "interest_for",
    "join_group", "leave_group", "list_loans", "list_meetings", "list_my_groups",
    "loan_view", "loan_views", "member_statement", "not_processed", "record_transaction",
    "reject_loan", "request_hash", "request_loan", "reverse_transaction", "rotate_invite_code",
    "set_role", "share_out", "summarize_balances", "sync_transactions", "update_meeting",
]
