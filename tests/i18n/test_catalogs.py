"""The catalogs are complete, consistent with the English, and current with the code."""

from __future__ import annotations

import ast
import inspect
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from marshmallow import fields as ma_fields
from marshmallow import validate
from webargs import fields as webargs_fields

from empower_api.i18n import catalogs
from empower_api.i18n.extract import KEYWORDS, PACKAGE_DIR, extract

ROOT = PACKAGE_DIR.parent
# {name}, {name!r}, {name:>4} (str.format) and %(name)s (printf) placeholders.
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}|%\((\w+)\)[sdif]")
LOCALES = catalogs.shipped_locales()[1:]


def placeholders(text: str) -> set[str]:
    return {brace or printf for brace, printf in PLACEHOLDER.findall(text)}


def load(locale: str):
    with catalogs.catalog_path(locale.replace("-", "_")).open("rb") as po:
        return read_po(po, locale=locale.replace("-", "_"))


def template():
    with catalogs.POT_FILE.open("rb") as pot:
        return read_po(pot)


def test_the_first_locales_ship_with_english_first():
    assert catalogs.shipped_locales()[0] == "en"
    assert {"es", "fr", "pt", "ar", "vi"} <= set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_in_every_locale(locale):
    catalog = load(locale)
    ids = {message.id for message in template() if message.id}
    translated = {message.id: message for message in catalog if message.id}
    missing = [mid for mid in ids if mid not in translated]
    assert not missing, f"{locale}: not in the catalog (run make messages): {missing}"
    empty = [mid for mid, message in translated.items() if mid in ids and (
        not all(message.string) if isinstance(message.id, tuple) else not message.string)]
    assert not empty, f"{locale}: empty translations: {empty}"
    fuzzy = [mid for mid, message in translated.items() if message.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy entries are not served: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_of_the_english(locale):
    wrong = []
    for message in load(locale):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            english = placeholders(message.id[0]) | placeholders(message.id[1])
            forms = list(message.string)
            # A singular or dual form may say the number in words instead of {num}, but
            # every other placeholder is in every form, and {num} in at least one.
            seen = set().union(*(placeholders(form) for form in forms))
            if seen != english or any(english - {"num"} - placeholders(form)
                                      for form in forms):
                wrong.append((message.id, forms))
        elif placeholders(message.string) != placeholders(message.id):
            wrong.append((message.id, message.string))
    assert not wrong, f"{locale}: placeholders differ from the English: {wrong}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_are_babels_for_the_locale(locale):
    catalog = load(locale)
    plural_messages = [m for m in catalog if isinstance(m.id, tuple)]
    assert plural_messages, "plural messages exist (Babel plural forms are used)"
    for message in plural_messages:
        assert len(message.string) == catalog.num_plurals, (locale, message.id)


def test_arabic_has_six_plural_forms_and_picks_them_by_number():
    assert load("ar").num_plurals == 6
    arabic = catalogs.translations("ar")
    one = arabic.ngettext("Use at most {num} word.", "Use at most {num} words.", 1)
    eleven = arabic.ngettext("Use at most {num} word.", "Use at most {num} words.", 11)
    assert one != eleven and "{num}" in eleven


def test_the_template_is_current_with_the_code():
    in_code = {message.id for message in extract() if message.id}
    in_pot = {message.id for message in template() if message.id}
    assert in_code - in_pot == set(), "new messages: run `make messages` and translate them"
    assert in_pot - in_code == set(), "messages no longer in the code: run `make messages`"


def _default_messages(module) -> set[str]:
    found: set[str] = set()
    for _name, cls in inspect.getmembers(module, inspect.isclass):
        for klass in cls.__mro__:
            found.update(getattr(klass, "default_error_messages", {}).values())
    return found


# Field types no schema of ours uses (IP addresses, time deltas); the test below
# checks that this stays true, so a new use brings its messages into the catalogs.
UNUSED_FIELDS = ("IP", "IPv4", "IPv6", "IPInterface", "IPv4Interface", "IPv6Interface",
                 "TimeDelta")


def test_every_marshmallow_and_webargs_message_is_in_the_catalogs():
    unused = set()
    for name in UNUSED_FIELDS:
        unused.update(getattr(ma_fields, name).default_error_messages.values())
    expected = (_default_messages(ma_fields) | _default_messages(webargs_fields)) - unused
    for cls in (validate.Length, validate.OneOf, validate.Regexp, validate.Equal,
                validate.ContainsOnly, validate.ContainsNoneOf, validate.NoneOf,
                validate.Email, validate.URL):
        expected.update(value for key, value in vars(cls).items() if isinstance(value, str)
                        and key.startswith(("message", "default_message")))
    expected.update({"Unknown field.", "Invalid input type."})
    assert expected - catalogs.source_messages() == set()


def test_no_schema_uses_the_field_types_left_out_of_the_catalogs():
    source = "\n".join(p.read_text() for p in PACKAGE_DIR.rglob("*.py"))
    for name in UNUSED_FIELDS:
        assert not re.search(rf"fields\.{name}\(", source), name


ERROR_CALLS = {name: spec for name, spec in KEYWORDS.items()
               if name not in {"N_", "msg", "plural", "gettext", "ngettext"}}


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_domain_error_class_is_a_keyword_of_make_messages(app):
    """``raise StripeUnavailable("…")`` is only extracted if its class name is a keyword."""
    from empower_api.errors import DomainError

    names = {cls.__name__ for cls in _subclasses(DomainError)
             if cls.__module__.startswith("empower_api")}
    assert names - set(KEYWORDS) == set()


def test_messages_are_never_built_with_f_strings_or_format():
    """An f-string message cannot be looked up in a catalog: use msg()/plural()."""
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERROR_CALLS:
                continue
            index = (ERROR_CALLS[name] or (1,))[0] - 1
            if len(node.args) <= index:
                continue
            arg = node.args[index]
            built = isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                isinstance(arg, ast.Call) and getattr(arg.func, "attr", None) == "format")
            if built:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_no_compiled_catalog_is_committed_and_the_wheel_ships_the_po_files():
    assert not list(catalogs.TRANSLATIONS_DIR.rglob("*.mo"))
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]
    patterns = package_data.get("empower_api.translations") or package_data["empower_api"]
    assert any(p.endswith("*.po") for p in patterns)
    assert any(p.endswith("messages.pot") for p in patterns)


