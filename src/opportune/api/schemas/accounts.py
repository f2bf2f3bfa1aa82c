"""Request and response bodies of the account and contact endpoints.

As for leads, field *types* are checked here and business rules (lengths, email, choices,
the lead source label, owners and accounts that must exist) stay in the domain; lengths
and choices are documented from the domain's own field specs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.accounts import ACCOUNT
from opportune.domain.contacts import CONTACT
from opportune.domain.fields import MAX_INT, STAMP_FIELDS, RecordSpec
from opportune.services.accounts import ACCOUNT_SORTS, AccountFilters
from opportune.services.contacts import CONTACT_SORTS, ContactFilters
from opportune.services.list_filters import DEFAULT_SORT

READ_ONLY = "This field is read-only"


def _text(spec: RecordSpec, name: str, description: str | None = None) -> Any:
    return Field(
        default=None,
        description=description,
        json_schema_extra={"maxLength": spec.text_limits()[name]},
    )


def _choice(spec: RecordSpec, name: str) -> Any:
    choices = spec.choice_lists()[name]
    return Field(default=None, description=f"One of (any case): {', '.join(choices)}")


def _owner() -> Any:
    return Field(
        default=None, ge=1, le=MAX_ID, description="An active user's id; the caller if not given"
    )


def _sort(sorts: Iterable[str]) -> Any:
    return Field(
        default=DEFAULT_SORT,
        description=f"A field, `-` first for descending: {', '.join(sorts)}",
    )


# --- accounts -----------------------------------------------------------------------------


class AccountUpdate(RequestModel):
    """Changes to an account: send only the fields to change; ``null`` clears a field."""

    read_only: ClassVar[dict[str, str]] = dict.fromkeys(
        STAMP_FIELDS | {"source_id", "owner_name", "parent_account_name"}, READ_ONLY
    )

    name: str | None = _text(ACCOUNT, "name", "Required; cannot be cleared")
    website: str | None = _text(ACCOUNT, "website")
    phone: str | None = _text(ACCOUNT, "phone")
    fax: str | None = _text(ACCOUNT, "fax")
    industry: str | None = _choice(ACCOUNT, "industry")
    annual_revenue: Decimal | None = Field(
        default=None, description="A number or a decimal string, zero or more, two decimals kept"
    )
    number_of_employees: StrictInt | None = Field(default=None, ge=0, le=MAX_INT)
    rating: str | None = _choice(ACCOUNT, "rating")
    billing_street: str | None = _text(ACCOUNT, "billing_street")
    billing_city: str | None = _text(ACCOUNT, "billing_city")
    billing_state: str | None = _text(ACCOUNT, "billing_state")
    billing_postal_code: str | None = _text(ACCOUNT, "billing_postal_code")
    billing_country: str | None = _text(ACCOUNT, "billing_country")
    shipping_street: str | None = _text(ACCOUNT, "shipping_street")
    shipping_city: str | None = _text(ACCOUNT, "shipping_city")
    shipping_state: str | None = _text(ACCOUNT, "shipping_state")
    shipping_postal_code: str | None = _text(ACCOUNT, "shipping_postal_code")
    shipping_country: str | None = _text(ACCOUNT, "shipping_country")
    account_source: str | None = Field(default=None, description="A lead source label (any case)")
    parent_account_id: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="An account that is not this one nor below it in its hierarchy",
    )
    owner_id: StrictInt | None = _owner()
    description: str | None = _text(ACCOUNT, "description")


class AccountCreate(AccountUpdate):
    """A new account: the name is required; the owner defaults to the caller."""

    # Presence is checked by the domain so a missing name is reported with every other
    # problem of the request; the schema still documents it as required.
    model_config = ConfigDict(json_schema_extra={"required": list(ACCOUNT.required)})


class AccountListParams(RequestModel):
    """Query parameters of the account list; repeat a parameter (or use commas) for several."""

    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    industry: list[str] = Field(default_factory=list, description="Industries (any case)")
    rating: list[str] = Field(default_factory=list, description="Hot, Warm or Cold")
    q: str | None = Field(default=None, description="Search in name and website")
    created_from: date | None = Field(default=None, description="Created on or after this day")
    created_to: date | None = Field(default=None, description="Created on or before this day")
    sort: str = _sort(ACCOUNT_SORTS)
    cursor: str | None = Field(default=None, description="`next_cursor` or `prev_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")
    with_total: bool = Field(default=False, description="Count all matching accounts too")

    def to_filters(self, default_limit: int) -> AccountFilters:
        """The account service's filters for these parameters."""
        values = self.model_dump()
        values["limit"] = self.limit if self.limit is not None else default_limit
        return AccountFilters(**values)


