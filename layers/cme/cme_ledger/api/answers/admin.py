"""What the admin routes answer (API.md, "Admin"); the course and the membership are in catalogue
and profile."""

from cme_ledger.api.answers import Answer, Count


class RecordedCredit(Answer):
    credit_id: str
    source_id: str
    created: bool


class RecordedCredits(Answer):
    items: list[RecordedCredit]


class ExpirySweep(Answer):
    expired: Count
    credits_read: Count


class AbpReport(Answer):
    lines: Count
    report_key: str | None


class ReminderRun(Answer):
    emails: Count
    credits_read: Count
