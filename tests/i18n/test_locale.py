"""Which language a response speaks: Accept-Language, the user's locale, Content-Language."""

from __future__ import annotations

import pytest

from empower_api.i18n import negotiate, shipped_locales
from tests.conftest import assert_problem
from tests.factories.accounts import make_survivor

API = "/api/v1"


@pytest.mark.parametrize(("header", "expected"), [
    ("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"), ("pt-BR", "pt"), ("fr-CA", "fr"),
    ("ar-EG", "ar"), ("vi-VN", "vi"), ("de", "en"), ("", "en"), (None, "en"),
    ("de;q=1.0, fr;q=0.4, es;q=0.8", "es"), ("*", "en"), ("en-GB,fr;q=0.5", "en"),
    # q=0 means "not this one"; "*" accepts anything, so English beats a less wanted tag.
    ("es;q=0", "en"), ("es;q=0, fr", "fr"), ("*, es;q=0.1", "en"), ("es, *;q=0.5", "es"),
])
def test_accept_language_picks_the_best_shipped_locale(header, expected):
    assert negotiate(header) == expected


def test_every_response_says_its_language_and_varies_on_accept_language(client):
    for path in ("/healthz", f"{API}/job-categories", f"{API}/no-such-thing", f"{API}/me"):
        response = client.get(path, headers={"Accept-Language": "fr"})
        assert response.headers["Content-Language"] == "fr", path
        assert "Accept-Language" in response.headers.get("Vary", ""), path
    assert client.get("/healthz").headers["Content-Language"] == "en"


def test_a_chunked_body_refused_before_flask_still_speaks_the_language(client):
    import io

    response = client.post(f"{API}/auth/login", input_stream=io.BytesIO(b"x" * (1024 * 1024 + 1)),
                           headers={"Content-Type": "application/json", "Accept-Language": "es",
                                    "Transfer-Encoding": "chunked"})
    body = assert_problem(response, 413)
    assert response.headers["Content-Language"] == "es"
    assert body["detail"] == "El cuerpo de la solicitud es demasiado grande."
    assert body["code"] == "payload_too_large"


def test_the_users_locale_wins_over_accept_language(session, auth_client):
    user = make_survivor(session)
    session.commit()
    client = auth_client(user)
    response = client.patch(f"{API}/me", json={"locale": "vi"},
                            headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert response.get_json()["locale"] == "vi"
    # The answer to the change already speaks the new language.
    assert response.headers["Content-Language"] == "vi"
    problem = client.get(f"{API}/me/notifications/{'0' * 8}-0000-0000-0000-000000000000/read",
                         headers={"Accept-Language": "es"})
    assert problem.headers["Content-Language"] == "vi"
    assert problem.get_json()["title"] == "Phương thức không được phép"
    assert client.get(f"{API}/me", headers={"Accept-Language": "fr"}).headers[
        "Content-Language"] == "vi"


def test_clearing_the_locale_follows_the_device_again(session, auth_client):
    user = make_survivor(session, locale="ar")
    session.commit()
    client = auth_client(user)
    assert client.get(f"{API}/me", headers={"Accept-Language": "es"}).headers[
        "Content-Language"] == "ar"
    response = client.patch(f"{API}/me", json={"locale": None}, headers={"Accept-Language": "es"})
    assert response.get_json()["locale"] is None
    assert response.headers["Content-Language"] == "es"


def test_an_unshipped_locale_is_refused_naming_the_field(session, auth_client):
    user = make_survivor(session)
    session.commit()
    response = auth_client(user).patch(f"{API}/me", json={"locale": "xx"},
                                       headers={"Accept-Language": "fr"})
    body = assert_problem(response, 422, "locale")
    assert body["errors"]["locale"] == [
        "Choisissez l'une des langues proposées : " + ", ".join(shipped_locales()) + "."]
    assert body["code"] == "validation_error"


def test_a_stored_locale_no_longer_shipped_falls_back_to_the_header(session, auth_client):
    user = make_survivor(session, locale="tlh")
    session.commit()
    response = auth_client(user).get(f"{API}/me", headers={"Accept-Language": "pt"})
    assert response.headers["Content-Language"] == "pt"


def test_an_unauthenticated_request_with_a_bad_token_uses_the_header(client):
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer nope",
                                                "Accept-Language": "pt"})
    body = assert_problem(response, 401)
    assert response.headers["Content-Language"] == "pt"
    assert body["detail"] == "O token de acesso não é válido."
