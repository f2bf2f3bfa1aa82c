"""Configurable value lists (lead statuses, sources, close reasons) and their rules."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from opportune.domain.text import check_no_control_characters
from opportune.errors import FieldError, ValidationError

RATINGS = ("Hot", "Warm", "Cold")
SALUTATIONS = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)  # fmt: skip

DEFAULT_LEAD_STATUSES = (
    # label, is_default, is_converted, is_closed
    ("Open - Not Contacted", True, False, False),
    ("Working - Contacted", False, False, False),
    ("Closed - Converted", False, True, True),
    ("Closed - Not Converted", False, False, True),
)
DEFAULT_LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
DEFAULT_CLOSE_REASONS = (
    "No budget", "No need", "Unresponsive", "Chose a competitor", "Bad contact data",
    "Duplicate", "Other",
)  # fmt: skip

LABEL_MAX = 80


@dataclass(frozen=True, slots=True)
class LeadStatus:
    """One step of the lead qualification process.

    ``is_converted`` statuses are set only by conversion; ``is_closed`` without
    ``is_converted`` means "closed, not converted", which needs a close reason.
    """

    id: int
    label: str
    sort_order: int
    is_default: bool = False
    is_converted: bool = False
    is_closed: bool = False
    is_active: bool = True

    @property
    def needs_close_reason(self) -> bool:
        """True for a closed-but-not-converted status."""
        return self.is_closed and not self.is_converted


@dataclass(frozen=True, slots=True)
class PicklistValue:
    """A value of a simple configurable list (lead source, close reason)."""

    id: int
    label: str
    sort_order: int
    is_active: bool = True


class _Labelled(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def label(self) -> str: ...


_V = TypeVar("_V", bound=_Labelled)


def find_by_label(values: Sequence[_V], label: str) -> _V | None:
    """Find a value by label, ignoring case and surrounding spaces."""
    wanted = label.strip().casefold()
    return next((v for v in values if v.label.casefold() == wanted), None)


def match_choice(choices: Sequence[str], value: str) -> str | None:
    """Return the canonical spelling of ``value`` among ``choices`` (case-insensitive)."""
    wanted = value.strip().casefold()
    if isinstance(choices, tuple):  # fixed choices (a field's): one lookup
        return _folded(choices).get(wanted)
    return next((c for c in choices if c.casefold() == wanted), None)


@functools.lru_cache(maxsize=256)
def _folded(choices: tuple[str, ...]) -> dict[str, str]:
    """Each choice by its case-folded spelling (the first one, if two fold alike)."""
    found: dict[str, str] = {}
    for choice in choices:
        found.setdefault(choice.casefold(), choice)
    return found


def check_status_list(statuses: Sequence[LeadStatus]) -> None:
    """Raise :class:`ValidationError` unless the status list is usable.

    Rules: labels unique and non-empty; exactly one active default, which is neither
    converted nor closed; at least one active converted status.
    """
    errors: list[FieldError] = []
    labels = [s.label.casefold() for s in statuses]
    if len(set(labels)) != len(labels):
        errors.append(FieldError("label", "DUPLICATE_VALUE", "Status labels must be unique"))
    defaults = [s for s in statuses if s.is_default]
    if len(defaults) != 1:
        errors.append(
            FieldError("is_default", "INVALID_DEFAULT", "Exactly one status must be the default")
        )
    elif not defaults[0].is_active or defaults[0].is_closed or defaults[0].is_converted:
        errors.append(
            FieldError(
                "is_default",
                "INVALID_DEFAULT",
                "The default status must be active, open and not converted",
            )
        )
    if not any(s.is_converted and s.is_active for s in statuses):
        errors.append(
            FieldError(
                "is_converted", "INVALID_STATUS", "At least one active converted status is required"
            )
        )
    if errors:
        raise ValidationError(errors)


def check_label(label: str, field: str = "label") -> str:
    """Return the trimmed label or raise when it is empty or too long."""
    cleaned = label.strip()
    if not cleaned:
        raise ValidationError.single(field, "REQUIRED_FIELD_MISSING", "Label is required")
    check_no_control_characters(field, cleaned)
    if "," in cleaned:
        # Filters accept comma-separated labels, so a label cannot contain one.
        raise ValidationError.single(field, "INVALID_CHARACTER", "Label cannot contain a comma")
    if len(cleaned) > LABEL_MAX:
        raise ValidationError.single(
            field, "STRING_TOO_LONG", f"Label must be at most {LABEL_MAX} characters"
        )
    return cleaned
