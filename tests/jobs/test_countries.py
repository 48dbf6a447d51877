"""Countries on employers and postings: validation, defaults, PATCH, the search filter,
the JSON-LD ``JobPosting`` against Google's job-posting rules, demo and seed data."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from empower_api.config import ConfigurationError, build_config
from empower_api.countries import (
    COUNTRY_CODES,
    FALLBACK_DEFAULT_COUNTRY,
    default_country_setting,
    is_country,
)
from empower_api.db import db
from empower_api.jobs import demo
from empower_api.jobs.models import Employer, Job
from empower_api.jobs.schemas import EmployerSchema
from empower_api.jobs.seed import COUNTRY_OF, seed_reference_jobs
from empower_api.money import is_currency
from tests.conftest import assert_problem
from tests.factories.accounts import make_employer_user, make_survivor
from tests.factories.jobs import (
    employer_payload,
    job_payload,
    make_employer,
    make_job,
    owner_of,
)

API = "/api/v1"

# (value, accepted): every way a client gets a country wrong, and the right ones.
VALIDATION_TABLE: list[tuple[Any, bool]] = [
    ("GB", True), ("US", True), ("FR", True), ("VN", True), ("KE", True), ("PS", True),
    ("gb", False),     # lower case: the code is written in capitals
    ("Gb", False),
    ("UK", False),     # exceptionally reserved; the United Kingdom is GB
    ("XX", False),     # user-assigned, no country
    ("XK", False),     # user-assigned (Kosovo), not in ISO 3166-1
    ("EU", False),     # a grouping, not a country
    ("ZZ", False),
    ("GBR", False),    # alpha-3
    ("USA", False),
    ("G", False),
    ("", False),
    (" GB", False),
    ("GB\n", False),
    ("G1", False),
    ("826", False),    # numeric code
    (None, False),     # null: leave the field out to get the default
    (44, False),
]
BAD_VALUES = [value for value, accepted in VALIDATION_TABLE if not accepted]


def test_the_list_is_iso_3166_1_alpha_2():
    assert len(COUNTRY_CODES) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in COUNTRY_CODES)
    assert {"GB", "US", "FR", "DE", "VN", "TH", "CN", "SS", "PS", "TW"} <= COUNTRY_CODES


@pytest.mark.parametrize(("value", "accepted"), VALIDATION_TABLE)
def test_is_country(value, accepted):
    assert is_country(value) is accepted


# --- DEFAULT_COUNTRY setting -------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (None, "US"), ("", "US"), ("  ", "US"), ("GB", "GB"), ("gb", "GB"), (" ke ", "KE"),
])
def test_default_country_setting(tmp_path, raw, expected):
    env = {"EMPOWER_ENV": "testing"} | ({} if raw is None else {"DEFAULT_COUNTRY": raw})
    assert FALLBACK_DEFAULT_COUNTRY == "US"
    assert default_country_setting(env) == expected
    assert build_config(str(tmp_path), environ=env)["DEFAULT_COUNTRY"] == expected


@pytest.mark.parametrize("raw", ["UK", "XX", "GBR", "EU", "G", "1"])
def test_default_country_that_is_not_a_country_stops_start_up(tmp_path, raw):
    with pytest.raises(ConfigurationError) as caught:
        build_config(str(tmp_path), environ={"EMPOWER_ENV": "testing", "DEFAULT_COUNTRY": raw})
    assert any("DEFAULT_COUNTRY" in problem for problem in caught.value.problems)
    with pytest.raises(ValueError, match="DEFAULT_COUNTRY"):
        default_country_setting({"DEFAULT_COUNTRY": raw})


# --- employers ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_VALUES)
def test_employer_with_a_bad_country_is_422_naming_country(session, auth_client, value):
    client = auth_client(make_employer_user(session))
    response = client.post(f"{API}/employers", json=employer_payload(country=value))
    body = assert_problem(response, 422, field="country")
    assert body["code"] == "validation_error"
    if value is not None:  # one message, said once (the pattern and the list both refused "uk")
        assert len(body["errors"]["country"]) == 1, body["errors"]


def test_employer_gets_its_country_or_the_configured_default(session, auth_client, app,
                                                              monkeypatch):
    client = auth_client(make_employer_user(session))
    given = client.post(f"{API}/employers", json=employer_payload(country="FR"))
    assert given.status_code == 201 and given.get_json()["country"] == "FR"
    monkeypatch.setitem(app.config, "DEFAULT_COUNTRY", "KE")
    payload = employer_payload()
    del payload["country"]
    defaulted = client.post(f"{API}/employers", json=payload)
    assert defaulted.status_code == 201, defaulted.get_json()
    assert defaulted.get_json()["country"] == "KE"
    mine = {e["id"]: e["country"] for e in client.get(f"{API}/me/employers").get_json()["items"]}
    assert mine == {given.get_json()["id"]: "FR", defaulted.get_json()["id"]: "KE"}


def test_public_employer_shows_its_country(session, client):
    employer = make_employer(session, country="VN")
    session.commit()
    assert client.get(f"{API}/employers/{employer.id}").get_json()["country"] == "VN"
    assert EmployerSchema().dump(employer)["country"] == "VN"


# --- postings ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_VALUES)
def test_posting_with_a_bad_country_is_422_on_create_and_patch(session, auth_client, value):
    employer = make_employer(session)
    job = make_job(session, employer)
    client = auth_client(owner_of(session, employer))
    assert_problem(client.post(f"{API}/jobs", json=job_payload(employer.id, country=value)),
                   422, field="country")
    assert_problem(client.patch(f"{API}/jobs/{job.id}", json={"country": value}),
                   422, field="country")
    session.expire_all()
    assert session.get(Job, job.id).country == "US"


def test_posting_takes_its_employers_country_unless_it_names_one(session, auth_client):
    employer = make_employer(session, country="FR")
    client = auth_client(owner_of(session, employer))
    payload = job_payload(employer.id)
    del payload["country"]
    inherited = client.post(f"{API}/jobs", json=payload)
    assert inherited.status_code == 201, inherited.get_json()
    assert inherited.get_json()["country"] == "FR"
    named = client.post(f"{API}/jobs", json=job_payload(employer.id, country="BE"))
    assert named.status_code == 201 and named.get_json()["country"] == "BE"


def test_posting_default_does_not_follow_the_configured_default(session, auth_client, app,
                                                                monkeypatch):
    """The employer's country wins over DEFAULT_COUNTRY for its postings."""
    monkeypatch.setitem(app.config, "DEFAULT_COUNTRY", "KE")
    employer = make_employer(session, country="GB")
    client = auth_client(owner_of(session, employer))
    payload = job_payload(employer.id)
    del payload["country"]
    assert client.post(f"{API}/jobs", json=payload).get_json()["country"] == "GB"


