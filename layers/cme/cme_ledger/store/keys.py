"""Every key of the table is built here and nowhere else."""

from __future__ import annotations

import hashlib

CATALOG = "CATALOG"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_of(pk: str) -> str:
    """The user id of a learner partition key."""
    return pk.removeprefix("USER#")


def claim_of(sk: str) -> str:
    """The claim id of a claim record's sort key."""
    return sk.removeprefix(CLAIM_PREFIX)


def profile_sk() -> str:
    return "PROFILE"


COURSE_PREFIX = "COURSE#"
CATALOG_VERSION_SK = "VERSION"  # beside the courses: a number every change of a course increments


def course_sk(course_id: str) -> str:
    return f"{COURSE_PREFIX}{course_id}"


CREDIT_PREFIX = "CREDIT#"
CLAIM_PREFIX = "CLAIM#"


def credit_sk(credit_id: str) -> str:
    return f"{CREDIT_PREFIX}{credit_id}"


# The local index `open` holds what a claim reads of a learner: each open credit (unexpired, with
# something left to claim: the same credits as the expiry index) under its own sort key, and the
# profile under PROFILE, so `open_sk BETWEEN CREDIT# AND PROFILE` reads both in one Query. The local
# index `open_by_course` holds the open credits by course, then by credit id (= earned order).
OPEN_PROFILE = "PROFILE"


def open_course_sk(course_id: str, credit_id: str) -> str:
    return f"{course_id}#{credit_id}"


def open_course_prefix(course_id: str) -> str:
    return f"{course_id}#"  # course ids are [A-Za-z0-9_-]: no id is a prefix of another's key


def credit_of(sk: str) -> str:
    """The credit id of a credit's sort key."""
    return sk.removeprefix(CREDIT_PREFIX)


def source_sk(source_id: str) -> str:
    return f"SOURCE#{source_id}"


def claim_sk(claim_id: str) -> str:
    return f"{CLAIM_PREFIX}{claim_id}"


def claim_page_sk(claim_id: str, page: int) -> str:
    return f"{CLAIM_PREFIX}{claim_id}#P{page:05d}"


def claim_pages_prefix(claim_id: str) -> str:
    return f"{CLAIM_PREFIX}{claim_id}#P"


BOARD_ENTRY_SUFFIX = "#ABP"


def board_entry_sk(claim_id: str) -> str:
    return f"{CLAIM_PREFIX}{claim_id}{BOARD_ENTRY_SUFFIX}"


def requirements_sk() -> str:
    """The learner's chosen requirement sets."""
    return "REQUIREMENTS"


EXTERNAL_PREFIX = "EXTERNAL#"


def external_sk(external_credit_id: str) -> str:
    return f"{EXTERNAL_PREFIX}{external_credit_id}"


def external_of(sk: str) -> str:
    """The id of an external credit's sort key."""
    return sk.removeprefix(EXTERNAL_PREFIX)


def code_pk(code: str) -> str:
    return f"CODE#{code}"


CODE_SK = "CODE"
CREDENTIAL_SK = "CREDENTIAL"  # beside a certificate's code item: its credential
SWEEP_PK, SWEEP_SK = "SWEEP", "EXPIRY"
BOARD_REPORT_PK = "REPORT#ABP"

REMINDERS_PK, REMINDERS_STATE_SK = "REMINDERS", "STATE"


REMINDER_PREFIX = "REMINDER#"


def reminder_sk(run_at: str) -> str:
    """A learner's reminder message of one run (in the learner's partition)."""
    return f"{REMINDER_PREFIX}{run_at}"


def run_of(sk: str) -> str:
    """The run of a reminder message's sort key."""
    return sk.removeprefix(REMINDER_PREFIX)


# Work queues of the sparse `work` index.
WORK_PENDING_CLAIMS = "WORK#CLAIM_PENDING"
WORK_RENDER = "WORK#RENDER"
WORK_ABP_QUEUED = "WORK#ABP_QUEUED"
WORK_REMINDER_SENDING = "WORK#REMINDER_SENDING"
WORK_REMIND_LATE = "WORK#REMIND_LATE"  # credits that came into the index where a run had already passed
WORK_STATUS_LIST = "WORK#STATUS_LIST"  # status lists whose bits changed since they were last signed

# Bitstring status lists (revocation): a pointer to the list taking new credentials, each list's
# bits, and one item per reserved position (what makes a position taken exactly once).
STATUS_LISTS_PK, CURRENT_LIST_SK = "STATUSLIST", "CURRENT"
STATUS_LIST_SK = "LIST"
SIGNING_KEYS_PK = "SIGNING_KEYS"
ISSUER_PK, ISSUER_SK = "ISSUER", "PROFILE"


def status_list_pk(list_id: str) -> str:
    return f"STATUSLIST#{list_id}"


def status_position_sk(position: int) -> str:
    return f"POS#{position:06d}"


def signing_key_sk(kid: str) -> str:
    return f"KEY#{kid}"


def status_list_work_sk(since: str, list_id: str) -> str:
    return f"{since}#{list_id}"


def expiry_pk(day: str, shard: int) -> str:
    return f"EXP#{day}#{shard:02d}"


def expiry_shard(credit_id: str, shards: int) -> int:
    """Spread one day's credits over `shards` partitions, stably per credit."""
    digest = hashlib.blake2b(credit_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % shards


def expiry_sk(expires_at: str, user_id: str, credit_id: str) -> str:
    return f"{expires_at}#{user_id}#{credit_id}"


def expiry_sk_after(due_at: str) -> str:
    """The first expiry_sk of credits expiring after `due_at` (one second later, to the second)."""
    from datetime import timedelta

    from cme_ledger.domain.times import iso, parse_iso

    return iso(parse_iso(due_at) + timedelta(seconds=1))


def expiry_keys(user_id: str, credit_id: str, expires_at: str, shards: int) -> tuple[str, str]:
    """The expiry index keys of an open credit: the day it expires (sharded), then the instant."""
    return expiry_pk(expires_at[:10], expiry_shard(credit_id, shards)), expiry_sk(
        expires_at, user_id, credit_id
    )


def pending_claim_work_sk(created_at: str, user_id: str, claim_id: str) -> str:
    return f"{created_at}#{user_id}#{claim_id}"


def render_work_sk(since: str, claim_id: str) -> str:
    return f"{since}#{claim_id}"


def abp_work_sk(claimed_at: str, user_id: str, claim_id: str) -> str:
    return f"{claimed_at}#{user_id}#{claim_id}"


def claims_by_claimed(claimed_at: str, claim_id: str) -> str:
    return f"{claimed_at}#{claim_id}"


def claims_by_year(earned_from: str, claimed_at: str, claim_id: str) -> str:
    return f"{earned_from[:4]}#{claimed_at}#{claim_id}"


def claims_by_credits(total_cents: int, claimed_at: str, claim_id: str) -> str:
    return f"{total_cents:012d}#{claimed_at}#{claim_id}"
