"""A learner's records as the requirement evaluator sees them, and the sets they follow. Pure.

What counts (DESIGN.md 1.1, issue 17):

- a line of a committed claim counts under the claim's credit type on the day it was earned in
  the time zone the claim was made in (the zone its certificate prints dates in, so the cycle a
  board reads on the certificate is the one it counts in); a line of a revoked certificate (its
  code in the claim record's `revocations`) counts nothing and is explained as revoked; pending,
  refused and cancelled claims count nothing;
- external credit counts under its own type on its `completed_on`, marked self-reported, whether
  or not its certificate file arrived;
- unclaimed credit never counts: it is what the explanation suggests claiming, each credit as each
  type its course offers with something left, dated in the learner's zone of today (the zone a
  claim made now would keep).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from cme_ledger.domain.claim_views import SETTLED
from cme_ledger.domain.credits import claimable
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.domain.model import Course, Credit, ExternalCredit, StoredClaim
from cme_ledger.domain.requirements import ChosenSet, ClaimableCredit, CreditLine, local_date
from cme_ledger.domain.times import parse_iso

MAX_CHOSEN = 20  # API.md: 0..20 sets


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(zone_name: str, at: datetime) -> date:
    """The learner's today: `at` (a UTC time) as a day in their zone."""
    return local_date(at, _zone(zone_name))


# ----------------------------------------------------------------------------- chosen sets


def chosen_sets(items: Sequence[tuple[str, date]], known: Collection[str]) -> list[ChosenSet]:
    """The sets a learner follows, as PUT /me/requirements gives them: each a known set, at most once
    (422 naming `items[i].code` otherwise)."""
    problems = []
    first: dict[str, int] = {}
    for index, (code, _) in enumerate(items):
        if code not in known:
            problems.append({"field": f"items[{index}].code", "reason": "unknown requirement set"})
        elif code in first:
            problems.append(
                {"field": f"items[{index}].code", "reason": f"already chosen at items[{first[code]}]"}
            )
        else:
            first[code] = index
    if problems:
        raise InvalidInput("Some requirement sets cannot be chosen.", problems)
    return [ChosenSet(code, start) for code, start in items]


def choices_view(chosen: Iterable[ChosenSet]) -> dict[str, Any]:
    return {"items": [{"code": c.code, "cycle_start": c.cycle_start.isoformat()} for c in chosen]}


# ----------------------------------------------------------------------------- the evaluator's input


def claimed_lines(claims: Iterable[StoredClaim]) -> list[CreditLine]:
    """Every line of the learner's committed claims; those of a certificate the claim records as
    revoked are marked revoked."""
    lines = []
    for claim in claims:
        record = claim.record
        if record.status not in SETTLED:
            continue
        zone = _zone(record.time_zone)
        revoked = {
            course_id for course_id, snapshot in claim.courses.items() if snapshot.code in record.revocations
        }
        for line in claim.lines:
            lines.append(
                CreditLine(
                    source="claim",
                    line_id=f"{record.claim_id}:{line.credit_id}",
                    credit_id=line.credit_id,
                    credit_type=record.credit_type,
                    amount=line.amount,
                    earned_on=local_date(parse_iso(line.earned_at), zone),
                    topics=frozenset(line.topics),
                    live=line.live,
                    revoked=line.course_id in revoked,
                )
            )
    return lines


def external_lines(credits: Iterable[ExternalCredit]) -> list[CreditLine]:
    """External credit as lines: self-reported, on the day it was completed."""
    return [
        CreditLine(
            source="external",
            line_id=c.external_credit_id,
            credit_id=c.external_credit_id,
            credit_type=c.credit_type,
            amount=c.amount,
            earned_on=date.fromisoformat(c.completed_on),
            topics=frozenset(c.topics),
            live=c.live,
        )
        for c in credits
    ]


def claimable_credit(
    credits: Iterable[Credit], courses: Mapping[str, Course], at: datetime, zone_name: str
) -> list[ClaimableCredit]:
    """What the learner could still claim, per credit and type, with its course's tags as they are now."""
    zone = _zone(zone_name)
    found = []
    for credit in credits:
        course = courses.get(credit.course_id)
        left = claimable(credit, course, at)
        if not left or course is None:
            continue
        earned_on = local_date(parse_iso(credit.earned_at), zone)
        for credit_type, amount in left.items():
            found.append(
                ClaimableCredit(
                    credit.credit_id, credit_type, amount, earned_on, frozenset(course.topics), course.live
                )
            )
    return found
