"""Assignment rules: which owner, queue or round-robin group a new lead goes to.

A rule is an ordered list of entries; each entry has criteria on lead fields (all must
hold) and an assignee. The first entry whose criteria hold wins; a lead no entry matches
goes to the rule's default owner (or default queue). Criteria read a lead as a mapping of
field name to value, with picklists (``lead_source``, ``status``) given by their labels.

Queues and round-robin groups live in :mod:`opportune.domain.assignment_groups`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from opportune.domain.picklists import INDUSTRIES, RATINGS, SALUTATIONS

ASSIGNEE_TYPES = ("user", "queue", "round_robin")
TEXT_OPERATORS = ("equals", "not_equals", "in", "not_in", "contains", "starts_with")
NUMBER_OPERATORS = ("equals", "not_equals", "greater_than", "less_than", "between")
BLANK_OPERATORS = ("blank", "not_blank")
OPERATORS = tuple(dict.fromkeys(TEXT_OPERATORS + NUMBER_OPERATORS + BLANK_OPERATORS))
NUMBER_FIELDS = ("annual_revenue", "number_of_employees")
# Picklists compare by label; these have fixed choices, lead_source and status are configured.
FIXED_CHOICES: dict[str, tuple[str, ...]] = {
    "rating": RATINGS,
    "industry": INDUSTRIES,
    "salutation": SALUTATIONS,
}
PICKLIST_FIELDS = ("lead_source", "status", *FIXED_CHOICES)
TEXT_FIELDS = (
    "first_name", "last_name", "company", "title", "email", "phone", "mobile_phone", "website",
    "street", "city", "state", "postal_code", "country", "campaign", "description",
)  # fmt: skip
CRITERIA_FIELDS = TEXT_FIELDS + PICKLIST_FIELDS + NUMBER_FIELDS

_COUNTRY_ALIASES = {
    "us": ("usa", "unitedstates", "unitedstatesofamerica", "america"),
    "gb": ("uk", "unitedkingdom", "greatbritain", "england", "scotland", "wales"),
    "de": ("germany", "deutschland"),
    "fr": ("france",),
    "ca": ("canada",),
    "au": ("australia",),
    "nl": ("netherlands", "holland", "thenetherlands"),
    "es": ("spain", "espana"),
    "it": ("italy", "italia"),
    "ie": ("ireland",),
    "in": ("india",),
    "jp": ("japan",),
    "cn": ("china",),
    "br": ("brazil", "brasil"),
    "mx": ("mexico",),
    "ch": ("switzerland", "schweiz", "suisse"),
    "at": ("austria", "osterreich"),
    "be": ("belgium",),
    "se": ("sweden",),
    "nz": ("newzealand",),
}
_US_STATES = {
    "al": "alabama", "ak": "alaska", "az": "arizona", "ar": "arkansas", "ca": "california",
    "co": "colorado", "ct": "connecticut", "de": "delaware", "fl": "florida", "ga": "georgia",
    "hi": "hawaii", "id": "idaho", "il": "illinois", "in": "indiana", "ia": "iowa",
    "ks": "kansas", "ky": "kentucky", "la": "louisiana", "me": "maine", "md": "maryland",
    "ma": "massachusetts", "mi": "michigan", "mn": "minnesota", "ms": "mississippi",
    "mo": "missouri", "mt": "montana", "ne": "nebraska", "nv": "nevada", "nh": "newhampshire",
    "nj": "newjersey", "nm": "newmexico", "ny": "newyork", "nc": "northcarolina",
    "nd": "northdakota", "oh": "ohio", "ok": "oklahoma", "or": "oregon", "pa": "pennsylvania",
    "ri": "rhodeisland", "sc": "southcarolina", "sd": "southdakota", "tn": "tennessee",
    "tx": "texas", "ut": "utah", "vt": "vermont", "va": "virginia", "wa": "washington",
    "wv": "westvirginia", "wi": "wisconsin", "wy": "wyoming", "dc": "districtofcolumbia",
}  # fmt: skip
_COUNTRY_KEYS = {alias: code for code, aliases in _COUNTRY_ALIASES.items() for alias in aliases}
_STATE_KEYS = {name: code for code, name in _US_STATES.items()}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def place_key(field_name: str, value: str) -> str:
    """A comparable key for a country or state: case, spaces and dots ignored, and common
    names mapped to their code (``USA``, ``United States`` and ``US`` are the same)."""
    key = _NOT_ALNUM.sub("", value.casefold())
    if field_name == "country":
        return _COUNTRY_KEYS.get(key, key)
    return _STATE_KEYS.get(key, key)


# --- the rule ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Criterion:
    """One condition on one lead field, e.g. ``country in [US, CA]``."""

    field: str
    operator: str
    value: object = None

    def as_dict(self) -> dict[str, object]:
        """The criterion as stored and shown: ``{"field", "operator", "value"}``."""
        return {"field": self.field, "operator": self.operator, "value": self.value}


@dataclass(frozen=True, slots=True)
class Assignee:
    """Who gets a lead: a user, a queue, or a round-robin group."""

    type: str
    user_id: int | None = None
    queue_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """An ordered entry of a rule: when every criterion holds, the assignee gets the lead."""

    criteria: tuple[Criterion, ...]
    assignee: Assignee
    position: int = 0
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AssignmentRule:
    """An assignment rule: ordered entries and the default for leads none of them matches."""

    name: str
    entries: tuple[RuleEntry, ...] = ()
    default_owner_id: int | None = None
    default_queue_id: int | None = None
    is_active: bool = False
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    """A validated rule as given by an admin (before its references are checked)."""

    name: str
    entries: tuple[RuleEntry, ...]
    default_owner_id: int | None
    default_queue_id: int | None


# --- evaluating ----------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, object]], bool]


def compile_criterion(criterion: Criterion) -> Predicate:
    """A fast test of one criterion against a lead's values (built once per rule load)."""
    name, operator, value = criterion.field, criterion.operator, criterion.value
    if operator == "blank":
        return lambda values: _is_blank(values.get(name))
    if operator == "not_blank":
        return lambda values: not _is_blank(values.get(name))
    if name in NUMBER_FIELDS:
        return _number_predicate(name, operator, value)
    return _text_predicate(name, operator, value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_predicate(name: str, operator: str, value: object) -> Predicate:
    if operator == "between":
        assert isinstance(value, list)
        low, high = Decimal(str(value[0])), Decimal(str(value[1]))
        return lambda values: (n := _as_number(values.get(name))) is not None and low <= n <= high
    target = Decimal(str(value))
    compare: Callable[[Decimal], bool] = {
        "equals": lambda n: n == target,
        "not_equals": lambda n: n != target,
        "greater_than": lambda n: n > target,
        "less_than": lambda n: n < target,
    }[operator]
    if operator == "not_equals":
        return lambda values: (n := _as_number(values.get(name))) is None or compare(n)
    return lambda values: (n := _as_number(values.get(name))) is not None and compare(n)


def _as_number(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def _text_predicate(name: str, operator: str, value: object) -> Predicate:
    key = _key_function(name)
    targets = frozenset(key(str(v)) for v in (value if isinstance(value, list) else [value]))
    target = next(iter(targets)) if len(targets) == 1 else ""
    test: Callable[[str], bool] = {
        "equals": lambda k: k in targets,
        "in": lambda k: k in targets,
        "not_equals": lambda k: k not in targets,
        "not_in": lambda k: k not in targets,
        "contains": lambda k: target in k,
        "starts_with": lambda k: k.startswith(target),
    }[operator]
    negative = operator in ("not_equals", "not_in")

    def predicate(values: Mapping[str, object]) -> bool:
        found = values.get(name)
        if _is_blank(found):
            return negative
        return test(key(str(found)))

    return predicate


def _key_function(name: str) -> Callable[[str], str]:
    # Leads repeat the same few values (countries, sources): remembering keys makes a
    # million-lead import cheap.
    if name in ("country", "state"):
        return lru_cache(maxsize=4096)(lambda text: place_key(name, text))
    return lru_cache(maxsize=4096)(lambda text: text.strip().casefold())


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run against many leads: the predicates are built once."""

    rule: AssignmentRule
    tests: tuple[tuple[tuple[Predicate, ...], RuleEntry], ...] = field(default=())

    @property
    def fields(self) -> frozenset[str]:
        """The lead fields the criteria read (only these need to be looked up per lead)."""
        return frozenset(c.field for e in self.rule.entries for c in e.criteria)

    def match(self, values: Mapping[str, object]) -> RuleEntry | None:
        """The first entry whose criteria all hold for ``values``, or None."""
        for predicates, entry in self.tests:
            for predicate in predicates:
                if not predicate(values):
                    break
            else:
                return entry
        return None


def compile_rule(rule: AssignmentRule) -> CompiledRule:
    """Build the predicates of every entry of ``rule``, in order."""
    tests = tuple(
        (tuple(compile_criterion(c) for c in entry.criteria), entry)
        for entry in sorted(rule.entries, key=lambda e: e.position)
    )
    return CompiledRule(rule, tests)


def first_match(rule: AssignmentRule, values: Mapping[str, object]) -> RuleEntry | None:
    """The first entry of ``rule`` that ``values`` satisfies (compiles the rule each call)."""
    return compile_rule(rule).match(values)
