"""Duplicate rules: which records are compared, by which matching rule, and what happens.

A duplicate rule belongs to one kind of record (lead, contact, account); it compares a new
or edited record with existing records of the kinds in ``compare_with`` by a matching rule
(:mod:`opportune.domain.matching`), and its action on create and on edit says what a match
does: *allow* (nothing), *alert* (the user is told and may go on), *report* (recorded for
the duplicates report) or *block* (refused).

Leads and contacts are compared through one *person view* (a contact's "company" is its
account's name, its "city" its mailing city), so one rule can compare a lead with both.
Candidates are looked up by indexed keys, never by scanning: each alternative of a rule
must therefore hold a field that has a key (see :func:`anchor_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opportune.domain.duplicates import (
    company_key,
    email_key,
    phone_key,
    sound_key,
    website_domain,
)
from opportune.domain.matching import Comparison, Method, Rule
from opportune.errors import FieldError, ValidationError

__all__ = [
    "ACTIONS",
    "COMPARE_WITH",
    "EVENTS",
    "OBJECT_TYPES",
    "RULE_FIELDS",
    "STANDARD_DUPLICATE_RULES",
    "DuplicateRule",
    "anchor_of",
    "comparable",
    "key_values",
    "parse_rule_definition",
    "rule_from_row",
]

OBJECT_TYPES = ("lead", "contact", "account")
ACTIONS = ("allow", "alert", "report", "block")
EVENTS = ("create", "edit")
_PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "mobile_phone", "title",
                  "company", "website", "city", "state", "postal_code", "country")  # fmt: skip
_ACCOUNT_FIELDS = ("name", "website", "phone", "industry", "billing_street", "billing_city",
                   "billing_state", "billing_postal_code", "billing_country")  # fmt: skip
# The fields a rule of each kind may compare (a lead's and a contact's person view).
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "lead": _PERSON_FIELDS, "contact": _PERSON_FIELDS, "account": _ACCOUNT_FIELDS,
}  # fmt: skip
# Which kinds of existing records a rule of each kind may compare with.
COMPARE_WITH: dict[str, tuple[str, ...]] = {
    "lead": ("lead", "contact"), "contact": ("contact", "lead"), "account": ("account",),
}  # fmt: skip
# Keys that find candidates, best first: (key kind, field, only for exact comparisons).
_ANCHORS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "person": (("email", "email", True), ("phone", "phone", True), ("sound", "last_name", False),
               ("email", "email", False), ("phone", "phone", False),
               ("company", "company", False)),
    "account": (("website", "website", True), ("phone", "phone", True), ("name", "name", False),
                ("website", "website", False), ("phone", "phone", False)),
}  # fmt: skip
_PICKLIST = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
_KEYED = {"person": "email, phone, last_name or company", "account": "name, website or phone"}
_CONTACT_VIEW = {"city": "mailing_city", "state": "mailing_state",
                 "postal_code": "mailing_postal_code", "country": "mailing_country"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    """A saved duplicate rule, its matching rule parsed."""

    id: int
    object_type: str
    name: str
    is_active: bool
    rule: Rule
    compare_with: tuple[str, ...]
    action_on_create: str
    action_on_edit: str
    sort_order: int

    def action(self, event: str) -> str:
        """The action for ``event`` ("create" or "edit")."""
        return self.action_on_create if event == "create" else self.action_on_edit

    def anchors(self) -> set[str]:
        """The key kinds whose lookups find every candidate this rule can match."""
        family = _family(self.object_type)
        return {anchor_of(family, alternative) or "" for alternative in self.rule.alternatives}


def _family(object_type: str) -> str:
    return "account" if object_type == "account" else "person"


def anchor_of(family: str, alternative: tuple[Comparison, ...]) -> str | None:
    """The key kind that finds the candidates of one alternative ("person" or "account")."""
    methods = {c.field: c.method for c in alternative}
    for kind, source, exact_only in _ANCHORS[family]:
        method = methods.get(source)
        if method is not None and (method is Method.EXACT or not exact_only):
            return kind
    return None


def comparable(
    kind: str, values: Mapping[str, Any], account_name: str | None = None
) -> dict[str, Any]:
    """A record's values under the names rules use (a contact's company is its account's)."""
    if kind == "account":
        return {name: values.get(name) for name in _ACCOUNT_FIELDS}
    view = {name: values.get(_CONTACT_VIEW.get(name, name) if kind == "contact" else name)
            for name in _PERSON_FIELDS}  # fmt: skip
    if kind == "contact":
        view["company"] = account_name if account_name is not None else values.get("company")
        view["website"] = None
    return view


