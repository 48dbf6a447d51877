"""``make messages``: find every English message in the code and update the catalogs.

``python -m empower_api.i18n.extract`` writes ``messages.pot`` from the code, then
merges it into each ``<locale>/LC_MESSAGES/messages.po``: new messages arrive with an
empty translation (the catalog test then names them), removed ones are dropped. No
fuzzy matching: a changed English sentence needs a fresh translation.

``python -m empower_api.i18n.extract init <locale>`` starts the catalog of a new language.
Not imported by the app.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from empower_api.i18n.catalogs import DOMAIN, POT_FILE, TRANSLATIONS_DIR, catalog_path

PACKAGE_DIR = TRANSLATIONS_DIR.parent
# Calls whose English literal arguments are messages, and which argument (1-based).
# Error constructors take the message as written: raise NotFound("No such course.").
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "N_": None, "msg": None, "plural": (1, 2), "gettext": None, "ngettext": (1, 2),
    # The staff console: flask-babel's gettext as ``_()`` in Python and in its templates.
    "_": None,
    "NotFound": None, "Forbidden": None, "Conflict": None, "Unauthorized": None,
    "PreconditionRequired": None, "DomainError": None, "Invalid": (2,), "problem": (2,),
    "ValidationError": None, "_unauthorized": None,
    # DomainError subclasses of the domains (a test checks every subclass is listed).
    "StripeUnavailable": None, "BadSignature": None, "WebhooksNotConfigured": None,
}
# Python everywhere; the console's Jinja templates with Jinja's own extractor (the
# ``jinja2`` method), so ``{{ _("…") }}`` in a template is a message like any other.
METHOD_MAP = [("**.py", "python"), ("console/templates/**.html", "jinja2")]
# A comment just above a message starting with this reaches translators.
COMMENT_TAGS = ("TRANSLATORS:",)


def extract() -> Catalog:
    """Every message in the code, as a template catalog (locations relative to the repo)."""
    catalog = Catalog(project="empower-api", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE_DIR, method_map=METHOD_MAP, keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS, strip_comment_tags=True):
        if message and (message if isinstance(message, str) else message[0]):
            catalog.add(message, None, [(f"empower_api/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def write_template(catalog: Catalog) -> None:
    with POT_FILE.open("wb") as out:
        write_po(out, catalog, width=0, omit_header=False, sort_by_file=True)


def update(template: Catalog, path: Path) -> None:
    """Merge ``template`` into the catalog at ``path`` (new ids empty, old ones dropped)."""
    with path.open("rb") as po:
        catalog = read_po(po, locale=path.parent.parent.name, domain=DOMAIN)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    with path.open("wb") as out:
        write_po(out, catalog, width=0, ignore_obsolete=True, sort_by_file=True)


def init(locale: str) -> Path:
    """Start ``translations/<locale>/LC_MESSAGES/messages.po`` from the template."""
    with POT_FILE.open("rb") as pot:
        template = read_po(pot)
    catalog = Catalog(locale=locale, project="empower-api", domain=DOMAIN, charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    path = catalog_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=0, sort_by_file=True)
    return path


def main(argv: list[str]) -> None:
    """``make messages`` (no arguments) or ``init <locale>``; says what it did on stdout
    (a developer's command line, not the server: no structured log)."""
    if argv[:1] == ["init"] and len(argv) == 2:
        sys.stdout.write(f"created {init(argv[1])}\n")
        return
    template = extract()
    write_template(template)
    for path in sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        update(template, path)
    sys.stdout.write(f"{len(template)} messages; catalogs updated\n")


if __name__ == "__main__":
    main(sys.argv[1:])
