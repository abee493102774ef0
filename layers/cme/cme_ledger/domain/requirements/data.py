"""Loading the rule data (requirement_sets.json) and refusing it, by set and rule, when it is wrong.

The file is read on first use, not at import. Every check a mistake in the data could need is
here, so adding a set is a data change: a typo in a key, a credit type or topic tag nobody knows,
a cap without a limit or an unverified rule without a note fails the load with a message naming
the set and the rule.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from cme_ledger.domain.credit_types import CREDIT_TYPES
from cme_ledger.domain.requirements.model import (
    EXTERNAL_CREDIT_TYPES,
    AnyRule,
    CapRule,
    MinimumRule,
    OneTimeRule,
    RequirementCatalogue,
    RequirementSet,
    RollOverRule,
    Selector,
    TotalRule,
    WeightRule,
)
from cme_ledger.domain.topic_tags import TOPIC_TAGS

DATA_FILE = "requirement_sets.json"
FORMAT = 1  # the shape this loader reads; `version` in the file counts changes of the data itself

_SET_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SET_KEYS = {
    "code",
    "name",
    "authority",
    "cycle_years",
    "credit_types",
    "sources",
    "checked",
    "verified",
    "rules",
}
_OPTIONAL_SET_KEYS = {"notes"}
_COMMON_RULE_KEYS = {"rule", "kind", "description"}
_OPTIONAL_RULE_KEYS = {"verified", "note"}
_SELECTOR_KEYS = {"credit_types", "topics", "live"}
_KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required keys, optional keys)
    "total": ({"required"}, set()),
    "minimum": ({"required"}, _SELECTOR_KEYS),
    "one_time": ({"required"}, _SELECTOR_KEYS),
    "cap": ({"limit", "per"}, _SELECTOR_KEYS),
    "weight": ({"factor"}, {"first"} | _SELECTOR_KEYS),
    "roll_over": ({"of_rule", "limit"}, {"step"}),
}
_NEEDS_SELECTOR = {"minimum", "one_time", "weight"}  # a cap without one caps everything (ABA's 60 a year)


class RequirementDataError(ValueError):
    """The rule data is malformed; the message names the set and rule."""


@functools.cache
def requirement_catalogue() -> RequirementCatalogue:
    """The shipped rule data, read and checked once per process."""
    text = resources.files("cme_ledger.domain").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text, parse_float=Decimal))


def requirement_sets() -> dict[str, RequirementSet]:
    """The shipped sets by code, in the file's order."""
    return requirement_catalogue().sets


def parse_catalogue(data: Any) -> RequirementCatalogue:
    """Check and build the whole catalogue (numbers in `data` should be Decimal or int, never float)."""
    top = _Where("requirement_sets.json")
    top.require(isinstance(data, dict), "must be an object")
    top.keys(data, {"format", "version", "sets"}, set())
    top.require(data["format"] == FORMAT, f"format must be {FORMAT}, not {data['format']!r}")
    top.require(_is_int(data["version"]) and data["version"] >= 1, "version must be a whole number >= 1")
    top.require(isinstance(data["sets"], list) and data["sets"], "sets must be a non-empty list")
    sets: dict[str, RequirementSet] = {}
    for index, raw in enumerate(data["sets"]):
        requirement_set = _parse_set(raw, index)
        top.require(requirement_set.code not in sets, f"set code {requirement_set.code} appears twice")
        sets[requirement_set.code] = requirement_set
    return RequirementCatalogue(version=data["version"], sets=sets)


# ----------------------------------------------------------------------------- sets


