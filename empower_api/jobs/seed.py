"""Reference data for benchmarks: many vetted employers and published postings.

Deterministic for a given seed (same ids, same text), so runs compare like with
like. Rows go in with bulk INSERTs; the search triggers index them on the way.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from empower_api.db import utcnow
from empower_api.jobs.models import (
    BOOLEAN_COMMITMENTS,
    Employer,
    Job,
    JobStatus,
    VettingStatus,
    search_rowid_for,
)
from empower_api.jobs.search import facet_tokens, place_key, search_text

ROLES = [
    "Line cook", "Prep cook", "Dishwasher", "Barista", "Cashier", "Retail associate",
    "Stock associate", "Warehouse associate", "Forklift operator", "Delivery driver",
    "Housekeeper", "Janitor", "Home health aide", "Caregiver", "Childcare assistant",
    "Receptionist", "Office assistant", "Data entry clerk", "Customer service representative",
    "Call center agent", "Salon assistant", "Nail technician", "Seamstress", "Baker",
    "Pastry assistant", "Server", "Restaurant host", "Kitchen porter", "Landscaper",
    "Painter's helper", "Carpenter's helper", "Electrician apprentice", "Plumbing apprentice",
    "Security officer", "Parking attendant", "Pharmacy technician", "Medical assistant",
    "Dental assistant", "Lab assistant", "Bookkeeper", "Accounts clerk", "Teaching assistant",
    "Tutor", "Peer support specialist", "Community outreach worker", "Interpreter",
    "Web developer trainee", "IT support technician", "Graphic design assistant",
    "Social media assistant", "Event staff", "Front desk agent", "Laundry attendant",
    "Packer", "Assembler", "Machine operator", "Quality inspector", "Sales associate",
]
MODIFIERS = ["", "", "", "Junior ", "Senior ", "Weekend ", "Night shift ", "Entry-level ",
             "Bilingual ", "Part-time "]
SKILLS = [
    "cooking", "food safety", "baking", "customer service", "cash handling", "inventory",
    "forklift", "driving", "cleaning", "caregiving", "first aid", "childcare", "scheduling",
    "typing", "data entry", "spreadsheets", "bookkeeping", "sewing", "hair care", "nail care",
    "landscaping", "painting", "carpentry", "electrical", "plumbing", "security", "pharmacy",
    "phlebotomy", "teaching", "tutoring", "peer support", "outreach", "translation",
    "spanish", "french", "arabic", "web development", "it support", "graphic design",
    "social media", "event setup", "hospitality", "laundry", "packing", "assembly",
    "machine operation", "quality control", "sales", "retail", "coffee", "teamwork",
]
SENTENCES = [
    "You will join a small, patient team that trains every new colleague.",
    "No experience is needed; we teach you on the job and pair you with a mentor.",
    "Shifts are set two weeks ahead and can be swapped with a colleague.",
    "We offer paid sick days, a transit pass and a free meal every shift.",
    "Our managers have completed trauma-informed training.",
    "We hire people with records and judge you by your work here.",
    "You can bring a support person to the interview if you wish.",
    "The work involves standing for long periods and lifting up to 20 kg.",
    "There is a quiet room on site and breaks are always paid.",
    "We pay every two weeks by direct deposit or pay card.",
    "Language support is available in Spanish, French and Arabic.",
    "You will help customers, keep the space tidy and restock shelves.",
    "You will prepare orders, check quality and keep records up to date.",
    "Training covers safety, equipment and how we work together.",
    "We are close to public transport and have bicycle parking.",
    "Hours are flexible around school runs and appointments.",
    "A clear path to a permanent contract after three months.",
    "You will use a tablet to track tasks; we show you how.",
    "Uniform and safety shoes are provided.",
    "We celebrate progress and review pay every six months.",
]
REGIONS = {
    "Illinois": ["Chicago", "Evanston", "Springfield"],
    "California": ["Los Angeles", "Oakland", "Fresno"],
    "Texas": ["Houston", "Austin", "El Paso"],
    "New York": ["New York", "Buffalo", "Albany"],
    "Florida": ["Miami", "Orlando", "Tampa"],
    "Georgia": ["Atlanta", "Savannah", "Augusta"],
    "Washington": ["Seattle", "Spokane", "Tacoma"],
    "Minnesota": ["Minneapolis", "Saint Paul", "Duluth"],
    "Ohio": ["Columbus", "Cleveland", "Toledo"],
    "Arizona": ["Phoenix", "Tucson", "Mesa"],
    "Michigan": ["Detroit", "Lansing", "Flint"],
    "Pennsylvania": ["Philadelphia", "Pittsburgh", "Erie"],
    "Colorado": ["Denver", "Boulder", "Pueblo"],
    "Oregon": ["Portland", "Salem", "Eugene"],
    "Nevada": ["Las Vegas", "Reno", "Henderson"],
    "Ontario": ["Toronto", "Ottawa", "Hamilton"],
    "Québec": ["Montréal", "Québec", "Laval"],
    "Île-de-France": ["Paris", "Créteil", "Versailles"],
    "Catalonia": ["Barcelona", "Girona", "Tarragona"],
    "England": ["London", "Leeds", "Bristol"],
}
CURRENCY_OF = {"Ontario": "CAD", "Québec": "CAD", "Île-de-France": "EUR",
               "Catalonia": "EUR", "England": "GBP"}
COUNTRY_OF = {"Ontario": "CA", "Québec": "CA", "Île-de-France": "FR", "Catalonia": "ES",
              "England": "GB"}
LANGUAGES = ["en", "es", "fr", "ar", "pt-BR", "zh-Hans", "vi", "ru", "uk", "tl"]
NAME_FIRST = ["Harbor", "Lakeside", "Northside", "Sunrise", "Maple", "Riverbend", "Cedar",
              "Bright", "Open Door", "Common Ground", "Greenway", "Hillcrest", "Unity",
              "Bluebird", "Keystone", "Meadow", "Summit", "Oakwood", "Beacon", "Willow"]
NAME_SECOND = ["Bakery", "Kitchen", "Logistics", "Care", "Clinic", "Cleaning", "Market",
               "Studio", "Builders", "Hotel", "Cafe", "Supply", "Learning", "Tech", "Press",
               "Garden", "Laundry", "Transit", "Foods", "Services"]
NAME_SUFFIX = ["Co-op", "Collective", "Group", "Partners", "Works", "LLC"]
PAY_BY_PERIOD = {"hour": (1500, 3200), "week": (60000, 120000), "month": (250000, 520000),
                 "year": (3000000, 6500000)}


@dataclass
class SeedResult:
    employers: int
    jobs: int
    skipped: bool = False


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _employers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for i in range(count):
        first, second = NAME_FIRST[i % 20], NAME_SECOND[(i // 20) % 20]
        suffix = NAME_SUFFIX[(i // 400) % len(NAME_SUFFIX)]
        commitments: dict[str, Any] = {key: rng.random() < 0.8 for key in BOOLEAN_COMMITMENTS}
        commitments["language_support"] = rng.sample(LANGUAGES[:4], rng.randint(1, 3))
        region = rng.choice(list(REGIONS))
        rows.append({
            "id": _uuid(rng), "name": f"{first} {second} {suffix}",
            "description": " ".join(rng.sample(SENTENCES, 3)),
            "country": COUNTRY_OF.get(region, "US"), "region": region,
            "city": rng.choice(REGIONS[region]), "website": None, "commitments": commitments,
            "vetting_status": VettingStatus.VETTED,
            "vetted_until": now + timedelta(days=rng.randint(30, 360)),
            "vetting_decided_at": now - timedelta(days=rng.randint(1, 300)),
            "created_at": now - timedelta(days=400), "updated_at": now,
        })
    return rows


def _jobs(rng: random.Random, employers: list[dict[str, Any]],
          count: int) -> Iterator[dict[str, Any]]:
    now = utcnow()
    for _ in range(count):
        employer = rng.choice(employers)
        role = rng.choice(ROLES)
        title = f"{rng.choice(MODIFIERS)}{role}"
        skills = rng.sample(SKILLS, rng.randint(2, 5))
        description = " ".join(
            [f"{employer['name']} is hiring a {role.lower()}.", *rng.sample(SENTENCES, 6)])
        region = employer["region"] if rng.random() < 0.7 else rng.choice(list(REGIONS))
        city = rng.choice(REGIONS[region])
        period = rng.choices(list(PAY_BY_PERIOD), weights=[6, 1, 2, 2])[0]
        low, high = PAY_BY_PERIOD[period]
        pay_min = rng.randrange(low, high, 50 if period == "hour" else 1000)
        pay_max = pay_min + rng.randrange(0, (high - low) // 3 + 1, 50)
        published = now - timedelta(minutes=rng.randint(10, 50 * 24 * 60))
        job_id = _uuid(rng)
        languages = ["en", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))]
        employment_type = rng.choices(
            ["full_time", "part_time", "contract", "temporary", "internship"],
            weights=[5, 4, 1, 1, 1])[0]
        workplace = rng.choices(["onsite", "hybrid", "remote"], weights=[7, 2, 1])[0]
        flexible = rng.random() < 0.5
        background_check = rng.choices(["none", "fair_chance", "required"], weights=[5, 4, 1])[0]
        facets = facet_tokens(
            employer_id=employer["id"], region_key=place_key(region), city_key=place_key(city),
            workplace=workplace, employment_type=employment_type,
            background_check=background_check, flexible_schedule=flexible,
            skills=skills, languages=languages)
        yield {
            "id": job_id, "employer_id": employer["id"], "created_by_id": None,
            "title": title, "description": description,
            "employment_type": employment_type,
            "pay_min_amount": pay_min, "pay_max_amount": pay_max,
            "currency": CURRENCY_OF.get(region, "USD"), "pay_period": period,
            "country": COUNTRY_OF.get(region, "US"), "region": region, "city": city,
            "region_key": place_key(region), "city_key": place_key(city),
            "workplace": workplace,
            "languages": languages, "skills": skills,
            "flexible_schedule": flexible, "background_check": background_check,
            "status": JobStatus.PUBLISHED, "published_at": published,
            "valid_through": published + timedelta(days=60), "closed_at": None,
            "search_title": search_text(title, " ".join(skills), employer["name"]),
            "search_body": search_text(description), "search_facets": facets,
            "search_rowid": search_rowid_for(job_id),
            "created_at": published, "updated_at": published,
        }


def seed_reference_jobs(session: Session, *, jobs: int = 100_000, employers: int = 2_000,
                        seed: int = 42, batch: int = 5_000) -> SeedResult:
    """Insert ``employers`` vetted employers and ``jobs`` published postings.

    Commits every ``batch`` rows (this is a command-line tool, not a request).
    Running it again with the same seed finds the data there and does nothing.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    employer_rows = _employers(rng, employers)
    if session.scalar(select(Employer.id).where(Employer.id == employer_rows[0]["id"])):
        return SeedResult(employers=0, jobs=0, skipped=True)
    session.execute(insert(Employer), employer_rows)
    session.commit()
    pending: list[dict[str, Any]] = []
    for row in _jobs(rng, employer_rows, jobs):
        pending.append(row)
        if len(pending) >= batch:
            session.execute(insert(Job), pending)
            session.commit()
            pending.clear()
    if pending:
        session.execute(insert(Job), pending)
        session.commit()
    return SeedResult(employers=employers, jobs=jobs)
