"""The learner's transcript (API.md `GET /me/transcript`): JSON, CSV, or a PDF behind a presigned URL.

One read of the learner's partition (profile, committed claims and their pages, external credit);
the rows and totals are the pure domain's. A PDF of up to IN_REQUEST_ROWS rows is rendered in the
request (about a second for 500 rows, docs/performance.md); a longer one goes through the render
queue like a certificate, and the URL given is where it will be.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from cme_ledger import clock
from cme_ledger.domain.certificates import TranscriptJob
from cme_ledger.domain.claim_views import SETTLED
from cme_ledger.domain.profiles import display_name_of, time_zone_of
from cme_ledger.domain.transcript import (
    Transcript,
    claim_rows,
    csv_text,
    external_rows,
    period,
    transcript,
    transcript_view,
)
from cme_ledger.store import objects, queue
from cme_ledger.store.learner import read_learner

IN_REQUEST_ROWS = 500
CSV_BOM = "\ufeff"  # spreadsheets take a CSV for UTF-8 (names in any script) only with it


@dataclass(frozen=True)
class Answer:
    kind: str  # json | csv | pdf
    body: Any


def build(user_id: str, token_name: str, date_from: date | None, date_to: date | None) -> Transcript:
    records = read_learner(user_id, with_credits=False)
    profile = records.profile
    zone = time_zone_of(profile)
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    start, end = period(date_from, date_to, today)
    rows = [row for stored in records.claims if stored.record.status in SETTLED for row in claim_rows(stored)]
    rows += external_rows(records.external_credits)
    return transcript(
        display_name_of(profile, token_name),
        (profile.degree or "") if profile else "",
        dict(profile.board_ids) if profile else {},
        zone,
        start,
        end,
        rows,
    )


def get_transcript(
    user_id: str, token_name: str, date_from: date | None, date_to: date | None, fmt: str
) -> Answer:
    t = build(user_id, token_name, date_from, date_to)
    if fmt == "csv":
        return Answer("csv", CSV_BOM + csv_text(t))
    if fmt == "pdf":
        key = objects.transcript_key(user_id, uuid.uuid4().hex)
        if len(t.rows) <= IN_REQUEST_ROWS:
            objects.put(key, render(t))
        else:
            queue.send_transcript(user_id, t.date_from, t.date_to, key)
        return Answer("pdf", {"url": objects.presigned_get(key), "expires_in": objects.DOWNLOAD_SECONDS})
    return Answer("json", transcript_view(t))


def render(t: Transcript) -> bytes:
    from cme_ledger.certificates.transcript import render_transcript

    return render_transcript(t, clock.now().astimezone(ZoneInfo(t.time_zone)).date().isoformat())


def render_queued(job: TranscriptJob) -> bool:
    """The worker's part for a long transcript: render it where its URL points (once)."""
    t = build(job.user_id, "", date.fromisoformat(job.date_from), date.fromisoformat(job.date_to))
    return objects.put_once(job.key, render(t))