def _parse_set(raw: Any, index: int) -> RequirementSet:
    where = _Where(f"set #{index + 1}")
    where.require(isinstance(raw, dict), "must be an object")
    code = raw.get("code")
    where.require(isinstance(code, str) and bool(_SET_CODE.match(code)), f"bad code {code!r}")
    where = _Where(f"set {code}")
    where.keys(raw, _SET_KEYS, _OPTIONAL_SET_KEYS)
    for key in ("name", "authority"):
        where.require(_is_text(raw[key]), f"{key} must be non-empty text")
    years = raw["cycle_years"]
    where.require(years is None or (_is_int(years) and 1 <= years <= 20), "cycle_years must be 1..20 or null")
    credit_types = where.codes(raw["credit_types"], "credit_types", _is_credit_type, "credit type")
    sources = raw["sources"]
    where.require(
        isinstance(sources, list) and sources and all(_is_https(s) for s in sources),
        "sources must be a non-empty list of https URLs",
    )
    checked = where.day(raw["checked"], "checked")
    where.require(isinstance(raw["verified"], bool), "verified must be true or false")
    notes = raw.get("notes", [])
    where.require(isinstance(notes, list) and all(_is_text(n) for n in notes), "notes must be a list of text")
    raw_rules = raw["rules"]
    where.require(isinstance(raw_rules, list) and raw_rules, "rules must be a non-empty list")
    rules = _parse_rules(code, raw_rules, frozenset(credit_types), years is None)
    return RequirementSet(
        code=code,
        name=raw["name"],
        authority=raw["authority"],
        cycle_years=years,
        credit_types=tuple(credit_types),
        sources=tuple(sources),
        checked=checked,
        verified=raw["verified"] and all(r.verified for r in rules),
        rules=rules,
        notes=tuple(notes),
    )


def _parse_rules(
    code: str, raw_rules: list[Any], accepted: frozenset[str], one_time: bool
) -> tuple[AnyRule, ...]:
    rules: list[AnyRule] = []
    for index, raw in enumerate(raw_rules):
        where = _Where(f"set {code} rule #{index + 1}")
        where.require(isinstance(raw, dict), "must be an object")
        rule_id = raw.get("rule")
        where.require(isinstance(rule_id, str) and bool(_RULE_ID.match(rule_id)), f"bad rule id {rule_id!r}")
        where = _Where(f"set {code} rule {rule_id}")
        where.require(all(r.rule != rule_id for r in rules), "rule id appears twice in the set")
        rules.append(_parse_rule(where, raw, accepted))
    first = rules[0]
    _Where(f"set {code} rule {first.rule}").require(
        isinstance(first, TotalRule) or (one_time and isinstance(first, OneTimeRule)),
        "the first rule must be the set's total (a one-time set may start with its one-time rule)",
    )
    for rule in rules[1:]:
        _Where(f"set {code} rule {rule.rule}").require(
            not isinstance(rule, TotalRule), "only the first rule may be a total"
        )
    for rule in rules:
        where = _Where(f"set {code} rule {rule.rule}")
        if one_time:
            where.require(
                isinstance(rule, MinimumRule | OneTimeRule | TotalRule),
                f"a one-time set (cycle_years null) has no cycles for a {rule.kind} rule",
            )
        if isinstance(rule, RollOverRule):
            target = next((r for r in rules if r.rule == rule.of_rule), None)
            where.require(
                isinstance(target, TotalRule | MinimumRule),
                f"of_rule {rule.of_rule!r} must name a total or minimum rule of the set",
            )
    return tuple(rules)


