"""Public job search: one function over SQLite FTS5 or PostgreSQL tsvector.

Text is normalised here, in Python, both when a posting is indexed and when a query
is parsed: case-folded, diacritics stripped, split into runs of letters and digits.
The engines then only see plain space-separated words, so they agree on what
matches, and nothing a visitor types can reach either engine's query syntax.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Double,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, contains_eager, defer
from sqlalchemy.sql.elements import ColumnElement

from empower_api.db import utcnow
from empower_api.errors import Invalid
from empower_api.jobs.models import Employer, Job, JobStatus, VettingStatus, search_rowid_for
from empower_api.pagination import Page, decode_cursor, encode_cursor

MAX_QUERY_WORDS = 12
PREFIX_MIN_LENGTH = 3  # shorter words match whole words only (prefix scans are costly)
_WORD = re.compile(r"[^\W_]+")
# SQLite bm25 weights for (title_text, body_text, facets): a title hit counts four
# times a description hit; facet tokens do not count.
_SQLITE_SCORE = "bm25(jobs_fts, 4.0, 1.0, 0.0)"
# Full-text matches in relevance order, then rowid (= id order, see search_rowid_for);
# the weights must stay those of _SQLITE_SCORE.
# LIMIT -1 keeps the inner query from being flattened into the outer one: bm25 is
# only valid in the MATCH query itself.
_SQLITE_RANKED = (
    "SELECT rowid, score FROM (SELECT rowid, bm25(jobs_fts, 4.0, 1.0, 0.0) AS score "
    "FROM jobs_fts WHERE jobs_fts MATCH :fts_query LIMIT -1) ORDER BY score, rowid")
_SQLITE_RANKED_AFTER = (
    "SELECT rowid, score FROM (SELECT rowid, bm25(jobs_fts, 4.0, 1.0, 0.0) AS score "
    "FROM jobs_fts WHERE jobs_fts MATCH :fts_query LIMIT -1) "
    "WHERE score > :last_score OR (score = :last_score AND rowid > :last_rowid) "
    "ORDER BY score, rowid")


def search_words(value: str) -> list[str]:
    """The words search sees in ``value``: case-folded, without diacritics."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def search_text(*parts: str) -> str:
    return " ".join(word for part in parts for word in search_words(part))


def canonical_language(tag: str) -> str:
    """BCP 47 case conventions: ``pt-br`` → ``pt-BR``, ``zh-hant`` → ``zh-Hant``."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def canonical_languages(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(canonical_language(t) for t in tags))


def canonical_skills(skills: Sequence[str]) -> list[str]:
    """Skills are compared in lower case with single spaces: ``"Customer  Service"``."""
    return list(dict.fromkeys(" ".join(s.split()).lower() for s in skills if s.strip()))


def place_key(value: str) -> str:
    """``"Île-de-France"`` and ``"ile de france"`` are the same region."""
    return search_text(value)[:80]


def query_words(q: str | None) -> list[str]:
    """Words of a visitor's ``q``; every character outside a word is a separator."""
    words = list(dict.fromkeys(search_words(q or "")))
    if len(words) > MAX_QUERY_WORDS:
        raise Invalid("q", f"Use at most {MAX_QUERY_WORDS} words.")
    return words


def sqlite_match_expression(words: Sequence[str]) -> str:
    return " AND ".join(
        f'"{w}"*' if len(w) >= PREFIX_MIN_LENGTH else f'"{w}"' for w in words
    )


def postgres_tsquery(words: Sequence[str]) -> str:
    return " & ".join(f"{w}:*" if len(w) >= PREFIX_MIN_LENGTH else w for w in words)


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def _plain(value: str) -> str:
    return value.replace("_", "")


