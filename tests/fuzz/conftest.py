"""The world the fuzzers run in: a learner deep enough that every route reaches its domain code.

`fuzz_world` sets up, through the admin API of the session's local stack, a learner with a full
profile (ABP ID, birth month/day, names), premium membership, credit of every type (of courses with
topic tags, one of them live), two committed claims with their certificates rendered, every
requirement set chosen, and external credit of their own; and a second learner with a claim and
external credit of their own (whose ids the fuzzers also try, to be refused). Examples come from schemathesis (tests/fuzz/test_openapi_fuzz.py)
and hypothesis (tests/fuzz/test_raw_requests.py); how many per operation is `CME_FUZZ_EXAMPLES`.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from cme_ledger.domain.credit_types import CREDIT_TYPES
from infra.localstack import auth
from tests.stack import Api, LocalStackProcess, expect

# make test: a bounded run (about two minutes on two cores); make fuzz: CME_FUZZ_EXAMPLES=300.
DEFAULT_EXAMPLES = 25
DEFAULT_SEED = 20261127
ALL_TYPES = list(CREDIT_TYPES)  # a course offering every type reaches every type's code


def fuzz_seed() -> int | None:
    """make test fuzzes the same examples every run (CI must not fail on a new draw); make fuzz draws
    new ones each run (CME_FUZZ_EXAMPLES set), unless CME_FUZZ_SEED pins them to replay a failure."""
    raw = os.environ.get("CME_FUZZ_SEED", "").strip()
    if raw:
        return int(raw)
    return None if os.environ.get("CME_FUZZ_EXAMPLES", "").strip() else DEFAULT_SEED


def fuzz_examples() -> int:
    """Examples per operation for the fuzzing phase (CME_FUZZ_EXAMPLES, else the make test default)."""
    raw = os.environ.get("CME_FUZZ_EXAMPLES", "").strip()
    return max(1, int(raw)) if raw else DEFAULT_EXAMPLES


@dataclass
class FuzzWorld:
    """Ids the fuzzers mix into generated requests so that they reach deep paths."""

    learner: str
    admin: str
    other: str
    learner_token: str
    admin_token: str
    credit_ids: list[str]
    other_credit_ids: list[str]
    claim_ids: list[str] = field(default_factory=list)  # grows as fuzzed POST /claims commit
    other_claim_ids: list[str] = field(default_factory=list)
    certificate_codes: list[str] = field(default_factory=list)
    status_list_ids: list[str] = field(default_factory=list)  # the lists the learner's credentials name
    course_ids: list[str] = field(default_factory=list)
    external_credit_ids: list[str] = field(default_factory=list)
    other_external_credit_ids: list[str] = field(default_factory=list)

    def token_for(self, path: str) -> str:
        return self.admin_token if path.startswith("/admin/") else self.learner_token


def _credits(api: Api, admin: str, user: str, courses: list[str], count: int) -> list[str]:
    items = [
        {
            "user_id": user,
            "course_id": courses[i % len(courses)],
            "topic": f"Fuzz topic {i}",
            "amount": [0.25, 0.5, 1, 1.5, 2, 0.75][i % 6],
            "earned_at": f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}T09:00:00Z",
            "source_id": f"fuzz-{user}-{i}",
        }
        for i in range(count)
    ]
    answer = expect(api.post("/admin/credits", user=admin, admin=True, json={"items": items}), 201)
    return [item["credit_id"] for item in answer["items"]]


def _claim(api: Api, user: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Idempotency-Key": f"fuzz-setup-{uuid.uuid4().hex}"}
    return dict(expect(api.post("/claims", user=user, json=body, headers=headers), 201))


def _wait_until_ready(api: Api, user: str, claim_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        claim = dict(expect(api.get(f"/claims/{claim_id}", user=user), 200))
        if claim["status"] == "ready" or time.monotonic() > deadline:
            return claim
        time.sleep(0.25)


@pytest.fixture(scope="session")
def fuzz_world(local_stack: LocalStackProcess) -> FuzzWorld:
    api = Api(local_stack.url)
    suffix = uuid.uuid4().hex[:8]
    learner, other, admin = f"fuzz-learner-{suffix}", f"fuzz-other-{suffix}", f"fuzz-admin-{suffix}"
    courses = [f"fuzz-all-{suffix}", f"fuzz-short-{suffix}"]
    tags = (["pain_management", "self_assessment"], ["patient_safety"])
    for (course_id, types, window), topics in zip(
        ((courses[0], ALL_TYPES, 10), (courses[1], ALL_TYPES[:3], 3)), tags, strict=True
    ):
        body: dict[str, Any] = {
            "title": f"Fuzz {course_id}",
            "provider": "Fuzz Provider",
            "credit_types": types,
            "claim_window_years": window,
            "topics": topics,
            "live": window == 3,
        }
        if "ABP_MOC_2" in types:
            body["pars_activity_id"] = "PARS-FUZZ"
        expect(api.put(f"/admin/courses/{course_id}", user=admin, admin=True, json=body), 200)
    for user, first in ((learner, "Fuzz"), (other, "Other")):
        profile = {
            "display_name": f"Dr. {first} Learner",
            "degree": "MD",
            "first_name": first,
            "last_name": "Learner",
            "board_ids": {"ABP": "1234567"},
            "birth_month_day": "03-14",
        }
        expect(api.put("/me", user=user, json=profile), 200)
        membership = {"premium_until": "2099-01-01T00:00:00Z"}
        expect(api.put(f"/admin/members/{user}/membership", user=admin, admin=True, json=membership), 200)
    mine = _credits(api, admin, learner, courses, 60)
    theirs = _credits(api, admin, other, courses, 6)
    world = FuzzWorld(
        learner=learner,
        admin=admin,
        other=other,
        learner_token=auth.mint_token(learner, name="Fuzz Learner", expires_in=6 * 3600),
        admin_token=auth.mint_token(admin, admin=True, expires_in=6 * 3600),
        credit_ids=mine,
        other_credit_ids=theirs,
        course_ids=courses,
    )
    made = [
        _claim(
            api, learner, {"selections": [{"credit_id": mine[0]}, {"credit_id": mine[1], "amount": 0.25}]}
        ),
        _claim(api, learner, {"credit_type": "ABP_MOC_2", "selections": [{"credit_id": mine[2]}]}),
        _claim(api, other, {"selections": [{"credit_id": theirs[0]}]}),
    ]
    for claim in made[:2]:
        ready = _wait_until_ready(api, learner, claim["claim_id"])
        world.claim_ids.append(claim["claim_id"])
        world.certificate_codes.extend(c["certificate_code"] for c in ready["certificates"])
        credentials = expect(api.get(f"/claims/{claim['claim_id']}/credentials", user=learner), 200)["items"]
        for item in credentials:
            payload = json.loads(base64.urlsafe_b64decode(item["credential"].split(".")[1] + "=="))
            list_id = payload["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
            if list_id not in world.status_list_ids:
                world.status_list_ids.append(list_id)
    world.other_claim_ids.append(made[2]["claim_id"])
    sets = expect(api.get("/requirement-sets", user=learner), 200)["items"]
    chosen = {"items": [{"code": s["code"], "cycle_start": "2025-01-01"} for s in sets]}
    expect(api.put("/me/requirements", user=learner, json=chosen), 200)
    for user, ids in ((learner, world.external_credit_ids), (other, world.other_external_credit_ids)):
        for i, credit_type in enumerate(("AMA_PRA_2", "ABP_MOC_4", "ACEP")):
            body = {
                "title": f"Fuzz conference {i}",
                "provider": "Elsewhere",
                "credit_type": credit_type,
                "amount": 2.5,
                "completed_on": f"2025-0{i + 1}-15",
                "topics": ["ethics"],
            }
            ids.append(
                expect(api.post("/me/external-credits", user=user, json=body), 201)["external_credit_id"]
            )
    return world
