"""Service rules without HTTP: expiry tasks, dates, text normalisation, DDL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from empower_api.audit.models import AuditEvent
from empower_api.db import utcnow
from empower_api.jobs import search_ddl, service, tasks
from empower_api.jobs.models import Employer, Job, JobStatus, VettingStatus
from empower_api.jobs.search import (
    postgres_tsquery,
    query_words,
    sqlite_match_expression,
)
from empower_api.searchtext import words as search_words
from tests.factories.jobs import make_employer, make_job


def test_add_months_keeps_the_day_or_the_last_day_of_the_month():
    assert service.add_months(datetime(2026, 3, 15, 9, tzinfo=UTC), 12) == datetime(
        2027, 3, 15, 9, tzinfo=UTC)
    assert service.add_months(datetime(2028, 2, 29, tzinfo=UTC), 12) == datetime(
        2029, 2, 28, tzinfo=UTC)
    assert service.add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(
        2027, 2, 28, tzinfo=UTC)


def test_expire_vetting_task_marks_lapsed_employers_and_audits(app, session):
    lapsed = make_employer(session, status="lapsed")
    current = make_employer(session)
    session.commit()
    assert tasks.expire_vetting.run() == 1
    session.expire_all()
    assert session.get(Employer, lapsed.id).vetting_status == VettingStatus.EXPIRED
    assert session.get(Employer, current.id).vetting_status == VettingStatus.VETTED
    event = session.scalar(select(AuditEvent).where(AuditEvent.subject_id == str(lapsed.id)))
    assert event.action == "jobs.employer.vetting.expire" and event.actor_id is None


def test_close_expired_postings_task_closes_only_out_of_date_published_jobs(app, session):
    employer = make_employer(session)
    old = make_job(session, employer, published_ago=timedelta(days=61))
    fresh = make_job(session, employer)
    draft = make_job(session, employer, status=JobStatus.DRAFT)
    session.commit()
    assert tasks.close_expired_postings.run() == 1
    session.expire_all()
    assert session.get(Job, old.id).status == JobStatus.CLOSED
    assert session.get(Job, old.id).closed_at is not None
    assert session.get(Job, fresh.id).status == JobStatus.PUBLISHED
    assert session.get(Job, draft.id).status == JobStatus.DRAFT


def test_beat_schedule_names_registered_tasks():
    names = {entry["task"] for entry in tasks.BEAT_SCHEDULE.values()}
    assert names == {"jobs.expire_vetting", "jobs.close_expired_postings"}
    assert names <= set(tasks.celery.tasks)


def test_suspension_does_not_touch_postings(session):
    from tests.factories.accounts import make_staff

    employer = make_employer(session)
    job = make_job(session, employer)
    before = (job.status, job.updated_at, job.valid_through)
    service.decide_vetting(session, actor=make_staff(session), employer_id=employer.id,
                           decision="suspend", note="Pending review.")
    session.refresh(job)
    assert (job.status, job.updated_at, job.valid_through) == before


@pytest.mark.parametrize(("raw", "words"), [
    ("Café-au-lait", ["cafe", "au", "lait"]),
    ('"NEAR(x*y)":-', ["near", "x", "y"]),
    ("Straße ÉCOLE", ["strasse", "ecole"]),
    ("snake_case", ["snake", "case"]),
    ("\x00\u200b", []),
])
def test_search_words_fold_case_accents_and_syntax(raw, words):
    assert search_words(raw) == words


def test_query_expressions_quote_words_and_prefix_only_longer_ones():
    words = query_words('bak it "x"')
    assert sqlite_match_expression(words) == '"bak"* AND "it" AND "x"'
    assert postgres_tsquery(words) == "bak:* & it & x"


def test_search_index_follows_title_and_description_edits(session):
    employer = make_employer(session, name="Acme")
    job = make_job(session, employer, title="Gardener", description="Plants.")
    session.flush()
    service._apply(job, {"title": "Carpenter"})
    service._index_for_search(job, employer)
    session.flush()
    from empower_api.jobs.search import SearchParams, search_jobs

    def found(q):
        page = search_jobs(session, params=SearchParams(q=q), limit=10, cursor=None)
        return [j.id for j in page.items]

    assert found("carpenter") == [job.id]
    assert found("gardener") == []
    session.delete(job)
    session.flush()
    assert found("carpenter") == []


def test_search_ddl_is_given_for_both_engines_and_named_for_autogenerate_to_ignore():
    for dialect in ("sqlite", "postgresql"):
        assert search_ddl.ddl_statements(dialect) and search_ddl.drop_statements(dialect)
    joined = " ".join(search_ddl.ddl_statements("sqlite") + search_ddl.ddl_statements(
        "postgresql"))
    assert "jobs_fts" in joined and "%" not in joined
    assert search_ddl.ddl_statements("mysql") == []


def test_fts_objects_exist_after_create_all(session):
    if session.get_bind().dialect.name == "postgresql":
        name = session.scalar(text("SELECT to_regclass('jobs_fts_search_vector_gin')::text"))
        assert name == "jobs_fts_search_vector_gin"
    else:
        assert session.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'jobs_fts%'")) >= 4


def test_is_public_requires_published_valid_and_vetted(session):
    employer = make_employer(session)
    job = make_job(session, employer)
    now = utcnow()
    assert service.is_public(job, now)
    assert not service.is_public(job, job.valid_through + timedelta(seconds=1))
    employer.vetted_until = now - timedelta(seconds=1)
    assert not service.is_public(job, now)
