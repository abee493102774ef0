"""The course catalogue: one small partition, read whole."""

from __future__ import annotations

from cme_ledger.domain.model import Course
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind


def course_of(item: m.Course) -> Course:
    return Course(
        course_id=item.course_id,
        title=item.title,
        provider=item.provider,
        credit_types=tuple(item.credit_types),
        claim_window_years=int(item.claim_window_years),
        pars_activity_id=item.pars_activity_id,
        topics=tuple(item.topics or ()),
        live=bool(item.live),
    )


def list_courses() -> list[Course]:
    bind()
    return [
        course_of(item) for item in m.Course.query(keys.CATALOG, m.Course.sk.startswith(keys.COURSE_PREFIX))
    ]


def save_course(course: Course, updated_at: str) -> None:
    bind()
    m.Course(
        keys.CATALOG,
        keys.course_sk(course.course_id),
        course_id=course.course_id,
        title=course.title,
        provider=course.provider,
        credit_types=list(course.credit_types),
        claim_window_years=course.claim_window_years,
        pars_activity_id=course.pars_activity_id,
        topics=list(course.topics) or None,
        live=course.live,
        updated_at=updated_at,
    ).save()
