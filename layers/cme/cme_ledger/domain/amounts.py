"""Credit amounts: Decimal, at most 2 decimals, parts in steps of 0.25."""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal("0")
STEP = Decimal("0.25")
CENT = Decimal("0.01")


def has_two_decimals_at_most(value: Decimal) -> bool:
    return value.is_finite() and value == value.quantize(CENT)


def normalize(value: Decimal) -> Decimal:
    """The canonical form of an amount (2 decimals), so sums and comparisons are exact."""
    return value.quantize(CENT)


def is_valid_part(amount: Decimal, remaining: Decimal) -> bool:
    """A part is a multiple of 0.25 or the whole remainder."""
    return amount == remaining or amount % STEP == ZERO


def to_json_number(value: Decimal) -> Decimal:
    """Amounts go out as JSON numbers without float noise: 1.50 -> 1.5, 2.00 -> 2."""
    normalized = value.normalize()
    # normalize() may produce exponent notation for integers (2E+1); quantize back to an integer then.
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized
