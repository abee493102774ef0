"""Routes of the claims function: claim, list, read, evaluate."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from cme_ledger.api import cursor as cursors
from cme_ledger.api.answers.claims import Claim, ClaimPage, EvaluationReceipt
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.routes.common import Cursor, Limit, page
from cme_ledger.api.routing import ApiRouter, PercentDecoded, answer, refusals
from cme_ledger.api.schemas import ClaimRequest, EvaluationRequest
from cme_ledger.domain.claim_decision import ClaimInput, Selection
from cme_ledger.domain.errors import InvalidInput
from cme_ledger.services import claims

router = ApiRouter()
ClaimId = Annotated[str, PercentDecoded, Path(min_length=1, max_length=64)]


def claim_input(body: ClaimRequest) -> ClaimInput:
    """The domain's view of a validated claim body (422 for what its schema cannot say)."""
    problems = body.problems()
    if problems:
        raise InvalidInput("The request is not valid.", problems)
    return ClaimInput(
        credit_type=body.credit_type,
        all=bool(body.all),
        selections=tuple(Selection(s.credit_id, s.amount) for s in body.selections or []),
        canonical=body.canonical(),
    )


@router.post(
    "/claims",
    summary="Claim credit, all or nothing (send an Idempotency-Key)",
    tags=["claims"],
    responses={**answer(201, Claim, "The claim, committed"), **refusals(400, 401, 403, 409, 422)},
)
def create_claim(
    body: Annotated[ClaimRequest, Body()],
    idempotency_key: Annotated[
        str | None, Header(alias="idempotency-key", min_length=1, max_length=255, description="1..255 chars")
    ] = None,
):
    identity = current_identity(router)
    return ok(
        Claim, claims.create_claim(identity.user_id, claim_input(body), idempotency_key, identity.name), 201
    )


@router.get(
    "/claims",
    summary="The caller's claims",
    tags=["claims"],
    responses={**answer(200, ClaimPage, "One page of claims"), **refusals(401, 422)},
)
def list_claims(
    sort: Annotated[Literal["claimed_at", "earned_year", "credits"], Query()] = "claimed_at",
    order: Annotated[Literal["desc", "asc"], Query()] = "desc",
    limit: Limit = 50,
    cursor: Cursor = None,
):
    identity = current_identity(router)
    listing = f"claims:{sort}:{order}"
    after = cursors.decode(cursor, identity.user_id, listing) if cursor is not None else None
    items, last = claims.list_claims(identity.user_id, sort, order, limit, after)
    return ok(ClaimPage, page(items, identity.user_id, listing, last))


@router.get(
    "/claims/<claim_id>",
    summary="One of the caller's claims",
    tags=["claims"],
    responses={**answer(200, Claim, "The claim"), **refusals(401, 404, 422)},
)
def get_claim(claim_id: ClaimId):
    identity = current_identity(router)
    return ok(Claim, claims.claim(identity.user_id, claim_id))


@router.post(
    "/claims/<claim_id>/evaluation",
    summary="Submit the optional evaluation of a claim (once)",
    tags=["claims"],
    responses={
        **answer(201, EvaluationReceipt, "Evaluation stored"),
        **refusals(400, 401, 404, 409, 422),
    },
)
def submit_evaluation(claim_id: ClaimId, body: Annotated[EvaluationRequest, Body()]):
    identity = current_identity(router)
    return ok(
        EvaluationReceipt,
        claims.submit_evaluation(identity.user_id, claim_id, body.model_dump(exclude_none=True)),
        201,
    )
