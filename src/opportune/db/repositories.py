"""Repositories: every query Opportune runs lives here, on a connection owned by a unit of work."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.elements import KeyedColumnElement

from opportune.db import tables as t
from opportune.db.search import search_filters
from opportune.domain.leads import Lead
from opportune.domain.listing import Cursor, LeadListQuery, Page
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.users import Role, User

LEAD_COLUMNS = tuple(f.name for f in dataclasses.fields(Lead))
# Lead inserts in chunks: SQLite binds at most 32,766 variables per statement.
INSERT_CHUNK = 500


class UserRepository:
    """Users and their API tokens."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: int) -> User | None:
        """The user with this id, if any."""
        row = self.conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        stmt = select(t.users).where(func.lower(t.users.c.email) == email.strip().lower())
        row = self.conn.execute(stmt).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        """All users, by name."""
        rows = self.conn.execute(select(t.users).order_by(t.users.c.name, t.users.c.id))
        return [_user(r) for r in rows]

    def existing_active_ids(self, ids: Iterable[int]) -> set[int]:
        """The subset of ``ids`` that are active users."""
        stmt = select(t.users.c.id).where(t.users.c.id.in_(list(ids)), t.users.c.is_active)
        return set(self.conn.execute(stmt).scalars())

    def count(self) -> int:
        """How many users exist."""
        return int(self.conn.execute(select(func.count()).select_from(t.users)).scalar_one())

    def add(self, user: User) -> int:
        """Insert a user and return its id."""
        values = _user_values(user)
        return _new_id(self.conn.execute(insert(t.users).values(values)))

    def update(self, user: User) -> None:
        """Save a changed user."""
        stmt = update(t.users).where(t.users.c.id == user.id).values(_user_values(user))
        self.conn.execute(stmt)

    def add_token(self, **values: Any) -> int:
        """Insert an API token row (its hash, never the token) and return its id."""
        return _new_id(self.conn.execute(insert(t.api_tokens).values(values)))

    def token_by_hash(self, token_hash: str) -> dict[str, Any] | None:
        """The token row with this hash, if any."""
        stmt = select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def tokens_of(self, user_id: int) -> list[dict[str, Any]]:
        """A user's tokens, newest first."""
        stmt = (
            select(t.api_tokens)
            .where(t.api_tokens.c.user_id == user_id)
            .order_by(t.api_tokens.c.id.desc())
        )
        return [dict(r) for r in self.conn.execute(stmt).mappings()]

    def touch_token(self, token_id: int, when: datetime) -> None:
        """Record that a token was used."""
        stmt = update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=when)
        self.conn.execute(stmt)

    def revoke_token(self, token_id: int, user_id: int, when: datetime) -> bool:
        """Revoke one of a user's tokens; return False when there is no such token."""
        stmt = (
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.user_id == user_id)
            .values(revoked_at=when)
        )
        return self.conn.execute(stmt).rowcount == 1


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _user(row: Any) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        name=m["name"],
        email=m["email"],
        role=Role(m["role"]),
        password_hash=m["password_hash"],
        is_active=m["is_active"],
        created_at=m["created_at"],
    )


def _user_values(user: User) -> dict[str, Any]:
    values = dataclasses.asdict(user)
    values["role"] = user.role.value
    values.pop("id")
    return values