def test_patch_changes_a_postings_country(session, auth_client, client):
    employer = make_employer(session)
    job = make_job(session, employer)
    session.commit()
    member = auth_client(owner_of(session, employer))
    response = member.patch(f"{API}/jobs/{job.id}", json={"country": "CA"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["country"] == "CA"
    assert client.get(f"{API}/jobs/{job.id}").get_json()["country"] == "CA"
    untouched = member.patch(f"{API}/jobs/{job.id}", json={"title": "Head baker"})
    assert untouched.get_json()["country"] == "CA"


# --- GET /jobs?country= -------------------------------------------------------------------


@pytest.fixture
def world(session):
    """Postings in three countries, one of them remote."""
    us, fr = make_employer(session, country="US"), make_employer(session, country="FR")
    made = {
        "Chicago cook": make_job(session, us, title="Chicago cook", pay_max_amount=2500),
        "Paris cook": make_job(session, fr, title="Paris cook", region="Île-de-France",
                               city="Paris", currency="EUR", pay_max_amount=2600),
        "Lyon baker": make_job(session, fr, title="Lyon baker", region="Auvergne-Rhône-Alpes",
                               city="Lyon", currency="EUR", pay_max_amount=2400),
        "Remote cook": make_job(session, fr, title="Remote cook", country="BE",
                                workplace="remote", currency="EUR", pay_max_amount=2700),
    }
    session.commit()
    return made


def _titles(client, **params):
    response = client.get(f"{API}/jobs?{urlencode({'limit': 100, **params})}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["title"] for item in response.get_json()["items"]}


@pytest.mark.parametrize(("params", "expected"), [
    ({"country": "FR"}, {"Paris cook", "Lyon baker"}),
    ({"country": "US"}, {"Chicago cook"}),
    ({"country": "BE"}, {"Remote cook"}),
    ({"country": "DE"}, set()),
    ({"country": "FR", "q": "cook"}, {"Paris cook"}),                      # relevance
    ({"country": "FR", "q": "cook", "sort": "newest"}, {"Paris cook"}),
    ({"country": "FR", "sort": "pay"}, {"Paris cook", "Lyon baker"}),
    ({"country": "FR", "region": "ile de france"}, {"Paris cook"}),
    ({"country": "US", "region": "Île-de-France"}, set()),
    ({"country": "BE", "workplace": "remote"}, {"Remote cook"}),
    ({}, {"Chicago cook", "Paris cook", "Lyon baker", "Remote cook"}),
])
def test_country_filter(client, world, params, expected):
    assert _titles(client, **params) == expected


def test_list_items_carry_the_country(client, world):
    items = client.get(f"{API}/jobs?country=FR&limit=100").get_json()["items"]
    assert {item["country"] for item in items} == {"FR"}


@pytest.mark.parametrize("value", ["fr", "UK", "XX", "FRA", "", "E1"])
def test_bad_country_filter_is_422_naming_country(client, value):
    assert_problem(client.get(f"{API}/jobs?country={value}"), 422, field="country")


def test_saved_search_keeps_a_country_filter_and_refuses_a_bad_one(session, auth_client, world):
    client = auth_client(make_survivor(session))
    created = client.post(f"{API}/me/saved-searches",
                          json={"name": "Paris", "query": {"country": "FR"}})
    assert created.status_code == 201 and created.get_json()["query"] == {"country": "FR"}
    assert_problem(client.post(f"{API}/me/saved-searches",
                               json={"name": "UK", "query": {"country": "UK"}}),
                   422, field="query.country")


# --- JSON-LD against Google's JobPosting rules ----------------------------------------------

# Google Search Central, "Job posting (JobPosting) structured data": required and
# recommended properties, and the values each may take.
GOOGLE_EMPLOYMENT_TYPES = {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN",
                           "VOLUNTEER", "PER_DIEM", "OTHER"}
GOOGLE_SALARY_UNITS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}


def _iso_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time with an offset, as Google asks; else None."""
    if not isinstance(value, str) or not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?", value):
        return None
    return datetime.fromisoformat(value)


def google_job_posting_problems(doc: dict[str, Any]) -> list[str]:
    """What Google's job-posting rules find missing or wrong in ``doc``: [] when none.

    Required: title, description, datePosted, hiringOrganization, and jobLocation
    (a Place whose PostalAddress names the country) - or, for a fully remote job,
    jobLocationType TELECOMMUTE with applicantLocationRequirements. Recommended (all
    checked, since this service always knows them): validThrough, employmentType,
    baseSalary (a MonetaryAmount with an ISO 4217 currency), identifier, directApply.
    """
    problems = []
    if doc.get("@context") not in ("https://schema.org/", "https://schema.org"):
        problems.append("@context")
    if doc.get("@type") != "JobPosting":
        problems.append("@type")
    for name in ("title", "description"):
        if not isinstance(doc.get(name), str) or not doc[name].strip():
            problems.append(name)
    if doc.get("title") == doc.get("description"):
        problems.append("description is the title")
    posted = _iso_datetime(doc.get("datePosted"))
    if posted is None:
        problems.append("datePosted")
    organization = doc.get("hiringOrganization")
    if not (isinstance(organization, dict) and organization.get("@type") == "Organization"
            and isinstance(organization.get("name"), str) and organization["name"]):
        problems.append("hiringOrganization")
    if doc.get("jobLocationType") == "TELECOMMUTE":
        requirement = doc.get("applicantLocationRequirements")
        if not (isinstance(requirement, dict) and requirement.get("@type") == "Country"
                and is_country(requirement.get("name"))):
            problems.append("applicantLocationRequirements")
    elif "jobLocationType" in doc:
        problems.append("jobLocationType")
    else:
        place = doc.get("jobLocation")
        address = place.get("address") if isinstance(place, dict) else None
        if not (isinstance(place, dict) and place.get("@type") == "Place"
                and isinstance(address, dict) and address.get("@type") == "PostalAddress"):
            problems.append("jobLocation")
        else:
            if not is_country(address.get("addressCountry")):
                problems.append("jobLocation.address.addressCountry")
            for part in ("addressRegion", "addressLocality"):
                if not isinstance(address.get(part), str) or not address[part]:
                    problems.append(f"jobLocation.address.{part}")
    until = _iso_datetime(doc.get("validThrough"))
    if until is None or (posted is not None and until <= posted):
        problems.append("validThrough")
    if doc.get("employmentType") not in GOOGLE_EMPLOYMENT_TYPES:
        problems.append("employmentType")
    salary = doc.get("baseSalary")
    value = salary.get("value") if isinstance(salary, dict) else None
    if not (isinstance(salary, dict) and salary.get("@type") == "MonetaryAmount"
            and is_currency(salary.get("currency") or "") and isinstance(value, dict)
            and value.get("@type") == "QuantitativeValue"
            and value.get("unitText") in GOOGLE_SALARY_UNITS
            and all(isinstance(value.get(k), int | float) and not isinstance(value[k], bool)
                    for k in ("minValue", "maxValue"))
            and value["minValue"] <= value["maxValue"]):
        problems.append("baseSalary")
    identifier = doc.get("identifier")
    if not (isinstance(identifier, dict) and identifier.get("@type") == "PropertyValue"
            and identifier.get("name") and identifier.get("value")):
        problems.append("identifier")
    if not isinstance(doc.get("directApply"), bool):
        problems.append("directApply")
    return problems


def test_the_checker_finds_what_google_would_refuse():
    good = {
        "@context": "https://schema.org/", "@type": "JobPosting", "title": "Cook",
        "description": "Cook for us.", "datePosted": "2026-01-01T09:00:00Z",
        "validThrough": "2026-03-01T09:00:00Z", "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": "Kitchen"},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": "Leeds", "addressRegion": "England",
            "addressCountry": "GB"}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "GBP", "value": {
            "@type": "QuantitativeValue", "minValue": 12, "maxValue": 14, "unitText": "HOUR"}},
        "identifier": {"@type": "PropertyValue", "name": "Kitchen", "value": "1"},
        "directApply": False,
    }
    assert google_job_posting_problems(good) == []
    broken = {**good, "datePosted": "01/01/2026", "employmentType": "GIG",
              "jobLocation": {"@type": "Place", "address": {**good["jobLocation"]["address"],
                                                            "addressCountry": "UK"}}}
    assert google_job_posting_problems(broken) == [
        "datePosted", "jobLocation.address.addressCountry", "employmentType"]
    remote = {k: v for k, v in good.items() if k != "jobLocation"} | {
        "jobLocationType": "TELECOMMUTE",
        "applicantLocationRequirements": {"@type": "AdministrativeArea", "name": "England"}}
    assert google_job_posting_problems(remote) == ["applicantLocationRequirements"]


@pytest.mark.parametrize(("workplace", "country", "currency", "period"), [
    ("onsite", "US", "USD", "hour"),
    ("hybrid", "GB", "GBP", "year"),
    ("onsite", "VN", "VND", "month"),
    ("remote", "FR", "EUR", "week"),
    ("remote", "JP", "JPY", "hour"),
])
def test_jsonld_meets_googles_required_and_recommended_fields(
        session, client, workplace, country, currency, period):
    employer = make_employer(session, country=country)
    job = make_job(session, employer, workplace=workplace, currency=currency,
                   pay_period=period, region="Région", city="Ville")
    session.commit()
    response = client.get(f"{API}/jobs/{job.id}/jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    doc = response.get_json(force=True)
    assert google_job_posting_problems(doc) == []
    if workplace == "remote":
        assert doc["jobLocationType"] == "TELECOMMUTE" and "jobLocation" not in doc
        assert doc["applicantLocationRequirements"] == {"@type": "Country", "name": country}
    else:
        assert "jobLocationType" not in doc and "applicantLocationRequirements" not in doc
        assert doc["jobLocation"]["address"] == {
            "@type": "PostalAddress", "addressLocality": "Ville", "addressRegion": "Région",
            "addressCountry": country}


def test_jsonld_follows_a_patched_country(session, auth_client, client):
    employer = make_employer(session, country="US")
    job = make_job(session, employer, workplace="remote")
    session.commit()
    auth_client(owner_of(session, employer)).patch(f"{API}/jobs/{job.id}",
                                                   json={"country": "MX"})
    doc = client.get(f"{API}/jobs/{job.id}/jsonld").get_json(force=True)
    assert doc["applicantLocationRequirements"] == {"@type": "Country", "name": "MX"}


def test_jsonld_free_text_cannot_end_the_script_element_it_is_pasted_into(session, client):
    """Region and city are free text: whatever they hold stays inside the JSON."""
    employer = make_employer(session, name="Tom & Jerry's <Bakery>")
    job = make_job(session, employer, city="</script><script>alert(1)</script>",
                   region="Île-de-France & <b>", title="Cook <3")
    session.commit()
    response = client.get(f"{API}/jobs/{job.id}/jsonld")
    raw = response.get_data(as_text=True)
    assert not {"<", ">", "&"} & set(raw)
    doc = response.get_json(force=True)
    assert doc["jobLocation"]["address"]["addressLocality"] == job.city
    assert doc["jobLocation"]["address"]["addressRegion"] == "Île-de-France & <b>"
    assert doc["hiringOrganization"]["name"] == "Tom & Jerry's <Bakery>"
    assert google_job_posting_problems(doc) == []


# --- demo and seed data -----------------------------------------------------------------


def test_demo_employers_and_postings_carry_countries(app):
    from empower_api.accounts.demo import load as accounts_demo

    assert all(is_country(spec["country"]) for spec in demo.EMPLOYERS)
    with app.app_context():
        context: dict[str, Any] = {"printed": []}
        accounts_demo(db.session, context)
        demo.load(db.session, context)
        db.session.flush()
        employers = {e.name: e.country for e in db.session.scalars(select(Employer))}
        assert employers == {spec["name"]: spec["country"] for spec in demo.EMPLOYERS}
        jobs = list(db.session.scalars(select(Job)))
        for job in jobs:
            assert job.country == db.session.get(Employer, job.employer_id).country
        french = [job for job in jobs if job.country == "FR"]
        assert {(job.workplace, job.currency, job.region) for job in french} == {
            ("onsite", "EUR", "Île-de-France"), ("remote", "EUR", "Île-de-France")}
        assert all(job.status == "published" for job in french)  # no scam hold
        db.session.rollback()


def test_seeded_employers_and_postings_are_in_the_country_of_their_region(app):
    assert all(is_country(code) for code in COUNTRY_OF.values())
    with app.app_context():
        seed_reference_jobs(db.session, jobs=40, employers=8, seed=5)
        rows = list(db.session.execute(select(Job.region, Job.country)))
        rows += list(db.session.execute(select(Employer.region, Employer.country)))
    assert len(rows) == 48
    assert all(country == COUNTRY_OF.get(region, "US") for region, country in rows)
    assert {"US", "CA", "FR", "ES", "GB"} >= {country for _, country in rows}


def test_factories_default_to_the_united_states(session):
    employer = make_employer(session)
    assert employer.country == "US"
    assert make_job(session, make_employer(session, country="DE")).country == "DE"
    assert job_payload(employer.id)["country"] == employer_payload()["country"] == "US"
