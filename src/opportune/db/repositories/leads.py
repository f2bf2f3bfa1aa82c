"""Leads: single rows, bulk inserts and keyset-paginated lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    bindparam,
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
from opportune.db.search import search_filters
from opportune.db.visibility import visibility_filters
from opportune.domain.leads import Lead
from opportune.domain.listing import LeadListQuery, Page

LEAD_COLUMNS = tuple(f.name for f in dataclasses.fields(Lead))
LEAD_TABLE_COLUMNS = tuple(t.leads.c[name] for name in LEAD_COLUMNS)
# Lead inserts in chunks: SQLite binds at most 32,766 variables per statement.
INSERT_CHUNK = 500
# Built once: the statement of every lead view is not worth rebuilding per request.
_ONE_LEAD = select(*LEAD_TABLE_COLUMNS).where(t.leads.c.id == bindparam("lead_id"))


class LeadRepository:
    """Leads: single-row access, bulk insert and keyset-paginated lists."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, lead_id: int) -> Lead | None:
        """The lead with this id, if any."""
        row = self.conn.execute(_ONE_LEAD, {"lead_id": lead_id}).first()
        return lead_from_row(row._mapping) if row else None

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
        if KEY_SOURCES["lead"] & values.keys():
            values.update(keys_of("lead", dataclasses.asdict(lead)))
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
        request = KeysetRequest(
            query.sort, query.descending, query.cursor, query.limit, query.with_total
        )
        return LEAD_PAGES.page(self.conn, _lead_filters(query, self.conn.dialect.name), request)


def lead_from_row(row: RowMapping) -> Lead:
    """A lead from a row of the leads table (its duplicate keys and import id left out)."""
    return Lead(**{name: row[name] for name in LEAD_COLUMNS})


def _lead_values(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_COLUMNS}
    if values["id"] is None:
        values.pop("id")
    return with_keys("lead", values)


def _lead_filters(query: LeadListQuery, dialect: str) -> list[ColumnElement[bool]]:
    c = t.leads.c
    # Merged leads are kept (recoverable) but never listed, searched or counted.
    filters: list[ColumnElement[bool]] = [c.merged_into_id.is_(None)]
    if query.converted_only:
        filters.append(c.is_converted.is_(True))
    elif not query.include_converted:
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
    if query.touched_before is not None:
        filters.append(_untouched_since(query.touched_before))
    if query.unread_only:
        filters.append(c.is_unread_by_owner.is_(True))
    if query.queue_ids is not None:
        filters.append(c.queue_id.in_(query.queue_ids))
    filters.extend(search_filters(query.search, dialect))
    filters.extend(visibility_filters("lead", query.viewer))
    return filters


def _untouched_since(moment: datetime) -> ColumnElement[bool]:
    """Last touched (the later of updated_at and last_activity_at) before ``moment``.

    Spelled as two comparisons rather than a greatest() so both databases can use an index
    on updated_at; a lead without activities was last touched when it was last updated.
    """
    c = t.leads.c
    return and_(
        c.updated_at < moment,
        or_(c.last_activity_at.is_(None), c.last_activity_at < moment),
    )


LEAD_PAGES: Keyset[Lead] = Keyset(t.leads, lead_from_row)
