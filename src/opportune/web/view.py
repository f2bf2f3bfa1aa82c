"""Leads shaped for templates: list rows, status badges, the status path, field values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opportune.domain.leads import Lead
from opportune.domain.picklists import LeadStatus
from opportune.services.presenters import LeadLookups
from opportune.web.fields import FieldSpec
from opportune.web.formatting import format_number


def status_kind(status: LeadStatus) -> str:
    """A badge colour family: new, working, converted or closed."""
    if status.is_converted:
        return "converted"
    if status.is_closed:
        return "closed"
    return "new" if status.is_default else "working"


def lead_row(lead: Lead, lookups: LeadLookups) -> dict[str, Any]:
    """A lead as one row of the list: its record plus the badge kind of its status."""
    row = lookups.record(lead)
    row["status_kind"] = status_kind(lookups.picklists.status(lead.status_id))
    return row


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of the status path."""

    label: str
    state: str  # done, current, todo or skipped
    is_converted: bool
    needs_close_reason: bool


def status_path(lead: Lead, lookups: LeadLookups) -> list[PathStep]:
    """The active statuses in order, marked done, current or still to do for this lead."""
    statuses = [s for s in lookups.picklists.statuses if s.is_active or s.id == lead.status_id]
    current = next(i for i, s in enumerate(statuses) if s.id == lead.status_id)
    steps = []
    for index, status in enumerate(statuses):
        if index == current:
            state = "current"
        elif index > current:
            state = "todo"
        else:
            # A converted step before a lead closed another way was never reached.
            state = "skipped" if status.is_converted and not lead.is_converted else "done"
        steps.append(PathStep(status.label, state, status.is_converted, status.needs_close_reason))
    return steps


def input_value(spec: FieldSpec, record: dict[str, Any]) -> str:
    """The field's current value as an input holds it."""
    value = record.get(spec.name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def display_value(spec: FieldSpec, record: dict[str, Any]) -> str:
    """The field's current value as the lead page shows it (empty when unset)."""
    if spec.name == "owner_id":
        return str(record.get("owner_name") or "")
    value = record.get(spec.name)
    if spec.kind == "checkbox":
        return "Yes" if value else "No"
    if value is None:
        return ""
    if spec.kind == "number":
        return format_number(value)
    return str(value)
