"""Learner profiles and premium membership."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cme_ledger import clock
from cme_ledger.domain.profiles import PROFILE_FIELDS, membership_view, profile_view
from cme_ledger.store import profiles as store


def get_me(user_id: str, token_name: str = "", token_email: str = "") -> dict[str, Any]:
    """The caller's profile; a learner with none yet gets the defaults of API.md. The token's email
    is kept on the profile (for reminders) when it is new: the only write here."""
    profile = store.get_profile(user_id)
    if token_email and (profile is None or profile.email != token_email):
        profile = store.update_profile(user_id, {"email": token_email})
    return profile_view(user_id, profile, clock.now(), token_name)


def update_me(
    user_id: str, changes: dict[str, Any], token_name: str = "", token_email: str = ""
) -> dict[str, Any]:
    """Write only the fields given (None clears an optional one); board_ids merge per board, and
    `board_ids: null` clears them all. Membership, set by staff, is never written here."""
    fields: dict[str, Any] = {name: changes[name] for name in PROFILE_FIELDS if name in changes}
    fields["updated_at"] = clock.iso(clock.now())
    if token_email:
        fields["email"] = token_email
    boards = changes.get("board_ids")
    profile = store.update_profile(
        user_id, fields, boards, clear_boards="board_ids" in changes and boards is None
    )
    return profile_view(user_id, profile, clock.now(), token_name)


def set_membership(user_id: str, premium_until: datetime | None) -> dict[str, Any]:
    premium = clock.iso(premium_until) if premium_until else None
    return membership_view(store.update_profile(user_id, {"premium_until": premium}), clock.now())
