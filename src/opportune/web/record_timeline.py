"""Field history as a timeline: which field, old value to new value, who and when.

History stores values as text and references as ids (``owner_id``, ``stage_id``...);
the timeline shows labels and names instead, as the record page does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from opportune.domain.field_history import FieldChange
from opportune.domain.picklists import PicklistValue
from opportune.services.presenters import LeadLookups
from opportune.web import fields as lead_fields
from opportune.web.formatting import format_date, format_number
from opportune.web.record_data import RecordLookups
from opportune.web.record_fields import address_part_label
from opportune.web.record_pages import RecordPage

Namer = Callable[[int], str | None]
# Columns history keeps under another name than the field people edit.
COLUMN_LABELS = {
    "source_id": "Source", "lead_source_id": "Lead source", "stage_id": "Stage",
    "lost_reason_id": "Lost reason", "status_id": "Status", "close_reason_id": "Close reason",
    "owner_id": "Owner", "is_closed": "Closed", "is_won": "Won", "currency_code": "Currency",
}  # fmt: skip
# The input fields that set those columns, whose labels the pages know.
INPUT_NAMES = {
    "source_id": ("account_source", "lead_source"), "lead_source_id": ("lead_source",),
    "stage_id": ("stage",), "lost_reason_id": ("lost_reason",),
}  # fmt: skip
MONEY_FIELDS = frozenset({"amount", "annual_revenue"})


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change as the timeline shows it."""

    field: str
    old: str
    new: str
    who: str
    when: datetime


def _label_of(values: Sequence[PicklistValue]) -> Namer:
    return lambda value_id: next((v.label for v in values if v.id == value_id), None)


def record_namers(lookups: RecordLookups) -> dict[str, Namer]:
    """How to name the ids an account's, contact's or opportunity's history holds."""
    pipeline = lookups.opportunity.pipeline
    sources = _label_of(lookups.opportunity.lead_sources)
    return {
        "owner_id": lookups.user_name, "account_id": lookups.account_name,
        "parent_account_id": lookups.account_name, "source_id": sources,
        "lead_source_id": sources, "lost_reason_id": _label_of(pipeline.lost_reasons),
        "stage_id": lambda i: next((s.label for s in pipeline.stages if s.id == i), None),
    }  # fmt: skip


def lead_namers(lookups: LeadLookups) -> dict[str, Namer]:
    """How to name the ids a lead's history holds."""
    picklists = lookups.picklists
    return {
        "owner_id": lookups.user_name, "source_id": _label_of(picklists.sources),
        "close_reason_id": _label_of(picklists.close_reasons),
        "status_id": lambda i: next((s.label for s in picklists.statuses if s.id == i), None),
    }  # fmt: skip


def history_ids(changes: Sequence[FieldChange], names: Sequence[str]) -> set[int]:
    """The ids that ``names`` fields held in these changes (accounts to look up, say)."""
    found: set[int] = set()
    for change in changes:
        if change.field in names:
            found.update(int(v) for v in (change.old_value, change.new_value) if v and v.isdigit())
    return found


def field_label(name: str, page: RecordPage | None) -> str:
    """The label a history field goes by on its page."""
    for candidate in (name, *INPUT_NAMES.get(name, ())):
        spec = page.field(candidate) if page else None
        if spec is not None:
            return spec.label
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    if page is None:
        return lead_fields.field_label(name)
    return address_part_label(name) or name.replace("_id", "").replace("_", " ").capitalize()


def shown_value(name: str, value: str | None, namers: Mapping[str, Namer]) -> str:
    """A stored history value as people read it ('—' for none)."""
    if value is None or value == "":
        return "—"
    if name in namers and value.isdigit():
        return namers[name](int(value)) or f"#{value}"
    if value in ("true", "false"):
        return "Yes" if value == "true" else "No"
    if name in MONEY_FIELDS or name == "number_of_employees":
        return _number(value)
    return _date(value) or value


def _number(value: str) -> str:
    try:
        return format_number(Decimal(value))
    except InvalidOperation:
        return value


def _date(value: str) -> str | None:
    if len(value) != 10:
        return None
    try:
        return format_date(date.fromisoformat(value))
    except ValueError:
        return None


def timeline(
    changes: Sequence[FieldChange],
    page: RecordPage | None,
    namers: Mapping[str, Namer],
    user_name: Namer,
) -> list[TimelineEntry]:
    """The changes as timeline entries, in the order given (history comes newest first)."""
    return [
        TimelineEntry(
            field=field_label(c.field, page),
            old=shown_value(c.field, c.old_value, namers),
            new=shown_value(c.field, c.new_value, namers),
            who=user_name(c.changed_by_id) or "Someone",
            when=c.changed_at,
        )
        for c in changes
    ]
