"""Rows of the tables behind the Salesforce objects, by table name: external keys, and
which rows changed in a time window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, select, true, update
from sqlalchemy.exc import IntegrityError

from opportune.db import tables as t
from opportune.db.repositories.sobjects import table_visibility
from opportune.domain.sharing import Viewer
from opportune.errors import ValidationError

KEY_COLUMNS = frozenset({"external_id", "salesforce_id"})
# Row filters the object definitions name (``SObject.row_filter``).
_TASK_KINDS = ("task", "call")


class SObjectRowRepository:
    """External keys and change windows of the tables behind the Salesforce objects."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find_by_key(
        self, table: str, column: str, value: str, viewer: Viewer | None = None
    ) -> list[int]:
        """The ids of the rows whose key ``column`` (external_id, salesforce_id) is ``value``
        (only those ``viewer`` may read, when given)."""
        rows = _table(table)
        stmt = select(rows.c.id).where(_key(rows, column) == value, *_visible(rows, viewer))
        stmt = stmt.order_by(rows.c.id)
        return list(self.conn.execute(stmt).scalars())

    def set_keys(self, table: str, record_id: int, values: Mapping[str, str | None]) -> None:
        """Set the key columns of one row; a value another row holds is DUPLICATE_VALUE
        (the caller's transaction must then be rolled back)."""
        rows = _table(table)
        for column in values:
            _key(rows, column)
        try:
            self.conn.execute(update(rows).where(rows.c.id == record_id).values(dict(values)))
        except IntegrityError as exc:
            text = str(exc.orig)
            column = next((c for c in values if c in text), next(iter(values)))
            message = f"Another record already has this {column}: {values[column]!r}"
            raise ValidationError.single(column, "DUPLICATE_VALUE", message) from exc

    def exists(
        self,
        table: str,
        record_id: int,
        row_filter: str | None = None,
        viewer: Viewer | None = None,
    ) -> bool:
        """True when the row exists (and passes the object's row filter, and ``viewer``,
        when given, may read it)."""
        rows = _table(table)
        stmt = select(rows.c.id).where(
            rows.c.id == record_id, _filter(rows, row_filter), *_visible(rows, viewer)
        )
        return self.conn.execute(stmt).first() is not None

    def changed_ids(
        self,
        table: str,
        column: str,
        window: tuple[datetime, datetime],
        row_filter: str | None = None,
        viewer: Viewer | None = None,
    ) -> list[int]:
        """The ids of the rows whose moment ``column`` (updated_at...) is in the window
        (only those ``viewer`` may read, when given)."""
        rows = _table(table)
        start, end = window
        stmt = (
            select(rows.c.id)
            .where(
                rows.c[column].between(start, end),
                _filter(rows, row_filter),
                *_visible(rows, viewer),
            )
            .order_by(rows.c.id)
        )
        return list(self.conn.execute(stmt).scalars())


def _visible(rows: Table, viewer: Viewer | None) -> list[ColumnElement[bool]]:
    clause = table_visibility(rows.name, viewer, rows)
    return [] if clause is None else [clause]


def _table(name: str) -> Table:
    return t.metadata.tables[name]


def _key(rows: Table, column: str) -> ColumnElement[str]:
    if column not in KEY_COLUMNS:
        raise ValueError(f"{column} is not a key column")
    return rows.c[column]


def _filter(rows: Table, row_filter: str | None) -> ColumnElement[bool]:
    if row_filter is None:
        return true()
    if row_filter == "task_or_call":
        return rows.c.kind.in_(_TASK_KINDS)
    raise ValueError(f"unknown row filter {row_filter}")
