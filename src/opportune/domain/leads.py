"""The lead: the record, and the rules of its lifecycle before conversion."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from opportune.domain.lead_fields import clean_fields, field_error
from opportune.domain.merged import check_not_merged
from opportune.domain.picklists import LeadStatus, PicklistValue, find_by_label
from opportune.errors import ConvertedLeadError, FieldError, ValidationError

__all__ = [
    "Lead",
    "LeadPicklists",
    "check_editable",
    "mark_read_by",
    "new_lead",
    "update_lead",
]


@dataclass(slots=True)
class Lead:
    """A person you want to do business with who has not yet said they want to."""

    last_name: str
    company: str
    status_id: int
    owner_id: int
    id: int | None = None
    salutation: str | None = None
    first_name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    fax: str | None = None
    website: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    source_id: int | None = None
    rating: str | None = None
    industry: str | None = None
    annual_revenue: Decimal | None = None
    number_of_employees: int | None = None
    description: str | None = None
    close_reason_id: int | None = None
    is_unread_by_owner: bool = False
    do_not_call: bool = False
    has_opted_out_of_email: bool = False
    is_converted: bool = False
    converted_date: date | None = None
    converted_account_id: int | None = None
    converted_contact_id: int | None = None
    converted_opportunity_id: int | None = None
    campaign: str | None = None
    queue_id: int | None = None
    merged_into_id: int | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1

    @property
    def name(self) -> str:
        """The lead's full name, as people read it."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class LeadPicklists:
    """The configurable lists a lead refers to, loaded by the service for the domain rules."""

    statuses: tuple[LeadStatus, ...]
    sources: tuple[PicklistValue, ...]
    close_reasons: tuple[PicklistValue, ...] = field(default=())

    @property
    def default_status(self) -> LeadStatus:
        """The status every new lead gets."""
        return next(s for s in self.statuses if s.is_default)

    def status(self, status_id: int) -> LeadStatus:
        """The status with this id."""
        return next(s for s in self.statuses if s.id == status_id)


# --- references: status, source, close reason ---------------------------------------------


def _resolve_status(label: str, picklists: LeadPicklists) -> LeadStatus:
    status = find_by_label(picklists.statuses, label)
    if status is None or not status.is_active:
        choices = ", ".join(s.label for s in picklists.statuses if s.is_active)
        raise field_error(
            "status", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {choices}"
        )
    if status.is_converted:
        raise field_error(
            "status",
            "INVALID_STATUS",
            f"'{status.label}' can only be set by converting the lead",
        )
    return status


def _resolve_value(name: str, label: str | None, values: tuple[PicklistValue, ...]) -> int | None:
    if label is None:
        return None
    found = find_by_label(values, label)
    if found is None or not found.is_active:
        choices = ", ".join(v.label for v in values if v.is_active)
        raise field_error(
            name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {choices}"
        )
    return found.id


def _resolve_label(name: str, label: str | None, picklists: LeadPicklists) -> int | None:
    if name == "status":
        return None if label is None else _resolve_status(label, picklists).id
    values = picklists.sources if name == "lead_source" else picklists.close_reasons
    return _resolve_value(name, label, values)


def _lead_values(
    raw: Mapping[str, object], picklists: LeadPicklists, *, creating: bool
) -> dict[str, object]:
    """Clean raw input and resolve its labels; raise one error naming every bad field."""
    cleaned, errors = clean_fields(raw, creating=creating)
    values = _resolve_references(cleaned, picklists, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _resolve_references(
    cleaned: dict[str, object], picklists: LeadPicklists, errors: list[FieldError]
) -> dict[str, object]:
    """Turn label inputs (status, lead_source, close_reason) into ids, adding to ``errors``."""
    values = dict(cleaned)
    for name, column in (
        ("status", "status_id"),
        ("lead_source", "source_id"),
        ("close_reason", "close_reason_id"),
    ):
        if name not in values:
            continue
        label = values.pop(name)
        try:
            values[column] = _resolve_label(name, None if label is None else str(label), picklists)
        except ValidationError as exc:
            errors.extend(exc.fields)
    if "status_id" in values and values["status_id"] is None:
        errors.append(FieldError("status", "REQUIRED_FIELD_MISSING", "Is required"))
    return values


def _check_close_reason(lead: Lead, picklists: LeadPicklists) -> None:
    status = picklists.status(lead.status_id)
    if status.needs_close_reason and lead.close_reason_id is None:
        choices = ", ".join(v.label for v in picklists.close_reasons if v.is_active)
        raise field_error(
            "close_reason",
            "REQUIRED_FIELD_MISSING",
            f"A reason is required to close a lead as '{status.label}' (one of: {choices})",
        )
    if not status.needs_close_reason:
        lead.close_reason_id = None


# --- lifecycle ----------------------------------------------------------------------------


def new_lead(
    raw: Mapping[str, object], *, picklists: LeadPicklists, actor_id: int, now: datetime
) -> Lead:
    """Build a valid new lead from raw input; raise :class:`ValidationError` otherwise.

    A lead without a status gets the default one; without an owner it belongs to the
    actor. A lead assigned to someone else starts unread by its owner.
    """
    values = _lead_values(raw, picklists, creating=True)
    values.setdefault("status_id", picklists.default_status.id)
    owner_id = values.pop("owner_id", None) or actor_id
    assert isinstance(owner_id, int)
    lead = Lead(**values, owner_id=owner_id)  # type: ignore[arg-type]
    _check_close_reason(lead, picklists)
    lead.is_unread_by_owner = owner_id != actor_id
    lead.created_at = lead.updated_at = now
    lead.created_by_id = lead.updated_by_id = actor_id
    return lead


def check_editable(lead: Lead) -> None:
    """Raise :class:`ConvertedLeadError` for a converted lead and
    :class:`~opportune.errors.MergedRecordError` for a lead merged into another: both are
    read-only."""
    if lead.is_converted:
        raise ConvertedLeadError(f"Lead {lead.id} is converted and can no longer be edited")
    check_not_merged(lead)


def update_lead(
    lead: Lead,
    raw: Mapping[str, object],
    *,
    picklists: LeadPicklists,
    actor_id: int,
    now: datetime,
) -> tuple[Lead, list[str]]:
    """Apply raw changes to a lead; return the new lead and the names of changed columns.

    A converted or merged lead is read-only. Reassigning to someone else marks the lead
    unread by its new owner; an edit by the owner marks it read.
    """
    check_editable(lead)
    values = _lead_values(raw, picklists, creating=False)
    if "owner_id" in values and values["owner_id"] is None:
        raise field_error("owner_id", "REQUIRED_FIELD_MISSING", "A lead must have an owner")
    updated = dataclasses.replace(lead, **values)  # type: ignore[arg-type]
    _check_close_reason(updated, picklists)
    if _changed_fields(lead, updated):
        if updated.owner_id != lead.owner_id:
            updated.is_unread_by_owner = updated.owner_id != actor_id
        updated.version = lead.version + 1
        updated.updated_at = now
        updated.updated_by_id = actor_id
    if actor_id == updated.owner_id and updated.owner_id == lead.owner_id:
        updated.is_unread_by_owner = False
    return updated, _changed_fields(lead, updated)


def _changed_fields(before: Lead, after: Lead) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(Lead)
        if getattr(after, f.name) != getattr(before, f.name)
    ]


def mark_read_by(lead: Lead, viewer_id: int) -> bool:
    """Mark the lead read when its owner opens it; return True when that changed it."""
    if lead.is_unread_by_owner and lead.owner_id == viewer_id:
        lead.is_unread_by_owner = False
        return True
    return False
