"""JSON in and out: numbers in as Decimal, Decimal out as plain JSON numbers without float noise."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any

# Python refuses int() of more than 4,300 digits (a ValueError json.loads does not turn into a
# JSONDecodeError): such a literal is read as the Decimal it is, and the fields' own limits refuse it.
_INT_DIGITS = 4300


def _int(text: str) -> int | Decimal:
    return int(text) if len(text.lstrip("-")) <= _INT_DIGITS else Decimal(text)


_decode = partial(json.loads, parse_float=Decimal, parse_int=_int)


def loads(text: str | bytes) -> Any:
    """JSON with numbers as Decimal; nesting too deep for the parser is malformed, not a crash.

    json.loads recurses per level of nesting: a body of 100,000 "[" raises RecursionError, which
    Powertools does not catch (a 5xx). As a JSONDecodeError it is API.md's 400 malformed_json.
    """
    try:
        return _decode(text)
    except RecursionError:
        doc = text if isinstance(text, str) else ""
        raise json.JSONDecodeError("nested too deeply", doc, 0) from None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A Decimal with at most 2 decimals prints back identically as the shortest float repr.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)
