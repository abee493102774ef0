"""Writing the ABP MOC Part 2 batch (docs/board-reports.md). Steps of a run, each safe to repeat:

1. reserve: a `pending` report record naming the entries it may report (key reports/abp/DAY-n.txt);
2. hold: each queued entry gets the report's key (conditional: an entry is held by one report only);
3. write: the file of every held entry, put once (If-None-Match) - a rerun never writes it twice;
4. mark: entries leave the queue, claims become `reported`, the record `done` (<= 49 entries per
   transaction).

A run that dies anywhere leaves a `pending` record; the next run finishes that report first (same
key, same entries) before starting a new one, so no line is lost or reported twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cme_ledger import clock
from cme_ledger.domain.board_reports import ReportLine, render_file, report_lines
from cme_ledger.domain.model import BoardEntry, StoredClaim
from cme_ledger.observability import logger
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import board_reports as store
from cme_ledger.store import claims as claim_store

# How many times a run tries the next free number of the day when another run took it first.
RESERVE_ATTEMPTS = 5


def _load(refs: list[store.EntryRef]) -> dict[store.EntryRef, StoredClaim]:
    return {ref: claim_store.load(record) for ref, record in claim_store.get_claims(refs).items()}


def write_abp_report(now: datetime | None = None) -> dict[str, Any]:
    """Write the queued ABP lines as one batch file; returns {"lines": n, "report_key": key | None}.

    A report left pending by a run that died is finished first (its file keeps its key); a run that
    finished one does not start another, so each run answers for one file.
    """
    now_iso = clock.iso(now or clock.now())
    pending = store.pending_reports()
    if pending:
        lines, key = 0, None
        for report in pending:
            done = _finish(report.report_key, report.entries, now_iso)
            if done:
                lines, key = lines + done, report.report_key
        if key is not None:
            return {"lines": lines, "report_key": key}

    courses = courses_by_id()
    queued = store.get_entries(store.queued_entries())
    free = [e for e in queued.values() if e.queued and e.report_key is None]
    claims = _load([(e.user_id, e.claim_id) for e in free])
    ready, lines_planned = [], 0
    for entry in sorted(free, key=lambda e: (e.user_id, e.claim_id)):
        claim = claims.get((entry.user_id, entry.claim_id))
        if claim is None:
            continue
        rows = report_lines(claim, courses)
        if rows is None:
            # Only a course stored before PUT /admin/courses required the id; `cme audit` lists the
            # claim once it has waited a week, and the next run after staff set the id sends it.
            logger.warning(
                "ABP entry held back: a course has no PARS activity id",
                extra={"claim_id": claim.record.claim_id},
            )
            continue
        ready.append((entry.user_id, entry.claim_id))
        lines_planned += len(rows)
    if not ready:
        return {"lines": 0, "report_key": None}
    key = _reserve(now_iso, ready, lines_planned)
    lines = _finish(key, ready, now_iso)
    return {"lines": lines, "report_key": key if lines else None}


def _reserve(now_iso: str, entries: list[store.EntryRef], lines: int) -> str:
    day = now_iso[:10]
    number = max(store.report_numbers(day), default=0) + 1
    for attempt in range(RESERVE_ATTEMPTS):
        key = store.report_key(day, number + attempt)
        if store.reserve_report(key, entries, lines, now_iso):
            return key
    raise RuntimeError("could not reserve a report number (too many concurrent runs)")


def _finish(key: str, entry_refs: list[store.EntryRef], now_iso: str) -> int:
    """Hold, write and mark report `key`; returns its number of lines (0: it held nothing)."""
    states = store.get_entries(entry_refs)
    held: list[BoardEntry] = []
    for entry_key in entry_refs:
        state = states.get(entry_key)
        if state is None:
            continue
        if state.report_key == key or (
            state.queued and state.report_key is None and store.hold_entry(entry_key, key)
        ):
            held.append(state)
    if not held:
        store.drop_report(key, now_iso)  # nothing held means no file was ever written for it
        return 0
    courses = courses_by_id()
    claims = _load([(e.user_id, e.claim_id) for e in held])
    lines: list[ReportLine] = []
    for entry in held:
        claim = claims.get((entry.user_id, entry.claim_id))
        rows = report_lines(claim, courses) if claim is not None else []
        lines.extend(rows or [])
    store.put_file(key, render_file(lines))  # False on a rerun: the file is there, never rewritten
    unmarked = [e for e in held if e.queued]
    store.mark_reported(key, unmarked, len(lines), now_iso)
    return len(lines)
