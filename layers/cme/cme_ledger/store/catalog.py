"""The course catalogue: one small partition, read whole, and its version.

Every change of a course increments the catalogue's version in the same transaction, so a claim can
prove the catalogue it decided with is still the current one (a ConditionCheck on the version in its
own transaction) without reading the catalogue again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cme_ledger.domain.model import Course
from cme_ledger.store import keys
from cme_ledger.store import models as m
from cme_ledger.store.db import bind, client, table_name


@dataclass(frozen=True)
class Catalogue:
    courses: dict[str, Course]
    version: int  # 0 until the first course is saved


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


def read_catalogue() -> Catalogue:
    """Every course and the version they are at, from one consistent Query (and its pages)."""
    courses: dict[str, Course] = {}
    version = 0
    paginator = client().get_paginator("query")
    for page in paginator.paginate(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.CATALOG}},
        ConsistentRead=True,
    ):
        for raw in page.get("Items", []):
            if raw["sk"]["S"] == keys.CATALOG_VERSION_SK:
                version = int(raw["version"]["N"])
            elif raw["sk"]["S"].startswith(keys.COURSE_PREFIX):
                course = course_of(m.Course.from_raw_data(raw))
                courses[course.course_id] = course
    return Catalogue(courses, version)


def version_check(version: int) -> dict[str, Any]:
    """A transaction's ConditionCheck that the catalogue is still at `version`."""
    check: dict[str, Any] = {
        "TableName": table_name(),
        "Key": {"pk": {"S": keys.CATALOG}, "sk": {"S": keys.CATALOG_VERSION_SK}},
    }
    if version == 0:
        check["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        check["ConditionExpression"] = "version = :v"
        check["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    return {"ConditionCheck": check}


def save_course(course: Course, updated_at: str) -> None:
    """Create or replace a course and increment the catalogue's version, in one transaction."""
    bind()
    item = m.Course(
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
    ).serialize()
    client().transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table_name(), "Item": item}},
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": {"pk": {"S": keys.CATALOG}, "sk": {"S": keys.CATALOG_VERSION_SK}},
                    "UpdateExpression": "ADD version :one SET updated_at = :at, kind = :kind",
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":at": {"S": updated_at},
                        ":kind": {"S": "catalog_version"},
                    },
                }
            },
        ]
    )
