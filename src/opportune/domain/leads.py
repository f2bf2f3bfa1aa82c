"""The lead: its fields, validation and the rules of its lifecycle before conversion."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from opportune.domain.emails import normalize_email
from opportune.domain.picklists import (
    INDUSTRIES,
    RATINGS,
    SALUTATIONS,
    LeadStatus,
    PicklistValue,
    find_by_label,
    match_choice,
)
from opportune.domain.text import check_no_control_characters
from opportune.errors import ConvertedLeadError, FieldError, ValidationError

# Maximum lengths, as in Salesforce where it has one.
TEXT_LIMITS: dict[str, int] = {
    "first_name": 40, "last_name": 80, "company": 255, "title": 128, "email": 80,
    "phone": 40, "mobile_phone": 40, "fax": 40, "website": 255, "street": 255, "city": 40,
    "state": 80, "postal_code": 20, "country": 80, "description": 32000,
}  # fmt: skip
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "salutation": SALUTATIONS, "rating": RATINGS, "industry": INDUSTRIES,
}  # fmt: skip
BOOL_FIELDS = frozenset({"do_not_call", "has_opted_out_of_email"})
REFERENCE_FIELDS = frozenset({"status", "lead_source", "close_reason", "owner_id"})
NUMBER_FIELDS = frozenset({"annual_revenue", "number_of_employees"})
REQUIRED_FIELDS = ("last_name", "company")
CONVERSION_FIELDS = frozenset(
    {"is_converted", "converted_date", "converted_account_id", "converted_contact_id",
     "converted_opportunity_id"}
)  # fmt: skip
SYSTEM_FIELDS = frozenset(
    {"id", "created_at", "created_by_id", "updated_at", "updated_by_id", "is_unread_by_owner",
     "version", "status_id", "source_id", "close_reason_id"}
)  # fmt: skip
EDITABLE_FIELDS = (
    frozenset(TEXT_LIMITS)
    | frozenset(CHOICE_FIELDS)
    | BOOL_FIELDS
    | REFERENCE_FIELDS
    | NUMBER_FIELDS
)
MAX_EMPLOYEES = 2**31 - 1  # the column is a 32-bit integer on every database
MAX_REVENUE = Decimal("1e18")
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


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


# --- cleaning raw input -------------------------------------------------------------------


def _clean_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _field_error(name, "INVALID_TYPE", "Must be text")
    check_no_control_characters(name, value)
    cleaned = value.strip()
    if not cleaned:
        return None
    limit = TEXT_LIMITS[name]
    if len(cleaned) > limit:
        raise _field_error(name, "STRING_TOO_LONG", f"Must be at most {limit} characters")
    if name == "email":
        return normalize_email(cleaned)
    return cleaned


def _clean_choice(name: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    choices = CHOICE_FIELDS[name]
    found = match_choice(choices, value) if isinstance(value, str) else None
    if found is None:
        raise _field_error(
            name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {', '.join(choices)}"
        )
    return found


def _clean_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _field_error(name, "INVALID_TYPE", "Must be true or false")


def _clean_number(name: str, value: object) -> Decimal | int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _field_error(name, "INVALID_TYPE", "Must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise _field_error(name, "INVALID_TYPE", "Must be a number") from exc
    if not number.is_finite() or number < 0:
        raise _field_error(name, "NUMBER_OUTSIDE_VALID_RANGE", "Must be zero or more")
    if name == "number_of_employees":
        if number != number.to_integral_value() or number > MAX_EMPLOYEES:
            raise _field_error(name, "INVALID_TYPE", "Must be a whole number of employees")
        return int(number)
    if number >= MAX_REVENUE:
        raise _field_error(name, "NUMBER_OUTSIDE_VALID_RANGE", "Is too large")
    return number.quantize(Decimal("0.01"))


def _clean_reference(name: str, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "owner_id":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _field_error(name, "INVALID_CROSS_REFERENCE_KEY", "Must be a user id")
        try:
            return int(value)
        except ValueError as exc:
            raise _field_error(name, "INVALID_CROSS_REFERENCE_KEY", "Must be a user id") from exc
    if not isinstance(value, str):
        raise _field_error(name, "INVALID_TYPE", "Must be a label")
    return value.strip()


def _field_error(name: str, code: str, message: str) -> ValidationError:
    return ValidationError.single(name, code, message)


def _clean_one(name: str, value: object) -> object:
    if name in TEXT_LIMITS:
        return _clean_text(name, value)
    if name in CHOICE_FIELDS:
        return _clean_choice(name, value)
    if name in BOOL_FIELDS:
        return _clean_bool(name, value)
    if name in NUMBER_FIELDS:
        return _clean_number(name, value)
    return _clean_reference(name, value)


def _unknown_field_error(name: str) -> FieldError:
    if name in CONVERSION_FIELDS:
        return FieldError(
            name, "INVALID_FIELD_FOR_INSERT_UPDATE", "Only lead conversion can set this field"
        )
    if name in SYSTEM_FIELDS:
        return FieldError(name, "INVALID_FIELD_FOR_INSERT_UPDATE", "This field is read-only")
    return FieldError(name, "INVALID_FIELD", "No such lead field")


def clean_lead_fields(raw: Mapping[str, object], *, creating: bool = False) -> dict[str, object]:
    """Validate and normalise raw lead input; raise one error naming every bad field.

    When ``creating``, required fields that are absent are reported along with the rest.

    Text is trimmed (empty becomes ``None``), lengths and email are checked, picklist
    values are matched case-insensitively, numbers and booleans are parsed.
    """
    cleaned: dict[str, object] = {}
    errors: list[FieldError] = []
    for name, value in raw.items():
        if name not in EDITABLE_FIELDS:
            errors.append(_unknown_field_error(name))
            continue
        try:
            cleaned[name] = _clean_one(name, value)
        except ValidationError as exc:
            errors.extend(exc.fields)
    for name in REQUIRED_FIELDS:
        present = name in raw or creating
        if present and cleaned.get(name) is None and not _has_error(errors, name):
            errors.append(FieldError(name, "REQUIRED_FIELD_MISSING", "Is required"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _has_error(errors: list[FieldError], name: str) -> bool:
    return any(e.field == name for e in errors)


# --- references: status, source, close reason ---------------------------------------------


def _resolve_status(label: str, picklists: LeadPicklists) -> LeadStatus:
    status = find_by_label(picklists.statuses, label)
    if status is None or not status.is_active:
        choices = ", ".join(s.label for s in picklists.statuses if s.is_active)
        raise _field_error(
            "status", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {choices}"
        )
    if status.is_converted:
        raise _field_error(
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
        raise _field_error(
            name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {choices}"
        )
    return found.id


def _resolve_label(name: str, label: str | None, picklists: LeadPicklists) -> int | None:
    if name == "status":
        return None if label is None else _resolve_status(label, picklists).id
    values = picklists.sources if name == "lead_source" else picklists.close_reasons
    return _resolve_value(name, label, values)


def _resolve_references(cleaned: dict[str, object], picklists: LeadPicklists) -> dict[str, object]:
    """Turn label inputs (status, lead_source, close_reason) into ids on the lead's columns."""
    values = dict(cleaned)
    errors: list[FieldError] = []
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
    if errors:
        raise ValidationError(errors)
    return values


def _check_close_reason(lead: Lead, picklists: LeadPicklists) -> None:
    status = picklists.status(lead.status_id)
    if status.needs_close_reason and lead.close_reason_id is None:
        choices = ", ".join(v.label for v in picklists.close_reasons if v.is_active)
        raise _field_error(
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
    values = _resolve_references(clean_lead_fields(raw, creating=True), picklists)
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
    """Raise :class:`ConvertedLeadError` for a converted lead, which is read-only."""
    if lead.is_converted:
        raise ConvertedLeadError(f"Lead {lead.id} is converted and can no longer be edited")


def update_lead(
    lead: Lead,
    raw: Mapping[str, object],
    *,
    picklists: LeadPicklists,
    actor_id: int,
    now: datetime,
) -> tuple[Lead, list[str]]:
    """Apply raw changes to a lead; return the new lead and the names of changed columns.

    A converted lead is read-only. Reassigning to someone else marks the lead unread by
    its new owner; an edit by the owner marks it read.
    """
    check_editable(lead)
    values = _resolve_references(clean_lead_fields(raw), picklists)
    if "owner_id" in values and values["owner_id"] is None:
        raise _field_error("owner_id", "REQUIRED_FIELD_MISSING", "A lead must have an owner")
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
