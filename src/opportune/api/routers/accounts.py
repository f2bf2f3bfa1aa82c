"""Accounts and contacts: list with filters, create, read, change, delete, and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Header, Path, Query, Request, Response

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.routers.duplicates import save_telling_duplicates
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.accounts import (
    AccountCreate,
    AccountListParams,
    AccountOut,
    AccountPageOut,
    AccountUpdate,
    ContactCreate,
    ContactListOut,
    ContactListParams,
    ContactOut,
    ContactPageOut,
    ContactUpdate,
    FieldHistoryListOut,
    FieldHistoryOut,
)
from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.field_history import FieldChange
from opportune.domain.users import User
from opportune.errors import NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.presenters import LeadLookups

accounts = resource_router("/accounts", tags=["accounts"])
contacts = resource_router("/contacts", tags=["contacts"])

AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="The account's id")]
ContactId = Annotated[int, Path(ge=1, le=MAX_ID, description="The contact's id")]
IfMatch = Annotated[
    str | None,
    Header(
        description="The record's `version` (as in `ETag`) you last read; "
        "the change is refused with 409 STALE_RECORD if the record changed since"
    ),
]
# DELETE moves the record, with what belongs to it, to the recycle bin; 409 for a merged one.
DELETE_RESPONSES = error_responses(401, 403, 404, 409, 422)


# --- accounts -----------------------------------------------------------------------------


@accounts.get("", responses=error_responses(401, 422))
def list_accounts(
    user: CurrentUser, core: OpportuneDep, params: Annotated[AccountListParams, Query()]
) -> AccountPageOut:
    """One page of accounts matching the filters, newest first unless sorted otherwise."""
    page = core.accounts.list(user, params.to_filters(core.settings.page_size_default))
    return AccountPageOut(
        items=_Presenter(core, user).accounts(page.items),
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        total=page.total,
    )


@accounts.post("", status_code=201, responses=error_responses(400, 401, 403, 409, 422))
def create_account(
    body: AccountCreate, user: CurrentUser, core: OpportuneDep, request: Request, response: Response
) -> AccountOut:
    """Create an account; the caller owns it unless another owner is given."""
    data = body.model_dump(exclude_unset=True)
    account = save_telling_duplicates(response, lambda: core.accounts.create(user, data))
    response.headers["Location"] = str(request.url_for("get_account", account_id=account.id))
    return _account_response(core, user, account, response)


@accounts.get("/{account_id}", responses=error_responses(401, 404, 422))
def get_account(
    account_id: AccountId, user: CurrentUser, core: OpportuneDep, response: Response
) -> AccountOut:
    """The account."""
    return _account_response(core, user, core.accounts.get(user, account_id), response)


@accounts.patch("/{account_id}", responses=error_responses(400, 401, 403, 404, 409, 422))
def update_account(
    account_id: AccountId,
    body: AccountUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> AccountOut:
    """Change the fields sent; the others stay as they are."""
    data, version = body.model_dump(exclude_unset=True), _version(if_match)
    account = save_telling_duplicates(
        response, lambda: core.accounts.update(user, account_id, data, expected_version=version)
    )
    return _account_response(core, user, account, response)


@accounts.delete(
    "/{account_id}",
    status_code=204,
    responses=DELETE_RESPONSES,
)
def delete_account(account_id: AccountId, user: CurrentUser, core: OpportuneDep) -> None:
    """Delete an account nothing refers to any more (reps only their own accounts)."""
    core.accounts.delete(user, account_id)


@accounts.get("/{account_id}/contacts", responses=error_responses(401, 404, 422))
def list_account_contacts(
    account_id: AccountId, user: CurrentUser, core: OpportuneDep
) -> ContactListOut:
    """All the account's contacts, by name."""
    return ContactListOut(
        items=_Presenter(core, user).contacts(core.accounts.contacts_of(user, account_id))
    )


@accounts.get("/{account_id}/history", responses=error_responses(401, 404, 422))
def account_history(
    account_id: AccountId, user: CurrentUser, core: OpportuneDep
) -> FieldHistoryListOut:
    """The account's field history, newest first."""
    changes = core.accounts.history(user, account_id)
    return _Presenter(core, user).history(changes, source_field="account_source")


# --- contacts -----------------------------------------------------------------------------


@contacts.get("", responses=error_responses(401, 422))
def list_contacts(
    user: CurrentUser, core: OpportuneDep, params: Annotated[ContactListParams, Query()]
) -> ContactPageOut:
    """One page of contacts matching the filters, newest first unless sorted otherwise."""
    page = core.contacts.list(user, params.to_filters(core.settings.page_size_default))
    return ContactPageOut(
        items=_Presenter(core, user).contacts(page.items),
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
        total=page.total,
    )


@contacts.post("", status_code=201, responses=error_responses(400, 401, 403, 409, 422))
def create_contact(
    body: ContactCreate, user: CurrentUser, core: OpportuneDep, request: Request, response: Response
) -> ContactOut:
    """Create a contact; the caller owns it unless another owner is given."""
    data = body.model_dump(exclude_unset=True)
    contact = save_telling_duplicates(response, lambda: core.contacts.create(user, data))
    response.headers["Location"] = str(request.url_for("get_contact", contact_id=contact.id))
    return _contact_response(core, user, contact, response)


