"""Credit amounts: Decimal, at most 2 decimals, parts in steps of 0.25."""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal("0")
STEP = Decimal("0.25")
CENT = Decimal("0.01")


def _significant(value: Decimal) -> tuple[tuple[int, ...], int]:
    """Digits and exponent without trailing zeros, read exactly (no context precision, no rounding).

    quantize() and normalize() round to the context's 28 digits and raise InvalidOperation past it:
    a JSON number such as 8e+29 or 1E+999999 must be judged, not crash the request.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "finite values only"
    # One pass from the end (slicing a digit at a time is quadratic: a million zeros took minutes).
    end = len(digits)
    while end > 1 and digits[end - 1] == 0:
        end -= 1
    return tuple(digits[:end]), exponent + len(digits) - end


def has_two_decimals_at_most(value: Decimal) -> bool:
    """Finite with at most 2 decimals (1.50 and 1.5E+3 yes, 0.125 no), for any size of number."""
    if not value.is_finite():
        return False
    digits, exponent = _significant(value)
    return digits == (0,) or exponent >= -2


def canonical_text(value: Decimal) -> str:
    """One exact text per finite value (1.50 and 1.5 give "1.5"), short for any size of number."""
    digits, exponent = _significant(value)
    if len(digits) <= 28 and abs(exponent) <= 28:
        return str(value.normalize())  # exact within the context's 28 digits
    sign = "-" if value.is_signed() else ""
    return f"{sign}{''.join(map(str, digits))}E{exponent}"


def normalize(value: Decimal) -> Decimal:
    """The canonical form of an amount (2 decimals), so sums and comparisons are exact."""
    return value.quantize(CENT)


def is_valid_part(amount: Decimal, remaining: Decimal) -> bool:
    """A part is a multiple of 0.25 or the whole remainder (judged exactly, for any size of number)."""
    return amount == remaining or is_multiple_of_step(amount)


def is_multiple_of_step(value: Decimal) -> bool:
    """A multiple of 0.25, read exactly: Decimal's % raises past the context's 28 digits (8e+29 % 0.25)."""
    if not value.is_finite():
        return False
    digits, exponent = _significant(value)
    if exponent >= 0:
        return True  # an integer
    if exponent < -2:
        return False  # more than 2 decimals
    # The integer part is a multiple of 0.25 whatever it is: only the decimals (1 or 2 digits) decide.
    # (int() of all the digits would refuse past 4,300 of them.)
    decimals = int("".join(map(str, digits[exponent:])))
    return (decimals * 4) % (10**-exponent) == 0


def to_json_number(value: Decimal) -> Decimal:
    """Amounts go out as JSON numbers without float noise: 1.50 -> 1.5, 2.00 -> 2."""
    normalized = value.normalize()
    # normalize() may produce exponent notation for integers (2E+1); quantize back to an integer then.
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1))
    return normalized
