"""Matching rules: when two records describe the same person or company.

A rule is a list of alternatives (any one matching is enough); each alternative is a set
of field comparisons that must all match. A comparison is *exact* on normalised values
(email and phone compared as keys, see :mod:`opportune.domain.duplicates`) or *fuzzy*
with a threshold from 0 to 100: names score by Jaro-Winkler similarity, or 100 when they
sound the same (Soundex), so "Jon Smyth" matches "John Smith"; company names are compared
without legal forms, so "Acme Inc." matches "ACME"; web addresses by their domain. An
empty value never matches.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import JaroWinkler

from opportune.domain.duplicates import (
    company_key,
    email_key,
    name_key,
    phone_key,
    soundex,
    website_domain,
)

__all__ = [
    "NORMALISED",
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

    @property
    def score(self) -> float:
        """The mean of the matching fields' scores, to one decimal."""
        return round(sum(self.scores.values()) / len(self.scores), 1) if self.scores else 0.0


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
         "company": company_key, "name": company_key, "website": website_domain}  # fmt: skip
_PERSON_NAMES = frozenset({"first_name", "last_name"})


def _normalised(field: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    return _normalised_text(field, str(value))


# A record is compared with many candidates (and a batch shares many values), so each
# value is normalised once.
@functools.lru_cache(maxsize=65_536)
def _normalised_text(field: str, value: str) -> str | None:
    key = _KEYS.get(field)
    return key(value) if key else name_key(value, None)


_soundex = functools.lru_cache(maxsize=65_536)(soundex)


def score(field: str, left: object, right: object) -> float | None:
    """How alike two values of ``field`` are, 0 to 100; ``None`` when either is empty."""
    return _similarity(field, _normalised(field, left), _normalised(field, right))


def _similarity(field: str, a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    if a == b:
        return 100.0
    if field in _PERSON_NAMES and _soundex(a) == _soundex(b):
        return 100.0
    return JaroWinkler.similarity(a, b) * 100


# A record may carry values it already holds normalised (stored keys read from the
# database) under this name, as {field: normalised value}; they are used as they are, and
# the values normalised while comparing are added, so a record compared with many others
# (a new lead with each of its candidates) is normalised once.
NORMALISED = "_normalised"


def _value(record: Mapping[str, object], field: str) -> str | None:
    known = record.get(NORMALISED)
    if type(known) is not dict:  # every comparison passes here: type() is cheaper
        return _normalised(field, record.get(field))
    found = known.get(field, _UNKNOWN)
    if found is _UNKNOWN:
        found = known[field] = _normalised(field, record.get(field))
    return found if type(found) is str else None


_UNKNOWN = object()


_Plan = tuple[tuple[Comparison, ...], tuple[tuple[Comparison, ...], ...]]
# Each rule's plan, by identity: hashing the comparisons on every call would cost more
# than the comparing.
_PLANS: dict[int, tuple[Rule, _Plan]] = {}


def _plan(rule: Rule) -> _Plan:
    """The comparisons every alternative makes (if one fails, nothing can match, so they
    go first), then each alternative's others; exact comparisons first in each, since
    they are cheap and rarely pass, so most pairs stop at their first comparison."""
    found = _PLANS.get(id(rule))
    if found is None or found[0] is not rule:
        if len(_PLANS) > 1024:
            _PLANS.clear()
        shared = (
            set.intersection(*(set(a) for a in rule.alternatives)) if rule.alternatives else set()
        )
        common = _cheap_first(c for c in rule.alternatives[0] if c in shared) if shared else ()
        rest = tuple(_cheap_first(c for c in a if c not in shared) for a in rule.alternatives)
        found = _PLANS[id(rule)] = (rule, (common, rest))
    return found[1]


def _cheap_first(comparisons: Iterable[Comparison]) -> tuple[Comparison, ...]:
    return tuple(sorted(comparisons, key=lambda c: c.method is Method.FUZZY))


def _passes(comparison: Comparison, value: float | None) -> bool:
    if value is None:
        return False
    if comparison.method is Method.EXACT:
        return value == 100.0
    return value >= comparison.threshold


def match(rule: Rule, left: Mapping[str, object], right: Mapping[str, object]) -> RuleMatch | None:
    """The first alternative of ``rule`` by which the two records match, if any."""
    common, rest = _plan(rule)
    known: dict[str, float | None] = {}  # fields shared by alternatives are scored once
    for c in common:  # most pairs fail here, on their first field: no call to _passes()
        value = known[c.field] = _similarity(c.field, _value(left, c.field),
                                             _value(right, c.field))  # fmt: skip
        if value is None or (value != 100.0 if c.method is Method.EXACT
                             else value < c.threshold):  # fmt: skip
            return None
    for index, alternative in enumerate(rest):
        for c in alternative:  # stops at the first comparison that fails
            if c.field not in known:
                known[c.field] = _similarity(c.field, _value(left, c.field), _value(right, c.field))
            if not _passes(c, known[c.field]):
                break
        else:
            chosen = rule.alternatives[index]
            return RuleMatch(index, {c.field: known[c.field] or 0.0 for c in chosen})
    return None


def best_matches(
    rule: Rule, record: Mapping[str, object], candidates: Sequence[Mapping[str, object]]
) -> list[tuple[int, RuleMatch]]:
    """The indexes of the candidates that match ``record``, with how."""
    found = ((i, match(rule, record, c)) for i, c in enumerate(candidates))
    return [(i, m) for i, m in found if m is not None]
