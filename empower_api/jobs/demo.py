"""Demo data for jobs: three vetted employers with about twenty postings, one pending.

Made through the service functions (so vetting is audited as in real use) by the
demo employer account; running it again finds the data and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from empower_api.jobs import service
from empower_api.jobs.models import Employer, EmployerMember

BASE_COMMITMENTS = {
    "flexible_scheduling": True, "fair_chance_hiring": True, "pay_transparency": True,
    "safe_workplace_policy": True, "trauma_informed_training": True,
    "language_support": ["en", "es"], "accommodations": True,
}

EMPLOYERS: list[dict[str, Any]] = [
    {"name": "Demo Bakery Co-op", "country": "US", "region": "Illinois", "city": "Chicago",
     "website": "https://bakery.demo.empower.test",
     "description": "A worker-owned bakery. New bakers train alongside a mentor.",
     "commitments": BASE_COMMITMENTS, "vet": True},
    {"name": "Lakeside Community Kitchen", "country": "US", "region": "Illinois",
     "city": "Evanston", "website": None,
     "description": "A social-enterprise kitchen cooking for shelters and schools.",
     "commitments": {**BASE_COMMITMENTS, "language_support": ["en", "es", "ar"]}, "vet": True},
    {"name": "Open Door Logistics", "country": "US", "region": "Illinois", "city": "Joliet",
     "website": "https://opendoor.demo.empower.test",
     "description": "Warehousing and last-mile delivery with predictable shifts.",
     "commitments": {**BASE_COMMITMENTS, "trauma_informed_training": False}, "vet": True},
    {"name": "Riverside Cleaning Services", "country": "US", "region": "Illinois", "city": "Aurora",
     "website": None, "description": "Commercial cleaning; awaiting vetting.",
     "commitments": {**BASE_COMMITMENTS, "fair_chance_hiring": False}, "vet": False},
]

# (employer index, title, type, min, max, period, workplace, skills, description)
POSTINGS: list[tuple[int, str, str, int, int, str, str, list[str], str]] = [
    (0, "Baker's assistant", "part_time", 1800, 2200, "hour", "onsite", ["baking"],
     "Early shifts shaping bread and pastries. We teach you everything."),
    (0, "Bakery counter staff", "part_time", 1700, 1900, "hour", "onsite",
     ["customer service", "cash handling"], "Serve customers and keep the counter stocked."),
    (0, "Pastry cook", "full_time", 2000, 2500, "hour", "onsite", ["baking", "food safety"],
     "Laminated doughs and tarts; a steady weekday schedule."),
    (0, "Delivery driver (bakery)", "part_time", 1900, 2300, "hour", "onsite", ["driving"],
     "Morning deliveries to cafes in a company van."),
    (0, "Bookkeeping assistant", "part_time", 2100, 2600, "hour", "hybrid",
     ["bookkeeping", "spreadsheets"], "Invoices and supplier payments, two days on site."),
    (0, "Social media assistant", "part_time", 1900, 2400, "hour", "remote", ["social media"],
     "Photograph the bakes and post them; fully remote, flexible hours."),
    (0, "Apprentice baker", "internship", 1600, 1800, "hour", "onsite", ["baking"],
     "A paid six-month apprenticeship with a certificate at the end."),
    (1, "Line cook", "full_time", 1900, 2400, "hour", "onsite", ["cooking", "food safety"],
     "Cook large batches for shelters and school lunches."),
    (1, "Prep cook", "part_time", 1700, 2000, "hour", "onsite", ["cooking"],
     "Chop, measure and prepare ingredients for the day's menu."),
    (1, "Dishwasher", "part_time", 1600, 1800, "hour", "onsite", ["cleaning"],
     "Keep the kitchen running; paid breaks and a free meal every shift."),
    (1, "Kitchen supervisor", "full_time", 5200000, 6000000, "year", "onsite",
     ["cooking", "scheduling"], "Lead a team of six; trauma-informed leadership training."),
    (1, "Catering event staff", "temporary", 1800, 2100, "hour", "onsite",
     ["hospitality", "event setup"], "Weekend events across the city; choose your dates."),
    (1, "Nutrition outreach worker", "contract", 2200, 2700, "hour", "hybrid",
     ["outreach", "spanish"], "Run cooking classes at community centres in Spanish."),
    (2, "Warehouse associate", "full_time", 1900, 2300, "hour", "onsite",
     ["inventory", "packing"], "Pick and pack orders on a fixed four-day week."),
    (2, "Forklift operator", "full_time", 2200, 2700, "hour", "onsite", ["forklift"],
     "We pay for your forklift certification."),
    (2, "Delivery driver", "full_time", 2100, 2500, "hour", "onsite", ["driving"],
     "Last-mile deliveries; routes end by 4 pm."),
    (2, "Dispatch coordinator", "full_time", 4600000, 5200000, "year", "hybrid",
     ["scheduling", "customer service"], "Plan routes and talk with drivers and customers."),
    (2, "Data entry clerk", "part_time", 1800, 2100, "hour", "remote",
     ["data entry", "typing"], "Enter delivery records from home, any hours you like."),
    (2, "Night shift packer", "part_time", 2000, 2300, "hour", "onsite", ["packing"],
     "Night shift with a shift premium; safe ride home provided."),
    (2, "IT support technician", "full_time", 5000000, 5800000, "year", "hybrid",
     ["it support"], "Keep scanners, tablets and laptops running."),
]


# Category of each demo posting: the employer's kind of work unless named here.
EMPLOYER_CATEGORY = ["food_service", "food_service", "logistics"]
CATEGORY_OF_TITLE = {
    "Delivery driver (bakery)": "logistics", "Bookkeeping assistant": "administration",
    "Social media assistant": "technology", "Catering event staff": "hospitality",
    "Nutrition outreach worker": "education", "Data entry clerk": "administration",
    "IT support technician": "technology",
}


def _existing(session: Session, user: Any, name: str) -> Employer | None:
    return session.scalar(
        select(Employer).join(EmployerMember, EmployerMember.employer_id == Employer.id)
        .where(EmployerMember.user_id == user.id, Employer.name == name))


def load(session: Session, context: dict[str, Any]) -> None:
    owner, staff, survivor = context["employer_user"], context["staff"], context["survivor"]
    if _existing(session, owner, EMPLOYERS[0]["name"]) is not None:
        return
    employers = []
    for spec in EMPLOYERS:
        data = {k: v for k, v in spec.items() if k != "vet"}
        employer = service.create_employer(session, actor=owner, data=data)
        if spec["vet"]:
            service.decide_vetting(session, actor=staff, employer_id=employer.id,
                                   decision="approve", note="Demo: site visit and policy review.")
        employers.append(employer)
    jobs = []
    for index, title, kind, low, high, period, workplace, skills, text in POSTINGS:
        employer = employers[index]
        jobs.append(service.create_job(session, actor=owner, data={
            "employer_id": employer.id, "title": title, "description": text,
            "employment_type": kind, "pay_min_amount": low, "pay_max_amount": high,
            "currency": "USD", "pay_period": period, "country": employer.country,
            "region": employer.region,
            "city": employer.city, "workplace": workplace, "languages": ["en", "es"],
            "skills": skills, "flexible_schedule": workplace != "onsite" or kind == "part_time",
            "background_check": "fair_chance", "status": "published",
            "category": CATEGORY_OF_TITLE.get(title, EMPLOYER_CATEGORY[index]),
        }))
    service.save_job(session, actor=survivor, job_id=jobs[0].id)
    service.create_saved_search(session, actor=survivor, data={
        "name": "Baking near me", "query": {"q": "baker", "region": "Illinois"}})
    session.flush()
    context["printed"].append(
        f"jobs: {len(employers)} employers ({sum(s['vet'] for s in EMPLOYERS)} vetted), "
        f"{len(jobs)} postings")
