"""Routes of the renewal function: requirement sets and progress, credit earned elsewhere, topic tags."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cme_ledger.api import cursor as cursors
from cme_ledger.api.answers.catalogue import CreditTypeList
from cme_ledger.api.answers.renewal import (
    ChosenRequirementSets,
    ExternalCreditCreated,
    ExternalCreditPage,
    ExternalCreditRead,
    RequirementExplanationList,
    RequirementProgressList,
    RequirementSetList,
    TopicTagList,
)
from cme_ledger.api.renewal_schemas import ExternalCreditRequest, RequirementsPut
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.routes.common import Cursor, Limit, page
from cme_ledger.api.routing import ApiRouter, PercentDecoded, answer, no_content, refusals
from cme_ledger.api.schemas import IsoDate
from cme_ledger.domain.external_credits import external_credit_types_view
from cme_ledger.domain.topic_tags import topic_tags_view
from cme_ledger.services import external_credits, requirements

router = ApiRouter()
EXTERNAL_LISTING = "external-credits"

On = Annotated[
    IsoDate | None, Query(description="The day whose cycle to show (default: today, learner's zone)")
]
ExternalCreditId = Annotated[str, PercentDecoded, Path(min_length=1, max_length=64)]


@router.get(
    "/requirement-sets",
    summary="The requirement sets the service knows (boards, societies, state licences)",
    tags=["renewal"],
    responses={**answer(200, RequirementSetList, "Every set, with its sources"), **refusals(401)},
)
def get_requirement_sets():
    current_identity(router)
    return ok(RequirementSetList, requirements.requirement_sets())


@router.get(
    "/topic-tags",
    summary="Topic tags courses and external credit carry",
    tags=["renewal"],
    responses={**answer(200, TopicTagList, "Every tag"), **refusals(401)},
)
def get_topic_tags():
    current_identity(router)
    return ok(TopicTagList, topic_tags_view())


@router.get(
    "/external-credit-types",
    summary="Credit types an external credit may carry: the catalogue's and outside-only ones",
    tags=["renewal"],
    responses={**answer(200, CreditTypeList, "Every type"), **refusals(401)},
)
def get_external_credit_types():
    current_identity(router)
    return ok(CreditTypeList, external_credit_types_view())


@router.get(
    "/me/requirements",
    summary="The requirement sets the caller follows",
    tags=["renewal"],
    responses={**answer(200, ChosenRequirementSets, "The sets and their cycle starts"), **refusals(401)},
)
def get_my_requirements():
    identity = current_identity(router)
    return ok(ChosenRequirementSets, requirements.chosen(identity.user_id))


@router.put(
    "/me/requirements",
    summary="Choose the requirement sets the caller follows",
    tags=["renewal"],
    responses={**answer(200, ChosenRequirementSets, "The sets chosen"), **refusals(400, 401, 422)},
)
def put_my_requirements(body: Annotated[RequirementsPut, Body()]):
    identity = current_identity(router)
    return ok(
        ChosenRequirementSets,
        requirements.choose(identity.user_id, [(i.code, i.cycle_start) for i in body.items]),
    )


@router.get(
    "/me/requirements/progress",
    summary="What the caller's claimed and external credit counts toward each chosen set",
    tags=["renewal"],
    responses={**answer(200, RequirementProgressList, "Progress per set and rule"), **refusals(401, 422)},
)
def get_my_progress(on: On = None):
    identity = current_identity(router)
    return ok(RequirementProgressList, requirements.progress(identity.user_id, on))


@router.get(
    "/me/requirements/explanation",
    summary="Why each figure of the progress is what it is, and what claiming would help (project route)",
    tags=["renewal"],
    responses={**answer(200, RequirementExplanationList, "Per set and rule"), **refusals(401, 422)},
)
def get_my_explanation(
    on: On = None,
    code: Annotated[
        str | None, Query(max_length=40, description="One set: adds the lines of each rule")
    ] = None,
):
    identity = current_identity(router)
    return ok(RequirementExplanationList, requirements.explanation(identity.user_id, on, code))


@router.post(
    "/me/external-credits",
    summary="Record credit earned elsewhere; the answer has a presigned PUT for its certificate",
    tags=["renewal"],
    responses={**answer(201, ExternalCreditCreated, "Recorded"), **refusals(400, 401, 422)},
)
def record_external_credit(body: Annotated[ExternalCreditRequest, Body()]):
    identity = current_identity(router)
    return ok(ExternalCreditCreated, external_credits.record(identity.user_id, body.model_dump()), 201)


@router.get(
    "/me/external-credits",
    summary="The caller's external credit, newest recorded first",
    tags=["renewal"],
    responses={**answer(200, ExternalCreditPage, "One page"), **refusals(401, 422)},
)
def list_external_credits(limit: Limit = 50, cursor: Cursor = None):
    identity = current_identity(router)
    before = cursors.decode(cursor, identity.user_id, EXTERNAL_LISTING)["before"] if cursor else None
    items, last = external_credits.list_page(identity.user_id, limit, before)
    return ok(
        ExternalCreditPage,
        page(items, identity.user_id, EXTERNAL_LISTING, {"before": last} if last else None),
    )


@router.get(
    "/me/external-credits/<id>",
    summary="One of the caller's external credits, with its certificate file once checked",
    tags=["renewal"],
    responses={**answer(200, ExternalCreditRead, "The credit"), **refusals(401, 404, 422)},
)
def get_external_credit(id: ExternalCreditId):
    identity = current_identity(router)
    return ok(ExternalCreditRead, external_credits.read(identity.user_id, id))


@router.delete(
    "/me/external-credits/<id>",
    summary="Delete one of the caller's external credits and its file",
    tags=["renewal"],
    responses={**no_content("Deleted"), **refusals(401, 404, 422)},
)
def delete_external_credit(id: ExternalCreditId):
    identity = current_identity(router)
    external_credits.delete(identity.user_id, id)
    return Response(status_code=204, headers={"Cache-Control": "no-store"}, body="")
