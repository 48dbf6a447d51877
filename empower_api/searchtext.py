"""The one text normaliser of search: postings and courses, indexing and querying,
SQLite and PostgreSQL alike.

Everything happens here, in Python. A posting's or course's text is stored already
normalised (``search_title``, ``search_body``, ``region_key``, ...) and each engine only
splits that text at spaces, so both see exactly the same tokens; a visitor's query goes
through the same functions, and nothing typed reaches either engine's query syntax.

``fold`` (the same for every script):

1. NFKC (full-width letters, ligatures such as ``ﬁ``, Arabic presentation forms, circled
   digits become their plain forms), then Unicode case folding: ``ß`` → ``ss``,
   ``İ`` → ``i`` + a combining dot (removed in step 2), ``ı`` stays (step 3).
2. Canonical decomposition, then the diacritics are dropped: the general combining marks
   (``é`` → ``e``, ``ẵ`` → ``a``, ``ó`` → ``o``), Arabic harakat, tatweel and hamza
   carriers (``أ`` ``إ`` ``آ`` → ``ا``), Hebrew points. Marks that are part of a
   letter in other scripts (Thai vowels and tones, Devanagari signs, Japanese voicing)
   are kept.
3. Latin letters that have no decomposition are transliterated with the kept table
   of ``anyascii``: ``ł`` → ``l``, ``đ`` → ``d``, ``ø`` → ``o``, ``æ`` → ``ae``,
   ``ı`` → ``i``, ``þ`` → ``th``. Only Latin letters are: other scripts stay in their
   own letters (a Cyrillic or Arabic word is searched as typed, not as a romanisation).
   Arabic ``ٱ`` → ``ا``, ``ى`` → ``ي``, ``ة`` → ``ه`` and Persian ``ی`` ``ک`` → Arabic
   (as Lucene's Arabic and Persian normalisers do); every decimal digit → ``0``-``9``.
4. Canonical composition again (Hangul syllables, kana with voicing marks).

Words are runs of letters, digits and marks; anything else separates them. Scripts
written without spaces (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar) are
indexed by character: every character (a base with its marks) and every overlapping pair
of characters. A query of one such character looks for that character, a longer one for
all its overlapping pairs, so ``面包师`` finds ``招聘面包师`` and ``面`` or ``面包`` match
too. Other words are matched whole, or as a prefix from ``PREFIX_MIN_LENGTH`` letters
(``bak`` finds ``baker``). An Arabic word with the article or a particle joined to it
(``المطعم``, ``بالمطعم``) is indexed both as written and without it, and queried without
it, so ``مطعم`` and ``المطعم`` find each other.

Why ``anyascii`` (ISC licence): a maintained, complete table for every Unicode letter,
small and pure Python; Unidecode is GPL and older. PostgreSQL's ``unaccent`` would need
the same table as a rules file and would fold only on one engine.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from anyascii import anyascii

from empower_api.errors import Invalid
from empower_api.i18n import plural

MAX_QUERY_WORDS = 12
MAX_QUERY_TERMS = 32  # n-grams of long runs without spaces are cut here
PREFIX_MIN_LENGTH = 3  # shorter words match whole words only (prefix scans are costly)
# SQLite FTS5 splits stored text as the tokens here are cut: letters, digits and marks
# (Thai vowels, Devanagari signs) are token characters, everything else separates.
# Changing it needs the FTS tables rebuilt (a migration).
FTS5_TOKENIZER = "\"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\""

_DROPPED_MARKS = (
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
    # Arabic: Quranic signs, harakat and hamza above/below, superscript alef, tatweel.
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06DF, 0x06E8),
    (0x06EA, 0x06ED), (0x0640, 0x0640),
    # Hebrew points and cantillation.
    (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7),
)
_ARABIC_LETTERS = {0x0671: "ا", 0x0649: "ي", 0x0629: "ه", 0x06CC: "ي", 0x06A9: "ك"}
# Scripts written without spaces between words: indexed by character n-grams.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF),  # Han
    (0xAC00, 0xD7AF),  # Hangul syllables
)
_ARABIC_PARTICLES = ("وال", "بال", "كال", "فال", "ال", "لل")


def _in(ranges: Sequence[tuple[int, int]], code: int) -> bool:
    return any(low <= code <= high for low, high in ranges)


class _FoldTable(dict[int, str | None]):
    """``str.translate`` table of step 2 and 3, filled lazily (one entry per character)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value: str | None = char
        if _in(_DROPPED_MARKS, code):
            value = None
        elif code in _ARABIC_LETTERS:
            value = _ARABIC_LETTERS[code]
        elif unicodedata.decimal(char, None) is not None:
            value = str(unicodedata.decimal(char))
        elif unicodedata.name(char, "").startswith("LATIN "):
            value = anyascii(char).lower()
        self[code] = value
        return value


