"""Public course catalog search: one function over SQLite FTS5 or PostgreSQL tsvector.

The text is normalised in Python (``jobs.search``: case-folded, accents stripped,
split into words) when a course is indexed and when a query is parsed, so both
engines see the same plain words and nothing typed reaches either query syntax.
Order: relevance (bm25 / ts_rank, then id) when there is ``q``, else newest first.
One SQL statement per page whatever its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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
)
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ColumnElement

from empower_api.jobs.search import (
    canonical_languages,
    canonical_skills,
    postgres_tsquery,
    query_words,
    sqlite_match_expression,
)
from empower_api.pagination import Page, decode_cursor, encode_cursor, query_scope
from empower_api.searchtext import Term
from empower_api.training.models import Course

# bm25 weights for (title_text, body_text, facets): a title hit counts four times a
# body hit; facet tokens do not count.
_SQLITE_SCORE = "bm25(courses_fts, 4.0, 1.0, 0.0)"


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def facet_tokens(*, modality: str, free: bool, skills: Sequence[str],
                 languages: Sequence[str]) -> str:
    """A course's filter values as FTS tokens (letters and digits only).

    A facet is only ever a necessary condition: the SQL filters still decide.
    """
    tokens = [f"xm{modality.replace('_', '')}", f"xf{int(free)}",
              *[f"xs{_digest(skill)}" for skill in canonical_skills(skills)],
              *[f"xl{tag.split('-')[0].lower()}" for tag in languages]]
    return " ".join(dict.fromkeys(tokens))


def _sqlite_match(words: Sequence[Term], query: dict[str, Any]) -> str:
    """The visitor's words in the text columns, and one facet group per filter given."""
    groups: list[list[str]] = []
    if query.get("modality"):
        groups.append([f"xm{m.replace('_', '')}" for m in query["modality"]])
    if query.get("free") is not None:
        groups.append([f"xf{int(query['free'])}"])
    if query.get("skills"):
        groups.append([f"xs{_digest(s)}" for s in canonical_skills(query["skills"])])
    if query.get("languages"):
        groups.append(list(dict.fromkeys(f"xl{t.split('-')[0].lower()}"
                                         for t in query["languages"])))
    parts = [f"{{title_text body_text}} : ({sqlite_match_expression(words)})"]
    parts += ["facets : (" + " OR ".join(f'"{t}"' for t in group) + ")" for group in groups]
    return " AND ".join(parts)


def any_element(dialect: str, array: Any, predicate: Any) -> ColumnElement[bool]:
    if dialect == "postgresql":
        elements = func.jsonb_array_elements_text(array).table_valued("value").render_derived()
    else:
        elements = func.json_each(array).table_valued("value")
    return exists(select(literal_column("1")).select_from(elements)
                  .where(predicate(elements.c.value)))


def _filters(dialect: str, query: dict[str, Any]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.get("modality"):
        clauses.append(Course.modality.in_(query["modality"]))
    if query.get("free") is not None:
        clauses.append(Course.cost_amount == 0 if query["free"] else Course.cost_amount > 0)
    if query.get("skills"):
        wanted = canonical_skills(query["skills"])
        if dialect == "postgresql":
            clauses.append(Course.skills.op("?|")(cast(wanted, ARRAY(String()))))
        else:
            clauses.append(any_element(dialect, Course.skills, lambda v: v.in_(wanted)))
    if query.get("languages"):
        tags = canonical_languages(query["languages"])
        clauses.append(any_element(dialect, Course.languages, lambda v: or_(
            v.in_(tags), *[v.like(f"{tag}-%") for tag in tags])))
    return clauses


def _after(columns: Sequence[Any], descending: Sequence[bool],
           values: Sequence[Any]) -> ColumnElement[bool]:
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        step = column < values[i] if descending[i] else column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def search_courses(session: Session, *, query: dict[str, Any], limit: int,
                   cursor: str | None) -> Page[Course]:
    """Courses matching ``query`` (``q``, ``skills``, ``languages``, ``modality``,
    ``free``), one keyset page. Raises ``Invalid("q" | "cursor", ...)``."""
    dialect = session.get_bind().dialect.name
    words = query_words(query.get("q"))
    # Phase 1 finds the page's ids from narrow columns (covered by an index on
    # SQLite, so wide rows are not read for every match); phase 2 loads those courses.
    stmt: Select[Any] = select(Course.id).where(*_filters(dialect, query))
    if words and dialect == "postgresql":
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                  bindparam("fts_query", postgres_tsquery(words)))
        stmt = stmt.where(Course.search_vector.op("@@")(tsquery))
        score: Any = cast(-func.ts_rank(Course.search_vector, tsquery), Double())
        columns, descending, scope = [score, Course.id], [False, False], "courses:relevance"
    elif words:
        matches = (
            select(literal_column("courses_fts.rowid").label("rowid"),
                   literal_column(_SQLITE_SCORE, Double()).label("score"))
            .select_from(text("courses_fts"))
            .where(text("courses_fts MATCH :fts_query").bindparams(
                fts_query=_sqlite_match(words, query)))
            .subquery("fts"))
        stmt = stmt.join(matches, matches.c.rowid == Course.search_rowid)
        columns, descending = [matches.c.score, Course.id], [False, False]
        scope = "courses:relevance"
    else:
        columns, descending = [Course.created_at, Course.id], [True, True]
        scope = "courses:newest"
    stmt = stmt.add_columns(columns[0].label("sort_key"))
    scope = query_scope(scope, query)
    if cursor:
        values = decode_cursor(cursor, scope, 2)
        stmt = stmt.where(_after(columns, descending, values))
    stmt = stmt.order_by(*[c.desc() if d else c.asc() for c, d in zip(columns, descending,
                                                                        strict=True)])
    rows = session.execute(stmt.limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        course_id, key = rows[limit - 1]
        next_cursor = encode_cursor([float(key) if words else key, course_id], scope)
    return Page(items=_load(session, [row[0] for row in rows[:limit]]), next_cursor=next_cursor)


def _load(session: Session, ids: list[Any]) -> list[Course]:
    """The courses with these ids, in this order, without their long texts."""
    if not ids:
        return []
    found = {course.id: course for course in session.scalars(
        select(Course).options(
            defer(Course.description, raiseload=True),
            defer(Course.search_title, raiseload=True),
            defer(Course.search_body, raiseload=True),
            defer(Course.search_facets, raiseload=True),
            defer(Course.credential_description, raiseload=True))
        .where(Course.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
