"""The reminder run (API.md "Reminders", docs/reminders.md): for each threshold, the credits whose
expiry newly came within reach since the last run, read from the sparse expiry index day by day
(the sweep's index: cost grows with the credits falling due, never with the table), one message per
learner. A run records its windows before it starts and is finished with the same windows by the
next run if it dies; each learner's message is recorded before it is sent, so nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cme_ledger import clock, runtime
from cme_ledger.config import get_settings
from cme_ledger.domain.expiry import days
from cme_ledger.domain.model import Credit
from cme_ledger.domain.profiles import display_name_of, time_zone_of
from cme_ledger.domain.reminders import (
    Expiring,
    compose,
    nearest_threshold,
    passed_over,
    unclaimed_of,
    windows,
)
from cme_ledger.services.catalog import courses_by_id
from cme_ledger.store import credits as credit_store
from cme_ledger.store import expiry as index
from cme_ledger.store import profiles
from cme_ledger.store import reminders as store


@dataclass
class ReminderStats:
    emails: int = 0
    credits_read: int = 0  # index items read: the run's cost
    reminded: int = 0  # (credit, threshold) reminders sent
    no_email: int = 0  # learners skipped: no email address known
    turned_off: int = 0  # learners skipped: reminders turned off
    already: int = 0  # learners this run had handled before it was interrupted
    runs: list[str] = field(default_factory=list)

    def as_reply(self) -> dict[str, int]:
        return {"emails": self.emails, "credits_read": self.credits_read}


def send_reminders(now: datetime | None = None) -> ReminderStats:
    """One run: first the run a dead process left unfinished (same windows), then a new one."""
    stats = ReminderStats()
    state = store.get_state()
    if state.running is not None:
        _finish(state.running, stats)
        state = store.get_state()
    run = store.Run(clock.iso(now or clock.now()), windows(now or clock.now(), state.reached))
    if store.start_run(run):
        _finish(run, stats)
    return stats


def _finish(run: store.Run, stats: ReminderStats) -> None:
    stats.runs.append(run.run_at)
    courses = courses_by_id()
    due: dict[str, list[Expiring]] = {}
    shards = get_settings().expiry_shards
    for window in run.windows:
        if window.empty:
            continue
        for day in days(window.after[:10], window.until[:10]):
            for shard in range(shards):
                for page in index.indexed_between(day, shard, window.after, window.until):
                    stats.credits_read += len(page)
                    for credit in page:
                        left = unclaimed_of(credit.amount, credit.claimed, courses.get(credit.course_id))
                        if credit.expired or not credit.indexed or left <= 0:
                            continue
                        due.setdefault(credit.user_id, []).append(
                            Expiring(
                                credit.user_id,
                                credit.credit_id,
                                credit.course_id,
                                credit.expires_at,
                                left,
                                window.threshold,
                            )
                        )
    # Credits that entered the index where a finished run's window had passed (recorded late, or
    # reopened by an undone claim): no window reads them again, the late queue hands them over.
    late = store.late_credits()
    stats.credits_read += len(late)
    now = clock.parse_iso(run.run_at)
    by_user: dict[str, list[str]] = {}
    for user_id, credit_id in late:
        by_user.setdefault(user_id, []).append(credit_id)
    for user_id, credit_ids in by_user.items():
        for stored in credit_store.get_credits(user_id, credit_ids).values():
            nearest = nearest_threshold(stored.expires_at, now)
            left = unclaimed_of(stored.amount, stored.claimed, courses.get(stored.course_id))
            if nearest is None or stored.expired_at or not stored.indexed or left <= 0:
                continue
            due.setdefault(user_id, []).append(
                Expiring(user_id, stored.credit_id, stored.course_id, stored.expires_at, left, nearest)
            )
    learners = profiles.get_profiles(due)
    base = get_settings().web_base_url
    for user_id, items in sorted(due.items()):
        profile = learners.get(user_id)
        if profile is None or not profile.email:
            stats.no_email += 1
            continue
        if not profile.reminders:
            stats.turned_off += 1
            continue
        message = compose(
            profile.email,
            display_name_of(profile),
            time_zone_of(profile),
            items,
            courses,
            f"{base}/#/credits",
            f"{base}/#/profile",
        )
        runtime.step("reminder:learner")
        if not store.claim_message(user_id, run.run_at, message, "sending"):
            stats.already += 1
            continue
        runtime.step("reminder:recorded")
        message_id = store.send(message)
        runtime.step("reminder:sent")
        store.mark_sent(user_id, run.run_at, message_id, clock.iso(clock.now()))
        stats.emails += 1
        stats.reminded += len(items)
    store.clear_late(late)
    store.finish_run(run)


def note_entered_index(credits: Iterable[Credit]) -> None:
    """Credits just put into the expiry index (recorded, or reopened by an undone claim): those whose
    expiry a run's window has already passed go to the late queue, so the next run reminds them."""
    state = store.get_state()
    reached = dict(state.reached)
    if state.running is not None:  # a run under way may have read past them too
        for window in state.running.windows:
            reached[window.threshold] = max(reached.get(window.threshold, ""), window.until)
    late = [(c.user_id, c.credit_id) for c in credits if c.indexed and passed_over(c.expires_at, reached)]
    if late:
        store.queue_late(late, clock.iso(clock.now()))
