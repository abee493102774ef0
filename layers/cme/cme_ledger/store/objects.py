"""Objects in the certificate bucket: certificates written once, previews, presigned downloads.

Layout (every key is built here):

- certificates/{user_id}/{claim_id}.pdf   a claim's PDF, written once and never replaced
- previews/{user_id}/{preview_id}.pdf     a preview; the bucket's lifecycle deletes it after a day
- credentials/{user_id}/{claim_id}/{code}.jwt   a certificate's OB3 credential (VC-JWT), written once

The client is made on first use and cached. It signs with SigV4 (the only signature S3 accepts
everywhere, and the one whose URLs carry X-Amz-Expires); an AWS_ENDPOINT_URL in the environment
(the local stack) is picked up by boto3 itself, so presigned URLs point at that endpoint.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from cme_ledger.config import get_settings

PDF = "application/pdf"
DOWNLOAD_SECONDS = 300  # DESIGN.md: a download URL lives at most 5 minutes


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", region_name=get_settings().region, config=Config(signature_version="s3v4"))


def s3_client() -> Any:
    """The cached S3 client (store.uploads signs and checks learners' uploads with it too)."""
    return _s3()


def reset_clients() -> None:
    """Forget the cached client (tests and the local stack change the environment)."""
    _s3.cache_clear()


def certificate_key(user_id: str, claim_id: str) -> str:
    return f"certificates/{user_id}/{claim_id}.pdf"


def transcript_key(user_id: str, transcript_id: str) -> str:
    """A transcript PDF; the bucket's lifecycle deletes it after a day, like a preview."""
    return f"transcripts/{user_id}/{transcript_id}.pdf"


def preview_key(user_id: str, preview_id: str) -> str:
    return f"previews/{user_id}/{preview_id}.pdf"


def credential_key(user_id: str, claim_id: str, code: str) -> str:
    return f"credentials/{user_id}/{claim_id}/{code}.jwt"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def put_once(key: str, body: bytes, content_type: str = PDF) -> bool:
    """Write `body` at `key` unless an object is there already; False when one was (nothing written).

    The write is conditional (If-None-Match: *), so two workers racing on one claim cannot both
    write: the loser gets 412 and reads the winner's object instead.
    """
    try:
        _s3().put_object(
            Bucket=get_settings().bucket_name,
            Key=key,
            Body=body,
            ContentType=content_type,
            IfNoneMatch="*",
        )
    except ClientError as exc:
        # 409 ConditionalRequestConflict: a concurrent conditional write to the same key is in flight.
        if _code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            return False
        raise
    return True


def put(key: str, body: bytes) -> None:
    """Write an object that nothing else will ever write (previews: a fresh key each time)."""
    _s3().put_object(Bucket=get_settings().bucket_name, Key=key, Body=body, ContentType=PDF)


def get(key: str) -> bytes | None:
    """The object's bytes, or None when there is no object at `key`."""
    try:
        reply = _s3().get_object(Bucket=get_settings().bucket_name, Key=key)
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404"):
            return None
        raise
    return bytes(reply["Body"].read())


def presigned_get(key: str, expires_in: int = DOWNLOAD_SECONDS) -> str:
    """A SigV4 presigned GET URL of `key`, valid for `expires_in` seconds (at most 5 minutes)."""
    seconds = min(expires_in, DOWNLOAD_SECONDS)
    return str(
        _s3().generate_presigned_url(
            "get_object",
            Params={"Bucket": get_settings().bucket_name, "Key": key},
            ExpiresIn=seconds,
        )
    )
