"""Command-line interface: ``flask --app empower_api <command>``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from empower_api.db import db
from empower_api.errors import DomainError

DemoLoader = Callable[[Any, dict[str, Any]], None]


def demo_loaders() -> list[tuple[str, DemoLoader]]:
    """Each domain adds its demo data; later ones may use what earlier ones made."""
    from empower_api.accounts.demo import load as accounts_demo
    from empower_api.jobs.demo import load as jobs_demo
    from empower_api.moderation.demo import load as moderation_demo
    from empower_api.savings.demo import load as savings_demo
    from empower_api.training.demo import load as training_demo

    return [("accounts", accounts_demo), ("jobs", jobs_demo), ("moderation", moderation_demo),
            ("savings", savings_demo), ("training", training_demo)]


def register_commands(app: Flask) -> None:
    from empower_api.jobs.cli import register_bench_commands

    register_bench_commands(app)

    @app.cli.command("demo")
    def demo() -> None:
        """Migrate the database and load demo data (safe to run again)."""
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
        from empower_api.accounts import service

        try:
            user = service.create_staff(db.session, email=email, password=password, admin=admin)
        except DomainError as error:
            db.session.rollback()
            detail = "; ".join(m for ms in getattr(error, "errors", {}).values() for m in ms)
            raise click.ClickException(detail or error.detail or error.code)
        db.session.commit()
        click.echo(f"created {user.role} {user.id}")

    audit = AppGroup("audit", help="The audit log.")
    app.cli.add_command(audit)

    @audit.command("verify")
    def audit_verify() -> None:
        """Exit 0 if the audit chain is intact, else 1."""
        from empower_api.audit.service import verify

        result = verify(db.session)
        if result.ok:
            click.echo(f"audit chain intact: {result.checked} events")
            return
        click.echo(f"audit chain broken at event {result.broken_at}", err=True)
        sys.exit(1)

    from empower_api.accounts.keys import keys_cli

    app.cli.add_command(keys_cli)