class PicklistRepository:
    """Lead statuses, lead sources and close reasons."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def statuses(self) -> tuple[LeadStatus, ...]:
        """Lead statuses in sort order."""
        ls = t.lead_statuses
        rows = self.conn.execute(select(ls).order_by(ls.c.sort_order, ls.c.id)).mappings()
        return tuple(LeadStatus(**r) for r in rows)

    def values(self, table: str) -> tuple[PicklistValue, ...]:
        """Values of ``lead_sources`` or ``lead_close_reasons`` in sort order."""
        tbl = _picklist(table)
        rows = self.conn.execute(select(tbl).order_by(tbl.c.sort_order, tbl.c.id)).mappings()
        return tuple(PicklistValue(**r) for r in rows)

    def save_status(self, status: LeadStatus) -> int:
        """Insert (id 0) or update a status; return its id."""
        return self._save(t.lead_statuses, dataclasses.asdict(status))

    def save_value(self, table: str, value: PicklistValue) -> int:
        """Insert (id 0) or update a source or close reason; return its id."""
        return self._save(_picklist(table), dataclasses.asdict(value))

    def clear_default_status(self) -> None:
        """Unmark the current default status (before another one becomes the default)."""
        stmt = update(t.lead_statuses).where(t.lead_statuses.c.is_default).values(is_default=False)
        self.conn.execute(stmt)

    def _save(self, table: Any, values: dict[str, Any]) -> int:
        row_id = values.pop("id")
        if row_id:
            self.conn.execute(update(table).where(table.c.id == row_id).values(values))
            return int(row_id)
        return _new_id(self.conn.execute(insert(table).values(values)))


def _picklist(table: str) -> Any:
    return {"lead_sources": t.lead_sources, "lead_close_reasons": t.lead_close_reasons}[table]


class LeadRepository:
    """Leads: single-row access, bulk insert and keyset-paginated lists."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, lead_id: int) -> Lead | None:
        """The lead with this id, if any."""
        row = self.conn.execute(select(t.leads).where(t.leads.c.id == lead_id)).mappings().first()
        return Lead(**row) if row else None

    def add(self, lead: Lead) -> int:
        """Insert a lead and return its id."""
        values = _lead_values(lead)
        return _new_id(self.conn.execute(insert(t.leads).values(values)))

    def add_many(self, leads: Sequence[Lead]) -> None:
        """Insert many leads with set-based statements (ids are not returned)."""
        for start in range(0, len(leads), INSERT_CHUNK):
            chunk = [_lead_values(lead) for lead in leads[start : start + INSERT_CHUNK]]
            self.conn.execute(insert(t.leads), chunk)

    def update(self, lead: Lead, changed: Iterable[str], expected_version: int) -> bool:
        """Save changed columns if the stored version is still ``expected_version``."""
        values = {name: getattr(lead, name) for name in changed}
        if not values:
            return True
        stmt = (
            update(t.leads)
            .where(t.leads.c.id == lead.id, t.leads.c.version == expected_version)
            .values(values)
        )
        return self.conn.execute(stmt).rowcount == 1

    def delete(self, lead_id: int) -> bool:
        """Delete a lead; return False when it did not exist."""
        return self.conn.execute(delete(t.leads).where(t.leads.c.id == lead_id)).rowcount == 1

    def count(self) -> int:
        """How many leads exist, converted ones included."""
        return int(self.conn.execute(select(func.count()).select_from(t.leads)).scalar_one())

    def page(self, query: LeadListQuery) -> Page[Lead]:
        """One page of leads matching ``query``, in its sort order, with neighbour cursors."""
        sort_col = _sort_expression(query.sort)
        filters = _lead_filters(query, self.conn.dialect.name)
        backwards = bool(query.cursor and query.cursor.backwards)
        # Walking backwards reads in the opposite order, then flips the page.
        descending = query.descending != backwards
        stmt = select(t.leads).where(*filters)
        if query.cursor is not None:
            stmt = stmt.where(_after(sort_col, query.cursor, descending))
        order = (sort_col.desc(), t.leads.c.id.desc()) if descending else (sort_col, t.leads.c.id)
        rows = list(self.conn.execute(stmt.order_by(*order).limit(query.limit + 1)).mappings())
        more = len(rows) > query.limit
        items = [Lead(**r) for r in rows[: query.limit]]
        if backwards:
            items.reverse()
        total = self._count(filters) if query.with_total else None
        return Page(items, *_neighbour_cursors(items, query, more, backwards), total=total)

    def _count(self, filters: Sequence[ColumnElement[bool]]) -> int:
        stmt = select(func.count()).select_from(t.leads).where(*filters)
        return int(self.conn.execute(stmt).scalar_one())


def _lead_values(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_COLUMNS}
    if values["id"] is None:
        values.pop("id")
    return values


def _sort_expression(sort: str) -> ColumnElement[Any]:
    column: KeyedColumnElement[Any] = t.leads.c[sort]
    return column if not column.nullable else func.coalesce(column, "")


def _lead_filters(query: LeadListQuery, dialect: str) -> list[ColumnElement[bool]]:
    c = t.leads.c
    filters: list[ColumnElement[bool]] = []
    if not query.include_converted:
        filters.append(c.is_converted.is_(False))
    for column, values in (
        (c.status_id, query.status_ids),
        (c.source_id, query.source_ids),
        (c.owner_id, query.owner_ids),
        (c.rating, query.ratings),
    ):
        if len(values) == 1:
            filters.append(column == values[0])
        elif values:
            filters.append(column.in_(values))
    if query.created_from is not None:
        filters.append(c.created_at >= query.created_from)
    if query.created_to is not None:
        filters.append(c.created_at < query.created_to)
    if query.unread_only:
        filters.append(c.is_unread_by_owner.is_(True))
    filters.extend(search_filters(query.search, dialect))
    return filters


def _after(sort_col: ColumnElement[Any], cursor: Cursor, descending: bool) -> ColumnElement[bool]:
    key = tuple_(sort_col, t.leads.c.id)
    bound = tuple_(*_bind(cursor.value, cursor.id))
    return and_(key < bound) if descending else and_(key > bound)


def _bind(value: object, row_id: int) -> tuple[Any, ...]:
    if isinstance(value, datetime):
        return (literal(value, t.leads.c.created_at.type), literal(row_id))
    return (literal(value), literal(row_id))


def _neighbour_cursors(
    items: Sequence[Lead], query: LeadListQuery, more: bool, backwards: bool
) -> tuple[str | None, str | None]:
    if not items:
        return None, None
    has_next = more if not backwards else True
    has_prev = (query.cursor is not None) if not backwards else more
    first, last = items[0], items[-1]
    next_cursor = Cursor(_sort_value(last, query.sort), _id(last)).encode() if has_next else None
    prev_cursor = (
        Cursor(_sort_value(first, query.sort), _id(first), backwards=True).encode()
        if has_prev
        else None
    )
    return next_cursor, prev_cursor


def _sort_value(lead: Lead, sort: str) -> object:
    value = getattr(lead, sort)
    return "" if value is None else value


def _id(lead: Lead) -> int:
    assert lead.id is not None
    return lead.id