def _parse_rule(where: _Where, raw: dict[str, Any], accepted: frozenset[str]) -> AnyRule:
    kind = raw.get("kind")
    where.require(kind in _KIND_KEYS, f"unknown kind {kind!r} (one of {', '.join(_KIND_KEYS)})")
    assert isinstance(kind, str)
    required_keys, optional_keys = _KIND_KEYS[kind]
    where.keys(raw, _COMMON_RULE_KEYS | required_keys, _OPTIONAL_RULE_KEYS | optional_keys)
    where.require(_is_text(raw["description"]), "description must be non-empty text")
    verified = raw.get("verified", True)
    where.require(isinstance(verified, bool), "verified must be true or false")
    note = raw.get("note")
    where.require(note is None or _is_text(note), "note must be non-empty text")
    where.require(verified or note is not None, "an unverified rule needs a note saying why")
    common: dict[str, Any] = {
        "rule": raw["rule"],
        "description": raw["description"],
        "verified": verified,
        "note": note,
    }
    if kind in _NEEDS_SELECTOR:
        where.require(bool(_SELECTOR_KEYS & raw.keys()), f"a {kind} rule needs credit_types, topics or live")
    selector = _selector(where, raw, accepted)
    if kind == "total":
        return TotalRule(**common, required=where.amount(raw["required"], "required"))
    if kind == "minimum":
        return MinimumRule(**common, required=where.amount(raw["required"], "required"), selector=selector)
    if kind == "one_time":
        return OneTimeRule(**common, required=where.amount(raw["required"], "required"), selector=selector)
    if kind == "cap":
        where.require(raw["per"] in ("cycle", "calendar_year"), "per must be cycle or calendar_year")
        return CapRule(**common, limit=where.amount(raw["limit"], "limit"), per=raw["per"], selector=selector)
    if kind == "weight":
        factor = where.amount(raw["factor"], "factor")
        where.require(factor > 1, "factor must be more than 1")
        first = where.amount(raw["first"], "first") if "first" in raw else None
        return WeightRule(**common, factor=factor, first=first, selector=selector)
    where.require(_is_text(raw["of_rule"]), "of_rule must name a rule")
    step = where.amount(raw["step"], "step") if "step" in raw else None
    return RollOverRule(
        **common, of_rule=raw["of_rule"], limit=where.amount(raw["limit"], "limit"), step=step
    )


def _selector(where: _Where, raw: Mapping[str, Any], accepted: frozenset[str]) -> Selector:
    credit_types = topics = None
    if "credit_types" in raw:
        credit_types = frozenset(
            where.codes(
                raw["credit_types"], "credit_types", accepted.__contains__, "credit type the set accepts"
            )
        )
    if "topics" in raw:
        topics = frozenset(where.codes(raw["topics"], "topics", TOPIC_TAGS.__contains__, "topic tag"))
    live = raw.get("live")
    where.require(live is None or isinstance(live, bool), "live must be true or false")
    return Selector(credit_types=credit_types, topics=topics, live=live)


# ----------------------------------------------------------------------------- checks


class _Where:
    """Checks that fail with a message saying where in the data the problem is."""

    def __init__(self, place: str) -> None:
        self.place = place

    def require(self, condition: object, problem: str) -> None:
        if not condition:
            raise RequirementDataError(f"{DATA_FILE}: {self.place}: {problem}")

    def keys(self, raw: Mapping[str, Any], required: set[str], optional: set[str]) -> None:
        missing = sorted(required - raw.keys())
        self.require(not missing, f"missing {', '.join(missing)}")
        unknown = sorted(raw.keys() - required - optional)
        self.require(not unknown, f"unknown key {', '.join(unknown)}")

    def amount(self, value: Any, key: str) -> Decimal:
        ok = (_is_int(value) or isinstance(value, Decimal)) and Decimal(value).is_finite() and value > 0
        self.require(ok, f"{key} must be a number above 0, not {value!r}")
        return Decimal(value)

    def day(self, value: Any, key: str) -> date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.require(False, f"{key} must be a date YYYY-MM-DD, not {value!r}")
            raise  # unreachable: require raised

    def codes(self, value: Any, key: str, known: Callable[[str], bool], what: str) -> list[str]:
        self.require(isinstance(value, list) and value, f"{key} must be a non-empty list")
        self.require(all(isinstance(v, str) for v in value), f"{key} must be a list of text")
        self.require(len(set(value)) == len(value), f"{key} lists a code twice")
        unknown = [v for v in value if not known(v)]
        self.require(not unknown, f"{key}: {', '.join(unknown)} is not a known {what}")
        return list(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_https(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("https://") and len(value) > len("https://x.y")


def _is_credit_type(code: str) -> bool:
    return code in CREDIT_TYPES or code in EXTERNAL_CREDIT_TYPES
