"""The learner's credit (API.md, "Learner": GET /credits, GET /credits/summary)."""

from cme_ledger.api.answers import Amount, Answer, Count, Time


class Credit(Answer):
    credit_id: str
    course_id: str
    course_title: str
    topic: str
    earned_at: Time
    expires_at: Time
    amount: Amount
    claimable: dict[str, Amount]  # credit type code -> what is left of it; types with nothing left out


class CreditPage(Answer):
    items: list[Credit]
    next_cursor: str | None


class CreditSummaryCourse(Answer):
    course_id: str
    course_title: str
    topics: Count
    claimable: Amount
    next_expiry: Time


class CreditSummary(Answer):
    credit_type: str
    total: Amount
    courses: list[CreditSummaryCourse]
