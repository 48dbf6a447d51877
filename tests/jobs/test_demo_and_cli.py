"""Demo data and the bench seed command."""

from __future__ import annotations

from sqlalchemy import func, select

from empower_api.accounts.demo import load as accounts_demo
from empower_api.db import db
from empower_api.jobs import demo
from empower_api.jobs.cli import register_bench_commands
from empower_api.jobs.models import Employer, Job
from empower_api.jobs.seed import seed_reference_jobs

API = "/api/v1"


def test_demo_makes_vetted_employers_with_postings_and_is_idempotent(app, client):
    with app.app_context():
        session = db.session
        context = {"printed": []}
        accounts_demo(session, context)
        demo.load(session, context)
        session.commit()
        demo.load(session, context)
        session.commit()
        employers = {e.name: e.effective_status(e.created_at)
                     for e in session.scalars(select(Employer))}
        assert employers["Riverside Cleaning Services"] == "pending"
        assert sum(status == "vetted" for status in employers.values()) == sum(
            spec["vet"] for spec in demo.EMPLOYERS) == 4
        assert session.scalar(select(func.count()).select_from(Job)) == len(demo.POSTINGS)
    body = client.get(f"{API}/jobs?limit=100").get_json()
    assert len(body["items"]) == len(demo.POSTINGS)
    assert all(item["employer"]["vetted"] for item in body["items"])


def test_seed_is_deterministic_and_searchable(app, client):
    with app.app_context():
        first = seed_reference_jobs(db.session, jobs=30, employers=5, seed=7)
        again = seed_reference_jobs(db.session, jobs=30, employers=5, seed=7)
        ids = sorted(str(i) for i in db.session.scalars(select(Job.id)))
    assert (first.jobs, first.employers, again.skipped) == (30, 5, True)
    assert len(ids) == 30
    body = client.get(f"{API}/jobs?limit=100").get_json()
    assert len(body["items"]) == 30


def test_flask_bench_seed_command(app):
    register_bench_commands(app)
    result = app.test_cli_runner().invoke(args=["bench", "seed", "--jobs", "12",
                                                "--employers", "3", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "seeded 3 employers and 12 jobs" in result.output
    again = app.test_cli_runner().invoke(args=["bench", "seed", "--jobs", "12",
                                               "--employers", "3", "--seed", "11"])
    assert "already there" in again.output
