"""Keyset pagination for any table: one page in a sort order, with cursors to its neighbours.

A cursor holds the sort value and id of the row at the page's edge and the direction, so
pages go forwards and backwards and stay as fast deep into a list as at its start. A missing
value of a nullable sort column sorts as a stand-in of the column's kind (empty text, or a
number or date below every stored one), which keeps the order total.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    Numeric,
    RowMapping,
    Table,
    TypeDecorator,
    and_,
    func,
    literal,
    select,
    tuple_,
)

from opportune.domain.listing import Cursor, Page

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class KeysetRequest:
    """Which page of a list: sort column name, direction, cursor, size, total wanted."""

    sort: str
    descending: bool
    cursor: Cursor | None
    limit: int
    with_total: bool = False


@dataclass(frozen=True, slots=True)
class Keyset(Generic[T]):
    """Pages of ``table`` rows turned into items by ``to_item``."""

    table: Table
    to_item: Callable[[RowMapping], T]

    def page(
        self, conn: Connection, filters: Sequence[ColumnElement[bool]], request: KeysetRequest
    ) -> Page[T]:
        """One page of rows matching ``filters``."""
        sort_col = self._sort_expression(request.sort)
        backwards = bool(request.cursor and request.cursor.backwards)
        # Walking backwards reads in the opposite order, then flips the page.
        descending = request.descending != backwards
        stmt = select(self.table).where(*filters)
        if request.cursor is not None:
            stmt = stmt.where(self._after(sort_col, request, descending))
        id_col = self.table.c.id
        order = (sort_col.desc(), id_col.desc()) if descending else (sort_col, id_col)
        rows = list(conn.execute(stmt.order_by(*order).limit(request.limit + 1)).mappings())
        more = len(rows) > request.limit
        rows = rows[: request.limit][:: -1 if backwards else 1]
        total = self._count(conn, filters) if request.with_total else None
        next_cursor, prev_cursor = self._cursors(rows, request, more, backwards)
        return Page([self.to_item(r) for r in rows], next_cursor, prev_cursor, total=total)

    def _sort_expression(self, sort: str) -> ColumnElement[Any]:
        column = self.table.c[sort]
        if not column.nullable:
            return column
        return func.coalesce(column, literal(_missing_value(column), column.type))

    def _after(
        self, sort_col: ColumnElement[Any], request: KeysetRequest, descending: bool
    ) -> ColumnElement[bool]:
        assert request.cursor is not None
        value = request.cursor.value
        typed = literal(value, self.table.c[request.sort].type)
        bound = tuple_(typed if isinstance(value, datetime | date) else literal(value),
                       literal(request.cursor.id))  # fmt: skip
        key = tuple_(sort_col, self.table.c.id)
        return and_(key < bound) if descending else and_(key > bound)

    def _count(self, conn: Connection, filters: Sequence[ColumnElement[bool]]) -> int:
        stmt = select(func.count()).select_from(self.table).where(*filters)
        return int(conn.execute(stmt).scalar_one())

    def _cursors(
        self, rows: Sequence[RowMapping], request: KeysetRequest, more: bool, backwards: bool
    ) -> tuple[str | None, str | None]:
        if not rows:
            return None, None
        has_next = more if not backwards else True
        has_prev = (request.cursor is not None) if not backwards else more
        first, last = rows[0], rows[-1]
        sort_col = request.sort
        next_cursor = Cursor(self._edge(last, sort_col), last["id"]) if has_next else None
        prev_cursor = (
            Cursor(self._edge(first, sort_col), first["id"], backwards=True) if has_prev else None
        )
        return (
            next_cursor.encode() if next_cursor else None,
            prev_cursor.encode() if prev_cursor else None,
        )

    def _edge(self, row: RowMapping, sort: str) -> object:
        """The sort value a cursor keeps (a missing one as the order sorts it)."""
        value = row[sort]
        return _missing_value(self.table.c[sort]) if value is None else value


# Below any amount, count or date Opportune stores (numbers are never negative).
_MISSING_NUMBER = Decimal("-1E+18")
_MISSING_INTEGER = -(2**31)
_MISSING_DAY = date(1, 1, 1)
_MISSING_MOMENT = datetime(1, 1, 1, tzinfo=UTC)


def _missing_value(column: Column[Any]) -> object:
    """What a missing value of ``column`` sorts as: first for numbers and dates, and as
    empty text (first too) for text."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Integer):
        return _MISSING_INTEGER
    if isinstance(kind, Numeric):
        return _MISSING_NUMBER
    if isinstance(kind, DateTime):
        return _MISSING_MOMENT
    if isinstance(kind, Date):
        return _MISSING_DAY
    return ""
