"""Languages: which one a response speaks, and every message said in it.

The language of a request is, in order: the signed-in user's ``locale`` (``PATCH
/me``; in the staff console, the signed-in staff member's), else the best match of
``Accept-Language`` among the shipped locales, else English. Every response says which
in ``Content-Language``.

How code writes a message (``docs/contributing.md``, "Adding a message"):

- Errors take English literals, translated when the problem is rendered:
  ``raise NotFound("No such course.")``, ``raise Invalid("amount", "Too large.")``.
  ``make messages`` finds them by the constructor's name (``babel.cfg``).
- A message with values: ``msg("At most {limit} shares.", limit=5)``; with a number
  that needs plural forms: ``plural("One share at most.", "At most {num} shares.", n)``.
- Any other text (labels, notification texts): mark it with ``N_("…")`` where it is
  defined and call ``translate(text)`` where it is shown, or ``gettext`` directly.

Codes, problem ``type`` URIs, field names and enum values never change with the
language; logs stay English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from babel.core import negotiate_locale
from babel.support import NullTranslations
from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from empower_api.i18n.catalogs import (
    SOURCE_LOCALE,
    shipped_locales,
    source_messages,
    templates,
    translations,
)

__all__ = [
    "N_",
    "SOURCE_LOCALE",
    "Message",
    "current_locale",
    "force_locale",
    "gettext",
    "init_i18n",
    "msg",
    "negotiate",
    "ngettext",
    "plural",
    "shipped_locales",
    "speaking",
    "translate",
    "translate_in",
    "user_locale_changed",
]

# Tests set this to hear of a message that is in no catalog (an English leak).
on_unknown_message: Callable[[str], None] | None = None


def N_(text: str) -> str:
    """Mark ``text`` for ``make messages`` without translating it here."""
    return text


class Message(str):
    """An English message that keeps its id and values, to be said in another language.

    It *is* the English text (logs, ``str()`` and English tests see that); ``translate``
    looks up ``msgid`` (or the plural pair) and formats it with the same values.
    """

    msgid: str
    plural_id: str | None
    num: int | None
    params: dict[str, Any]

    def __new__(cls, msgid: str, plural_id: str | None = None, num: int | None = None,
                **params: Any) -> Message:
        values = dict(params, num=num) if plural_id is not None else params
        english = msgid if plural_id is None or num == 1 else plural_id
        self = super().__new__(cls, english.format(**values))
        self.msgid, self.plural_id, self.num, self.params = msgid, plural_id, num, values
        return self

    def render(self, catalog: NullTranslations) -> str:
        if self.plural_id is not None:
            text = catalog.ngettext(self.msgid, self.plural_id, self.num or 0)
        else:
            text = catalog.gettext(self.msgid)
        # A value that is itself a message (an enum's label) is said in the same language.
        values = {name: catalog.gettext(value)
                  if isinstance(value, str) and value in source_messages() else value
                  for name, value in self.params.items()}
        return text.format(**values)


def msg(text: str, /, **params: Any) -> Message:
    """A message with ``{name}`` placeholders: ``msg("At most {limit}.", limit=5)``."""
    return Message(text, **params)


def plural(singular: str, plural_text: str, num: int, /, **params: Any) -> Message:
    """A message whose wording depends on ``num`` (Babel plural forms); ``{num}`` is it."""
    return Message(singular, plural_text, num, **params)


def negotiate(accept_language: str | None) -> str:
    """The best shipped locale for an ``Accept-Language`` value (``en`` when none fits).

    Tags are tried in the client's order of preference (quality values, parsed by
    Werkzeug), each falling back to its language (``pt-BR`` → ``pt``) before the next
    tag is tried (Babel's ``negotiate_locale``): ``en-GB, fr;q=0.5`` is English. A tag
    with ``q=0`` is refused, and ``*`` accepts any language, so English answers it
    unless a tag the client prefers more is shipped (RFC 9110 §12.5.4)."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    preferred = []
    # Werkzeug lists specific tags before "*" whatever their quality: order by quality.
    for tag, quality in sorted(accepted, key=lambda item: -item[1]):
        if quality <= 0:
            continue
        if tag == "*":
            break
        preferred.append(tag)
    return negotiate_locale(preferred, shipped_locales(), sep="-") or SOURCE_LOCALE


def _signed_in_locale() -> str | None:
    # The user flask-jwt-extended loaded for this request, if any: no query of its own;
    # in the staff console, the staff member its cookie session signed in.
    loaded = g.get("_jwt_extended_jwt_user")
    user = loaded.get("loaded_user") if isinstance(loaded, dict) else None
    user = user or g.get("console_user")
    locale = getattr(user, "locale", None)
    return locale if locale in shipped_locales() else None


def _select_locale() -> str:
    if not has_request_context():
        return SOURCE_LOCALE
    return _signed_in_locale() or negotiate(request.headers.get("Accept-Language"))


def current_locale() -> str:
    """The BCP 47 tag of the language this request speaks (``en`` outside a request)."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else SOURCE_LOCALE


def user_locale_changed() -> None:
    """Choose the request's language again (a user was signed in, or changed ``locale``)."""
    refresh()


def _catalog(tag: str | None = None) -> NullTranslations:
    return translations(tag or current_locale())


def gettext(text: str, /, **params: Any) -> str:
    """``text`` in the request's language, formatted with ``{name}`` ``params``."""
    translated = _catalog().gettext(text)
    return translated.format(**params) if params else translated


def ngettext(singular: str, plural_text: str, num: int, /, **params: Any) -> str:
    """The plural form for ``num`` in the request's language; ``{num}`` is the number."""
    return _catalog().ngettext(singular, plural_text, num).format(num=num, **params)


def translate(text: str) -> str:
    """Say ``text`` (English, possibly already formatted) in the request's language."""
    return translate_in(current_locale(), text)


def translate_in(tag: str, text: str) -> str:
    """Say ``text`` in locale ``tag``; a text in no catalog is returned unchanged."""
    catalog = _catalog(tag)
    if isinstance(text, Message):
        return text.render(catalog)
    if text in source_messages():
        return catalog.gettext(text)
    for pattern, msgid in templates():
        if found := pattern.fullmatch(text):
            return catalog.gettext(msgid).format(**found.groupdict())
    if on_unknown_message is not None:
        on_unknown_message(text)
    return text


class _CatalogDomain(Domain):
    """flask-babel's domain, reading our in-memory catalogs instead of ``.mo`` files."""

    def get_translations(self) -> NullTranslations:
        return translations(current_locale())


@contextmanager
def speaking(tag: str | None) -> Iterator[None]:
    """Speak ``tag`` (a user's stored locale) inside the block, e.g. for a push text."""
    with force_locale(tag if tag in shipped_locales() else SOURCE_LOCALE):
        yield


def init_i18n(app: Flask) -> None:
    """Choose each request's language and send ``Content-Language`` on every response."""
    babel = Babel(configure_jinja=False)
    babel.init_app(app, default_locale=SOURCE_LOCALE, locale_selector=_select_locale)
    babel.domain_instance = _CatalogDomain()  # type: ignore[misc]

    @app.before_request
    def _choose_afresh() -> None:
        # flask-babel keeps its choice on ``g``, which an app context held across
        # requests (CLI, tests) would share: each request chooses for itself.
        refresh()

    @app.after_request
    def _content_language(response: Response) -> Response:
        response.headers.setdefault("Content-Language", current_locale())
        response.vary.add("Accept-Language")
        return response
