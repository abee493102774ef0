"""Learners' uploads in the upload bucket: presigned PUTs, reading what arrived, removing it.

Layout (every key is built here):

- external/{user_id}/{external_credit_id}   an external credit's certificate file; the bucket is
  versioned, so each PUT to the key is a version of its own, and a version is shown only once it
  passed the checks on arrival (services.external_credits.check_upload)

The bucket is separate from the certificate bucket: what learners upload is untrusted, and the
functions that issue certificates never read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from cme_ledger.config import get_settings
from cme_ledger.domain.model import StoredUpload
from cme_ledger.domain.times import iso
from cme_ledger.store.objects import s3_client

PREFIX = "external/"


def upload_key(user_id: str, external_credit_id: str) -> str:
    return f"{PREFIX}{user_id}/{external_credit_id}"


def owner_of(key: str) -> tuple[str, str] | None:
    """(user id, external credit id) of an upload key, or None for a key that is not one."""
    if not key.startswith(PREFIX):
        return None
    user_id, _, external_credit_id = key[len(PREFIX) :].rpartition("/")
    return (user_id, external_credit_id) if user_id and external_credit_id else None


def _bucket() -> str:
    return get_settings().upload_bucket_name


def _missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("NoSuchKey", "NoSuchVersion", "404", "NotFound", "InvalidArgument")


def presigned_put(key: str, seconds: int) -> str:
    """A SigV4 presigned PUT of `key`, valid `seconds` (any Content-Type: the checks judge it)."""
    return str(
        s3_client().generate_presigned_url(
            "put_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=seconds
        )
    )


def presigned_get(key: str, version_id: str, content_type: str, seconds: int) -> str:
    """A presigned GET of exactly the version that was checked, served as the type it was checked as."""
    return str(
        s3_client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": _bucket(),
                "Key": key,
                "VersionId": version_id,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": "inline",
            },
            ExpiresIn=seconds,
        )
    )


def versions(key: str) -> list[StoredUpload]:
    """Every stored version of exactly `key`, newest first as S3 lists them (delete markers left out)."""
    found: list[StoredUpload] = []
    paginator = s3_client().get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=key):
        for entry in page.get("Versions", []):
            if entry["Key"] != key:
                continue
            found.append(
                StoredUpload(
                    key,
                    str(entry.get("VersionId") or "null"),
                    int(entry.get("Size", 0)),
                    _when(entry.get("LastModified")),
                    bool(entry.get("IsLatest")),
                )
            )
    return found


def _when(value: Any) -> str:
    return iso(value) if isinstance(value, datetime) else str(value or "")


def head(key: str, version_id: str) -> tuple[str, int] | None:
    """(Content-Type, size) of one version, or None when it is gone."""
    try:
        reply = s3_client().head_object(Bucket=_bucket(), Key=key, VersionId=version_id)
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    return str(reply.get("ContentType") or ""), int(reply.get("ContentLength", 0))


def first_bytes(key: str, version_id: str, count: int) -> bytes:
    """The first `count` bytes of one version (fewer for a shorter file; none when it is gone)."""
    try:
        reply = s3_client().get_object(
            Bucket=_bucket(), Key=key, VersionId=version_id, Range=f"bytes=0-{count - 1}"
        )
    except ClientError as exc:
        if _missing(exc):
            return b""
        raise
    return bytes(reply["Body"].read(count))


def delete_version(key: str, version_id: str) -> None:
    """Remove one version for good (not a delete marker: its bytes are gone)."""
    s3_client().delete_object(Bucket=_bucket(), Key=key, VersionId=version_id)


def delete_all(key: str) -> int:
    """Remove every version and delete marker of exactly `key`; the number removed."""
    removed = 0
    paginator = s3_client().get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=key):
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        for entry in entries:
            if entry["Key"] == key:
                delete_version(key, str(entry.get("VersionId") or "null"))
                removed += 1
    return removed


def stored_versions() -> Iterator[StoredUpload]:
    """Every stored version of every upload (for the audit); none without an upload bucket."""
    if not _bucket():
        return
    paginator = s3_client().get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=PREFIX):
        for entry in page.get("Versions", []):
            yield StoredUpload(
                str(entry["Key"]),
                str(entry.get("VersionId") or "null"),
                int(entry.get("Size", 0)),
                _when(entry.get("LastModified")),
                bool(entry.get("IsLatest")),
            )
