"""The learner's profile and membership (API.md, "Learner": GET/PUT /me; the admin's membership)."""

from pydantic import Field

from cme_ledger.api.answers import Answer, Time, omittable


class Membership(Answer):
    premium: bool
    premium_until: Time | None


class ProfileBoardIds(Answer):
    """The learner's board IDs, one per board that has one."""

    ABP: str = omittable()
    ABIM: str = omittable()


class Profile(Answer):
    user_id: str
    display_name: str
    degree: str
    first_name: str
    last_name: str
    membership: Membership
    board_ids: ProfileBoardIds
    birth_month_day: str | None = Field(pattern=r"^[0-9]{2}-[0-9]{2}$")
    time_zone: str
    reminders: bool