def test_a_catalog_compiles_in_memory_and_is_cached_per_process():
    spanish = catalogs.translations("es")
    assert spanish is catalogs.translations("es")
    assert spanish.gettext("Not Found") == "No encontrado"


def test_a_new_locale_is_a_catalog_file_and_nothing_else(tmp_path, monkeypatch):
    (tmp_path / "ro" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "ro" / "LC_MESSAGES" / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Not Found"\nmsgstr "Negăsit"\n', encoding="utf-8")
    monkeypatch.setattr(catalogs, "TRANSLATIONS_DIR", tmp_path)
    catalogs.shipped_locales.cache_clear()
    catalogs.translations.cache_clear()
    try:
        assert catalogs.shipped_locales() == ("en", "ro")
        assert catalogs.translations("ro").gettext("Not Found") == "Negăsit"
    finally:
        monkeypatch.undo()
        catalogs.shipped_locales.cache_clear()
        catalogs.translations.cache_clear()
    assert "ro" not in catalogs.shipped_locales()


def test_docs_explain_adding_a_message_and_a_language():
    contributing = (ROOT / "docs" / "contributing.md").read_text()
    assert "Adding a message" in contributing and "adding a language" in contributing
    assert "make messages" in contributing
    assert "Content-Language" in (ROOT / "docs" / "api.md").read_text()


def test_make_messages_runs_the_extractor():
    assert "empower_api.i18n.extract" in Path(ROOT / "Makefile").read_text()


def test_the_template_holds_the_consoles_messages_from_python_and_templates():
    where = {message.id: {path for path, _line in message.locations}
             for message in template() if message.id}
    # flask-babel's ``_`` in console Python, and ``{{ _("…") }}`` in its Jinja templates.
    assert "empower_api/console/signin.py" in where["You were signed out after 15 minutes "
                                                    "without activity."]
    assert "empower_api/console/templates/console/base.html" in where["Skip to content"]
    assert "empower_api/console/templates/console/employers.html" in where["Commitments"]
    console_ids = [mid for mid, paths in where.items()
                   if any(path.startswith("empower_api/console/") for path in paths)]
    assert len(console_ids) > 150
    assert not (ROOT / "empower_api" / "console" / "translations").exists(), \
        "one set of catalogs: the console's translations live in empower_api/translations"


def test_a_console_message_without_a_translation_fails_the_completeness_test(
        tmp_path, monkeypatch):
    shutil.copytree(catalogs.TRANSLATIONS_DIR, tmp_path / "translations")
    spanish = tmp_path / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    with spanish.open("rb") as po:
        catalog = read_po(po, locale="es")
    catalog["Skip to content"].string = ""
    with spanish.open("wb") as out:
        write_po(out, catalog, width=0)
    monkeypatch.setattr(catalogs, "TRANSLATIONS_DIR", tmp_path / "translations")
    monkeypatch.setattr(catalogs, "POT_FILE", tmp_path / "translations" / "messages.pot")
    test_every_message_is_translated_in_every_locale("fr")  # untouched: still complete
    with pytest.raises(AssertionError, match="Skip to content"):
        test_every_message_is_translated_in_every_locale("es")
