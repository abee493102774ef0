"""Routes of the credits function: health, OpenAPI, profile, catalogue, the learner's credit."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import WithJsonSchema

from cme_ledger.api import cursor as cursors
from cme_ledger.api import jsonio
from cme_ledger.api.answers.catalogue import CourseList, CreditTypeList
from cme_ledger.api.answers.credits import CreditPage, CreditSummary
from cme_ledger.api.answers.profile import Profile
from cme_ledger.api.answers.service import Health, OpenApiDocument
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.routes.common import Cursor, Limit, page
from cme_ledger.api.routing import PUBLIC, ApiRouter, answer, refusals
from cme_ledger.api.schemas import ProfileUpdate
from cme_ledger.domain.catalog import credit_types_view
from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.services import catalog, credits, profiles

# Documented as the enum it is; an unknown code is still judged by the domain (422, field credit_type).
CreditTypeQuery = Annotated[
    Annotated[str, WithJsonSchema({"type": "string", "enum": list(CREDIT_TYPES)})] | None, Query()
]

router = ApiRouter()
# The OpenAPI document, as `make openapi` generated it from the routers (api.openapi): served as it
# is, never built in a request. docs/openapi.json is this file.
OPENAPI_DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"


@router.get(
    "/health", summary="Liveness", tags=["public"], security=PUBLIC, responses=answer(200, Health, "Alive")
)
def health():
    return ok(Health, {"status": "ok"})


@lru_cache(maxsize=1)
def _document() -> OpenApiDocument:
    return OpenApiDocument.model_validate(jsonio.loads(OPENAPI_DOCUMENT.read_bytes()))


@router.get(
    "/openapi.json",
    summary="This API's OpenAPI document",
    tags=["public"],
    security=PUBLIC,
    responses=answer(200, OpenApiDocument, "The OpenAPI 3.1 document"),
)
def openapi_document():
    return ok(OpenApiDocument, _document())


@router.get(
    "/me",
    summary="The caller's profile",
    tags=["profile"],
    responses={**answer(200, Profile, "The profile"), **refusals(401)},
)
def get_me():
    identity = current_identity(router)
    return ok(Profile, profiles.get_me(identity.user_id, identity.name, identity.email))


@router.put(
    "/me",
    summary="Update the caller's profile",
    tags=["profile"],
    responses={**answer(200, Profile, "The updated profile"), **refusals(400, 401, 422)},
)
def put_me(body: Annotated[ProfileUpdate, Body()]):
    identity = current_identity(router)
    return ok(Profile, profiles.update_me(identity.user_id, body.changes(), identity.name, identity.email))


@router.get(
    "/credit-types",
    summary="Credit types",
    tags=["catalogue"],
    responses={**answer(200, CreditTypeList, "Every credit type"), **refusals(401)},
)
def get_credit_types():
    current_identity(router)
    return ok(CreditTypeList, credit_types_view())


@router.get(
    "/courses",
    summary="Courses",
    tags=["catalogue"],
    responses={**answer(200, CourseList, "Every course"), **refusals(401)},
)
def get_courses():
    current_identity(router)
    return ok(CourseList, catalog.list_courses())


@router.get(
    "/credits",
    summary="The caller's unexpired credits with something claimable, oldest first",
    tags=["credits"],
    responses={**answer(200, CreditPage, "One page of credits"), **refusals(401, 422)},
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
    return ok(CreditPage, page(items, identity.user_id, "credits", {"after": last} if last else None))


@router.get(
    "/credits/summary",
    summary="What the caller can claim now for one credit type, by course",
    tags=["credits"],
    responses={**answer(200, CreditSummary, "Claimable now, by course"), **refusals(401, 422)},
)
def credits_summary(credit_type: CreditTypeQuery = None):
    identity = current_identity(router)
    return ok(CreditSummary, credits.credit_summary(identity.user_id, credit_type))
