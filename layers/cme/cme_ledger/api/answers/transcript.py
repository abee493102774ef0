"""The learner's transcript (API.md, "Renewal": GET /me/transcript as JSON)."""

from typing import Literal

from pydantic import Field

from cme_ledger.api.answers import Amount, Answer, Date


class TranscriptLearner(Answer):
    display_name: str
    degree: str
    board_ids: dict[str, str]


class TranscriptItem(Answer):
    """One certificate of a claim, or one external credit."""

    source: Literal["claim", "external"]
    date: Date
    provider: str
    activity_title: str
    credit_type: str
    credit_type_label: str
    credits: Amount
    certificate_code: str | None
    topics: list[str]


class Transcript(Answer):
    learner: TranscriptLearner
    date_from: Date = Field(alias="from")
    date_to: Date = Field(alias="to")
    items: list[TranscriptItem]
    totals: dict[str, Amount]  # credit type code -> total
