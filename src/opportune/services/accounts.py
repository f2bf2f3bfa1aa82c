"""Account use cases: create, read, change, delete and list accounts, and their contacts."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from opportune.db.repositories.accounts import AccountListQuery
from opportune.domain.accounts import Account, check_parent, new_account, update_account
from opportune.domain.contacts import Contact
from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.listing import Page, SortKind
from opportune.domain.merged import check_not_merged
from opportune.domain.picklists import INDUSTRIES, RATINGS
from opportune.domain.sharing import Access
from opportune.domain.users import User
from opportune.errors import (
    FieldError,
    MergedRecordError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import require_access, viewer_for
from opportune.services.clock import Clock
from opportune.services.duplicate_checks import screen_duplicates
from opportune.services.list_filters import DEFAULT_SORT, TIMESTAMP_SORTS, FilterResolver
from opportune.services.permissions import require_can_delete
from opportune.services.picklists import load_lead_picklists
from opportune.services.record_keys import RecordKeys, store_keys
from opportune.services.recycle_bin import move_to_bin
from opportune.services.uow import UnitOfWork

ACCOUNT_SORTS: dict[str, SortKind] = {
    **TIMESTAMP_SORTS,
    **dict.fromkeys(("name", "industry", "rating", "billing_city", "billing_country"), "text"),
}
INVALID_REFERENCE = "INVALID_CROSS_REFERENCE_KEY"


def merged_account_errors(uow: UnitOfWork, account_id: int | None) -> list[FieldError]:
    """An error when ``account_id`` names an account merged into another: it is read-only
    and hidden, so a new contact or opportunity belongs on the account it was merged into."""
    account = uow.accounts.get(account_id) if account_id is not None else None
    if account is None or account.merged_into_id is None:
        return []
    master = account.merged_into_id
    message = f"Account {account_id} was merged into account {master}; use account {master}"
    return [FieldError("account_id", MergedRecordError.code, message)]


@dataclass(frozen=True, slots=True)
class AccountFilters:
    """Account list filters in user terms: owners as ids, emails or ``me``; ``q`` searches
    name and website; ``sort`` is one of :data:`ACCOUNT_SORTS`, ``-`` first for descending."""

    owner: Sequence[str] = ()
    industry: Sequence[str] = ()
    rating: Sequence[str] = ()
    q: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50
    with_total: bool = False


class AccountService:
    """Everything a person or a script does with accounts."""

    def __init__(self, engine: Engine, clock: Clock, max_page_size: int = 500) -> None:
        self.engine = engine
        self.clock = clock
        self.max_page_size = max_page_size

    def create(
        self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Account:
        """Create an account; the actor owns it unless another owner is given."""
        with UnitOfWork(self.engine, write=True) as uow:
            sources = load_lead_picklists(uow).sources
            now = self.clock()
            account = new_account(data, sources=sources, actor_id=_id(actor), now=now)
            _check_references(uow, account, ["owner_id", "parent_account_id"])
            screen = screen_duplicates(uow, "account", dataclasses.asdict(account), event="create",
                                       viewer=viewer_for(uow, actor))  # fmt: skip
            account.id = uow.accounts.add(account)
            screen.report(uow, account.id, actor_id=_id(actor), now=now)
            store_keys(uow, "accounts", account.id, keys)
            uow.commit()
        return account

    def get(self, actor: User, account_id: int) -> Account:
        """The account with this id."""
        with UnitOfWork(self.engine) as uow:
            return _get(uow, account_id, actor)

    def update(
        self,
        actor: User,
        account_id: int,
        data: Mapping[str, object],
        *,
        expected_version: int | None = None,
        keys: RecordKeys = None,
    ) -> Account:
        """Change an account. With ``expected_version``, refuse if someone changed it since.

        A new parent must exist and must not sit below the account in its hierarchy.
        """
        with UnitOfWork(self.engine, write=True) as uow:
            account = _get(uow, account_id, actor, Access.EDIT)
            now = self.clock()
            sources = load_lead_picklists(uow).sources
            updated, changed = update_account(
                account, data, sources=sources, actor_id=_id(actor), now=now
            )
            if expected_version is not None and expected_version != account.version:
                raise _stale(account)
            _check_references(uow, updated, changed)
            if "parent_account_id" in changed and updated.parent_account_id is not None:
                ancestors = uow.accounts.ancestor_ids(updated.parent_account_id)
                check_parent(account_id, updated.parent_account_id, ancestors)
            screen = screen_duplicates(
                uow, "account", dataclasses.asdict(updated), event="edit", exclude_id=account_id,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            if not uow.accounts.update(updated, changed, account.version):
                raise _stale(account)
            screen.report(uow, account_id, actor_id=_id(actor), now=now)
            uow.field_history.add_many(
                field_changes("account", account, updated, changed, actor_id=_id(actor), now=now)
            )
            store_keys(uow, "accounts", account_id, keys)
            uow.commit()
        return updated

    def delete(self, actor: User, account_id: int) -> None:
        """Move an account to the recycle bin with its contacts, opportunities and
        activities (and theirs); child accounts lose their parent until it is restored.
        An account merged into another is refused with ``RECORD_MERGED``: undo the merge
        first.
        """
        with UnitOfWork(self.engine, write=True) as uow:
            account = _get(uow, account_id, actor, Access.EDIT)
            check_not_merged(account)
            require_can_delete(actor, account.owner_id, "account")
            move_to_bin(uow, "account", account_id, actor, self.clock())
            uow.commit()

    def list(self, actor: User, filters: AccountFilters) -> Page[Account]:
        """One page of accounts matching ``filters``."""
        with UnitOfWork(self.engine) as uow:
            resolver = FilterResolver(users=uow.users.all(), actor=actor,
                                      max_limit=self.max_page_size)  # fmt: skip
            owner_ids = resolver.owners(filters.owner)
            industries = resolver.choices("industry", filters.industry, INDUSTRIES)
            ratings = resolver.choices("rating", filters.rating, RATINGS)
            created_from, created_to = resolver.created(filters.created_from, filters.created_to)
            search = resolver.search(filters.q)
            request = resolver.window(
                filters.sort, filters.cursor, filters.limit, filters.with_total, ACCOUNT_SORTS
            )
            resolver.finish()
            query = AccountListQuery(
                request, owner_ids=owner_ids, industries=industries, ratings=ratings,
                created_from=created_from, created_to=created_to, search=search,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            return uow.accounts.page(query)

    def history(self, actor: User, account_id: int) -> builtins.list[FieldChange]:
        """The account's field history, newest first."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, account_id, actor)
            return uow.field_history.for_record("account", account_id)

    def names(self, actor: User, account_ids: Iterable[int]) -> dict[int, str]:
        """The names of the accounts with these ids, in one read (unknown ids, and accounts
        ``actor`` may not read, left out: their names stay hidden)."""
        with UnitOfWork(self.engine) as uow:
            return uow.accounts.names(account_ids, viewer_for(uow, actor))

    def contacts_of(self, actor: User, account_id: int) -> builtins.list[Contact]:
        """The account's contacts that ``actor`` may read, by name."""
        with UnitOfWork(self.engine) as uow:
            _get(uow, account_id, actor)
            return uow.contacts.of_account(account_id, viewer_for(uow, actor))


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _get(uow: UnitOfWork, account_id: int, actor: User, needed: Access = Access.READ) -> Account:
    """The account, if it exists and ``actor`` has ``needed`` access to it."""
    account = uow.accounts.get(account_id)
    if account is None:
        raise NotFoundError.for_record("Account", account_id)
    owner = (account.owner_id, None)  # read already: no second query for it
    require_access(uow, viewer_for(uow, actor), "account", account_id, needed, owner)
    return account


def _check_references(uow: UnitOfWork, account: Account, fields: Sequence[str]) -> None:
    """Refuse an owner who is not an active user and a parent that is not an account."""
    errors: list[FieldError] = []
    if "owner_id" in fields and not uow.users.existing_active_ids([account.owner_id]):
        errors.append(FieldError("owner_id", INVALID_REFERENCE,
                                 f"No active user with id {account.owner_id}"))  # fmt: skip
    parent_id = account.parent_account_id
    if (
        "parent_account_id" in fields
        and parent_id is not None
        and not uow.accounts.existing_ids([parent_id])
    ):
        errors.append(
            FieldError("parent_account_id", INVALID_REFERENCE, f"No account with id {parent_id}")
        )
    if errors:
        raise ValidationError(errors)


def _stale(account: Account) -> StaleRecordError:
    return StaleRecordError(
        f"Account {account.id} was changed by someone else (now version {account.version}); "
        "reload it and try again"
    )
