"""Contact use cases: create, read, change, delete and list contacts."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from opportune.db.repositories.accounts import ContactListQuery
from opportune.domain.contacts import Contact, new_contact, update_contact
from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.listing import Page, SortKind
from opportune.domain.merged import check_not_merged
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.sharing import Access
from opportune.domain.users import User
from opportune.errors import (
    FieldError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.accounts import INVALID_REFERENCE, merged_account_errors
from opportune.services.clock import Clock
from opportune.services.duplicate_checks import screen_duplicates
from opportune.services.list_filters import DEFAULT_SORT, TIMESTAMP_SORTS, FilterResolver
from opportune.services.permissions import require_can_delete
from opportune.services.picklists import load_lead_picklists
from opportune.services.record_keys import RecordKeys, store_keys
from opportune.services.recycle_bin import move_to_bin
from opportune.services.uow import UnitOfWork

CONTACT_SORTS: dict[str, SortKind] = {
    **TIMESTAMP_SORTS,
    **dict.fromkeys(("last_name", "first_name", "email", "title", "mailing_city"), "text"),
}


@dataclass(frozen=True, slots=True)
class ContactFilters:
    """Contact list filters in user terms: accounts as ids, owners as ids, emails or ``me``;
    ``q`` searches first name, last name and email; ``sort`` is one of
    :data:`CONTACT_SORTS`, ``-`` first for descending."""

    account: Sequence[str] = ()
    owner: Sequence[str] = ()
    q: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50
    with_total: bool = False


class ContactService:
    """Everything a person or a script does with contacts."""

    def __init__(self, engine: Engine, clock: Clock, max_page_size: int = 500) -> None:
        self.engine = engine
        self.clock = clock
        self.max_page_size = max_page_size

    def create(
        self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Contact:
        """Create a contact; the actor owns it unless another owner is given."""
        with UnitOfWork(self.engine, write=True) as uow:
            sources = load_lead_picklists(uow).sources
            now = self.clock()
            contact = new_contact(data, sources=sources, actor_id=_id(actor), now=now)
            _check_references(uow, contact, ["owner_id", "account_id"])
            screen = screen_duplicates(uow, "contact", dataclasses.asdict(contact), event="create",
                                       viewer=viewer_for(uow, actor))  # fmt: skip
            contact.id = uow.contacts.add(contact)
            screen.report(uow, contact.id, actor_id=_id(actor), now=now)
            store_keys(uow, "contacts", contact.id, keys)
            uow.commit()
        return contact

    def get(self, actor: User, contact_id: int) -> Contact:
        """The contact with this id."""
        with UnitOfWork(self.engine) as uow:
            return _get(uow, contact_id, actor)

    def update(
        self,
        actor: User,
        contact_id: int,
        data: Mapping[str, object],
        *,
        expected_version: int | None = None,
        keys: RecordKeys = None,
    ) -> Contact:
        """Change a contact (a new ``account_id`` moves it to that account; ``None``
        detaches it). With ``expected_version``, refuse if someone changed it since."""
        with UnitOfWork(self.engine, write=True) as uow:
            contact = _get(uow, contact_id, actor, Access.EDIT)
            now = self.clock()
            sources = load_lead_picklists(uow).sources
            updated, changed = update_contact(
                contact, data, sources=sources, actor_id=_id(actor), now=now
            )
            if expected_version is not None and expected_version != contact.version:
                raise _stale(contact)
            _check_references(uow, updated, changed)
            screen = screen_duplicates(
                uow, "contact", dataclasses.asdict(updated), event="edit", exclude_id=contact_id,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            if not uow.contacts.update(updated, changed, contact.version):
                raise _stale(contact)
            screen.report(uow, contact_id, actor_id=_id(actor), now=now)
            uow.field_history.add_many(
                field_changes("contact", contact, updated, changed, actor_id=_id(actor), now=now)
            )
            store_keys(uow, "contacts", contact_id, keys)
            uow.commit()
        return updated

    def delete(self, actor: User, contact_id: int) -> None:
        """Move a contact to the recycle bin with its contact roles and activities (not one
        merged into another: undo the merge first)."""
        with UnitOfWork(self.engine, write=True) as uow:
            contact = _get(uow, contact_id, actor, Access.EDIT)
            check_not_merged(contact)
            require_can_delete(actor, contact.owner_id, "contact")
            move_to_bin(uow, "contact", contact_id, actor, self.clock())
            uow.commit()

    def list(self, actor: User, filters: ContactFilters) -> Page[Contact]:
        """One page of contacts matching ``filters``."""
        with UnitOfWork(self.engine) as uow:
            resolver = FilterResolver(users=uow.users.all(), actor=actor,
                                      max_limit=self.max_page_size)  # fmt: skip
            account_ids = resolver.ids("account", filters.account)
            for missing in sorted(set(account_ids) - uow.accounts.existing_ids(account_ids)):
                resolver.fail("account", f"Unknown account '{missing}'")
            owner_ids = resolver.owners(filters.owner)
            created_from, created_to = resolver.created(filters.created_from, filters.created_to)
            search = resolver.search(filters.q)
            request = resolver.window(
                filters.sort, filters.cursor, filters.limit, filters.with_total, CONTACT_SORTS
            )
            resolver.finish()
            query = ContactListQuery(
                request, account_ids=account_ids, owner_ids=owner_ids,
                created_from=created_from, created_to=created_to, search=search,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            return uow.contacts.page(query)

    def history(self, actor: User, contact_id: int) -> builtins.list[FieldChange]:
        """The contact's field history, newest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, contact_id, actor)
            return uow.field_history.for_record("contact", contact_id)

    def opportunity_roles(
        self, actor: User, contact_id: int
    ) -> builtins.list[tuple[ContactRole, Opportunity]]:
        """The contact's roles in opportunities, each with its opportunity, latest close
        date first (whatever account the opportunity belongs to), on the opportunities
        ``actor`` may read."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, contact_id, actor)
            return uow.contacts.opportunity_roles(contact_id, viewer_for(uow, actor))


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _get(uow: UnitOfWork, contact_id: int, actor: User, needed: Access = Access.READ) -> Contact:
    """The contact, if it exists and ``actor`` has ``needed`` access to it."""
    contact = uow.contacts.get(contact_id)
    if contact is None:
        raise NotFoundError.for_record("Contact", contact_id)
    owner = (contact.owner_id, None)  # read already: no second query for it
    require_access(uow, viewer_for(uow, actor), "contact", contact_id, needed, owner)
    return contact


def _check_references(uow: UnitOfWork, contact: Contact, fields: Sequence[str]) -> None:
    """Refuse an owner who is not an active user and an account that does not exist."""
    errors: list[FieldError] = []
    if "owner_id" in fields and not uow.users.existing_active_ids([contact.owner_id]):
        errors.append(FieldError("owner_id", INVALID_REFERENCE,
                                 f"No active user with id {contact.owner_id}"))  # fmt: skip
    account_id = contact.account_id
    if (
        "account_id" in fields
        and account_id is not None
        and not uow.accounts.existing_ids([account_id])
    ):
        errors.append(
            FieldError("account_id", INVALID_REFERENCE, f"No account with id {account_id}")
        )
    elif "account_id" in fields:
        errors += merged_account_errors(uow, account_id)
    if errors:
        raise ValidationError(errors)


def _stale(contact: Contact) -> StaleRecordError:
    return StaleRecordError(
        f"Contact {contact.id} was changed by someone else (now version {contact.version}); "
        "reload it and try again"
    )
