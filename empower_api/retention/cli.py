"""``flask retention purge [--dry-run]``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from empower_api.db import db


def register_retention_commands(app: Flask) -> None:
    retention = AppGroup("retention", help="Retention periods.")
    app.cli.add_command(retention)

    @retention.command("purge")
    @click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
    def purge(dry_run: bool) -> None:
        """Delete or erase what the retention periods have run out on (audited)."""
        from empower_api.retention import service

        results = service.run(db.session, dry_run=dry_run, trigger="cli")
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        verb = "would go" if dry_run else "purged"
        for result in results:
            if result.period_days == 0:
                click.echo(f"{result.name}: off ({result.setting}=0)")
            else:
                click.echo(f"{result.name}: {result.count} {verb} "
                           f"(older than {result.period_days} days)")
