"""Scam signals: postings that ask for fees or documents, or promise travel or visas.

The phrases live in data (``scam_rules.json``, shipped in this package; its ``about``
explains the syntax) so they can be reviewed and extended without code changes.
A posting with any signal is held for staff (``JobStatus.HELD`` plus a pending
``ModerationCase``) instead of being published, on create and on edit; staff release
or remove it through the moderation queue. Known trafficking-recruitment patterns:
ILO "Indicators of forced labour" (recruitment fees, retention of identity documents,
deceptive promises about work abroad).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.audit import service as audit
from empower_api.jobs.models import Job, JobStatus
from empower_api.moderation.models import CaseState, CaseTrigger, ModerationCase
from empower_api.searchtext import words as search_words

log = structlog.get_logger(__name__)

RULES_FILE = "scam_rules.json"
NEGATION_WINDOW = 3  # words before a match in which a negator cancels it
# Clause boundaries: a phrase, and a negation, only reach as far as these.
_CLAUSE = re.compile(r"[.,;:!?¡¿()\[\]\n\r\t•·،؛؟]+")


@dataclass(frozen=True)
class Rules:
    patterns: dict[str, re.Pattern[str]]  # signal kind -> one alternation of its phrases
    negators: frozenset[str]


def _token_pattern(token: str) -> str:
    """``fee*`` → a word starting with ``fee``; ``*رسوم`` → a word ending with it."""
    head, tail = token.startswith("*"), token.endswith("*")
    words = search_words(token.strip("*"))
    if len(words) != 1:
        raise ValueError(f"scam rule token {token!r} must be one word")
    return (r"\w*" if head else "") + re.escape(words[0]) + (r"\w*" if tail else "")


def _phrase_pattern(phrase: str) -> str:
    # Normalising splits "d'inscription" in two words, as it does in the text.
    tokens = [t for raw in phrase.split() for t in _split_token(raw)]
    return " ".join(_token_pattern(t) for t in tokens)


def _split_token(raw: str) -> list[str]:
    head, tail = raw.startswith("*"), raw.endswith("*")
    words = search_words(raw.strip("*"))
    if not words:
        return []
    words[0] = ("*" if head else "") + words[0]
    words[-1] = words[-1] + ("*" if tail else "")
    return words


def compile_rules(data: dict[str, Any]) -> Rules:
    """Build the matchers from the rules document (see ``scam_rules.json``)."""
    patterns = {}
    for kind, signal in data["signals"].items():
        alternatives = sorted({_phrase_pattern(p) for phrases in signal["phrases"].values()
                               for p in phrases}, key=len, reverse=True)
        patterns[kind] = re.compile(r"(?<!\S)(?:" + "|".join(alternatives) + r")(?!\S)")
    negators = frozenset(w for words in data["negators"].values() for n in words
                         for w in search_words(n))
    return Rules(patterns=patterns, negators=negators)


@cache
def rules() -> Rules:
    """The shipped rules, compiled once per process."""
    text = resources.files("empower_api.moderation").joinpath(RULES_FILE).read_text("utf-8")
    return compile_rules(json.loads(text))


def signals_in(*texts: str, ruleset: Rules | None = None) -> list[str]:
    """The kinds of scam signal (``fees``, ``documents``, ``travel``) in ``texts``, sorted."""
    ruleset = ruleset or rules()
    found: set[str] = set()
    for text in texts:
        for clause in _CLAUSE.split(text or ""):
            words = search_words(clause)
            if not words:
                continue
            line = " ".join(words)
            for kind, pattern in ruleset.patterns.items():
                if kind not in found and _matches(pattern, line, ruleset.negators):
                    found.add(kind)
    return sorted(found)


def _matches(pattern: re.Pattern[str], line: str, negators: frozenset[str]) -> bool:
    for match in pattern.finditer(line):
        before = line[:match.start()].split()[-NEGATION_WINDOW:]
        if not negators.intersection(before):
            return True
    return False


def hold_if_suspicious(session: Session, job: Job, *, first_publication: bool,
                       actor: Any = None) -> bool:
    """Hold a posting that is about to be public if its text has scam signals.

    Call after the posting is flushed with status ``published``. Returns True when
    held: status ``held``, a pending case with the signals (audited, no text kept);
    a first publication also forgets its publication time, so saved searches see it
    as new when staff release it. Signals staff already released for this posting
    (a previous case) do not hold it again.
    """
    if job.status != JobStatus.PUBLISHED:
        return False
    found = signals_in(job.title, job.description)
    if not found:
        return False
    released = session.scalar(
        select(ModerationCase.signals).where(
            ModerationCase.job_id == job.id, ModerationCase.trigger == CaseTrigger.SCAM_SIGNALS,
            ModerationCase.state == CaseState.RESTORED)
        .order_by(ModerationCase.decided_at.desc()).limit(1))
    if released is not None and set(found) <= set(released):
        return False
    job.status = JobStatus.HELD
    if first_publication:
        job.published_at = None
    session.add(ModerationCase(job_id=job.id, employer_id=job.employer_id,
                               trigger=CaseTrigger.SCAM_SIGNALS, signals=found))
    session.flush()
    audit.record(session, action="jobs.posting.held", actor=actor, subject_type="job",
                 subject_id=job.id, data={"signals": found})
    log.info("job_held_for_review", job_id=str(job.id), signals=found)
    return True
