"""Duplicate rules: which records are compared, by which matching rule, and what happens.

A duplicate rule belongs to one kind of record (lead, contact, account); it compares a new
or edited record with existing records of the kinds in ``compare_with`` by a matching rule
(:mod:`opportune.domain.matching`), and its action on create and on edit says what a match
does: *allow* (nothing), *alert* (the user is told and may go on), *report* (recorded for
the duplicates report) or *block* (refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["STANDARD_DUPLICATE_RULES"]


def _comparison(field: str, threshold: int | None = None) -> dict[str, Any]:
    if threshold is None:
        return {"field": field, "method": "exact", "threshold": 100}
    return {"field": field, "method": "fuzzy", "threshold": threshold}


_NAMES = [_comparison("first_name", 85), _comparison("last_name", 90)]
# Salesforce's standard person rule (reference §4), for leads and contacts alike.
_PERSON = [
    [*_NAMES, _comparison("email")],
    [*_NAMES, _comparison("phone"), _comparison("company", 70)],
    [*_NAMES, _comparison("title", 80), _comparison("company", 70)],
]
_ACCOUNT = [
    [_comparison("name", 80), _comparison("website")],
    [_comparison("name", 80), _comparison("phone")],
    [_comparison("name", 90), _comparison("billing_city")],
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
