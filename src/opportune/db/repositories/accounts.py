"""Accounts and contacts: single rows, hierarchy walks, what still refers to them, and lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from opportune.db import tables as t
from opportune.db.match_keys import KEY_SOURCES, keys_of, with_keys
from opportune.db.repositories._common import new_id
from opportune.db.repositories._keyset import Keyset, KeysetRequest
from opportune.db.visibility import visibility_filters
from opportune.domain.accounts import Account
from opportune.domain.contacts import Contact
from opportune.domain.listing import Page
from opportune.domain.opportunities import ContactRole, Opportunity
from opportune.domain.sharing import Viewer

ACCOUNT_COLUMNS = tuple(f.name for f in dataclasses.fields(Account))
CONTACT_COLUMNS = tuple(f.name for f in dataclasses.fields(Contact))
OPPORTUNITY_FIELDS = tuple(f.name for f in dataclasses.fields(Opportunity))
# Far deeper than any real hierarchy; stops a walk over data that already loops.
MAX_HIERARCHY_DEPTH = 1000


@dataclass(frozen=True, slots=True)
class AccountListQuery:
    """A resolved account list request: owners as ids, choices in their canonical spelling."""

    request: KeysetRequest
    owner_ids: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    search: str | None = None
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class ContactListQuery:
    """A resolved contact list request: accounts and owners as ids."""

    request: KeysetRequest
    account_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    search: str | None = None
    viewer: Viewer | None = None


class AccountRepository:
    """Accounts: single rows, the parent chain and keyset-paginated lists."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, account_id: int) -> Account | None:
        """The account with this id, if any."""
        stmt = select(t.accounts).where(t.accounts.c.id == account_id)
        row = self.conn.execute(stmt).mappings().first()
        return _account(row) if row else None

    def existing_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` are accounts."""
        wanted = set(ids)
        if not wanted:
            return set()
        stmt = select(t.accounts.c.id).where(t.accounts.c.id.in_(wanted))
        return set(self.conn.execute(stmt).scalars())

    def add(self, account: Account) -> int:
        """Insert an account and return its id."""
        values = with_keys("account", _values(account))
        return new_id(self.conn.execute(insert(t.accounts).values(values)))

    def update(self, account: Account, changed: Iterable[str], expected_version: int) -> bool:
        """Save changed columns if the stored version is still ``expected_version``."""
        return _update(self.conn, "account", account, changed, expected_version)

    def delete(self, account_id: int) -> bool:
        """Delete an account; return False when it did not exist."""
        stmt = delete(t.accounts).where(t.accounts.c.id == account_id)
        return self.conn.execute(stmt).rowcount == 1

    def count(self) -> int:
        """How many accounts exist."""
        return _count(self.conn, t.accounts)

    def names(self, ids: Iterable[int], viewer: Viewer | None = None) -> dict[int, str]:
        """The names of the accounts with these ids (ids without an account, or of accounts
        ``viewer`` may not read when given, left out)."""
        wanted = set(ids)
        if not wanted:
            return {}
        c = t.accounts.c
        visible = visibility_filters("account", viewer)
        rows = self.conn.execute(select(c.id, c.name).where(c.id.in_(wanted), *visible))
        return {row.id: row.name for row in rows}

    def ancestor_ids(self, account_id: int) -> list[int]:
        """The ids above an account: its parent, that one's parent, and so on up to the top."""
        found: list[int] = []
        current: int | None = account_id
        c = t.accounts.c
        while current is not None and len(found) < MAX_HIERARCHY_DEPTH:
            parent = self.conn.execute(
                select(c.parent_account_id).where(c.id == current)
            ).scalar_one_or_none()
            if parent is None or parent in found or parent == account_id:
                break
            found.append(parent)
            current = parent
        return found

    def page(self, query: AccountListQuery) -> Page[Account]:
        """One page of accounts matching ``query``, in its sort order, with neighbour cursors."""
        return ACCOUNT_PAGES.page(self.conn, _account_filters(query), query.request)


class ContactRepository:
    """Contacts: single rows, an account's contacts and keyset-paginated lists."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, contact_id: int) -> Contact | None:
        """The contact with this id, if any."""
        stmt = select(t.contacts).where(t.contacts.c.id == contact_id)
        row = self.conn.execute(stmt).mappings().first()
        return _contact(row) if row else None

    def existing_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of ``ids`` are contacts."""
        wanted = set(ids)
        if not wanted:
            return set()
        stmt = select(t.contacts.c.id).where(t.contacts.c.id.in_(wanted))
        return set(self.conn.execute(stmt).scalars())

    def add(self, contact: Contact) -> int:
        """Insert a contact and return its id."""
        values = with_keys("contact", _values(contact))
        return new_id(self.conn.execute(insert(t.contacts).values(values)))

    def update(self, contact: Contact, changed: Iterable[str], expected_version: int) -> bool:
        """Save changed columns if the stored version is still ``expected_version``."""
        return _update(self.conn, "contact", contact, changed, expected_version)

    def delete(self, contact_id: int) -> bool:
        """Delete a contact; return False when it did not exist."""
        stmt = delete(t.contacts).where(t.contacts.c.id == contact_id)
        return self.conn.execute(stmt).rowcount == 1

    def count(self) -> int:
        """How many contacts exist."""
        return _count(self.conn, t.contacts)

    def of_account(self, account_id: int, viewer: Viewer | None = None) -> list[Contact]:
        """An account's contacts by name (last name, then first name); with ``viewer``,
        only those they may read."""
        c = t.contacts.c
        visible = visibility_filters("contact", viewer)
        stmt = (
            select(t.contacts)
            .where(c.account_id == account_id, c.merged_into_id.is_(None), *visible)
            .order_by(c.last_name, func.coalesce(c.first_name, ""), c.id)
        )
        return [_contact(row) for row in self.conn.execute(stmt).mappings()]

    def opportunity_roles(
        self, contact_id: int, viewer: Viewer | None = None
    ) -> list[tuple[ContactRole, Opportunity]]:
        """The contact's roles with their opportunities, latest close date first; with
        ``viewer``, only on opportunities they may read."""
        roles, opps = t.opportunity_contact_roles, t.opportunities
        visible = visibility_filters("opportunity", viewer)
        stmt = (
            select(roles.c.id.label("role_id"), roles.c.role, roles.c.is_primary, opps)
            .join(opps, opps.c.id == roles.c.opportunity_id)
            .where(roles.c.contact_id == contact_id, *visible)
            .order_by(opps.c.close_date.desc(), opps.c.id, roles.c.id)
        )
        found = []
        for row in self.conn.execute(stmt).mappings():
            opp = Opportunity(**{name: row[name] for name in OPPORTUNITY_FIELDS})
            assert opp.id is not None
            role = ContactRole(opp.id, contact_id, row["role"], row["is_primary"], row["role_id"])
            found.append((role, opp))
        return found

    def page(self, query: ContactListQuery) -> Page[Contact]:
        """One page of contacts matching ``query``, in its sort order, with neighbour cursors."""
        return CONTACT_PAGES.page(self.conn, _contact_filters(query), query.request)


def _values(record: Account | Contact) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    if values["id"] is None:
        values.pop("id")
    return values


def _update(
    conn: Connection,
    kind: str,
    record: Account | Contact,
    changed: Iterable[str],
    expected_version: int,
) -> bool:
    values = {name: getattr(record, name) for name in changed}
    if not values:
        return True
    if KEY_SOURCES[kind] & values.keys():
        values.update(keys_of(kind, dataclasses.asdict(record)))
    table = t.accounts if kind == "account" else t.contacts
    stmt = (
        update(table)
        .where(table.c.id == record.id, table.c.version == expected_version)
        .values(values)
    )
    return conn.execute(stmt).rowcount == 1


def _count(conn: Connection, table: Table, *where: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(table).where(*where)
    return int(conn.execute(stmt).scalar_one())


def _account_filters(query: AccountListQuery) -> list[ColumnElement[bool]]:
    c = t.accounts.c
    filters = _any_of((c.owner_id, query.owner_ids), (c.industry, query.industries),
                      (c.rating, query.ratings))  # fmt: skip
    filters.append(c.merged_into_id.is_(None))  # merged accounts are kept but not listed
    filters.extend(_created(c.created_at, query.created_from, query.created_to))
    filters.extend(_words(query.search, (c.name, c.website)))
    filters.extend(visibility_filters("account", query.viewer))
    return filters


def _contact_filters(query: ContactListQuery) -> list[ColumnElement[bool]]:
    c = t.contacts.c
    filters = _any_of((c.account_id, query.account_ids), (c.owner_id, query.owner_ids))
    filters.append(c.merged_into_id.is_(None))  # merged contacts are kept but not listed
    filters.extend(_created(c.created_at, query.created_from, query.created_to))
    filters.extend(_words(query.search, (c.first_name, c.last_name, c.email)))
    filters.extend(visibility_filters("contact", query.viewer))
    return filters


def _any_of(*pairs: tuple[Column[Any], Sequence[object]]) -> list[ColumnElement[bool]]:
    """One condition per column with wanted values: equal to the one, or in the many."""
    filters: list[ColumnElement[bool]] = []
    for column, values in pairs:
        if len(values) == 1:
            filters.append(column == values[0])
        elif values:
            filters.append(column.in_(values))
    return filters


def _created(
    column: Column[Any], start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if start is not None:
        filters.append(column >= start)
    if end is not None:
        filters.append(column < end)
    return filters


def _words(search: str | None, columns: Sequence[Column[Any]]) -> list[ColumnElement[bool]]:
    """One condition per word: it appears in one of ``columns``, wildcards taken literally."""
    conditions: list[ColumnElement[bool]] = []
    for word in (search or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(or_(*(col.ilike(pattern, escape="\\") for col in columns)))
    return conditions


def _account(row: RowMapping) -> Account:
    return Account(**{name: row[name] for name in ACCOUNT_COLUMNS})


def _contact(row: RowMapping) -> Contact:
    return Contact(**{name: row[name] for name in CONTACT_COLUMNS})


ACCOUNT_PAGES: Keyset[Account] = Keyset(t.accounts, _account)
CONTACT_PAGES: Keyset[Contact] = Keyset(t.contacts, _contact)