class AccountOut(BaseModel):
    """An account as every interface shows it: the source as a label, owner and parent named."""

    id: int
    name: str
    website: str | None
    phone: str | None
    fax: str | None
    industry: str | None
    annual_revenue: str | None = Field(description="A decimal string", examples=["250000.00"])
    number_of_employees: int | None
    rating: str | None
    billing_street: str | None
    billing_city: str | None
    billing_state: str | None
    billing_postal_code: str | None
    billing_country: str | None
    shipping_street: str | None
    shipping_city: str | None
    shipping_state: str | None
    shipping_postal_code: str | None
    shipping_country: str | None
    account_source: str | None
    parent_account_id: int | None
    parent_account_name: str | None
    description: str | None
    owner_id: int
    owner_name: str | None
    merged_into_id: int | None = Field(None, description="Set on an account merged into another")
    created_at: datetime
    created_by_id: int
    updated_at: datetime
    updated_by_id: int
    version: int = Field(description="Send it back as `If-Match` to refuse lost updates")


class AccountPageOut(BaseModel):
    """One page of accounts. Follow the cursors to move; ``total`` only with ``with_total``."""

    items: list[AccountOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None


# --- contacts -----------------------------------------------------------------------------


class ContactUpdate(RequestModel):
    """Changes to a contact: send only the fields to change; ``null`` clears a field."""

    read_only: ClassVar[dict[str, str]] = dict.fromkeys(
        STAMP_FIELDS | {"source_id", "name", "owner_name", "account_name"}, READ_ONLY
    )

    salutation: str | None = _choice(CONTACT, "salutation")
    first_name: str | None = _text(CONTACT, "first_name")
    last_name: str | None = _text(CONTACT, "last_name", "Required; cannot be cleared")
    title: str | None = _text(CONTACT, "title")
    email: str | None = _text(CONTACT, "email", "A valid email address")
    phone: str | None = _text(CONTACT, "phone")
    mobile_phone: str | None = _text(CONTACT, "mobile_phone")
    fax: str | None = _text(CONTACT, "fax")
    mailing_street: str | None = _text(CONTACT, "mailing_street")
    mailing_city: str | None = _text(CONTACT, "mailing_city")
    mailing_state: str | None = _text(CONTACT, "mailing_state")
    mailing_postal_code: str | None = _text(CONTACT, "mailing_postal_code")
    mailing_country: str | None = _text(CONTACT, "mailing_country")
    lead_source: str | None = Field(default=None, description="A lead source label (any case)")
    do_not_call: StrictBool | None = None
    has_opted_out_of_email: StrictBool | None = None
    description: str | None = _text(CONTACT, "description")
    account_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ID, description="The contact's account; `null` detaches it"
    )
    owner_id: StrictInt | None = _owner()


class ContactCreate(ContactUpdate):
    """A new contact: the last name is required; the owner defaults to the caller."""

    model_config = ConfigDict(json_schema_extra={"required": list(CONTACT.required)})


class ContactListParams(RequestModel):
    """Query parameters of the contact list; repeat a parameter (or use commas) for several."""

    account: list[str] = Field(default_factory=list, description="Account ids")
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    q: str | None = Field(default=None, description="Search in first name, last name and email")
    created_from: date | None = Field(default=None, description="Created on or after this day")
    created_to: date | None = Field(default=None, description="Created on or before this day")
    sort: str = _sort(CONTACT_SORTS)
    cursor: str | None = Field(default=None, description="`next_cursor` or `prev_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")
    with_total: bool = Field(default=False, description="Count all matching contacts too")

    def to_filters(self, default_limit: int) -> ContactFilters:
        """The contact service's filters for these parameters."""
        values = self.model_dump()
        values["limit"] = self.limit if self.limit is not None else default_limit
        return ContactFilters(**values)


class ContactOut(BaseModel):
    """A contact as every interface shows it: the source as a label, owner and account named."""

    id: int
    name: str = Field(description="First and last name")
    salutation: str | None
    first_name: str | None
    last_name: str
    title: str | None
    email: str | None
    phone: str | None
    mobile_phone: str | None
    fax: str | None
    mailing_street: str | None
    mailing_city: str | None
    mailing_state: str | None
    mailing_postal_code: str | None
    mailing_country: str | None
    lead_source: str | None
    do_not_call: bool
    has_opted_out_of_email: bool
    description: str | None
    account_id: int | None
    account_name: str | None
    owner_id: int
    owner_name: str | None
    merged_into_id: int | None = Field(None, description="Set on a contact merged into another")
    created_at: datetime
    created_by_id: int
    updated_at: datetime
    updated_by_id: int
    version: int = Field(description="Send it back as `If-Match` to refuse lost updates")


class ContactPageOut(BaseModel):
    """One page of contacts. Follow the cursors to move; ``total`` only with ``with_total``."""

    items: list[ContactOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None


class ContactListOut(BaseModel):
    """All the contacts of an account, by name."""

    items: list[ContactOut]


# --- history ------------------------------------------------------------------------------


class FieldHistoryOut(BaseModel):
    """One change of one field: old and new value as text, who changed it and when.

    The lead source is shown by label under its input name (``account_source`` or
    ``lead_source``)."""

    field: str
    old_value: str | None
    new_value: str | None
    changed_by_id: int
    changed_by_name: str | None
    changed_at: datetime


class FieldHistoryListOut(BaseModel):
    """A record's field history, newest first."""

    items: list[FieldHistoryOut]
