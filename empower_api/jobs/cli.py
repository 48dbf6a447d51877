"""``flask bench seed``: reference data for the job-search benchmark.

``register_bench_commands(app)`` adds the command to the ``bench`` group (creating
the group if no other domain has yet); ``empower_api.cli.register_commands`` calls it.
"""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from empower_api.db import db


def bench_group(app: Flask) -> click.Group:
    group = app.cli.commands.get("bench")
    if not isinstance(group, click.Group):
        group = AppGroup("bench", help="Benchmark reference data.")
        app.cli.add_command(group)
    return group


def register_bench_commands(app: Flask) -> None:
    group = bench_group(app)

    @group.command("seed")
    @click.option("--jobs", "job_count", default=100_000, show_default=True,
                  help="Published postings to create.")
    @click.option("--employers", "employer_count", default=2_000, show_default=True,
                  help="Vetted employers to spread them over.")
    @click.option("--seed", default=42, show_default=True, help="Random seed (deterministic).")
    @with_appcontext
    def seed(job_count: int, employer_count: int, seed: int) -> None:
        """Insert vetted employers and published jobs (same seed, same data)."""
        from empower_api.jobs.seed import seed_reference_jobs

        started = time.perf_counter()
        result = seed_reference_jobs(db.session, jobs=job_count, employers=employer_count,
                                     seed=seed)
        if result.skipped:
            click.echo(f"bench data for seed {seed} is already there; nothing to do")
            return
        click.echo(f"seeded {result.employers} employers and {result.jobs} jobs "
                   f"in {time.perf_counter() - started:.1f} s")