class _WordTable(dict[int, str]):
    """Keeps letters, digits and marks; turns every other character into a space."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = char if unicodedata.category(char)[0] in "LNM" else " "
        self[code] = value
        return value


_FOLD = _FoldTable()
_WORD = _WordTable()
_ASCII_SEPARATORS = re.compile(r"[^a-z0-9]+")


def fold(value: str) -> str:
    """``value`` case-folded, without diacritics, Latin letters transliterated to ASCII
    (steps 1-4 above). ``"Đà Nẵng"`` → ``"da nang"``, ``"Straße"`` → ``"strasse"``."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    if folded.isascii():
        return folded
    folded = unicodedata.normalize("NFKD", folded).translate(_FOLD)
    return unicodedata.normalize("NFC", folded)


def _unspaced(char: str) -> bool:
    return _in(_UNSPACED, ord(char))


def _pieces(run: str) -> Iterator[str | list[str]]:
    """A run of letters, digits and marks cut into spaced words (``str``) and runs of an
    unspaced script, given as their characters (``list``, each a base with its marks)."""
    word = ""
    chars: list[str] = []
    for char in run:
        if _unspaced(char) and unicodedata.category(char)[0] != "M":
            if word:
                yield word
                word = ""
            chars.append(char)
        elif chars and unicodedata.category(char)[0] == "M":
            chars[-1] += char  # a mark belongs to the character before it
        else:
            if chars:
                yield chars
                chars = []
            word += char
    if word:
        yield word
    if chars:
        yield chars


def _split(value: str) -> Iterator[str | list[str]]:
    folded = fold(value)
    if folded.isascii():
        yield from _ASCII_SEPARATORS.sub(" ", folded).split()
        return
    for run in folded.translate(_WORD).split():
        if run.isascii():
            yield run
        else:
            yield from _pieces(run)


def words(value: str) -> list[str]:
    """The words of ``value`` after ``fold``; a run of an unspaced script is one word.
    For exact comparisons (places, scam phrases), not for the index."""
    return [piece if isinstance(piece, str) else "".join(piece) for piece in _split(value)]


def _without_particle(word: str) -> str | None:
    for particle in _ARABIC_PARTICLES:
        if word.startswith(particle) and len(word) - len(particle) >= 2:
            return word[len(particle):]
    return None


def index_terms(value: str) -> list[str]:
    """The tokens stored for ``value``: words, Arabic words also without their article,
    and each character and overlapping pair of characters of unspaced scripts."""
    terms: list[str] = []
    for piece in _split(value):
        if isinstance(piece, str):
            terms.append(piece)
            bare = _without_particle(piece)
            if bare:
                terms.append(bare)
            continue
        for i, char in enumerate(piece):
            terms.append(char)
            if i + 1 < len(piece):
                terms.append(char + piece[i + 1])
    return terms


def index_text(*parts: str) -> str:
    """The stored search text of ``parts``: their ``index_terms`` joined by spaces."""
    return " ".join(term for part in parts for term in index_terms(part))


def place_key(value: str) -> str:
    """``"Île-de-France"`` and ``"ile de france"``, ``"Đà Nẵng"`` and ``"da nang"``
    are the same region (at most 80 characters, the column's width)."""
    return " ".join(words(value))[:80]


class Term(NamedTuple):
    """One token a query looks for; ``prefix``: tokens starting with it match too."""

    text: str
    prefix: bool


def query_terms(q: str | None) -> list[Term]:
    """The terms a visitor's ``q`` looks for, all of which must match (AND).

    Raises ``Invalid("q")`` above ``MAX_QUERY_WORDS`` words (an unspaced run is one
    word). Terms beyond ``MAX_QUERY_TERMS`` (only a very long unspaced run has that
    many pairs) are left out.
    """
    pieces = list(_split(q or ""))
    if len(pieces) > MAX_QUERY_WORDS:
        raise Invalid("q", plural("Use at most {num} word.", "Use at most {num} words.",
                                  MAX_QUERY_WORDS))
    terms: list[Term] = []
    for piece in pieces:
        if isinstance(piece, str):
            word = _without_particle(piece) or piece
            terms.append(Term(word, len(word) >= PREFIX_MIN_LENGTH))
        elif len(piece) == 1:
            terms.append(Term(piece[0], False))
        else:
            terms += [Term(a + b, False) for a, b in itertools.pairwise(piece)]
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def sqlite_match_expression(terms: Sequence[Term]) -> str:
    """FTS5 syntax for ``terms``: ``"bak"* AND "it"`` (terms hold no quotes)."""
    return " AND ".join(f'"{t.text}"*' if t.prefix else f'"{t.text}"' for t in terms)


def postgres_tsquery(terms: Sequence[Term]) -> str:
    """``to_tsquery('simple', ...)`` text for ``terms``: ``bak:* & it``."""
    return " & ".join(f"{t.text}:*" if t.prefix else t.text for t in terms)
