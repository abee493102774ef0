"""Amount checks read numbers exactly, at any size (fuzzing sent 8e+29 and 1E+999999)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cme_ledger.domain.amounts import canonical_text, has_two_decimals_at_most, is_multiple_of_step


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.50", True),
        ("0.01", True),
        ("100", True),
        ("1.5E+3", True),
        ("0E-10", True),
        ("8.080841968785498e+29", True),
        ("1E+999999", True),
        ("123456789012345678901234567890.12", True),
        ("0.125", False),
        ("1E-999999", False),
        ("123456789012345678901234567890.125", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_two_decimals_at_most(text: str, expected: bool) -> None:
    assert has_two_decimals_at_most(Decimal(text)) is expected


def test_canonical_text_is_one_exact_short_text_per_value() -> None:
    assert canonical_text(Decimal("1.50")) == canonical_text(Decimal("1.5")) == "1.5"
    assert canonical_text(Decimal("0.250")) == "0.25"
    assert canonical_text(Decimal("20")) == canonical_text(Decimal("2E+1"))
    # Past 28 digits nothing is rounded: the two differ, and neither is a million characters long.
    big = Decimal("123456789012345678901234567890.12")
    assert canonical_text(big) != canonical_text(big + Decimal("0.01"))
    assert len(canonical_text(Decimal("1E+999999"))) < 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.25", True),
        ("1.5", True),
        ("3", True),
        ("0.3", False),
        ("0.1", False),
        ("1.05", False),
        ("8.080841968785498e+29", True),
        ("1E+999999", True),
        ("123456789012345678901234567890.75", True),
        ("123456789012345678901234567890.74", False),
        ("0.05", False),
        ("0.5", True),
        ("1E-999999", False),
        ("NaN", False),
    ],
)
def test_multiple_of_the_step_at_any_size(text: str, expected: bool) -> None:
    assert is_multiple_of_step(Decimal(text)) is expected


def test_a_number_with_a_million_digits_is_judged_in_linear_time() -> None:
    # A 10 MB body may hold one amount of a million digits; each check must stay a single pass.
    # (Slicing off one trailing zero at a time took minutes here: a request past Lambda's timeout.)
    huge = Decimal("1." + "0" * 1_000_000)
    assert has_two_decimals_at_most(huge)
    assert is_multiple_of_step(huge)
    assert canonical_text(huge) == "1"
    # More digits than int() takes from a string (4,300).
    assert is_multiple_of_step(Decimal("7" * 1_000_000 + ".75"))
    assert not is_multiple_of_step(Decimal("7" * 1_000_000 + ".76"))
