"""Learner profiles and premium membership. Pure: the time is handed in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cme_ledger.domain.model import Profile
from cme_ledger.domain.times import parse_iso

PROFILE_FIELDS = (
    "display_name",
    "degree",
    "first_name",
    "last_name",
    "birth_month_day",
    "time_zone",
    "reminders",
)
DEFAULT_TIME_ZONE = "UTC"
BOARDS = ("ABP", "ABIM")
ABP = "ABP_MOC_2"


def is_premium(profile: Profile | None, at: datetime) -> bool:
    """Premium while premium_until is in the future."""
    if profile is None or not profile.premium_until:
        return False
    return parse_iso(profile.premium_until) > at


def display_name_of(profile: Profile | None, token_name: str = "") -> str:
    """The name printed for the learner: theirs once they set one, the token's `name` until then."""
    return (profile.display_name if profile is not None else None) or token_name


def board_report_gaps(profile: Profile) -> list[dict[str, str]]:
    """What an ABP MOC Part 2 claim needs on the profile and it lacks (API.md's details)."""
    missing = []
    if not profile.board_ids.get("ABP"):
        missing.append({"field": "board_ids.ABP", "reason": "missing"})
    if not profile.birth_month_day:
        missing.append({"field": "birth_month_day", "reason": "missing"})
    if not profile.first_name:
        missing.append({"field": "first_name", "reason": "missing"})
    if not profile.last_name:
        missing.append({"field": "last_name", "reason": "missing"})
    return missing


def membership_view(profile: Profile | None, at: datetime) -> dict[str, Any]:
    return {"premium": is_premium(profile, at), "premium_until": profile.premium_until if profile else None}


def profile_view(user_id: str, profile: Profile | None, at: datetime, token_name: str = "") -> dict[str, Any]:
    """GET /me: a learner with no profile yet gets API.md's defaults."""
    shown = profile or Profile(user_id)
    return {
        "user_id": user_id,
        "display_name": display_name_of(profile, token_name),
        "degree": shown.degree or "",
        "first_name": shown.first_name or "",
        "last_name": shown.last_name or "",
        "membership": membership_view(profile, at),
        "board_ids": dict(shown.board_ids),
        "birth_month_day": shown.birth_month_day,
        "time_zone": time_zone_of(profile),
        "reminders": shown.reminders,
    }


def time_zone_of(profile: Profile | None) -> str:
    """The learner's zone: every date a person reads is a day there (UTC until they set one)."""
    return (profile.time_zone if profile is not None else None) or DEFAULT_TIME_ZONE
