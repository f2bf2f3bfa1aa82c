"""Matching rules: when two records describe the same person or company.

A rule is a list of alternatives (any one matching is enough); each alternative is a set
of field comparisons that must all match. A comparison is *exact* on normalised values
(email and phone compared as keys, see :mod:`opportune.domain.duplicates`) or *fuzzy*
with a threshold from 0 to 100: names score by Jaro-Winkler similarity, or 100 when they
sound the same (Soundex), so "Jon Smyth" matches "John Smith"; company names are compared
without legal forms, so "Acme Inc." matches "ACME". An empty value never matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import JaroWinkler

from opportune.domain.duplicates import company_key, email_key, name_key, phone_key, soundex

__all__ = [
    "STANDARD_PERSON_RULE",
    "Comparison",
    "Method",
    "Rule",
    "RuleMatch",
    "best_matches",
    "match",
    "score",
    "soundex",
]


class Method(StrEnum):
    """How a field's two values are compared."""

    EXACT = "exact"
    FUZZY = "fuzzy"


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field compared one way; fuzzy comparisons need ``threshold`` (0-100) or more."""

    field: str
    method: Method = Method.EXACT
    threshold: int = 100


@dataclass(frozen=True, slots=True)
class Rule:
    """Records match when every comparison of any one alternative matches."""

    name: str
    alternatives: tuple[tuple[Comparison, ...], ...]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """Which alternative matched, and the score of each of its fields."""

    alternative: int
    scores: dict[str, float]


def _fuzzy(field: str, threshold: int) -> Comparison:
    return Comparison(field, Method.FUZZY, threshold)


_NAMES = (_fuzzy("first_name", 85), _fuzzy("last_name", 90))
# Salesforce's standard lead and contact rule (reference §4), with its thresholds.
STANDARD_PERSON_RULE = Rule(
    "Standard person rule",
    (
        (*_NAMES, Comparison("email")),
        (*_NAMES, Comparison("phone"), _fuzzy("company", 70)),
        (*_NAMES, _fuzzy("title", 80), _fuzzy("company", 70)),
    ),
)
_KEYS = {"email": email_key, "phone": phone_key, "mobile_phone": phone_key,
         "company": company_key, "name": company_key}  # fmt: skip
_PERSON_NAMES = frozenset({"first_name", "last_name"})


def _normalised(field: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    key = _KEYS.get(field)
    return key(str(value)) if key else name_key(str(value), None)


def score(field: str, left: object, right: object) -> float | None:
    """How alike two values of ``field`` are, 0 to 100; ``None`` when either is empty."""
    a, b = _normalised(field, left), _normalised(field, right)
    if not a or not b:
        return None
    if a == b:
        return 100.0
    if field in _PERSON_NAMES and soundex(a) == soundex(b):
        return 100.0
    return JaroWinkler.similarity(a, b) * 100


def _passes(comparison: Comparison, value: float | None) -> bool:
    if value is None:
        return False
    if comparison.method is Method.EXACT:
        return value == 100.0
    return value >= comparison.threshold


def match(rule: Rule, left: Mapping[str, object], right: Mapping[str, object]) -> RuleMatch | None:
    """The first alternative of ``rule`` by which the two records match, if any."""
    for index, alternative in enumerate(rule.alternatives):
        scores = {c.field: score(c.field, left.get(c.field), right.get(c.field))
                  for c in alternative}  # fmt: skip
        if all(_passes(c, scores[c.field]) for c in alternative):
            return RuleMatch(index, {k: v for k, v in scores.items() if v is not None})
    return None


def best_matches(
    rule: Rule, record: Mapping[str, object], candidates: Sequence[Mapping[str, object]]
) -> list[tuple[int, RuleMatch]]:
    """The indexes of the candidates that match ``record``, with how."""
    found = ((i, match(rule, record, c)) for i, c in enumerate(candidates))
    return [(i, m) for i, m in found if m is not None]
