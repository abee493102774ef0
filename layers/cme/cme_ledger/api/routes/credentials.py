"""Routes of the credentials function, all public: certificate verification and the issuer's
documents a third party needs to verify a credential (the issuer, its keys, its status lists)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from cme_ledger.api.answers.credentials import Issuer, Jwks, Verification
from cme_ledger.api.resolver import ok
from cme_ledger.api.routing import PUBLIC, ApiRouter, PercentDecoded, answer, refusals, signed
from cme_ledger.domain.credentials import MEDIA_TYPE
from cme_ledger.services import certificates, credentials, status_lists

router = ApiRouter()
Code = Annotated[str, PercentDecoded, Path(description="The certificate code (case and hyphens ignored)")]
ListId = Annotated[str, PercentDecoded, Path(min_length=1, max_length=64, description="A status list's id")]
# Revocation must show at once: status lists and keys are revalidated on every use.
FRESH = "no-cache"


def _signed(token: str, **headers: str) -> Response:
    return Response(
        status_code=200, content_type=MEDIA_TYPE, body=token, headers={"Cache-Control": FRESH, **headers}
    )


@router.get(
    "/verify/<code>",
    summary="Verify a certificate by its code (public)",
    tags=["public"],
    security=PUBLIC,
    responses={
        **answer(200, Verification, "A certificate of ours (valid false when revoked)"),
        **refusals(404),
    },
)
def verify_certificate(code: Code):
    return ok(Verification, certificates.verify(code))


@router.get(
    "/verify/<code>/credential",
    summary="The certificate's Open Badges 3.0 credential (VC-JWT), for whoever holds its code (public)",
    tags=["public"],
    security=PUBLIC,
    responses={**signed(200, "The credential as issued"), **refusals(404, 409)},
)
def certificate_credential(code: Code):
    found, token = credentials.public_credential(code)
    return _signed(token, **{"Content-Disposition": f'attachment; filename="{found}.jwt"'})


@router.get(
    "/issuer",
    summary="The credentials' issuer, an Open Badges 3.0 Profile (public)",
    tags=["public"],
    security=PUBLIC,
    responses=answer(200, Issuer, "The issuer"),
)
def issuer():
    context = router.current_event.raw_event.get("requestContext") or {}
    domain = str(context.get("domainName") or "")
    return ok(Issuer, credentials.issuer_document(f"https://{domain}" if domain else ""))


@router.get(
    "/.well-known/jwks.json",
    summary="The issuer's public keys: every key that signed a credential (public)",
    tags=["public"],
    security=PUBLIC,
    responses=answer(200, Jwks, "The JWKS"),
)
def jwks():
    response = ok(Jwks, credentials.jwks())
    response.headers["Cache-Control"] = FRESH
    return response


@router.get(
    "/credentials/status/<list_id>",
    summary="A revocation status list, as a signed BitstringStatusListCredential (public)",
    tags=["public"],
    security=PUBLIC,
    responses={**signed(200, "The status list (application/vc+jwt)"), **refusals(404, 422)},
)
def status_list(list_id: ListId):
    return _signed(status_lists.status_list_jwt(list_id))
