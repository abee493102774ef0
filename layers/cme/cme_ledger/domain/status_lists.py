"""Revocation as a W3C Bitstring Status List v1.0: one bit per credential, 131,072 bits per list.

A credential's `credentialStatus` names a list (its URL) and a position; the list is a signed
`BitstringStatusListCredential` whose `encodedList` is the multibase ("u" prefix) base64url,
no padding, of the GZIP of the bitstring. Bit 0 is the most significant bit of the first byte.
A set bit means revoked.

Herd privacy: a list is at least 131,072 bits long (the spec's minimum, 16 KiB) and positions are
random, so neither the list nor an index tells how many certificates were issued or in what order.
The caller draws the randomness (`status_position(secrets.token_bytes(8))`), reserves the position
with a conditional write, and draws again on a collision; it opens a new list once one holds
`FILL_LIMIT` entries, which keeps a draw's chance of colliding under 1 in 4.

Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from cme_ledger.clock import iso
from cme_ledger.domain.credentials import VC_CONTEXT, b64url, b64url_decode

STATUS_LIST_BITS = 131_072
STATUS_PURPOSE = "revocation"
FILL_LIMIT = STATUS_LIST_BITS // 4
MULTIBASE_BASE64URL = "u"
# Reading a list fetched from elsewhere: refuse to inflate more than this (a gzip bomb is tiny).
MAX_LIST_BYTES = 16 * 1024 * 1024
ENTROPY_BYTES = 8


def status_list_url(base_url: str, list_id: str) -> str:
    """The public URL of a status list credential (GET /credentials/status/{list_id})."""
    return f"{base_url.rstrip('/')}/credentials/status/{list_id}"


def status_position(entropy: bytes, size: int = STATUS_LIST_BITS) -> int:
    """A position in a list from random bytes handed in (at least 8 of them).

    `size` is a power of two, so reducing 64 or more random bits modulo it is exactly uniform.
    """
    if len(entropy) < ENTROPY_BYTES:
        raise ValueError(f"need at least {ENTROPY_BYTES} random bytes")
    if size <= 0 or size & (size - 1):
        raise ValueError("a list size is a power of two")
    return int.from_bytes(entropy, "big") % size


def list_is_full(assigned: int) -> bool:
    """True once a list holds FILL_LIMIT positions: new credentials then go to a new list."""
    return assigned >= FILL_LIMIT


def encode_status_list(revoked: Iterable[int], size: int = STATUS_LIST_BITS) -> str:
    """The `encodedList` of a list whose set bits are the `revoked` positions.

    GZIP with mtime 0, so the same positions always encode to the same text.
    """
    if size < STATUS_LIST_BITS or size % 8:
        raise ValueError(f"a status list has at least {STATUS_LIST_BITS} bits, in whole bytes")
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"position {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    return MULTIBASE_BASE64URL + b64url(gzip.compress(bytes(bits), mtime=0))


def decode_status_list(encoded: str) -> bytes:
    """The bitstring of an `encodedList`; ValueError when it is not one (or is not at least 16 KiB).

    The multibase prefix is required by the spec; an unprefixed value (older drafts) is accepted.
    """
    text = encoded[1:] if encoded.startswith(MULTIBASE_BASE64URL) else encoded
    try:
        compressed = b64url_decode(text)
    except ValueError as exc:
        raise ValueError("encodedList is not base64url") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        bitstring = inflater.decompress(compressed, MAX_LIST_BYTES)
    except zlib.error as exc:
        raise ValueError("encodedList is not GZIP") from exc
    if inflater.unconsumed_tail:
        raise ValueError(f"encodedList inflates past {MAX_LIST_BYTES} bytes")
    if len(bitstring) * 8 < STATUS_LIST_BITS:
        raise ValueError(f"the list has {len(bitstring) * 8} bits, fewer than {STATUS_LIST_BITS}")
    return bitstring


def status_bit(bitstring: bytes, index: int) -> bool:
    """The bit at `index` (True: set, revoked); IndexError when the list is shorter."""
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(f"position {index} is outside a list of {len(bitstring) * 8} bits")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_payload(
    list_url: str, issuer_id: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The JWT payload of a BitstringStatusListCredential (signed again each time a bit changes).

    `valid_from` is when this version of the list was made. JWT claims as for credentials.
    """
    subject = f"{list_url}#list"
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": subject,
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded_list,
        },
        "iss": issuer_id,
        "jti": list_url,
        "nbf": int(valid_from.astimezone(UTC).timestamp()),
        "sub": subject,
    }


def status_problems(entry: Any, status_list: Mapping[str, Any], issuer_id: str) -> list[str]:
    """Why a credential's status entry fails against a (signature-checked) status list credential.

    "status: revoked" when its bit is set; other reasons when the entry or the list is not what it
    must be (another issuer's list, another purpose, a position outside the list). Empty: active.
    """
    if not isinstance(entry, Mapping) or entry.get("type") != "BitstringStatusListEntry":
        return ["status: credentialStatus is not a BitstringStatusListEntry"]
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not raw_index.isdecimal():
        return ["status: statusListIndex is not a non-negative integer"]
    types = status_list.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        return ["status: the status list is not a BitstringStatusListCredential"]
    if status_list.get("id") != entry.get("statusListCredential"):
        return ["status: the status list's id is not the credential's statusListCredential"]
    list_issuer = status_list.get("issuer")
    list_issuer_id = list_issuer.get("id") if isinstance(list_issuer, Mapping) else list_issuer
    if list_issuer_id != issuer_id:
        return ["status: the status list was issued by another issuer"]
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("statusPurpose") != entry.get("statusPurpose"):
        return ["status: the status list's purpose differs from the entry's"]
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        return ["status: the status list has no encodedList"]
    try:
        revoked = status_bit(decode_status_list(encoded), int(raw_index))
    except (ValueError, IndexError) as exc:
        return [f"status: {exc}"]
    return ["status: revoked"] if revoked else []
