"""``GET /labels``: every enum value a person sees, labelled in every language."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from enum import StrEnum

import pytest

import empower_api
from empower_api.i18n import shipped_locales
from empower_api.i18n.labels import INTERNAL_ENUMS, all_labels
from tests.conftest import assert_problem

API = "/api/v1"


def every_str_enum() -> set[type[StrEnum]]:
    found = set()
    for module in pkgutil.walk_packages(empower_api.__path__, "empower_api."):
        if ".migrations" in module.name or module.name.endswith(("worker", "gunicorn_conf")):
            continue
        for _name, obj in inspect.getmembers(importlib.import_module(module.name),
                                             inspect.isclass):
            if issubclass(obj, StrEnum) and obj is not StrEnum and \
                    obj.__module__.startswith("empower_api"):
                found.add(obj)
    return found


def test_every_enum_a_person_sees_has_a_label_for_every_value():
    labelled = {enum: labels for enum, labels in all_labels().values()}
    for enum in every_str_enum():
        if enum.__name__ in INTERNAL_ENUMS:
            continue
        assert enum in labelled, f"{enum.__module__}.{enum.__name__} has no labels"
        assert set(labelled[enum]) == {member.value for member in enum}, enum


@pytest.mark.parametrize("locale", shipped_locales())
def test_labels_are_served_in_every_locale_with_stable_keys(client, locale):
    response = client.get(f"{API}/labels", query_string={"locale": locale})
    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == locale and response.headers["Content-Language"] == locale
    assert body["locales"] == list(shipped_locales())
    assert body["direction"] == ("rtl" if locale == "ar" else "ltr")
    english = client.get(f"{API}/labels", query_string={"locale": "en"}).get_json()["labels"]
    assert {kind: set(values) for kind, values in body["labels"].items()} == \
        {kind: set(values) for kind, values in english.items()}
    assert body["labels"]["application_status"]["interview"]
    if locale != "en":
        same = [(kind, value) for kind, values in body["labels"].items()
                for value, text in values.items()
                if text == english[kind][value] and text not in ALLOWED_SAME.get(locale, ())]
        assert not same, same


# Words spelled the same in English and the locale.
ALLOWED_SAME = {"fr": {"Agriculture", "Correction"}}


def test_labels_follow_the_request_language_without_a_locale_parameter(client):
    response = client.get(f"{API}/labels", headers={"Accept-Language": "es-AR"})
    assert response.get_json()["locale"] == "es"
    assert response.get_json()["labels"]["employment_type"]["part_time"] == "Media jornada"


def test_an_unknown_locale_parameter_is_refused_in_the_request_language(client):
    response = client.get(f"{API}/labels", query_string={"locale": "xx"},
                          headers={"Accept-Language": "pt"})
    body = assert_problem(response, 422, "locale")
    assert body["errors"]["locale"][0].startswith("Escolha um dos idiomas disponíveis")


def test_job_categories_speak_the_request_language(client):
    items = client.get(f"{API}/job-categories", headers={"Accept-Language": "fr"}).get_json()
    food = next(item for item in items["items"] if item["code"] == "food_service")
    assert food == {"code": "food_service", "label": "Restauration",
                    "covers": "restaurants, cuisines, boulangeries, cafés"}


def test_labels_speak_the_signed_in_users_locale_and_are_cached_privately(session,
                                                                          auth_client):
    from tests.factories.accounts import make_survivor

    user = make_survivor(session, locale="ar")
    session.commit()
    response = auth_client(user).get(f"{API}/labels", headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ar"
    assert response.get_json()["direction"] == "rtl"
    # The language may be the user's: no shared cache may keep it for everyone.
    assert response.headers["Cache-Control"].startswith("private")
    assert "Authorization" in response.headers["Vary"]


def test_a_closed_posting_and_a_closed_cycle_agree_with_their_own_nouns(client):
    # Spanish, French and Portuguese inflect for gender: la oferta cerrada, el ciclo cerrado.
    expected = {"es": ("Cerrada a candidaturas", "Cerrado"),
                "fr": ("Fermée aux candidatures", "Fermé"),
                "pt": ("Encerrada a candidaturas", "Encerrado")}
    for locale, (posting, cycle) in expected.items():
        labels = client.get(f"{API}/labels", query_string={"locale": locale}).get_json()["labels"]
        assert labels["job_status"]["closed"] == posting
        assert labels["cycle_status"]["closed"] == cycle
