"""The account: a company or organisation you do business with, and its hierarchy rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from opportune.domain.fields import (
    STAMP_FIELDS,
    ReadOnly,
    RecordSpec,
    address,
    choice,
    clean_fields,
    decimal,
    finish_update,
    integer,
    label,
    ref,
    resolve_labels,
    stamp_new,
    text,
)
from opportune.domain.merged import check_not_merged
from opportune.domain.picklists import INDUSTRIES, RATINGS, PicklistValue
from opportune.errors import FieldError, ValidationError

__all__ = [
    "ACCOUNT",
    "Account",
    "check_parent",
    "new_account",
    "update_account",
]

ACCOUNT = RecordSpec(
    noun="account",
    fields=(
        text("name", 255, required=True),
        text("website", 255),
        text("phone", 40),
        text("fax", 40),
        choice("industry", INDUSTRIES),
        decimal("annual_revenue"),
        integer("number_of_employees", what="employees"),
        choice("rating", RATINGS),
        *address("billing_"),
        *address("shipping_"),
        label("account_source"),
        ref("parent_account_id", "account"),
        ref("owner_id", "user"),
        text("description", 32000),
    ),
    read_only=(ReadOnly(STAMP_FIELDS | {"source_id"}),),
)
CYCLE = "CIRCULAR_DEPENDENCY"


@dataclass(slots=True)
class Account:
    """A company or organisation: the customer, prospect or partner behind the people."""

    name: str
    owner_id: int
    id: int | None = None
    website: str | None = None
    phone: str | None = None
    fax: str | None = None
    industry: str | None = None
    annual_revenue: Decimal | None = None
    number_of_employees: int | None = None
    rating: str | None = None
    billing_street: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_postal_code: str | None = None
    billing_country: str | None = None
    shipping_street: str | None = None
    shipping_city: str | None = None
    shipping_state: str | None = None
    shipping_postal_code: str | None = None
    shipping_country: str | None = None
    source_id: int | None = None
    parent_account_id: int | None = None
    description: str | None = None
    # Set on a record merged into another (kept, hidden from lists; see domain/merge.py).
    merged_into_id: int | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1


def _account_values(
    raw: Mapping[str, object],
    sources: Sequence[PicklistValue],
    *,
    account_id: int | None,
    creating: bool,
) -> dict[str, object]:
    """Clean raw input, resolve the source label; raise one error naming every bad field."""
    cleaned, errors = clean_fields(ACCOUNT, raw, creating=creating)
    values = resolve_labels(cleaned, {"account_source": ("source_id", sources)}, errors)
    if not creating and "owner_id" in values and values["owner_id"] is None:
        errors.append(
            FieldError("owner_id", "REQUIRED_FIELD_MISSING", "An account must have an owner")
        )
    parent_id = values.get("parent_account_id")
    if account_id is not None and parent_id == account_id:
        errors.append(_self_parent_error())
    if errors:
        raise ValidationError(errors)
    return values


def new_account(
    raw: Mapping[str, object],
    *,
    sources: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
) -> Account:
    """Build a valid new account from raw input; raise :class:`ValidationError` otherwise.

    ``account_source`` is a lead source label (any case); without an owner, the account
    belongs to the actor.
    """
    values = _account_values(raw, sources, account_id=None, creating=True)
    owner_id = values.pop("owner_id", None) or actor_id
    account = Account(**values, owner_id=owner_id)  # type: ignore[arg-type]
    return stamp_new(account, actor_id=actor_id, now=now)


def update_account(
    account: Account,
    raw: Mapping[str, object],
    *,
    sources: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
) -> tuple[Account, list[str]]:
    """Apply raw changes to an account; return the new account and the changed fields.

    Only the account-is-its-own-parent cycle is caught here; the service checks the
    rest of the hierarchy with :func:`check_parent`, which needs the parent's ancestors.
    An account merged into another is read-only.
    """
    check_not_merged(account)
    values = _account_values(raw, sources, account_id=account.id, creating=False)
    updated = dataclasses.replace(account, **values)  # type: ignore[arg-type]
    return finish_update(account, updated, actor_id=actor_id, now=now)


def check_parent(
    account_id: int | None, parent_id: int | None, ancestors_of_parent: Iterable[int]
) -> None:
    """Refuse a parent that would make a cycle: the account itself or one of its children.

    ``ancestors_of_parent`` are the ids above the proposed parent (its parent, that one's
    parent, and so on). If the account is among them, the parent sits below the account,
    and making it the parent would close a loop that no hierarchy view could draw.
    """
    if account_id is None or parent_id is None:
        return
    if parent_id == account_id:
        raise ValidationError([_self_parent_error()])
    if account_id in set(ancestors_of_parent):
        raise ValidationError.single(
            "parent_account_id",
            CYCLE,
            f"Account {parent_id} is below this account in its hierarchy and cannot be its parent",
        )


def _self_parent_error() -> FieldError:
    return FieldError("parent_account_id", CYCLE, "An account cannot be its own parent")
