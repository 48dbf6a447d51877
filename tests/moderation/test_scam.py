"""Scam signals: the rules in data, their matching in several languages, and holds."""

from __future__ import annotations

import json
import uuid
from importlib import resources

import pytest
from sqlalchemy import select

from empower_api.jobs.models import Job, JobStatus
from empower_api.moderation import scam
from empower_api.moderation.models import ModerationCase
from tests.conftest import assert_problem
from tests.factories.accounts import make_staff, make_survivor
from tests.factories.jobs import job_payload, make_employer, owner_of

API = "/api/v1"

HELD = [
    # (language, text, signals)
    ("en", "Pay a registration fee of $50 before your first shift.", ["fees"]),
    ("en", "Bring your PASSPORT on day one; we keep it safe.", ["documents"]),
    ("en", "Free flights and a work visa provided!", ["travel"]),
    ("en", "Refundable deposit required. Send money by Western Union.", ["fees"]),
    ("es", "Se requiere un depósito de garantía y copia del pasaporte.", ["documents", "fees"]),
    ("es", "Boleto de avión pagado para trabajar en el extranjero.", ["travel"]),
    ("es", "PAGO POR ADELANTADO de la cuota de inscripción.", ["fees"]),
    ("fr", "Frais d'inscription de 100 € à payer d'avance.", ["fees"]),
    ("fr", "Envoyez une copie de votre pièce d'identité et de votre passeport.", ["documents"]),
    ("fr", "Billet d'avion et visa offerts pour travailler à l'étranger.", ["travel"]),
    ("pt", "Taxa de inscrição obrigatória e pagamento antecipado.", ["fees"]),
    ("pt", "Visto de trabalho garantido e passagem aérea paga.", ["travel"]),
    ("pt", "Enviar documento de identidade e passaporte.", ["documents"]),
    ("ar", "يجب دفع رسوم التسجيل قبل البدء", ["fees"]),
    ("ar", "نوفر التأشيرة وتذكرة طيران مجانية", ["travel"]),
    ("ar", "أرسل صورة جواز السفر وبطاقة الهوية", ["documents"]),
    ("ru", "Требуется предоплата за оформление.", ["fees"]),
    ("ru", "Рабочая виза и авиабилеты за счет работодателя.", ["travel"]),
    ("ru", "Принесите паспорт.", ["documents"]),
]

NOT_HELD = [
    ("en", "Weekly pay by direct deposit. Paid training and a friendly team."),
    ("en", "We never charge a registration fee or any other fee."),
    ("en", "No experience needed; payment every two weeks; travel within the city."),
    ("es", "Pago semanal, horario flexible y capacitación pagada. Sin cuota de inscripción."),
    ("es", "Buscamos ayudante de cocina con ganas de aprender."),
    ("fr", "Salaire versé chaque mois, formation payée, équipe bienveillante."),
    ("fr", "Aucuns frais d'inscription ne sont demandés."),
    ("pt", "Pagamento quinzenal, vale-transporte e refeição no local."),
    ("pt", "Não cobramos taxa de inscrição."),
    ("ar", "راتب شهري وتدريب مدفوع وساعات عمل مرنة"),
    ("ar", "لا رسوم التسجيل"),
    ("ru", "Зарплата два раза в месяц, обучение за счет компании."),
    ("ru", "Никаких взносов и предоплат."),
]


@pytest.mark.parametrize(("language", "text", "expected"), HELD,
                         ids=[f"{lang}-{i}" for i, (lang, _t, _e) in enumerate(HELD)])
def test_scam_texts_are_caught(language, text, expected):
    assert scam.signals_in(text) == expected


@pytest.mark.parametrize(("language", "text"), NOT_HELD,
                         ids=[f"{lang}-{i}" for i, (lang, _t) in enumerate(NOT_HELD)])
def test_ordinary_postings_are_not_held(language, text):
    assert scam.signals_in(text) == []


def test_rules_cover_the_shipped_languages_for_every_signal():
    data = json.loads(resources.files("empower_api.moderation")
                      .joinpath(scam.RULES_FILE).read_text("utf-8"))
    languages = set(data["languages"])
    assert {"en", "es", "fr", "pt", "ar"} <= languages and len(languages) >= 6
    for kind, signal in data["signals"].items():
        assert set(signal["phrases"]) == languages, kind
    assert set(data["negators"]) == languages


