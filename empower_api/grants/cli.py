"""``flask grants …``: reconciliation with Stripe, and the outbox sweep by hand."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from empower_api.db import db


def register_grants_commands(app: Flask) -> None:
    grants = AppGroup("grants", help="Microgrants.")
    app.cli.add_command(grants)

    @grants.command("reconcile")
    def reconcile_command() -> None:
        """List disbursements whose state disagrees with Stripe's; exit 1 if any do."""
        from empower_api.grants import stripe_gateway
        from empower_api.grants.reconcile import reconcile

        if not stripe_gateway.configured():
            click.echo("STRIPE_API_KEY is not set: only manual payouts, nothing to reconcile.")
            return
        mismatches = reconcile(db.session)
        for m in mismatches:
            click.echo(f"{m.disbursement_id}: local {m.local}, stripe {m.stripe}")
        if mismatches:
            click.echo(f"{len(mismatches)} disbursement(s) disagree with Stripe", err=True)
            sys.exit(1)
        click.echo("every disbursement agrees with Stripe")

    @grants.command("sweep")
    def sweep_command() -> None:
        """Pay every due Stripe disbursement now (what the periodic task does)."""
        from empower_api.grants.disbursements import sweep

        click.echo(f"processed {sweep(db.session)} disbursement(s)")
