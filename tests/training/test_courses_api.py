"""Staff create courses; anyone searches the catalog."""

from __future__ import annotations

import pytest

from empower_api.training.schemas import CourseSummarySchema, course_summary
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff
from tests.factories.training import course_payload, make_course
from tests.sqlcount import counted

API = "/api/v1"


def test_staff_create_a_course_with_modules_and_credential(session, auth_client):
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/courses", json=course_payload(
        languages=["EN", "pt-br"], skills=["Food  Safety", "hygiene"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert [m["title"] for m in body["modules"]] == ["Germs", "Storage", "Cleaning"]
    assert body["credential"] == {"name": "Food Safety Basics",
                                  "description": "Handles food safely.",
                                  "description_translations": {}}
    assert body["languages"] == ["en", "pt-BR"] and body["skills"] == ["food safety", "hygiene"]
    assert body["free"] is True and body["cost_amount"] == 0
    public = auth_client(staff).get(f"{API}/courses/{body['id']}").get_json()
    assert public["modules"] == body["modules"]


@pytest.mark.parametrize(("field", "value"), [
    ("modality", "telepathy"), ("cost_amount", -1), ("cost_amount", 1.5),
    ("currency", "XYZ"), ("modules", []), ("duration_hours", 0), ("title", ""),
    ("languages", ["not a tag!"]), ("credential", {"name": "x"}),
])
def test_bad_course_input_is_a_422_naming_the_field(session, auth_client, field, value):
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/courses", json=course_payload(**{field: value}))
    body = assert_problem(response, 422)
    assert any(key.startswith(field) for key in body["errors"]), body


def test_unknown_course_field_is_refused(session, auth_client):
    staff = make_staff(session)
    session.commit()
    response = auth_client(staff).post(f"{API}/courses", json={**course_payload(), "x": 1})
    assert_problem(response, 422, "x")


def test_missing_course_is_404(client):
    assert_problem(client.get(f"{API}/courses/00000000-0000-0000-0000-000000000000"), 404)


@pytest.fixture
def catalog(session):
    staff = make_staff(session)
    made = {
        "forklift": make_course(session, staff=staff, title="Forklift operator",
                                description="Drive a forklift safely.", modality="in_person",
                                cost_amount=4500, skills=["forklift"], languages=["en"]),
        "cafe": make_course(session, staff=staff, title="Café service",
                            description="Espresso, milk and customer service.",
                            provider="Lakeshore College", modality="hybrid",
                            skills=["customer service", "barista"], languages=["es"]),
        "food": make_course(session, staff=staff, title="Food safety",
                            description="Kitchen hygiene for cafés.", modality="online",
                            skills=["food safety"], languages=["en-GB"]),
    }
    session.commit()
    return made


def titles(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["title"] for item in response.get_json()["items"]]


def test_search_by_text_folds_accents_and_covers_provider_and_skills(client, catalog):
    assert titles(client.get(f"{API}/courses?q=cafe")) == ["Café service", "Food safety"]
    assert titles(client.get(f"{API}/courses?q=lakeshore")) == ["Café service"]
    assert titles(client.get(f"{API}/courses?q=barista")) == ["Café service"]
    assert titles(client.get(f"{API}/courses?q=nothingmatches")) == []


def test_search_filters(client, catalog):
    assert titles(client.get(f"{API}/courses?free=false")) == ["Forklift operator"]
    assert set(titles(client.get(f"{API}/courses?free=true"))) == {"Café service", "Food safety"}
    assert titles(client.get(f"{API}/courses?modality=online,hybrid&q=cafe")) == \
        ["Café service", "Food safety"]
    assert titles(client.get(f"{API}/courses?skills=Forklift")) == ["Forklift operator"]
    assert titles(client.get(f"{API}/courses?languages=en")) == ["Food safety",
                                                                  "Forklift operator"]
    assert titles(client.get(f"{API}/courses?languages=es&free=true")) == ["Café service"]
    body = assert_problem(client.get(f"{API}/courses?modality=telepathy"), 422)
    assert list(body["errors"]) == ["modality.0"]


def test_search_pages_with_cursor_and_etag(client, session):
    staff = make_staff(session)
    for i in range(7):
        make_course(session, staff=staff, title=f"Cooking {i}", skills=["cooking"])
    session.commit()
    for query in ("", "&q=cooking"):
        seen, cursor = [], None
        while True:
            url = f"{API}/courses?limit=3{query}" + (f"&cursor={cursor}" if cursor else "")
            body = client.get(url).get_json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 7
    first = client.get(f"{API}/courses?limit=3")
    again = client.get(f"{API}/courses?limit=3", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_problem(client.get(f"{API}/courses?cursor=forged"), 422, "cursor")


def test_a_cursor_of_another_course_search_is_422(client, session):
    staff = make_staff(session)
    for i in range(4):
        make_course(session, staff=staff, title=f"Cooking {i}", skills=["cooking"])
    session.commit()
    cursor = client.get(f"{API}/courses?limit=1&q=cooking").get_json()["next_cursor"]
    assert client.get(f"{API}/courses?limit=1&q=cooking&cursor={cursor}").status_code == 200
    for other in ("q=baking", "q=cooking&skills=cooking", "q=cooking&free=true"):
        assert_problem(client.get(f"{API}/courses?limit=1&{other}&cursor={cursor}"), 422,
                       "cursor")


def test_summary_builder_matches_the_schema(session, catalog):
    course = catalog["cafe"]
    assert course_summary(course) == CourseSummarySchema().dump(course)


def test_search_issues_the_same_few_statements_for_20_and_100_items(app, client, session):
    staff = make_staff(session)
    for i in range(110):
        make_course(session, staff=staff, title=f"Cooking {i}", skills=["cooking"],
                    languages=["en"])
    session.commit()
    with counted(app) as statements:
        counts = {}
        for limit in (20, 100):
            for query in ("q=cooking&languages=en", "skills=cooking&free=true"):
                statements.clear()
                body = client.get(f"{API}/courses?limit={limit}&{query}").get_json()
                assert len(body["items"]) == limit
                counts[(limit, query)] = len(statements)
    assert max(counts.values()) <= 5
    assert counts[(20, "q=cooking&languages=en")] == counts[(100, "q=cooking&languages=en")]
