"""Routes of the credits function: health, OpenAPI, profile, catalogue, the learner's credit."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import WithJsonSchema

from cme_ledger.api import cursor as cursors
from cme_ledger.api import responses as r
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.responses import answer
from cme_ledger.api.routes.common import Cursor, Limit, page, refusals
from cme_ledger.api.schemas import ProfileUpdate
from cme_ledger.domain.catalog import credit_types_view
from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.services import catalog, credits, profiles

# Documented as the enum it is; an unknown code is still judged by the domain (422, field credit_type).
CreditTypeQuery = Annotated[
    Annotated[str, WithJsonSchema({"type": "string", "enum": list(CREDIT_TYPES)})] | None, Query()
]

router = Router()
AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@router.get(
    "/health", summary="Liveness", tags=["public"], security=[], responses=answer(200, r.HEALTH, "Alive")
)
def health():
    return ok({"status": "ok"})


@router.get(
    "/openapi.json",
    summary="This API's OpenAPI document",
    tags=["public"],
    security=[],
    responses=answer(200, r.OPENAPI_DOCUMENT, "The OpenAPI 3.1 document"),
)
def openapi_document():
    from cme_ledger.api.openapi import document  # builds every router: only on this route

    return ok(document())


@router.get(
    "/me",
    summary="The caller's profile",
    tags=["profile"],
    security=AUTH,
    responses={**answer(200, r.PROFILE, "The profile"), **refusals(401)},
)
def get_me():
    identity = current_identity(router)
    return ok(profiles.get_me(identity.user_id, identity.name, identity.email))


@router.put(
    "/me",
    summary="Update the caller's profile",
    tags=["profile"],
    security=AUTH,
    responses={**answer(200, r.PROFILE, "The updated profile"), **refusals(400, 401, 422)},
)
def put_me(body: Annotated[ProfileUpdate, Body()]):
    identity = current_identity(router)
    return ok(profiles.update_me(identity.user_id, body.changes(), identity.name, identity.email))


@router.get(
    "/credit-types",
    summary="Credit types",
    tags=["catalogue"],
    security=AUTH,
    responses={**answer(200, r.items(r.CREDIT_TYPE), "Every credit type"), **refusals(401)},
)
def get_credit_types():
    current_identity(router)
    return ok(credit_types_view())


@router.get(
    "/courses",
    summary="Courses",
    tags=["catalogue"],
    security=AUTH,
    responses={**answer(200, r.items(r.COURSE), "Every course"), **refusals(401)},
)
def get_courses():
    current_identity(router)
    return ok(catalog.list_courses())


@router.get(
    "/credits",
    summary="The caller's unexpired credits with something claimable, oldest first",
    tags=["credits"],
    security=AUTH,
    responses={**answer(200, r.page(r.CREDIT), "One page of credits"), **refusals(401, 422)},
)
def list_credits(
    credit_type: CreditTypeQuery = None,
    course_id: Annotated[str | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
):
    identity = current_identity(router)
    after = cursors.decode(cursor, identity.user_id, "credits")["after"] if cursor is not None else None
    items, last = credits.list_credits(identity.user_id, credit_type, course_id, limit, after)
    return ok(page(items, identity.user_id, "credits", {"after": last} if last else None))


@router.get(
    "/credits/summary",
    summary="What the caller can claim now for one credit type, by course",
    tags=["credits"],
    security=AUTH,
    responses={**answer(200, r.CREDIT_SUMMARY, "Claimable now, by course"), **refusals(401, 422)},
)
def credits_summary(credit_type: CreditTypeQuery = None):
    identity = current_identity(router)
    return ok(credits.credit_summary(identity.user_id, credit_type))
