"""Routes of the certificates function: claim preview, certificate download, the claim's credentials."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from cme_ledger.api import responses as r
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.responses import answer
from cme_ledger.api.routes.claims import ClaimId, claim_input
from cme_ledger.api.routes.common import refusals
from cme_ledger.api.schemas import ClaimRequest
from cme_ledger.services import certificates, claims, credentials

router = Router()
AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@router.post(
    "/claims/preview",
    summary="Preview a claim and its certificate PDF (nothing is claimed)",
    tags=["claims"],
    security=AUTH,
    responses={**answer(200, r.PREVIEW, "The preview"), **refusals(400, 401, 403, 409, 422)},
)
def preview_claim(body: Annotated[ClaimRequest, Body()]):
    identity = current_identity(router)
    prepared, view = claims.preview(identity.user_id, claim_input(body), identity.name)
    view["preview_url"] = certificates.preview_pdf(identity.user_id, prepared)
    return ok(view)


@router.get(
    "/claims/<claim_id>/certificate",
    summary="A short-lived download URL of a claim's certificate PDF",
    tags=["certificates"],
    security=AUTH,
    responses={
        **answer(200, r.DOWNLOAD, "A presigned GET URL of the PDF"),
        **r.redirect("redirect=true: Location is the download URL"),
        **refusals(401, 404, 409, 422),
    },
)
def download_certificate(
    claim_id: ClaimId,
    redirect: Annotated[bool, Query(description="Answer 303 with Location instead of JSON")] = False,
):
    identity = current_identity(router)
    url, expires_in = certificates.certificate_url(identity.user_id, claim_id)
    if redirect:
        return Response(status_code=303, headers={"Location": url, "Cache-Control": "no-store"}, body="")
    return ok({"url": url, "expires_in": expires_in})


@router.get(
    "/claims/<claim_id>/credentials",
    summary="The claim's Open Badges 3.0 credentials, one per certificate (VC-JWT)",
    tags=["credentials"],
    security=AUTH,
    responses={
        **answer(200, r.CREDENTIALS, "One credential per certificate"),
        **refusals(401, 404, 409, 422),
    },
)
def claim_credentials(claim_id: ClaimId):
    identity = current_identity(router)
    return ok(credentials.claim_credentials(identity.user_id, claim_id))
