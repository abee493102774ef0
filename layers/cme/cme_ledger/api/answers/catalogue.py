"""The catalogue (API.md, "Learner"): credit types and courses."""

from typing import Annotated

from pydantic import Field

from cme_ledger.api.answers import Answer, omittable


class CreditType(Answer):
    code: str
    label: str
    unit: str


class CreditTypeList(Answer):
    items: list[CreditType]


class Course(Answer):
    course_id: str
    title: str
    provider: str
    credit_types: Annotated[list[str], Field(min_length=1)]
    claim_window_years: Annotated[int, Field(ge=1, le=10)]
    topics: list[str]
    live: bool
    pars_activity_id: str = omittable()


class CourseList(Answer):
    items: list[Course]
