"""The console speaks the request's language from the API's own catalogs: the signed-in
staff member's ``locale``, else Accept-Language; service refusals are translated too."""

from __future__ import annotations

from babel.messages.pofile import read_po
from markupsafe import escape

from empower_api.i18n import catalogs
from empower_api.jobs.models import VettingStatus
from tests.console.conftest import csrf_token, text
from tests.factories.accounts import make_survivor
from tests.factories.grants import make_application, make_payout_account, make_program
from tests.factories.jobs import make_employer

# English the layout and the employers page show (base.html, employers.html).
EMPLOYERS_PAGE_ENGLISH = [
    "Empower staff console", "Skip to content", "Reported postings",
    "Sign out", "Payouts", "Awaiting vetting", "Commitments", "Flexible scheduling",
    "Fair-chance hiring", "Pay transparency", "Language support",
    "Note (kept in the audit log)",
]


def console_messages(locale: str) -> dict[str, str]:
    """msgid → translation of every singular message the console's code or templates say."""
    with catalogs.catalog_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale)
    return {message.id: message.string for message in catalog
            if isinstance(message.id, str) and message.id
            and any(path.startswith("empower_api/console/")
                    for path, _line in message.locations)}


def english_left(html: str, locale: str) -> list[str]:
    """The console's English messages still on a page said in ``locale``: each known
    string, and each message of several words whose translation differs from it."""
    translated = console_messages(locale)
    found = [english for english in EMPLOYERS_PAGE_ENGLISH if str(escape(english)) in html]
    found += [english for english, string in translated.items()
              if " " in english and string != english and str(escape(english)) in html
              and english not in found]
    return found


def employers_page(signed_in, session, language: str):
    make_employer(session, status=VettingStatus.PENDING, name="Harbor Bakery")
    session.commit()
    client, member = signed_in()
    return client, member, client.get("/console/employers",
                                      headers={"Accept-Language": language})


def test_the_english_page_shows_the_known_strings(signed_in, session):
    _client, _member, page = employers_page(signed_in, session, "en")
    html = text(page)
    assert set(EMPLOYERS_PAGE_ENGLISH) <= set(english_left(html, "es"))
    assert '<html lang="en" dir="ltr">' in html


def test_a_page_asked_for_in_spanish_has_no_english_left(signed_in, session):
    _client, _member, page = employers_page(signed_in, session, "es-ES, en;q=0.5")
    html = text(page)
    assert page.status_code == 200
    assert '<html lang="es" dir="ltr">' in html
    assert english_left(html, "es") == []
    assert str(escape(console_messages("es")["Skip to content"])) in html


def test_a_page_asked_for_in_arabic_is_right_to_left_with_no_english_left(signed_in,
                                                                         session):
    _client, _member, page = employers_page(signed_in, session, "ar")
    html = text(page)
    assert '<html lang="ar" dir="rtl">' in html
    assert english_left(html, "ar") == []
    assert console_messages("ar")["Empower staff console"] in html


def test_the_staff_members_own_locale_wins_over_accept_language(signed_in, session):
    make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, member = signed_in()
    member.user.locale = "fr"
    session.commit()
    html = text(client.get("/console/employers", headers={"Accept-Language": "es"}))
    assert '<html lang="fr" dir="ltr">' in html
    assert english_left(html, "fr") == []
    assert console_messages("fr")["Commitments"] in html


def test_a_service_refusal_is_shown_translated(signed_in, session):
    employer = make_employer(session, status=VettingStatus.PENDING)
    session.commit()
    client, _member = signed_in()
    spanish = {"Accept-Language": "es"}
    refused = client.post(f"/console/employers/{employer.id}/vetting", headers=spanish,
                          data={"decision": "suspend", "note": "Trying anyway.",
                                "csrf_token": csrf_token(client)})
    html = text(refused)
    assert refused.status_code == 409
    assert "cannot be suspended now" not in html
    said = catalogs.translations("es").gettext(
        "This employer cannot be suspended now (vetting: {status}).")
    assert said != "This employer cannot be suspended now (vetting: {status})."
    assert str(escape(said.split("{status}")[0])) in html


def test_a_form_error_of_the_console_is_translated(signed_in, session):
    survivor = make_survivor(session)
    make_payout_account(session, survivor)
    application = make_application(session, make_program(session), survivor, amount=25_000)
    session.commit()
    client, _member = signed_in()
    refused = client.post(f"/console/grants/{application.id}/decision",
                          headers={"Accept-Language": "fr"},
                          data={"decision": "approve", "approved_amount": "1.234",
                                "note": "Plan is sound.", "currency": "USD",
                                "csrf_token": csrf_token(client)})
    html = text(refused)
    assert refused.status_code == 422
    assert "Type an amount like" not in html and "Amount to approve" not in html
    assert "Saisissez un montant comme 125.55." in html
