"""The contact: a person you do business with, belonging to at most one account."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from opportune.domain.fields import (
    STAMP_FIELDS,
    ReadOnly,
    RecordSpec,
    address,
    choice,
    clean_fields,
    email,
    finish_update,
    flag,
    label,
    ref,
    resolve_labels,
    stamp_new,
    text,
)
from opportune.domain.merged import check_not_merged
from opportune.domain.picklists import SALUTATIONS, PicklistValue
from opportune.errors import FieldError, ValidationError

__all__ = [
    "CONTACT",
    "Contact",
    "new_contact",
    "update_contact",
]

CONTACT = RecordSpec(
    noun="contact",
    fields=(
        choice("salutation", SALUTATIONS),
        text("first_name", 40),
        text("last_name", 80, required=True),
        text("title", 128),
        email("email", 80),
        text("phone", 40),
        text("mobile_phone", 40),
        text("fax", 40),
        *address("mailing_"),
        label("lead_source"),
        flag("do_not_call"),
        flag("has_opted_out_of_email"),
        text("description", 32000),
        ref("account_id", "account"),
        ref("owner_id", "user"),
    ),
    read_only=(ReadOnly(STAMP_FIELDS | {"source_id"}),),
)


@dataclass(slots=True)
class Contact:
    """A person at a customer, prospect or partner; ``account_id`` is their one account."""

    last_name: str
    owner_id: int
    id: int | None = None
    salutation: str | None = None
    first_name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    fax: str | None = None
    mailing_street: str | None = None
    mailing_city: str | None = None
    mailing_state: str | None = None
    mailing_postal_code: str | None = None
    mailing_country: str | None = None
    source_id: int | None = None
    do_not_call: bool = False
    has_opted_out_of_email: bool = False
    description: str | None = None
    account_id: int | None = None
    # Set on a record merged into another (kept, hidden from lists; see domain/merge.py).
    merged_into_id: int | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1

    @property
    def name(self) -> str:
        """The contact's full name, as people read it."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def _contact_values(
    raw: Mapping[str, object], sources: Sequence[PicklistValue], *, creating: bool
) -> dict[str, object]:
    """Clean raw input, resolve the source label; raise one error naming every bad field."""
    cleaned, errors = clean_fields(CONTACT, raw, creating=creating)
    values = resolve_labels(cleaned, {"lead_source": ("source_id", sources)}, errors)
    if not creating and "owner_id" in values and values["owner_id"] is None:
        errors.append(
            FieldError("owner_id", "REQUIRED_FIELD_MISSING", "A contact must have an owner")
        )
    if errors:
        raise ValidationError(errors)
    return values


def new_contact(
    raw: Mapping[str, object],
    *,
    sources: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
) -> Contact:
    """Build a valid new contact from raw input; raise :class:`ValidationError` otherwise.

    ``lead_source`` is a lead source label (any case); without an owner, the contact
    belongs to the actor. Whether ``account_id`` exists is the service's check.
    """
    values = _contact_values(raw, sources, creating=True)
    owner_id = values.pop("owner_id", None) or actor_id
    contact = Contact(**values, owner_id=owner_id)  # type: ignore[arg-type]
    return stamp_new(contact, actor_id=actor_id, now=now)


def update_contact(
    contact: Contact,
    raw: Mapping[str, object],
    *,
    sources: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
) -> tuple[Contact, list[str]]:
    """Apply raw changes to a contact; return the new contact and the changed fields.

    Setting ``account_id`` moves the contact to that account; ``None`` detaches it. A
    contact merged into another is read-only.
    """
    check_not_merged(contact)
    values = _contact_values(raw, sources, creating=False)
    updated = dataclasses.replace(contact, **values)  # type: ignore[arg-type]
    return finish_update(contact, updated, actor_id=actor_id, now=now)
