"""Leads: single rows, bulk inserts and keyset-paginated lists."""

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
from sqlalchemy.sql.elements import KeyedColumnElement

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.db.search import search_filters
from opportune.domain.leads import Lead
from opportune.domain.listing import Cursor, LeadListQuery, Page

LEAD_COLUMNS = tuple(f.name for f in dataclasses.fields(Lead))
# Lead inserts in chunks: SQLite binds at most 32,766 variables per statement.
INSERT_CHUNK = 500


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
        return new_id(self.conn.execute(insert(t.leads).values(values)))

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
