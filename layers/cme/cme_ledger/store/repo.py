"""Repositories for profiles, courses and credits: reads and writes that need no multi-step protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from cme_ledger.store import keys
from cme_ledger.store.db import bind, client, table_name
from cme_ledger.store.models import Course, Credit, LedgerItem, Profile, SourceRef, SweepState

# ----------------------------------------------------------------------------- profiles


def get_profile(user_id: str) -> Profile | None:
    bind()
    try:
        return Profile.get(keys.user_pk(user_id), keys.profile_sk())
    except Profile.DoesNotExist:
        return None


def new_profile(user_id: str, display_name: str = "") -> Profile:
    return Profile(keys.user_pk(user_id), keys.profile_sk(), user_id=user_id, display_name=display_name)


def save_profile(profile: Profile) -> None:
    bind()
    profile.save()


def set_premium_until(user_id: str, premium_until: str | None, display_name: str = "") -> Profile:
    """Set membership without touching the rest of the profile (creating it when absent)."""
    bind()
    profile = new_profile(user_id, display_name)
    profile.update(
        actions=[
            Profile.premium_until.set(premium_until) if premium_until else Profile.premium_until.remove(),
            Profile.user_id.set(user_id),
            Profile.kind.set(Profile),
            Profile.display_name.set(Profile.display_name | display_name),
        ]
    )
    return profile


# ----------------------------------------------------------------------------- courses


def get_course(course_id: str) -> Course | None:
    bind()
    try:
        return Course.get(keys.CATALOG, keys.course_sk(course_id))
    except Course.DoesNotExist:
        return None


def list_courses() -> list[Course]:
    bind()
    return list(Course.query(keys.CATALOG, Course.sk.startswith("COURSE#")))


def save_course(course: Course) -> None:
    bind()
    course.pk, course.sk = keys.CATALOG, keys.course_sk(course.course_id)
    course.save()


# ----------------------------------------------------------------------------- credits


def iter_credits(user_id: str, after_sk: str | None = None, page_size: int = 200) -> Iterator[Credit]:
    """A learner's credits in credit-id order (= earned_at order), resuming after `after_sk`."""
    bind()
    yield from Credit.query(
        keys.user_pk(user_id),
        Credit.sk.startswith(keys.CREDIT_PREFIX),
        last_evaluated_key={"pk": {"S": keys.user_pk(user_id)}, "sk": {"S": after_sk}} if after_sk else None,
        page_size=page_size,
    )


def get_credits(user_id: str, credit_ids: Iterable[str]) -> dict[str, Credit]:
    """The learner's credits among `credit_ids` (ids of other learners are simply absent)."""
    bind()
    wanted = [(keys.user_pk(user_id), keys.credit_sk(cid)) for cid in dict.fromkeys(credit_ids)]
    found: dict[str, Credit] = {}
    for item in Credit.batch_get(wanted, consistent_read=True):
        if isinstance(item, Credit):
            found[item.credit_id] = item
    return found


def get_source_refs(user_source_pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """credit ids already recorded for (user_id, source_id) pairs."""
    bind()
    wanted = [(keys.user_pk(u), keys.source_sk(s)) for u, s in dict.fromkeys(user_source_pairs)]
    return {
        (ref.user_id, ref.source_id): ref.credit_id
        for ref in SourceRef.batch_get(wanted, consistent_read=True)
        if isinstance(ref, SourceRef)
    }


def new_credit(**attributes: Any) -> Credit:
    credit = Credit(
        keys.user_pk(attributes["user_id"]), keys.credit_sk(attributes["credit_id"]), **attributes
    )
    return credit


def create_credit(credit: Credit) -> str | None:
    """Write a credit and its source reference atomically.

    Returns None when created, or the id of the credit already recorded for the same source.
    """
    bind()
    ref = SourceRef(
        credit.pk,
        keys.source_sk(credit.source_id),
        user_id=credit.user_id,
        source_id=credit.source_id,
        credit_id=credit.credit_id,
    )
    try:
        with TransactWrite(connection=LedgerItem._get_connection().connection) as tx:
            tx.save(ref, condition=SourceRef.pk.does_not_exist())
            tx.save(credit, condition=Credit.pk.does_not_exist())
    except TransactWriteError:
        existing = get_source_refs([(credit.user_id, credit.source_id)])
        if (credit.user_id, credit.source_id) in existing:
            return existing[(credit.user_id, credit.source_id)]
        raise
    return None


def ensure_sweep_start(day: str) -> None:
    """Remember the first day the sweep must look at, once (the day the first credit is recorded)."""
    bind()
    try:
        SweepState(keys.SWEEP_PK, keys.SWEEP_SK, next_day=day).save(condition=SweepState.pk.does_not_exist())
    except PutError as exc:
        if not _is_conditional_failure(exc):
            raise


def _is_conditional_failure(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


__all__ = [
    "client",
    "create_credit",
    "ensure_sweep_start",
    "get_course",
    "get_credits",
    "get_profile",
    "get_source_refs",
    "iter_credits",
    "list_courses",
    "new_credit",
    "new_profile",
    "save_course",
    "save_profile",
    "set_premium_until",
    "table_name",
]