@contacts.get("/{contact_id}", responses=error_responses(401, 404, 422))
def get_contact(
    contact_id: ContactId, user: CurrentUser, core: OpportuneDep, response: Response
) -> ContactOut:
    """The contact."""
    return _contact_response(core, user, core.contacts.get(user, contact_id), response)


@contacts.patch("/{contact_id}", responses=error_responses(400, 401, 403, 404, 409, 422))
def update_contact(
    contact_id: ContactId,
    body: ContactUpdate,
    user: CurrentUser,
    core: OpportuneDep,
    response: Response,
    if_match: IfMatch = None,
) -> ContactOut:
    """Change the fields sent; `account_id` moves the contact, `null` detaches it."""
    data, version = body.model_dump(exclude_unset=True), _version(if_match)
    contact = save_telling_duplicates(
        response, lambda: core.contacts.update(user, contact_id, data, expected_version=version)
    )
    return _contact_response(core, user, contact, response)


@contacts.delete(
    "/{contact_id}",
    status_code=204,
    responses=DELETE_RESPONSES,
)
def delete_contact(contact_id: ContactId, user: CurrentUser, core: OpportuneDep) -> None:
    """Delete a contact nothing refers to any more (reps only their own contacts)."""
    core.contacts.delete(user, contact_id)


@contacts.get("/{contact_id}/history", responses=error_responses(401, 404, 422))
def contact_history(
    contact_id: ContactId, user: CurrentUser, core: OpportuneDep
) -> FieldHistoryListOut:
    """The contact's field history, newest first."""
    changes = core.contacts.history(user, contact_id)
    return _Presenter(core, user).history(changes, source_field="lead_source")


# --- presenting ---------------------------------------------------------------------------


def _account_response(
    core: Opportune, user: User, account: Account, response: Response
) -> AccountOut:
    response.headers["ETag"] = f'"{account.version}"'
    return _Presenter(core, user).accounts([account])[0]


def _contact_response(
    core: Opportune, user: User, contact: Contact, response: Response
) -> ContactOut:
    response.headers["ETag"] = f'"{contact.version}"'
    return _Presenter(core, user).contacts([contact])[0]


class _Presenter:
    """Turns ids into what people read: source labels, user and account names."""

    def __init__(self, core: Opportune, user: User) -> None:
        self.core = core
        self.user = user
        self.lookups: LeadLookups = core.leads.lookups()

    def source(self, source_id: int | None) -> str | None:
        return next((s.label for s in self.lookups.picklists.sources if s.id == source_id), None)

    def account_names(self, ids: Iterable[int | None]) -> dict[int, str]:
        names: dict[int, str] = {}
        for account_id in sorted({i for i in ids if i is not None}):
            try:
                names[account_id] = self.core.accounts.get(self.user, account_id).name
            except NotFoundError:  # deleted meanwhile
                continue
        return names

    def accounts(self, items: Sequence[Account]) -> list[AccountOut]:
        parents = self.account_names(a.parent_account_id for a in items)
        out = []
        for account in items:
            values = _values(account)
            values["account_source"] = self.source(values.pop("source_id"))
            values["owner_name"] = self.lookups.user_name(account.owner_id)
            parent_id = account.parent_account_id
            values["parent_account_name"] = parents.get(parent_id) if parent_id else None
            out.append(AccountOut.model_validate(values))
        return out

    def contacts(self, items: Sequence[Contact]) -> list[ContactOut]:
        accounts = self.account_names(c.account_id for c in items)
        out = []
        for contact in items:
            values = _values(contact)
            values["name"] = contact.name
            values["lead_source"] = self.source(values.pop("source_id"))
            values["owner_name"] = self.lookups.user_name(contact.owner_id)
            account_id = contact.account_id
            values["account_name"] = accounts.get(account_id) if account_id else None
            out.append(ContactOut.model_validate(values))
        return out

    def history(self, changes: Sequence[FieldChange], *, source_field: str) -> FieldHistoryListOut:
        items = []
        for change in changes:
            field, old, new = change.field, change.old_value, change.new_value
            if field == "source_id":
                field, old, new = source_field, self._source_text(old), self._source_text(new)
            items.append(
                FieldHistoryOut(
                    field=field,
                    old_value=old,
                    new_value=new,
                    changed_by_id=change.changed_by_id,
                    changed_by_name=self.lookups.user_name(change.changed_by_id),
                    changed_at=change.changed_at,
                )
            )
        return FieldHistoryListOut(items=items)

    def _source_text(self, value: str | None) -> str | None:
        if value is None or not value.isdecimal():
            return value
        return self.source(int(value)) or value


def _values(record: Account | Contact) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    if isinstance(values.get("annual_revenue"), Decimal):
        values["annual_revenue"] = str(values["annual_revenue"])
    return values


def _version(if_match: str | None) -> int | None:
    """The version in an ``If-Match`` header: ``3``, ``"3"`` or ``W/"3"``; ``*`` means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdecimal()) or len(value) > 10:
        raise ValidationError.single(
            "If-Match", "INVALID_HEADER", "Must be the record's version number, as in its ETag"
        )
    return int(value)
