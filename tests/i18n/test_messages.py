"""The message helpers: English stays English, other languages are looked up."""

from __future__ import annotations

from empower_api.i18n import Message, gettext, msg, ngettext, plural, translate, translate_in


def test_a_message_is_its_english_text_until_it_is_rendered():
    message = msg("The group has {amount} available to lend.", amount=1200)
    assert message == "The group has 1200 available to lend."
    assert isinstance(message, str) and isinstance(message, Message)
    assert translate_in("es", message) == "El grupo tiene 1200 disponible para prestar."


def test_plural_messages_choose_the_form_for_the_number_in_each_language():
    one, many = (plural("Use at most {num} word.", "Use at most {num} words.", n)
                 for n in (1, 12))
    assert (one, many) == ("Use at most 1 word.", "Use at most 12 words.")
    assert translate_in("fr", one) == "Utilisez au plus 1 mot."
    assert translate_in("fr", many) == "Utilisez au plus 12 mots."
    assert translate_in("vi", many) == "Hãy dùng tối đa 12 từ."
    assert translate_in("ar", one) == "استخدم كلمة واحدة على الأكثر."
    assert translate_in("ar", plural("Use at most {num} word.", "Use at most {num} words.",
                                     5)) == "استخدم 5 كلمات على الأكثر."


def test_a_label_given_as_a_value_is_said_in_the_same_language():
    message = msg("This loan is not being repaid (it is: {status}).", status="Repaid")
    assert translate_in("pt", message) == "Este empréstimo não está sendo pago (situação: Quitado)."


def test_messages_formatted_by_a_library_are_found_by_their_placeholders():
    assert translate_in("es", "Longer than maximum length 40.") == "Más largo que el máximo de 40."
    assert translate_in("fr", "Not a valid datetime.") == "Ce n'est pas une date et heure valide."
    assert translate_in("es", "Not in any catalog.") == "Not in any catalog."


def test_gettext_and_ngettext_speak_the_request_language(app):
    with app.test_request_context(headers={"Accept-Language": "pt"}):
        assert gettext("Not Found") == "Não encontrado"
        assert gettext("Must be one of: {choices}.", choices="a, b") == "Deve ser um de: a, b."
        assert ngettext("Use at most {num} word.", "Use at most {num} words.", 3) == \
            "Use no máximo 3 palavras."
        assert translate("Unknown field.") == "Campo desconhecido."
    with app.app_context():
        assert gettext("Not Found") == "Not Found"
