"""Routes of the certificates function: claim preview, certificate download, the claim's credentials."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from cme_ledger.api.answers import Download
from cme_ledger.api.answers.claims import ClaimPreview
from cme_ledger.api.answers.credentials import CredentialList
from cme_ledger.api.answers.transcript import Transcript
from cme_ledger.api.resolver import current_identity, ok
from cme_ledger.api.routes.claims import ClaimId, claim_input
from cme_ledger.api.routing import JSON, ApiRouter, answer, redirect, refusals
from cme_ledger.api.schemas import ClaimRequest, IsoDate
from cme_ledger.services import certificates, claims, credentials, transcript

router = ApiRouter()


@router.post(
    "/claims/preview",
    summary="Preview a claim and its certificate PDF (nothing is claimed)",
    tags=["claims"],
    responses={**answer(200, ClaimPreview, "The preview"), **refusals(400, 401, 403, 409, 422)},
)
def preview_claim(body: Annotated[ClaimRequest, Body()]):
    identity = current_identity(router)
    prepared, view = claims.preview(identity.user_id, claim_input(body), identity.name)
    view["preview_url"] = certificates.preview_pdf(identity.user_id, prepared)
    return ok(ClaimPreview, view)


@router.get(
    "/claims/<claim_id>/certificate",
    summary="A short-lived download URL of a claim's certificate PDF",
    tags=["certificates"],
    responses={
        **answer(200, Download, "A presigned GET URL of the PDF"),
        **redirect("redirect=true: Location is the download URL"),
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
    return ok(Download, {"url": url, "expires_in": expires_in})


@router.get(
    "/claims/<claim_id>/credentials",
    summary="The claim's Open Badges 3.0 credentials, one per certificate (VC-JWT)",
    tags=["credentials"],
    responses={
        **answer(200, CredentialList, "One credential per certificate"),
        **refusals(401, 404, 409, 422),
    },
)
def claim_credentials(claim_id: ClaimId):
    identity = current_identity(router)
    return ok(CredentialList, credentials.claim_credentials(identity.user_id, claim_id))


@router.get(
    "/me/transcript",
    summary="The caller's transcript of claimed and external credit (JSON, CSV, or a PDF's URL)",
    tags=["renewal"],
    responses={
        200: {
            "description": "json: the transcript; csv: the same rows (RFC 4180, UTF-8); pdf: a download URL",
            "content": {
                JSON: {"model": Transcript | Download},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **refusals(401, 422),
    },
)
def get_transcript(
    date_from: Annotated[
        IsoDate | None, Query(alias="from", description="First day (default: 3 years before to)")
    ] = None,
    date_to: Annotated[
        IsoDate | None, Query(alias="to", description="Last day (default: today, in the learner's zone)")
    ] = None,
    format: Annotated[Literal["json", "csv", "pdf"], Query()] = "json",
):
    identity = current_identity(router)
    answer_ = transcript.get_transcript(identity.user_id, identity.name, date_from, date_to, format)
    if answer_.kind == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=answer_.body,
            headers={
                "Content-Disposition": 'attachment; filename="cme-transcript.csv"',
                "Cache-Control": "no-store",
            },
        )
    return ok(Transcript if answer_.kind == "json" else Download, answer_.body)
