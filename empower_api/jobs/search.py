"""Public job search: one function over SQLite FTS5 or PostgreSQL tsvector.

Text is normalised in Python by ``empower_api.searchtext``, both when a posting is
indexed and when a query is parsed (folded, transliterated, unspaced scripts cut into
character n-grams). The engines then only see plain space-separated tokens, so they
agree on what matches, and nothing a visitor types can reach either engine's query
syntax.
"""

from __future__ import annotations

import hashlib
import math
import time
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
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, contains_eager, defer
from sqlalchemy.sql.elements import ColumnElement

from empower_api.db import utcnow
from empower_api.errors import Invalid
from empower_api.jobs.models import Employer, Job, JobStatus, VettingStatus
from empower_api.pagination import Page, decode_cursor, encode_cursor
from empower_api.searchtext import (
    Term,
    index_text,
    place_key,
    postgres_tsquery,
    query_terms,
    sqlite_match_expression,
)

# The names the jobs domain (and the training catalog) index and query with.
search_text = index_text
query_words = query_terms
__all__ = ["place_key", "postgres_tsquery", "query_words", "search_text",
           "sqlite_match_expression"]

# The candidates of a relevance page on SQLite: the RANKED_CANDIDATES full-text
# matches with the highest rowids, read in the index's own order (rowid descending),
# so bm25 is computed for them only, never for every match. bm25 weights for
# (title_text, body_text, facets): a title hit counts four times a description hit;
# facet tokens do not count.
_SQLITE_CANDIDATES = (
    "SELECT rowid, bm25(jobs_fts, 4.0, 1.0, 0.0) FROM jobs_fts "
    "WHERE jobs_fts MATCH :fts_query ORDER BY rowid DESC LIMIT :candidates")


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


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def _plain(value: str) -> str:
    return value.replace("_", "")


def facet_tokens(*, employer_id: uuid.UUID, country: str, region_key: str, city_key: str,
                 workplace: str, employment_type: str, background_check: str,
                 flexible_schedule: bool, skills: Sequence[str], languages: Sequence[str],
                 category: str = "other") -> str:
    """A posting's filter values as FTS tokens (letters and digits only).

    They let SQLite intersect a text match with its filters inside the FTS index.
    A facet is only ever a necessary condition: the SQL filters still decide.
    """
    tokens = [
        f"xm{employer_id.hex}", f"xr{_digest(region_key)}", f"xc{_digest(city_key)}",
        f"xw{workplace}", f"xe{_plain(employment_type)}", f"xb{_plain(background_check)}",
        f"xf{int(bool(flexible_schedule))}", f"xk{_plain(category)}", f"xn{country.lower()}",
        *[f"xs{_digest(skill)}" for skill in skills],
        *[f"xl{tag.split('-')[0].lower()}" for tag in languages],
    ]
    return " ".join(dict.fromkeys(tokens))


def _facet_groups(params: SearchParams) -> list[list[str]]:
    """For each filter given, the facet tokens of which a posting must have one."""
    groups: list[list[str]] = []
    if params.employer_id is not None:
        groups.append([f"xm{params.employer_id.hex}"])
    if params.country:
        groups.append([f"xn{params.country.lower()}"])
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


def sqlite_fts_query(words: Sequence[Term], params: SearchParams) -> str:
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


def effective_sort(params: SearchParams, words: Sequence[Term]) -> str:
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

    dialect = session.get_bind().dialect.name
    if words and sort == "relevance" and dialect == "sqlite":
        return _relevance_page(session, _SqliteCandidates(stmt, sqlite_fts_query(words, params)),
                               limit=limit, cursor=cursor, scope=f"{cursor_scope}:{sort}")
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
            # The planner statistics for the recency window ride along with the
            # settings when this process has none or old ones: no extra statement.
            stats = _planner_stats(session)
            tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                      bindparam("fts_query", postgres_tsquery(words)))
            stmt = stmt.where(Job.search_vector.op("@@")(tsquery))
            if sort == "relevance":
                window = recency_window(stats, words, params, personal=bool(personal))
                return _relevance_page(session, _PostgresCandidates(stmt, tsquery, window),
                                       limit=limit, cursor=cursor,
                                       scope=f"{cursor_scope}:{sort}")
        else:
            matches = (
                select(literal_column("jobs_fts.rowid").label("rowid"))
                .select_from(text("jobs_fts"))
                .where(text("jobs_fts MATCH :fts_query")
                       .bindparams(fts_query=sqlite_fts_query(words, params)))
                .subquery("fts")
            )
            stmt = stmt.join(matches, matches.c.rowid == Job.search_rowid)

    # Relevance pages returned above: here the order is by pay or newest first.
    if sort == "pay":
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
    return _page(session, rows, limit=limit, scope=scope)