def test_matching_is_on_normalised_words():
    ruleset = scam.compile_rules({"negators": {"en": ["no"]}, "signals": {
        "fees": {"phrases": {"en": ["Dépôt de garantie", "fee*"]}}}})
    assert scam.signals_in("DEPOT DE GARANTIE", ruleset=ruleset) == ["fees"]
    assert scam.signals_in("dépôt de garantie", ruleset=ruleset) == ["fees"]
    assert scam.signals_in("Fees apply", ruleset=ruleset) == ["fees"]
    assert scam.signals_in("coffee bar", ruleset=ruleset) == []  # whole words only
    assert scam.signals_in("no fees", ruleset=ruleset) == []
    # A negation reaches only within its clause.
    assert scam.signals_in("No experience, fees apply", ruleset=ruleset) == ["fees"]


def test_a_posting_with_signals_is_held_on_create(session, client, auth_client):
    employer = make_employer(session)
    staff = make_staff(session)
    session.commit()
    member = auth_client(owner_of(session, employer))
    response = member.post(f"{API}/jobs", json=job_payload(
        employer.id, title="Warehouse picker",
        description="Great pay. A deposit is required, and bring your passport."))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "held" and body["published_at"] is None
    assert client.get(f"{API}/jobs?q=warehouse").get_json()["items"] == []
    assert_problem(client.get(f"{API}/jobs/{body['id']}"), 404)
    assert_problem(member.patch(f"{API}/jobs/{body['id']}", json={"title": "Other"}), 409)
    [item] = auth_client(staff).get(f"{API}/staff/moderation").get_json()["items"]
    assert item["job"]["id"] == body["id"] and item["trigger"] == "scam_signals"
    assert item["signals"] == ["documents", "fees"] and item["reports"] == []
    # Released: published now, and not held again for the same signals on edit.
    released = auth_client(staff).post(f"{API}/staff/jobs/{body['id']}/moderation",
                                       json={"decision": "restore", "note": "Checked."})
    assert released.get_json()["job"]["status"] == "published"
    assert released.get_json()["job"]["published_at"] is not None
    assert [i["id"] for i in client.get(f"{API}/jobs?q=warehouse").get_json()["items"]] == [
        body["id"]]
    edited = member.patch(f"{API}/jobs/{body['id']}", json={"title": "Warehouse packer"})
    assert edited.get_json()["status"] == "published"
    # A new kind of signal holds it again.
    again = member.patch(f"{API}/jobs/{body['id']}", json={
        "description": "A deposit is required; bring your passport; visa provided."})
    assert again.get_json()["status"] == "held"


def test_a_published_posting_edited_to_ask_for_fees_is_held(session, client, auth_client):
    employer = make_employer(session)
    session.commit()
    member = auth_client(owner_of(session, employer))
    job = member.post(f"{API}/jobs", json=job_payload(employer.id, title="Gardener")).get_json()
    assert job["status"] == "published"
    edited = member.patch(f"{API}/jobs/{job['id']}", json={
        "description": "Please pay a training fee of 20 USD."})
    assert edited.status_code == 200 and edited.get_json()["status"] == "held"
    assert edited.get_json()["published_at"] == job["published_at"]  # it was public before
    assert client.get(f"{API}/jobs?q=gardener").get_json()["items"] == []


def test_drafts_are_not_held_until_published(session, auth_client):
    employer = make_employer(session)
    session.commit()
    member = auth_client(owner_of(session, employer))
    draft = member.post(f"{API}/jobs", json=job_payload(
        employer.id, status="draft", description="Placement fee: 200 USD.")).get_json()
    assert draft["status"] == "draft"
    published = member.patch(f"{API}/jobs/{draft['id']}", json={"status": "published"})
    assert published.get_json()["status"] == "held"
    case = session.scalar(select(ModerationCase).where(
        ModerationCase.job_id == uuid.UUID(published.get_json()["id"])))
    assert case.signals == ["fees"]


def test_staff_can_remove_a_held_posting(session, auth_client):
    employer = make_employer(session)
    staff = make_staff(session)
    session.commit()
    member = auth_client(owner_of(session, employer))
    job = member.post(f"{API}/jobs", json=job_payload(
        employer.id, description="Jobs abroad, visa and plane tickets included.")).get_json()
    removed = auth_client(staff).post(f"{API}/staff/jobs/{job['id']}/moderation",
                                      json={"decision": "remove"})
    assert removed.get_json()["job"]["status"] == "removed"
    session.expire_all()
    assert session.get(Job, uuid.UUID(job["id"])).status == JobStatus.REMOVED
    # Nobody can report a posting that was never public.
    assert_problem(auth_client(make_survivor(session)).post(
        f"{API}/jobs/{job['id']}/reports", json={"reason": "unsafe"}), 404)
