"""``flask savings …``: the check of the books, and the repair of kept balances."""

from __future__ import annotations

import sys
import uuid

import click
from flask import Flask
from flask.cli import AppGroup

from empower_api.db import db


def register_savings_commands(app: Flask) -> None:
    savings = AppGroup("savings", help="Savings groups.")
    app.cli.add_command(savings)

    @savings.command("check-ledger")
    @click.option("--group", "group_id", type=click.UUID, default=None,
                  help="Check one group (default: every group).")
    def check_ledger_command(group_id: uuid.UUID | None) -> None:
        """Recompute every kept balance from the ledger; exit 1 on any difference.

        Also checks that every journal entry balances and no cash is negative. The
        output names groups, accounts and ids only, never a person.
        """
        from empower_api.savings.statements import check_ledger

        check = check_ledger(db.session, group_id=group_id)
        db.session.rollback()
        click.echo(f"{check.transactions} transactions, {check.entries} ledger lines, "
                   f"{check.balances_checked} kept balances checked")
        for tx_id in check.unbalanced_transactions:
            click.echo(f"transaction {tx_id}: lines do not sum to zero")
        for mismatch in check.balance_mismatches:
            click.echo(mismatch.describe())
        if not check.balanced:
            click.echo(f"ledger check FAILED: {len(check.unbalanced_transactions)} unbalanced "
                       f"transaction(s), {len(check.balance_mismatches)} kept balance(s) "
                       "differ from the ledger", err=True)
            sys.exit(1)
        click.echo("ledger check OK: every entry balances and every kept balance matches")

    @savings.command("rebuild-balances")
    @click.option("--group", "group_id", type=click.UUID, required=True,
                  help="The group whose kept balances to rebuild from its ledger lines.")
    def rebuild_balances_command(group_id: uuid.UUID) -> None:
        """Replace one group's kept balances with the sums of its ledger lines.

        The repair after ``check-ledger`` reported a kept balance differing from the
        ledger (the ledger is the source of truth). The group is locked meanwhile.
        """
        from empower_api.savings import ledger
        from empower_api.savings.models import SavingsGroup

        if db.session.get(SavingsGroup, group_id) is None:
            raise click.ClickException("No such savings group.")
        written = ledger.rebuild_balances(db.session, group_id)
        db.session.commit()
        click.echo(f"rebuilt {written} kept balances of group {group_id}")