def facet_tokens(*, employer_id: uuid.UUID, region_key: str, city_key: str, workplace: str,
                 employment_type: str, background_check: str, flexible_schedule: bool,
                 skills: Sequence[str], languages: Sequence[str],
                 category: str = "other") -> str:
    """A posting's filter values as FTS tokens (letters and digits only).

    They let SQLite intersect a text match with its filters inside the FTS index.
    A facet is only ever a necessary condition: the SQL filters still decide.
    """
    tokens = [
        f"xm{employer_id.hex}", f"xr{_digest(region_key)}", f"xc{_digest(city_key)}",
        f"xw{workplace}", f"xe{_plain(employment_type)}", f"xb{_plain(background_check)}",
        f"xf{int(bool(flexible_schedule))}", f"xk{_plain(category)}",
        *[f"xs{_digest(skill)}" for skill in skills],
        *[f"xl{tag.split('-')[0].lower()}" for tag in languages],
    ]
    return " ".join(dict.fromkeys(tokens))


def _facet_groups(params: SearchParams) -> list[list[str]]:
    """For each filter given, the facet tokens of which a posting must have one."""
    groups: list[list[str]] = []
    if params.employer_id is not None:
        groups.append([f"xm{params.employer_id.hex}"])
    if params.region:
        groups.append([f"xr{_digest(place_key(params.region))}"])
    if params.city:
        groups.append([f"xc{_digest(place_key(params.city))}"])
    groups += [[f"{prefix}{_plain(v)}" for v in values] for prefix, values in (
        ("xw", params.workplace), ("xe", params.employment_type),
        ("xb", params.background_check), ("xk", params.category)) if values]
    if params.flexible_schedule is not None:
        groups.append([f"xf{int(params.flexible_schedule)}"])
    if params.skills:
        groups.append([f"xs{_digest(skill)}" for skill in canonical_skills(params.skills)])
    if params.languages:
        groups.append(list(dict.fromkeys(
            f"xl{tag.split('-')[0].lower()}" for tag in params.languages)))
    return groups


def sqlite_fts_query(words: Sequence[str], params: SearchParams) -> str:
    """Visitor's words in the text columns only, and the filters' facet tokens."""
    parts = [f"{{title_text body_text}} : ({sqlite_match_expression(words)})"]
    parts += ["facets : (" + " OR ".join(f'"{t}"' for t in group) + ")"
              for group in _facet_groups(params)]
    return " AND ".join(parts)


def public_clause(now: datetime) -> ColumnElement[bool]:
    """Published, still valid, and the employer is vetted right now (needs the join)."""
    return and_(
        Job.status == JobStatus.PUBLISHED,
        Job.valid_through > now,
        Employer.vetting_status == VettingStatus.VETTED,
        Employer.vetted_until > now,
    )