# A relevance page ranks at most this many matches of a query (its candidates, read in
# an order an index serves); the matches after them follow in that same order, unranked.
# Ranking every match cost time in proportion to the match count (broad words at a
# million postings: half a second).
RANKED_CANDIDATES = 500


# The recency window (PostgreSQL relevance pages). Reading every GIN match to find the
# newest RANKED_CANDIDATES costs in proportion to the matches (a word in a quarter of a
# million postings: a quarter of a million rows fetched). When the statistics say a
# query matches many postings, the candidates are first looked for among the newest
# postings only: enough of them to hold WINDOW_MARGIN times the candidates at the
# estimated rate, so the rows fetched depend on the rate, not on the table's size.
WINDOW_MARGIN = 2.0
# Each filter without an index of its own is guessed to keep this share of the matches
# (workplace, employment type, languages, ...); the window is only a first try: a
# wrong guess costs reading every match after it (same statement), never a wrong answer.
FILTER_SHARE = 0.4
# Over this share of the postings the planner leaves the GIN index out of the AND for a
# broad word and tests each window row's tsvector, unpacked from TOAST: ten times slower
# (a quarter of 100,000 postings: 250 ms). Seen at 24%; at 3-13% it kept the index.
WINDOW_MAX_SHARE = 0.15
STATS_SECONDS = 300.0  # planner statistics change at ANALYZE only


@dataclass(frozen=True)
class PlannerStats:
    """What PostgreSQL's own statistics say about ``jobs`` (``ANALYZE``): its row
    count, the bounds of equal-count buckets of ``published_at`` (oldest first) and
    the share of postings holding each of the most common search tokens."""

    rows: float
    published_bounds: tuple[datetime, ...]
    token_shares: dict[str, float]


_stats_cache: dict[str, tuple[float, PlannerStats | None]] = {}

_SETTINGS = ("set_config('enable_seqscan', 'off', true), "
             "set_config('cpu_operator_cost', '0.01', true), "
             "set_config('max_parallel_workers_per_gather', '0', true), "
             "set_config('plan_cache_mode', 'force_custom_plan', true)")
_STATS_COLUMNS = (
    ", (SELECT reltuples FROM pg_class WHERE oid = 'jobs'::regclass), "
    "(SELECT histogram_bounds::text::timestamptz[] FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'jobs' AND attname = 'published_at'), "
    "(SELECT ARRAY[most_common_elems::text, most_common_elem_freqs::text] FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'jobs' AND attname = 'search_vector')")


def _planner_stats(session: Session) -> PlannerStats | None:
    """Apply the search's planner settings (SET LOCAL) and return the cached
    ``PlannerStats`` of this database, read in that same statement when older than
    ``STATS_SECONDS``. None when ``jobs`` was never analysed."""
    key = str(session.get_bind().engine.url)
    cached = _stats_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        session.execute(text(f"SELECT {_SETTINGS}"))
        return cached[1]
    row = session.execute(text(f"SELECT {_SETTINGS}{_STATS_COLUMNS}")).one()
    rows, bounds, common = row[4], row[5], row[6]
    stats = None
    if rows and rows > 0 and bounds and common:
        elems = _pg_text_array(common[0])
        # most_common_elem_freqs ends with the minimum, maximum and null share.
        shares = [float(v) for v in _pg_text_array(common[1])][:len(elems)]
        stats = PlannerStats(float(rows), tuple(bounds), dict(zip(elems, shares, strict=True)))
    _stats_cache[key] = (time.monotonic() + STATS_SECONDS, stats)
    return stats


def _pg_text_array(value: str) -> list[str]:
    """A one-dimensional PostgreSQL array literal: ``{a,b,"c"}`` (search tokens are
    letters and digits only: no comma or quote inside an item)."""
    inner = value.strip()[1:-1]
    return [item.strip('"') for item in inner.split(",")] if inner else []


def _token_share(stats: PlannerStats, term: Term) -> float | None:
    """Share of postings holding ``term`` (summed over the tokens a prefix matches,
    capped at 1); None when it is not among the common tokens (a rare word)."""
    if term.prefix:
        share = sum(v for token, v in stats.token_shares.items() if token.startswith(term.text))
    else:
        share = stats.token_shares.get(term.text, 0.0)
    return min(share, 1.0) if share > 0 else None