def key_values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """A comparable record's lookup keys, by key kind (see :data:`_ANCHORS`)."""
    return {
        "email": email_key(view.get("email")),
        "phone": phone_key(view.get("phone")),
        "sound": sound_key(view.get("first_name"), view.get("last_name")),
        "company": company_key(view.get("company")),
        "name": company_key(view.get("name")),
        "website": website_domain(view.get("website")),
    }


def rule_from_row(row: Mapping[str, Any]) -> DuplicateRule:
    """A saved rule from its ``duplicate_rules`` row."""
    alternatives = tuple(
        tuple(Comparison(c["field"], Method(c["method"]), int(c["threshold"])) for c in alt)
        for alt in row["alternatives"]
    )
    return DuplicateRule(
        id=row["id"], object_type=row["object_type"], name=row["name"],
        is_active=bool(row["is_active"]), rule=Rule(row["name"], alternatives),
        compare_with=tuple(row["compare_with"]), action_on_create=row["action_on_create"],
        action_on_edit=row["action_on_edit"], sort_order=row["sort_order"],
    )  # fmt: skip


# --- validating a rule definition --------------------------------------------------------


def parse_rule_definition(
    data: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``duplicate_rules`` column values for a new rule, or for ``current`` changed by
    ``data``; raises :class:`ValidationError` naming each part at fault
    (``alternatives[1][0].threshold``, ``compare_with[0]``, ``action_on_edit``...)."""
    errors: list[FieldError] = []
    allowed = {
        "object_type",
        "name",
        "is_active",
        "alternatives",
        "compare_with",
        "action_on_create",
        "action_on_edit",
        "sort_order",
    }
    errors += [
        FieldError(k, "INVALID_FIELD", f"Unknown rule field: {k}") for k in data if k not in allowed
    ]
    if (
        current is not None
        and "object_type" in data
        and data["object_type"] != current["object_type"]
    ):
        errors.append(FieldError("object_type", "INVALID_FIELD", "A rule's object cannot change"))
    merged = {**_defaults(data.get("object_type")), **(current or {}), **data}
    kind = _object_type(merged.get("object_type"), errors)
    values: dict[str, Any] = {
        "object_type": kind,
        "name": _name(merged.get("name"), errors),
        "is_active": _flag(merged.get("is_active"), "is_active", errors),
        "sort_order": _sort_order(merged.get("sort_order"), errors),
    }
    for event in EVENTS:
        values[f"action_on_{event}"] = _action(merged.get(f"action_on_{event}"), event, errors)
    values["compare_with"] = _compare_with(kind, merged.get("compare_with"), errors)
    values["alternatives"] = _alternatives(kind, merged.get("alternatives"), errors)
    if errors:
        raise ValidationError(errors)
    return values


def _defaults(object_type: object) -> dict[str, Any]:
    kind = object_type if object_type in COMPARE_WITH else "lead"
    return {
        "is_active": True,
        "compare_with": list(COMPARE_WITH[str(kind)]),
        "action_on_create": "alert",
        "action_on_edit": "alert",
        "sort_order": 1,
    }


def _object_type(value: object, errors: list[FieldError]) -> str | None:
    if value in OBJECT_TYPES:
        return str(value)
    errors.append(
        FieldError("object_type", _PICKLIST, f"Must be one of: {', '.join(OBJECT_TYPES)}")
    )
    return None


def _name(value: object, errors: list[FieldError]) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors.append(FieldError("name", "REQUIRED_FIELD_MISSING", "A rule needs a name"))
    elif len(text) > 120:
        errors.append(FieldError("name", "STRING_TOO_LONG", "At most 120 characters"))
    return text or None


def _flag(value: object, field: str, errors: list[FieldError]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    errors.append(FieldError(field, "INVALID_TYPE", "Must be true or false"))
    return False


def _sort_order(value: object, errors: list[FieldError]) -> int:
    number = _integer(value)
    if number is None or not 0 <= number <= 10_000:
        errors.append(
            FieldError(
                "sort_order", "NUMBER_OUTSIDE_VALID_RANGE", "Must be a whole number from 0 to 10000"
            )
        )
        return 1
    return number


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _action(value: object, event: str, errors: list[FieldError]) -> str:
    if value in ACTIONS:
        return str(value)
    errors.append(
        FieldError(f"action_on_{event}", _PICKLIST, f"Must be one of: {', '.join(ACTIONS)}")
    )
    return "allow"


def _compare_with(kind: str | None, value: object, errors: list[FieldError]) -> list[str]:
    if kind is None:
        return []
    allowed = COMPARE_WITH[kind]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        errors.append(
            FieldError(
                "compare_with",
                "REQUIRED_FIELD_MISSING",
                f"Name what to compare with: {', '.join(allowed)}",
            )
        )
        return []
    for index, item in enumerate(items):
        if item not in allowed:
            errors.append(
                FieldError(
                    f"compare_with[{index}]",
                    _PICKLIST,
                    f"A {kind} rule compares with: {', '.join(allowed)}",
                )
            )
    return list(dict.fromkeys(str(item) for item in items))


def _alternatives(
    kind: str | None, value: object, errors: list[FieldError]
) -> list[list[dict[str, Any]]]:
    if kind is None:
        return []
    if not isinstance(value, list | tuple) or not value:
        errors.append(
            FieldError(
                "alternatives", "REQUIRED_FIELD_MISSING", "A rule needs at least one alternative"
            )
        )
        return []
    return [_alternative(kind, f"alternatives[{i}]", alt, errors) for i, alt in enumerate(value)]


def _alternative(
    kind: str, where: str, value: object, errors: list[FieldError]
) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple) or not value:
        errors.append(
            FieldError(
                where, "REQUIRED_FIELD_MISSING", "An alternative compares at least one field"
            )
        )
        return []
    comparisons = [_comparison(kind, f"{where}[{j}]", item, errors) for j, item in enumerate(value)]
    fields = [c["field"] for c in comparisons if c]
    if len(set(fields)) != len(fields):
        errors.append(
            FieldError(where, "DUPLICATE_VALUE", "Each field at most once per alternative")
        )
    parsed = tuple(
        Comparison(c["field"], Method(c["method"]), c["threshold"]) for c in comparisons if c
    )
    if len(parsed) == len(comparisons) and anchor_of(_family(kind), parsed) is None:
        keyed = (
            "email, phone, first_name/last_name or company"
            if kind != "account"
            else "name, website or phone"
        )
        errors.append(
            FieldError(
                where, "INVALID_RULE", f"Compare at least one field that has a lookup key: {keyed}"
            )
        )
    return [c for c in comparisons if c]


def _comparison(kind: str, where: str, value: object, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        errors.append(FieldError(where, "INVALID_TYPE", 'Must be {"field", "method", "threshold"}'))
        return {}
    field, method = value.get("field"), value.get("method", "exact")
    ok = True
    if field not in RULE_FIELDS[kind]:
        errors.append(
            FieldError(
                f"{where}.field",
                "INVALID_FIELD",
                f"A {kind} rule compares: {', '.join(RULE_FIELDS[kind])}",
            )
        )
        ok = False
    if method not in ("exact", "fuzzy"):
        errors.append(FieldError(f"{where}.method", _PICKLIST, "Must be exact or fuzzy"))
        ok = False
    threshold = _integer(value.get("threshold", 100))
    if threshold is None or not 0 <= threshold <= 100:
        errors.append(
            FieldError(
                f"{where}.threshold",
                "NUMBER_OUTSIDE_VALID_RANGE",
                "Must be a whole number from 0 to 100",
            )
        )
        ok = False
    if not ok:
        return {}
    assert threshold is not None
    return {"field": field, "method": method, "threshold": 100 if method == "exact" else threshold}


def _comparison_dict(field: str, threshold: int | None = None) -> dict[str, Any]:
    if threshold is None:
        return {"field": field, "method": "exact", "threshold": 100}
    return {"field": field, "method": "fuzzy", "threshold": threshold}


_NAMES = [_comparison_dict("first_name", 85), _comparison_dict("last_name", 90)]
# Salesforce's standard person rule (reference §4), for leads and contacts alike.
_PERSON = [
    [*_NAMES, _comparison_dict("email")],
    [*_NAMES, _comparison_dict("phone"), _comparison_dict("company", 70)],
    [*_NAMES, _comparison_dict("title", 80), _comparison_dict("company", 70)],
]
_ACCOUNT = [
    [_comparison_dict("name", 80), _comparison_dict("website")],
    [_comparison_dict("name", 80), _comparison_dict("phone")],
    [_comparison_dict("name", 90), _comparison_dict("billing_city")],
]

# Seeded by migration 0005; administrators change them afterwards.
STANDARD_DUPLICATE_RULES: tuple[Mapping[str, Any], ...] = (
    {"object_type": "lead", "name": "Standard lead duplicate rule", "is_active": True,
     "alternatives": _PERSON, "compare_with": ["lead", "contact"],
     "action_on_create": "alert", "action_on_edit": "alert", "sort_order": 1},
    {"object_type": "contact", "name": "Standard contact duplicate rule", "is_active": True,
     "alternatives": _PERSON, "compare_with": ["contact", "lead"],
     "action_on_create": "alert", "action_on_edit": "alert", "sort_order": 1},
    {"object_type": "account", "name": "Standard account duplicate rule", "is_active": True,
     "alternatives": _ACCOUNT, "compare_with": ["account"],
     "action_on_create": "alert", "action_on_edit": "alert", "sort_order": 1},
)  # fmt: skip
