"""The message catalogs, compiled in memory.

Catalogs are ``empower_api/translations/<locale>/LC_MESSAGES/messages.po`` (the
English source is ``messages.pot``). A locale is shipped when its catalog exists:
adding a language is adding a file, never code. Each catalog is compiled on first use
(``read_po`` → ``write_mo`` into memory → ``babel.support.Translations``) and kept
for the life of the process, so there is no build step and no ``.mo`` in the tree.
Babel's catalog reader is imported then too: a process that only speaks English never
loads it.
"""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
POT_FILE = TRANSLATIONS_DIR / "messages.pot"
DOMAIN = "messages"
SOURCE_LOCALE = "en"  # the language the code is written in; it has no catalog
# ``{name}`` (str.format) placeholders, as marshmallow and our own messages use them.
BRACE_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog_path(locale: str) -> Path:
    """Where the catalog of ``locale`` (a directory name such as ``pt`` or ``pt_BR``) lives."""
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def shipped_locales() -> tuple[str, ...]:
    """Every locale served, as BCP 47 tags: English first, then each catalog found."""
    found = sorted(path.parent.parent.name.replace("_", "-")
                   for path in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LOCALE, *(tag for tag in found if tag != SOURCE_LOCALE))


@cache
def translations(tag: str) -> NullTranslations:
    """The compiled catalog of a shipped locale (English: the identity translation)."""
    if tag == SOURCE_LOCALE or tag not in shipped_locales():
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(tag.replace("-", "_")).open("rb") as po:
        catalog = read_po(po, locale=tag.replace("-", "_"), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


@cache
def templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Messages with ``{name}`` placeholders as patterns that find them once formatted.

    Libraries (marshmallow's validators) format their English messages before we see
    them: ``"Longer than maximum length {max}."`` arrives as ``"… length 40."``. Each
    pattern gives back the message id and the values, to format the translation with.
    """
    found = []
    for msgid in source_messages():
        if not BRACE_PLACEHOLDER.search(msgid):
            continue
        pattern, seen, position = [], set(), 0
        for match in BRACE_PLACEHOLDER.finditer(msgid):
            pattern.append(re.escape(msgid[position:match.start()]))
            name = match.group(1)
            pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            position = match.end()
        pattern.append(re.escape(msgid[position:]))
        found.append((re.compile("".join(pattern), re.DOTALL), msgid))
    # The most specific (longest literal text) first.
    found.sort(key=lambda item: -len(BRACE_PLACEHOLDER.sub("", item[1])))
    return tuple(found)


@cache
def source_messages() -> frozenset[str]:
    """Every English message id of ``messages.pot`` (singular and plural forms)."""
    from babel.messages.pofile import read_po

    with POT_FILE.open("rb") as pot:
        catalog = read_po(pot)
    ids: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    return frozenset(ids)
