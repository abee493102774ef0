"""Demo data, written through the real admin and learner routes (so the seed exercises the API too).

Two courses (with topic tags), a few dozen credits for the learner `demo` over the last two years, a
premium membership, a profile and the requirement sets she follows. Source ids are fixed, so seeding again changes nothing.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.localstack import auth
from infra.localstack.gateway import Gateway

DEMO_USER = "demo"
DEMO_NAME = "Dana Whitfield"
SEED_ADMIN = "local-admin"

COURSES: dict[str, dict[str, Any]] = {
    "em-core": {
        "title": "Emergency Medicine Core Review 2026",
        "provider": "CME Ledger Academy",
        "credit_types": ["AMA_PRA_1", "ACEP"],
        "topics": ["patient_safety"],
    },
    "peds-update": {
        "title": "Pediatrics Update",
        "provider": "CME Ledger Academy",
        "credit_types": ["AMA_PRA_1", "ABP_MOC_2"],
        "pars_activity_id": "PARS-123456",
        "topics": ["self_assessment"],
        "live": True,
    },
}

TOPICS: dict[str, list[str]] = {
    "em-core": [
        "Airway management in the crashing patient",
        "Sepsis: early recognition and resuscitation",
        "Chest pain risk stratification",
        "Stroke alerts and thrombolysis",
        "Trauma primary survey update",
        "Toxicology: common overdoses",
        "Pulmonary embolism: rule-out strategies",
        "Point-of-care ultrasound basics",
        "Pain and sedation in the ED",
        "Diabetic ketoacidosis management",
        "Atrial fibrillation with rapid ventricular response",
        "Syncope evaluation",
    ],
    "peds-update": [
        "Bronchiolitis guideline update",
        "Febrile infant 8 to 60 days",
        "Pediatric asthma exacerbations",
        "Child abuse recognition",
        "Vaccine schedule changes",
        "Adolescent mental health screening",
    ],
}

CREDITS_PER_COURSE = {"em-core": 24, "peds-update": 12}
AMOUNTS = ["0.25", "0.5", "0.75", "1.0", "1.25", "1.5", "1.75", "2.0"]


class SeedError(RuntimeError):
    """A seeding call was refused."""


@dataclass(frozen=True)
class SeedSummary:
    courses: int
    credits: int
    created: int


def demo_credits(now: datetime) -> list[dict[str, Any]]:
    """The demo learner's credits: same source ids and amounts every time, dated relative to today."""
    rng = random.Random(2026)  # deterministic, not for security
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = []
    for course_id, count in CREDITS_PER_COURSE.items():
        topics = TOPICS[course_id]
        for i in range(count):
            days_ago = 3 + (i * 727) // count + rng.randint(0, 9)
            time_of_day = timedelta(hours=rng.randint(8, 17), minutes=rng.choice([0, 30]))
            earned = today - timedelta(days=min(days_ago, 729)) + time_of_day
            items.append(
                {
                    "user_id": DEMO_USER,
                    "course_id": course_id,
                    "topic": topics[i % len(topics)],
                    "amount": float(rng.choice(AMOUNTS)),
                    "earned_at": earned.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "source_id": f"seed-{course_id}-{i + 1:03d}",
                }
            )
    return items


def _call(gateway: Gateway, method: str, path: str, token: str, body: Any, expect: int) -> Any:
    response = gateway.handle(
        method,
        path,
        {"authorization": f"Bearer {token}", "content-type": "application/json", "host": "seed.local"},
        json.dumps(body).encode(),
    )
    if response.status != expect:
        raise SeedError(
            f"{method} {path} answered {response.status}: {response.body.decode(errors='replace')[:500]}"
        )
    return response.json()


def local_email(user_id: str) -> str:
    """The address the local sign-in puts in a learner's token (reminders go there: `cme outbox`)."""
    return f"{user_id}@learners.cme.local"


def seed(gateway: Gateway, now: datetime | None = None) -> SeedSummary:
    now = now or datetime.now(UTC)
    admin = auth.mint_token(SEED_ADMIN, admin=True, name="Local seed", expires_in=600)
    learner = auth.mint_token(DEMO_USER, name=DEMO_NAME, expires_in=600, email=local_email(DEMO_USER))
    for course_id, course in COURSES.items():
        _call(gateway, "PUT", f"/admin/courses/{course_id}", admin, course, 200)
    items = demo_credits(now)
    created = 0
    for start in range(0, len(items), 100):
        answer = _call(gateway, "POST", "/admin/credits", admin, {"items": items[start : start + 100]}, 201)
        created += sum(1 for item in answer["items"] if item.get("created"))
    until = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _call(gateway, "PUT", f"/admin/members/{DEMO_USER}/membership", admin, {"premium_until": until}, 200)
    profile = {"display_name": DEMO_NAME, "degree": "MD", "first_name": "Dana", "last_name": "Whitfield"}
    _call(gateway, "PUT", "/me", learner, profile, 200)
    # The renewal requirements she follows, cycles started on 1 January two years ago.
    first_day = f"{now.year - 2}-01-01"
    chosen = {"items": [{"code": code, "cycle_start": first_day} for code in ("ACEP_MEMBER", "ABP_MOC")]}
    _call(gateway, "PUT", "/me/requirements", learner, chosen, 200)
    return SeedSummary(courses=len(COURSES), credits=len(items), created=created)
