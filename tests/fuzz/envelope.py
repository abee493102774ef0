"""The error envelope of API.md, checked strictly: the one rule every refusal of the API must follow."""

from __future__ import annotations

from typing import Any

# API.md's codes and the one status each is answered with.
CODES: dict[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "membership_required": 403,
    "not_found": 404,
    "malformed_json": 400,
    "validation_error": 422,
    "credits_unavailable": 409,
    "nothing_to_claim": 409,
    "idempotency_key_mismatch": 409,
    "certificate_not_ready": 409,
    "evaluation_exists": 409,
    "board_id_required": 422,
    "request_in_progress": 409,
}
# The gateway's own refusals, for requests that reach no operation (docs/local-stack.md): a method
# the path does not have, a request line or body HTTP cannot parse, a body over API Gateway's limit.
GATEWAY_CODES: dict[str, int] = {"method_not_allowed": 405, "bad_request": 400, "payload_too_large": 413}
CREDIT_REASONS = {"claimed", "expired", "unknown", "insufficient"}


def _detail_problem(code: str, index: int, detail: Any) -> str | None:
    where = f"details[{index}]"
    if not isinstance(detail, dict):
        return f"{where} is not an object: {detail!r}"
    if code == "credits_unavailable":
        if set(detail) != {"credit_id", "reason"} or not isinstance(detail["credit_id"], str):
            return f"{where} is not {{credit_id, reason}}: {detail!r}"
        if detail["reason"] not in CREDIT_REASONS:
            return f"{where} has reason {detail['reason']!r}, not one of {sorted(CREDIT_REASONS)}"
        return None
    if code in ("validation_error", "board_id_required"):
        if set(detail) != {"field", "reason"}:
            return f"{where} is not {{field, reason}}: {detail!r}"
        if not all(isinstance(detail[k], str) and detail[k] for k in ("field", "reason")):
            return f"{where} has an empty or non-string field or reason: {detail!r}"
    return None


def envelope_problems(status: int, body: Any, *, gateway: bool = False) -> list[str]:
    """Why `body` is not API.md's error envelope for a refusal with `status` (empty: it is).

    With `gateway`, the request reached no operation, and the gateway's own codes are allowed too.
    """
    codes = {**CODES, **GATEWAY_CODES} if gateway else CODES
    if not isinstance(body, dict) or set(body) != {"error"}:
        return [f"the body is not exactly {{'error': ...}}: {body!r:.300}"]
    error = body["error"]
    if not isinstance(error, dict):
        return [f"error is not an object: {error!r:.300}"]
    problems = []
    extra = set(error) - {"code", "message", "details"}
    if extra:
        problems.append(f"error has fields API.md does not name: {sorted(extra)}")
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, str):
        problems.append(f"error.code is not a string: {code!r}")
    elif code not in codes:
        problems.append(f"error.code {code!r} is not one API.md names")
    elif codes[code] != status:
        problems.append(f"error.code {code!r} is API.md's {codes[code]}, answered with {status}")
    if not isinstance(message, str) or not message:
        problems.append(f"error.message is not a non-empty string: {message!r}")
    if "details" in error:
        details = error["details"]
        if not isinstance(details, list) or not details:
            problems.append(f"error.details is not a non-empty list: {details!r:.300}")
        else:
            for index, detail in enumerate(details):
                problem = _detail_problem(code if isinstance(code, str) else "", index, detail)
                if problem:
                    problems.append(problem)
    elif code in ("validation_error", "credits_unavailable", "board_id_required"):
        problems.append(f"{code} without details (API.md: details name each bad field or credit)")
    return problems
