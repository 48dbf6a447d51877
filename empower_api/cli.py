"""Command-line interface: ``flask --app empower_api <command>``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import structlog
from flask import Flask
from flask.cli import AppGroup

from empower_api.db import db
from empower_api.errors import DomainError

DemoLoader = Callable[[Any, dict[str, Any]], None]
log = structlog.get_logger(__name__)


@contextmanager
def _domain_errors() -> Iterator[None]:
    """A domain error becomes a one-line CLI error (exit 1), nothing written."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        detail = "; ".join(m for ms in getattr(error, "errors", {}).values() for m in ms)
        raise click.ClickException(detail or error.detail or error.code)


def _echo_second_factor(credentials: Any) -> None:
    """The provisioning URI on a line of its own (scripts read it), then backup codes."""
    click.echo(credentials.otpauth_uri)
    click.echo("backup codes (each works once; store them offline):")
    for code in credentials.backup_codes:
        click.echo(f"  {code}")


def demo_loaders() -> list[tuple[str, DemoLoader]]:
    """Each domain adds its demo data; later ones may use what earlier ones made."""
    from empower_api.accounts.demo import load as accounts_demo
    from empower_api.grants.demo import load as grants_demo
    from empower_api.jobs.applications.demo import load as applications_demo
    from empower_api.jobs.demo import load as jobs_demo
    from empower_api.moderation.demo import load as moderation_demo
    from empower_api.savings.demo import load as savings_demo
    from empower_api.training.demo import load as training_demo

    return [("accounts", accounts_demo), ("jobs", jobs_demo),
            ("applications", applications_demo), ("moderation", moderation_demo),
            ("savings", savings_demo), ("training", training_demo), ("grants", grants_demo)]


def register_commands(app: Flask) -> None:
    from empower_api.grants.cli import register_grants_commands
    from empower_api.jobs.cli import register_bench_commands
    from empower_api.retention.cli import register_retention_commands
    from empower_api.savings.cli import register_savings_commands

    register_bench_commands(app)
    register_grants_commands(app)
    register_retention_commands(app)
    register_savings_commands(app)

    @app.cli.command("demo")
    def demo() -> None:
        """Migrate the database and load demo data (safe to run again)."""
        from flask_migrate import upgrade

        upgrade(directory=str(app.config["MIGRATIONS_DIR"]))
        session = db.session
        context: dict[str, Any] = {"printed": []}
        for name, load in demo_loaders():
            load(session, context)
            session.commit()
            click.echo(f"demo data: {name} ready")
        for line in context["printed"]:
            click.echo(line)

    users = AppGroup("users", help="Manage staff and admin accounts.")
    app.cli.add_command(users)

    @users.command("create-staff")
    @click.option("--email", required=True)
    @click.option("--password", required=True, prompt=True, hide_input=True)
    @click.option("--admin", is_flag=True, help="Create an admin instead of staff.")
    def create_staff(email: str, password: str, admin: bool) -> None:
        """Create a staff (or admin) account; the only way to make one."""
        from empower_api.accounts import staff

        with _domain_errors():
            created = staff.create_staff_account(db.session, email=email, password=password,
                                                 admin=admin)
        db.session.commit()
        click.echo(f"created {created.user.role} {created.user.id}")
        _echo_second_factor(created)

    @users.command("reset-mfa")
    @click.option("--email", required=True)
    def reset_mfa(email: str) -> None:
        """Give a staff or admin account a new two-factor secret (lost device)."""
        from empower_api.accounts import staff

        with _domain_errors():
            credentials = staff.reset_mfa(db.session, email=email)
        db.session.commit()
        click.echo(f"new two-factor secret for {credentials.user.role} {credentials.user.id}")
        _echo_second_factor(credentials)

    @users.command("deactivate-staff")
    @click.option("--email", required=True)
    def deactivate_staff(email: str) -> None:
        """End every session of a staff or admin account at once; it cannot sign in again."""
        from empower_api.accounts import staff

        with _domain_errors():
            ended = staff.deactivate_staff(db.session, email=email)
        db.session.commit()
        click.echo(f"deactivated; {ended} sessions ended")

    audit = AppGroup("audit", help="The audit log.")
    app.cli.add_command(audit)

    @audit.command("verify")
    @click.option("--against", metavar="HASH:COUNT", default=None,
                  help="A checkpoint kept outside the database (flask audit checkpoint).")
    def audit_verify(against: str | None) -> None:
        """Exit 0 if the audit chain is intact (and holds the checkpoint), else 1."""
        from empower_api.audit.service import Checkpoint, verify

        anchor = None
        if against is not None:
            try:
                anchor = Checkpoint.parse(against)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--against")
        result = verify(db.session, against=anchor)
        if result.ok:
            suffix = f", checkpoint {anchor.count} holds" if anchor else ""
            click.echo(f"audit chain intact: {result.checked} events{suffix}")
            return
        if result.anchor_mismatch == "count":
            click.echo(f"audit chain has {result.checked} events, fewer than the checkpoint's "
                       f"{anchor.count if anchor else 0}: events were deleted", err=True)
        elif result.anchor_mismatch == "hash":
            click.echo(f"audit chain rewritten: event {result.broken_at} does not carry the "
                       "checkpoint's hash", err=True)
        else:
            click.echo(f"audit chain broken at event {result.broken_at}", err=True)
        sys.exit(1)

    @audit.command("checkpoint")
    def audit_checkpoint() -> None:
        """Print (and log) the chain's head hash and length, to keep outside the database."""
        from empower_api.audit.service import checkpoint

        point = checkpoint(db.session)
        log.info("audit_checkpoint", head_hash=point.head_hash, count=point.count)
        click.echo(str(point))

    from empower_api.accounts.keys import keys_cli

    app.cli.add_command(keys_cli)
