"""Learner profiles and premium membership."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cme_ledger import clock
from cme_ledger.store import repo
from cme_ledger.store.models import Profile

PROFILE_FIELDS = ("display_name", "degree", "first_name", "last_name", "birth_month_day")
BOARDS = ("ABP", "ABIM")


def board_ids_of(profile: Profile) -> dict[str, str]:
    """The profile's board ids as a plain dict (pynamodb gives a MapAttribute once read back)."""
    raw = profile.board_ids
    return dict(raw.as_dict() if hasattr(raw, "as_dict") else raw or {})


def membership_view(profile: Profile | None) -> dict[str, Any]:
    premium_until = profile.premium_until if profile else None
    return {"premium": is_premium(profile), "premium_until": premium_until}


def is_premium(profile: Profile | None, at: datetime | None = None) -> bool:
    """Premium while premium_until is in the future."""
    if profile is None or not profile.premium_until:
        return False
    return clock.parse_iso(profile.premium_until) > (at or clock.now())


def display_name_of(profile: Profile | None, token_name: str = "") -> str:
    """The name printed for the learner: theirs once they set one, the token's `name` until then."""
    return (profile.display_name if profile is not None else None) or token_name


def profile_view(user_id: str, profile: Profile | None, token_name: str = "") -> dict[str, Any]:
    if profile is None:
        profile = repo.new_profile(user_id)
    return {
        "user_id": user_id,
        "display_name": display_name_of(profile, token_name),
        "degree": profile.degree or "",
        "first_name": profile.first_name or "",
        "last_name": profile.last_name or "",
        "membership": membership_view(profile),
        "board_ids": board_ids_of(profile),
        "birth_month_day": profile.birth_month_day,
    }


def get_me(user_id: str, token_name: str = "") -> dict[str, Any]:
    """The caller's profile; a learner with none yet gets the defaults of API.md (nothing is written)."""
    return profile_view(user_id, repo.get_profile(user_id), token_name)


def update_me(user_id: str, changes: dict[str, Any], token_name: str = "") -> dict[str, Any]:
    """Write only the fields given (None clears an optional one); board_ids merge per board, and
    `board_ids: null` clears them all. Membership, set by staff, is never written here."""
    fields = {name: changes[name] for name in PROFILE_FIELDS if name in changes}
    fields["updated_at"] = clock.iso(clock.now())
    boards = changes.get("board_ids")
    profile = repo.update_profile(
        user_id,
        fields,
        boards,
        clear_boards="board_ids" in changes and boards is None,
    )
    return profile_view(user_id, profile, token_name)


def set_membership(user_id: str, premium_until: datetime | None) -> dict[str, Any]:
    profile = repo.set_premium_until(user_id, clock.iso(premium_until) if premium_until else None)
    return membership_view(profile)