def recency_window(stats: PlannerStats | None, words: Sequence[Term], params: SearchParams, *,
                   personal: bool = False) -> datetime | None:
    """Where a PostgreSQL relevance search looks for its candidates first: the
    ``published_at`` from which, by the statistics, the newest postings should hold
    ``WINDOW_MARGIN`` times ``RANKED_CANDIDATES`` matches. None (read every match)
    without statistics, for a rare word, with a filter that has its own index
    (employer, region, city: the planner starts from it) or when the window would
    cover more than ``WINDOW_MAX_SHARE`` of the postings. Words are assumed
    independent; ``personal`` filters count as one more filter."""
    if stats is None or not words or params.employer_id or params.region or params.city:
        return None
    share = 1.0
    for term in words:
        term_share = _token_share(stats, term)
        if term_share is None:
            return None
        share *= term_share
    filters = sum(bool(value) for value in (
        params.country, params.workplace, params.employment_type, params.skills,
        params.languages, params.background_check, params.category, personal))
    filters += (params.min_pay is not None) + (params.flexible_schedule is not None)
    share *= FILTER_SHARE ** filters
    wanted = WINDOW_MARGIN * RANKED_CANDIDATES / share / stats.rows
    bounds = stats.published_bounds
    if wanted > WINDOW_MAX_SHARE or len(bounds) < 2:
        return None
    # Bucket i..end of the histogram holds (len - 1 - i) / (len - 1) of the postings.
    steps = len(bounds) - 1
    return bounds[max(0, steps - math.ceil(wanted * steps))]


# Where the matches after the candidates start: (index position, id) of the last
# candidate in index order; None when every match was a candidate.
_Boundary = tuple[Any, uuid.UUID] | None


@dataclass
class _Candidate:
    id: uuid.UUID
    score: float  # lower is better (-ts_rank, bm25)
    place: Any  # position in the index order: published_at (PostgreSQL), rowid (SQLite)


class _PostgresCandidates:
    """Candidates: the newest matches (``published_at`` then id, descending), read
    from the GIN bitmap with a top-N sort; ts_rank is computed for those rows only.

    With a ``window`` (see ``recency_window``) the matches published since then are
    read first (the GIN bitmap ANDed with the newest-first index, so only those rows
    are fetched); when they are fewer than the candidates, every match is read."""

    def __init__(self, stmt: Select[Any], tsquery: Any, window: datetime | None = None) -> None:
        self.stmt, self.tsquery, self.window = stmt, tsquery, window

    def _newest(self, count: int, since: datetime | None) -> Select[Any]:
        """(id, -ts_rank, published_at) of the ``count`` newest matches (since ``since``)."""
        # "+ INTERVAL '0'": an order no index provides. Walking ix_jobs_public_newest
        # and testing each row's tsvector (unpacked from TOAST) until 500 match was
        # fast for words in most postings but took seconds for words in 1% of them,
        # and the planner cannot tell the two apart; the GIN bitmap and a top-N sort
        # cost in proportion to the matches instead.
        stmt = self.stmt if since is None else self.stmt.where(Job.published_at >= since)
        newest = (stmt.add_columns(Job.published_at, Job.search_vector)
                  .order_by((Job.published_at + literal_column("INTERVAL '0'")).desc(),
                            Job.id.desc()).limit(count)
                  .subquery())
        score = cast(-func.ts_rank(newest.c.search_vector, self.tsquery), Double())
        return select(newest.c.id, score.label("score"), newest.c.published_at)

    def first(self, session: Session, count: int) -> tuple[list[_Candidate], _Boundary]:
        stmt: Any = self._newest(count, None)
        if self.window is not None:
            # One statement: the window's matches when it holds `count` of them (then
            # they are the newest `count` of all: every match left out was published
            # before the window), else every match. The count is an InitPlan, so
            # PostgreSQL runs the branch it rules out not at all.
            window = self._newest(count, self.window).cte("in_window")
            held = select(func.count()).select_from(window).scalar_subquery()
            every = stmt.subquery("every_match")
            stmt = union_all(select(window).where(held >= count),
                             select(every).where(held < count))
        rows = session.execute(stmt).all()
        found = sorted((_Candidate(*row) for row in rows), key=lambda c: (c.place, c.id))
        return found, ((found[0].place, found[0].id) if len(found) == count else None)

    def after(self, session: Session, place: Any, last_id: uuid.UUID,
              count: int) -> list[_Candidate]:
        if not isinstance(place, datetime):
            raise _bad_cursor()
        rows = session.execute(
            self.stmt.add_columns(Job.published_at)
            .where(or_(Job.published_at < place,
                       and_(Job.published_at == place, Job.id < last_id)))
            .order_by(Job.published_at.desc(), Job.id.desc()).limit(count)).all()
        return [_Candidate(job_id, 0.0, published) for job_id, published in rows]