@dataclass
class SearchParams:
    q: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    workplace: list[str] = field(default_factory=list)
    employment_type: list[str] = field(default_factory=list)
    min_pay: int | None = None
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    flexible_schedule: bool | None = None
    background_check: list[str] = field(default_factory=list)
    employer_id: uuid.UUID | None = None
    category: list[str] = field(default_factory=list)
    sort: str | None = None

    @classmethod
    def from_query(cls, data: dict[str, Any]) -> SearchParams:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _any_element(session: Session, array: Any, predicate: Any) -> ColumnElement[bool]:
    """True when some element of the JSON array column satisfies ``predicate(value)``."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.jsonb_array_elements_text(array).table_valued("value").render_derived()
    else:
        elements = func.json_each(array).table_valued("value")
    return exists(select(literal_column("1")).select_from(elements)
                  .where(predicate(elements.c.value)))


def _filters(session: Session, params: SearchParams) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if params.country:
        clauses.append(Job.country == params.country)
    if params.region:
        clauses.append(Job.region_key == place_key(params.region))
    if params.city:
        clauses.append(Job.city_key == place_key(params.city))
    if params.workplace:
        clauses.append(Job.workplace.in_(params.workplace))
    if params.employment_type:
        clauses.append(Job.employment_type.in_(params.employment_type))
    if params.background_check:
        clauses.append(Job.background_check.in_(params.background_check))
    if params.min_pay is not None:
        clauses.append(Job.pay_max_amount >= params.min_pay)
    if params.flexible_schedule is not None:
        clauses.append(Job.flexible_schedule.is_(params.flexible_schedule))
    if params.employer_id is not None:
        clauses.append(Job.employer_id == params.employer_id)
    if params.category:
        clauses.append(Job.category.in_(params.category))
    if params.skills:
        wanted = canonical_skills(params.skills)
        if session.get_bind().dialect.name == "postgresql":
            # jsonb "has any of these strings" can use the GIN index on skills.
            clauses.append(Job.skills.op("?|")(cast(wanted, ARRAY(String()))))
        else:
            clauses.append(_any_element(session, Job.skills, lambda v: v.in_(wanted)))
    if params.languages:
        tags = canonical_languages(params.languages)

        def language_matches(value: Any) -> ColumnElement[bool]:
            # "en" matches "en" and regional variants like "en-GB".
            return or_(value.in_(tags), *[value.like(f"{tag}-%") for tag in tags])

        clauses.append(_any_element(session, Job.languages, language_matches))
    return clauses


@dataclass(frozen=True, eq=False)
class Personal:
    """SQL conditions that leave out what one signed-in survivor never wants to see
    (their blocked employers and excluded categories; built by
    ``empower_api.moderation.personal.personal_filter``). They are subqueries inside
    the search's own statements, so a page costs no extra statement. Empty for
    everyone else, whose results are exactly the anonymous ones."""

    predicates: tuple[ColumnElement[bool], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.predicates)


@dataclass(frozen=True)
class _Order:
    columns: list[Any]
    descending: list[bool]


def _after(order: _Order, values: Sequence[Any]) -> ColumnElement[bool]:
    clauses = []
    for i, col in enumerate(order.columns):
        equal = [order.columns[j] == values[j] for j in range(i)]
        step = col < values[i] if order.descending[i] else col > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def effective_sort(params: SearchParams, words: Sequence[str]) -> str:
    sort = params.sort or ("relevance" if words else "newest")
    return "newest" if sort == "relevance" and not words else sort


def search_jobs(
    session: Session,
    *,
    params: SearchParams,
    limit: int,
    cursor: str | None,
    published_after: datetime | None = None,
    published_until: datetime | None = None,
    cursor_scope: str = "jobs",
    now: datetime | None = None,
    personal: Personal | None = None,
) -> Page[Job]:
    """Published postings of currently vetted employers matching ``params``, one page.

    ``personal`` leaves out what a signed-in survivor blocked or excluded; the SQL
    filters apply it (on SQLite relevance pages too, in the filter check), as
    subqueries: no extra statement.

    One SQL statement per page whatever its size; each posting comes with its
    employer loaded (for the vetting badge).
    """
    now = now or utcnow()
    words = query_words(params.q)
    sort = effective_sort(params, words)
    # Phase 1 finds the page's ids from narrow columns (covered by an index on
    # SQLite); phase 2 loads those postings with their employers. Two statements,
    # whatever the page size.
    stmt: Select[Any] = (
        select(Job.id).join(Employer, Employer.id == Job.employer_id)
        .where(public_clause(now), *_filters(session, params))
    )
    if personal:
        stmt = stmt.where(*personal.predicates)
    if published_after is not None:
        stmt = stmt.where(Job.published_at > published_after)
    if published_until is not None:
        stmt = stmt.where(Job.published_at <= published_until)

    score: Any = None
    dialect = session.get_bind().dialect.name
    if words and sort == "relevance" and dialect == "sqlite":
        return _sqlite_relevance_page(session, stmt, words=words, params=params, limit=limit,
                                      cursor=cursor, scope=f"{cursor_scope}:{sort}")
    if words:
        if dialect == "postgresql":
            # The planner prices testing a row's text match (or its jsonb skills) at
            # cpu_operator_cost, without the cost of unpacking the tsvector from TOAST:
            # it picks a sequential scan for common words, or one filter index and
            # tests the text match row by row, ten times slower than the GIN index.
            # Seqscan off and a 4x operator cost make it start from (or AND with) the
            # GIN index (that higher cost would also tempt it into parallel plans,
            # which a 2-core server running concurrent requests cannot afford).
            # And psycopg prepares a statement run five times; PostgreSQL then
            # switches to a generic plan, which guesses 500 text matches whatever the
            # words (nested loops; common words took twice as long): keep custom
            # plans. All are SET LOCAL (set_config(..., true)): they end with this
            # transaction, where the search is the last statement.
            session.execute(text(
                "SELECT set_config('enable_seqscan', 'off', true), "
                "set_config('cpu_operator_cost', '0.01', true), "
                "set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('plan_cache_mode', 'force_custom_plan', true)"))
            tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                      bindparam("fts_query", postgres_tsquery(words)))
            stmt = stmt.where(Job.search_vector.op("@@")(tsquery))
            if sort == "relevance":
                return _postgres_relevance_page(session, stmt, tsquery, limit=limit,
                                                cursor=cursor, scope=f"{cursor_scope}:{sort}")
            score = cast(-func.ts_rank(Job.search_vector, tsquery), Double())
        else:
            matches = (
                select(literal_column("jobs_fts.rowid").label("rowid"),
                       literal_column(_SQLITE_SCORE, Double()).label("score"))
                .select_from(text("jobs_fts"))
                .where(text("jobs_fts MATCH :fts_query")
                       .bindparams(fts_query=sqlite_fts_query(words, params)))
                .subquery("fts")
            )
            stmt = stmt.join(matches, matches.c.rowid == Job.search_rowid)
            score = matches.c.score

    if sort == "relevance":
        order = _Order([score, Job.id], [False, False])
    elif sort == "pay":
        order = _Order([Job.pay_max_amount, Job.id], [True, True])
    else:
        order = _Order([Job.published_at, Job.id], [True, True])
    stmt = stmt.add_columns(order.columns[0].label("sort_key"))

    scope = f"{cursor_scope}:{sort}"
    if cursor:
        stmt = stmt.where(_after(order, decode_cursor(cursor, scope, len(order.columns))))
    sort_columns = list(order.columns)
    if words and sort != "relevance" and session.get_bind().dialect.name == "postgresql":
        # Sorting by an expression no index provides stops PostgreSQL from walking
        # the pay/newest index and testing each row's tsvector on the way; it then
        # intersects the GIN match with the filters first, which is far cheaper.
        sort_columns[0] = sort_columns[0] + literal_column("INTERVAL '0'") \
            if sort == "newest" else sort_columns[0] + 0
    stmt = stmt.order_by(
        *[c.desc() if d else c.asc() for c, d in zip(sort_columns, order.descending, strict=True)]
    ).limit(limit + 1)

    rows = [tuple(row) for row in session.execute(stmt)]
    return _page(session, rows, limit=limit, scope=scope, float_key=sort == "relevance")


# PostgreSQL ranks at most this many matches of a query, the newest ones: ts_rank
# must unpack each posting's tsvector from TOAST, which cost more than everything
# else for common words (tens of thousands of matches).
RANKED_CANDIDATES = 500
# Sort keys of the matches beyond them: after every ranked one (keys <= 0), newest
# first. Seconds, so a float keeps microseconds apart until the year 2128.
_UNRANKED_KEY_BASE = 5e9


def _postgres_relevance_page(session: Session, stmt: Select[Any], tsquery: Any, *,
                             limit: int, cursor: str | None, scope: str) -> Page[Job]:
    """A relevance-ordered page on PostgreSQL (``stmt`` already has the text match).

    Order: the ``RANKED_CANDIDATES`` most recently published matches first, by
    ts_rank (best first) then id; then any older matches, newest first then id. The
    set of postings is every match, as before; only the order of the matches beyond
    the newest ``RANKED_CANDIDATES`` changes (they were ranked too, at a cost that
    grew with the match count). One sort key carries both parts, so the cursor is
    still (key, id).
    """
    # "+ INTERVAL '0'": an order no index provides, or for words in most postings the
    # planner walks the newest-first index and tests every row's tsvector.
    newest = func.row_number().over(order_by=(
        (Job.published_at + literal_column("INTERVAL '0'")).desc(), Job.id.desc()))
    matches = stmt.add_columns(Job.published_at, Job.search_vector,
                               newest.label("newest")).subquery("matches")
    key = case(
        (matches.c.newest <= RANKED_CANDIDATES,
         cast(-func.ts_rank(matches.c.search_vector, tsquery), Double())),
        else_=literal(_UNRANKED_KEY_BASE, Double())
        - cast(func.extract("epoch", matches.c.published_at), Double()),
    )
    order = _Order([key, matches.c.id], [False, False])
    page = select(matches.c.id, key.label("sort_key"))
    if cursor:
        page = page.where(_after(order, decode_cursor(cursor, scope, 2)))
    rows = [tuple(row) for row in
            session.execute(page.order_by(key, matches.c.id).limit(limit + 1))]
    return _page(session, rows, limit=limit, scope=scope, float_key=True)


def _sqlite_relevance_page(session: Session, stmt: Select[Any], *, words: Sequence[str],
                           params: SearchParams, limit: int, cursor: str | None,
                           scope: str) -> Page[Job]:
    """A relevance-ordered page on SQLite: rank the full-text matches first, then check
    the SQL filters only for as many of them as the page needs.

    The facet tokens in the MATCH already apply every filter they can, so nearly all
    ranked matches pass; joining each one to ``jobs`` and ``employers`` before sorting
    (the plain one-statement form) cost more than the ranking. The order is exactly
    the one-statement order, bm25 score then id: ``jobs.search_rowid`` is unique and
    derived from ``jobs.id`` by a monotonic function (``search_rowid_for``), so
    sorting by (score, search_rowid) inside the FTS query sorts by (score, id).
    The set of postings is the same: each ranked match is kept iff it passes
    ``stmt``'s WHERE clause (public, filters, publication window).

    Statements: the ranking, one filter check of a few times the page size and, only
    if too few of those pass, one more for all remaining matches; then the postings.
    """
    bind: dict[str, Any] = {"fts_query": sqlite_fts_query(words, params)}
    sql = _SQLITE_RANKED
    if cursor:
        last_score, last_id = decode_cursor(cursor, scope, 2)
        if not isinstance(last_score, int | float) or not isinstance(last_id, uuid.UUID):
            raise Invalid("cursor", "This cursor is not valid; start again from the first page.")
        sql = _SQLITE_RANKED_AFTER
        bind |= {"last_score": float(last_score), "last_rowid": search_rowid_for(last_id)}
    ranked = session.execute(text(sql), bind)
    check = (
        stmt.with_only_columns(Job.search_rowid, Job.id)
        .where(Job.search_rowid.in_(
            select(literal_column("value")).select_from(
                func.json_each(bindparam("rowids", type_=String())))))
    )
    found: list[tuple[uuid.UUID, float]] = []
    try:
        batch = ranked.fetchmany(4 * (limit + 1))
        while batch and len(found) <= limit:
            passing = dict(session.execute(
                check, {"rowids": "[" + ",".join(str(row[0]) for row in batch) + "]"}).all())
            found += [(passing[rowid], score) for rowid, score in batch if rowid in passing]
            if len(found) <= limit:
                batch = ranked.fetchall()  # too many failed the filters: check the rest
            else:
                break
    finally:
        ranked.close()
    return _page(session, found, limit=limit, scope=scope, float_key=True)


def _page(session: Session, rows: Sequence[tuple[Any, Any]], *, limit: int, scope: str,
          float_key: bool) -> Page[Job]:
    """Cut ``limit + 1`` (id, sort key) rows to a page of postings and its next cursor."""
    next_cursor = None
    if len(rows) > limit:
        last_id, last_key = rows[limit - 1]
        next_cursor = encode_cursor([float(last_key) if float_key else last_key, last_id], scope)
    return Page(items=_load_postings(session, [row[0] for row in rows[:limit]]),
                next_cursor=next_cursor)


def _load_postings(session: Session, ids: list[uuid.UUID]) -> list[Job]:
    """The postings with these ids, in this order, each with its employer."""
    if not ids:
        return []
    found = session.scalars(
        select(Job).join(Job.employer)
        .options(contains_eager(Job.employer).defer(Employer.description, raiseload=True),
                 defer(Job.description, raiseload=True),
                 defer(Job.search_title, raiseload=True),
                 defer(Job.search_body, raiseload=True),
                 defer(Job.search_vector, raiseload=True))
        .where(Job.id.in_(ids))
    ).unique()
    by_id = {job.id: job for job in found}
    return [by_id[job_id] for job_id in ids if job_id in by_id]
