"""Courses carry topic tags and live (PUT /admin/courses, GET /courses); a claim keeps them on its
lines as they were when it was made (issue 17: topic rules see them; later edits change no past claim)."""

from __future__ import annotations

from typing import Any

from cme_ledger.store import claims as claim_store
from tests.support import admin, call, make_premium

COURSE: dict[str, Any] = {
    "title": "Opioid Safety",
    "provider": "CME Ledger Academy",
    "credit_types": ["AMA_PRA_1", "STATE"],
}


def test_a_course_carries_known_topic_tags_and_live(aws: Any) -> None:
    body = {**COURSE, "topics": ["opioid_prescribing", "pain_management", "opioid_prescribing"], "live": True}
    reply = admin("PUT", "/admin/courses/opioids", body=body)
    assert reply.status == 200, reply
    assert reply.body["topics"] == ["opioid_prescribing", "pain_management"]  # a repeated tag once
    assert reply.body["live"] is True

    assert admin("PUT", "/admin/courses/plain", body=COURSE).status == 200
    courses = {c["course_id"]: c for c in call("GET", "/courses").body["items"]}
    assert (courses["opioids"]["topics"], courses["opioids"]["live"]) == (
        ["opioid_prescribing", "pain_management"],
        True,
    )
    assert (courses["plain"]["topics"], courses["plain"]["live"]) == ([], False)


def test_an_unknown_tag_or_a_live_that_is_not_a_boolean_is_a_422_naming_the_field(aws: Any) -> None:
    reply = admin("PUT", "/admin/courses/c1", body={**COURSE, "topics": ["ethics", "astrology"]})
    assert reply.status == 422
    assert reply.body["error"]["details"] == [
        {"field": "topics[1]", "reason": "unknown topic tag (see GET /topic-tags)"}
    ]
    reply = admin("PUT", "/admin/courses/c1", body={**COURSE, "live": "yes"})
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "live"
    reply = admin("PUT", "/admin/courses/c1", body={**COURSE, "topics": "ethics"})
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "topics"


def test_claim_lines_keep_the_topics_and_live_of_the_course_as_of_the_claim(aws: Any) -> None:
    tagged = {**COURSE, "topics": ["pain_management"], "live": True}
    assert admin("PUT", "/admin/courses/opioids", body=tagged).status == 200
    make_premium("learner-1")
    items = [
        {
            "user_id": "learner-1",
            "course_id": "opioids",
            "topic": f"Part {i}",
            "amount": 1,
            "earned_at": "2026-01-10T10:00:00Z",
            "source_id": f"s{i}",
        }
        for i in range(2)
    ]
    recorded = admin("POST", "/admin/credits", body={"items": items}).body["items"]
    first = call("POST", "/claims", body={"selections": [{"credit_id": recorded[0]["credit_id"]}]})
    assert first.status == 201, first
    # The course changes afterwards: the first claim keeps what it was claimed under.
    assert admin("PUT", "/admin/courses/opioids", body={**COURSE, "topics": ["ethics"]}).status == 200
    second = call("POST", "/claims", body={"selections": [{"credit_id": recorded[1]["credit_id"]}]})
    assert second.status == 201, second

    def lines(claim_id: str) -> list[tuple[tuple[str, ...], bool]]:
        record = claim_store.get_claim("learner-1", claim_id)
        assert record is not None
        return [(ln.topics, ln.live) for ln in claim_store.load(record).lines]

    assert lines(first.body["claim_id"]) == [(("pain_management",), True)]
    assert lines(second.body["claim_id"]) == [(("ethics",), False)]