class _SqliteCandidates:
    """Candidates: the full-text matches with the highest rowids (FTS5 reads its index
    in rowid order; the match already holds the filters' facet tokens), then the SQL
    filters for those only. bm25 is computed for the candidates only."""

    def __init__(self, stmt: Select[Any], fts_query: str) -> None:
        self.stmt, self.fts_query = stmt, fts_query

    def first(self, session: Session, count: int) -> tuple[list[_Candidate], _Boundary]:
        ranked = session.execute(text(_SQLITE_CANDIDATES),
                                 {"fts_query": self.fts_query, "candidates": count}).all()
        if not ranked:
            return [], None
        check = self.stmt.with_only_columns(Job.search_rowid, Job.id).where(
            Job.search_rowid.in_(select(literal_column("value")).select_from(
                func.json_each(bindparam("rowids", type_=String())))))
        passing = dict(session.execute(
            check, {"rowids": "[" + ",".join(str(row[0]) for row in ranked) + "]"}).all())
        found = [_Candidate(passing[rowid], score, rowid) for rowid, score in ranked
                 if rowid in passing]
        # The next matches start below the last rowid read, whether it passed or not.
        return found, ((ranked[-1][0], uuid.UUID(int=0)) if len(ranked) == count else None)

    def after(self, session: Session, place: Any, last_id: uuid.UUID,
              count: int) -> list[_Candidate]:
        if not isinstance(place, int | float):
            raise _bad_cursor()
        matches = (select(literal_column("jobs_fts.rowid").label("rowid"))
                   .select_from(text("jobs_fts"))
                   .where(text("jobs_fts MATCH :fts_query AND jobs_fts.rowid < :below")
                          .bindparams(fts_query=self.fts_query, below=place))
                   .subquery("fts"))
        rows = session.execute(
            self.stmt.add_columns(Job.search_rowid)
            .join(matches, matches.c.rowid == Job.search_rowid)
            .order_by(matches.c.rowid.desc()).limit(count)).all()
        return [_Candidate(job_id, 0.0, rowid) for job_id, rowid in rows]


def _bad_cursor() -> Invalid:
    return Invalid("cursor", "This cursor is not valid; start again from the first page.")


def _relevance_page(session: Session, source: _PostgresCandidates | _SqliteCandidates, *,
                    limit: int, cursor: str | None, scope: str) -> Page[Job]:
    """A relevance-ordered page: the ``RANKED_CANDIDATES`` candidates of ``source`` by
    score (best first) then id; then every later match in the candidates' index order.

    The set of postings is every match; only the order of matches beyond the candidates
    differs from a full ranking (that is the price of never ranking every match). A
    cursor holds (score, id) inside the ranked part, or (id, index position) after it.
    Statements: the candidates (SQLite: and their filter check) and, only when a page
    reaches past them, the next matches in index order.
    """
    ranked_after: tuple[float, uuid.UUID] | None = None
    rest_after: tuple[Any, uuid.UUID] | None = None
    if cursor:
        score, last_id, place = decode_cursor(cursor, scope, 3)
        if not isinstance(last_id, uuid.UUID):
            raise _bad_cursor()
        if place is None:
            if not isinstance(score, int | float):
                raise _bad_cursor()
            ranked_after = (float(score), last_id)
        else:
            rest_after = (place, last_id)
    rows: list[tuple[uuid.UUID, list[Any]]] = []
    if rest_after is None:
        candidates, boundary = source.first(session, RANKED_CANDIDATES)
        ranked = sorted((c.score, c.id) for c in candidates)
        if ranked_after is not None:
            ranked = [row for row in ranked if row > ranked_after]
        rows = [(job_id, [score, job_id, None]) for score, job_id in ranked[:limit + 1]]
        if len(rows) <= limit:
            rest_after = boundary
    if rest_after is not None and len(rows) <= limit:
        rows += [(c.id, [None, c.id, c.place]) for c in
                 source.after(session, rest_after[0], rest_after[1], limit + 1 - len(rows))]
    next_cursor = encode_cursor(rows[limit - 1][1], scope) if len(rows) > limit else None
    return Page(items=_load_postings(session, [row[0] for row in rows[:limit]]),
                next_cursor=next_cursor)


def _page(session: Session, rows: Sequence[tuple[Any, Any]], *, limit: int,
          scope: str) -> Page[Job]:
    """Cut ``limit + 1`` (id, sort key) rows to a page of postings and its next cursor."""
    next_cursor = None
    if len(rows) > limit:
        last_id, last_key = rows[limit - 1]
        next_cursor = encode_cursor([last_key, last_id], scope)
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
