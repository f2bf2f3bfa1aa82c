"""What every repository shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, CursorResult


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def sqlite_last_id(conn: Connection, table: Table) -> int:
    """The highest id SQLite ever gave a row of ``table``, for numbering many rows at once.

    ``max(id)`` alone is not enough: the rows of deleted records wait in the recycle bin
    with their ids, and AUTOINCREMENT promises those ids are never handed out again (a
    restore puts them back), so the table's ``sqlite_sequence`` counter counts too.
    Inserting an explicit larger id moves that counter on by itself.
    """
    highest = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    seq = conn.execute(
        text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table.name}
    ).scalar()
    return max(int(highest), int(seq or 0))
