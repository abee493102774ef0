"""pynamodb attributes that keep amounts as Decimal end to end (pynamodb's own number is a float)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import MAP, NUMBER


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as Decimal."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class DecimalMapAttribute(Attribute[dict[str, Decimal]]):
    """A map of names to Decimal numbers, such as the claimed total per credit type."""

    attr_type = MAP

    def serialize(self, value: dict[str, Decimal]) -> dict[str, Any]:
        return {k: {"N": str(v)} for k, v in value.items()}

    def deserialize(self, value: dict[str, Any]) -> dict[str, Decimal]:
        return {k: Decimal(v["N"]) for k, v in value.items()}


class PartsAttribute(Attribute[dict[str, tuple[str, Decimal]]]):
    """The parts of a credit applied by claims: claim id -> (credit type, amount)."""

    attr_type = MAP

    def serialize(self, value: dict[str, tuple[str, Decimal]]) -> dict[str, Any]:
        return {k: part_value(t, a) for k, (t, a) in value.items()}

    def deserialize(self, value: dict[str, Any]) -> dict[str, tuple[str, Decimal]]:
        return {k: (v["M"]["t"]["S"], Decimal(v["M"]["a"]["N"])) for k, v in value.items()}


def part_value(credit_type: str, amount: Decimal) -> dict[str, Any]:
    """The DynamoDB form of one applied part (used in raw update expressions too)."""
    return {"M": {"t": {"S": credit_type}, "a": {"N": str(amount)}}}
