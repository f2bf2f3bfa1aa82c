"""Field history rows: written with each change, read as a record's timeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from opportune.db import tables as t
from opportune.domain.field_history import FieldChange


class FieldHistoryRepository:
    """Field history of every object type, newest first when read."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_many(self, changes: Sequence[FieldChange]) -> None:
        """Store history rows (no-op for none)."""
        if changes:
            rows = [dataclasses.asdict(c) for c in changes]
            for row in rows:
                row.pop("id")
            self.conn.execute(insert(t.field_history), rows)

    def for_record(self, object_type: str, record_id: int, limit: int = 200) -> list[FieldChange]:
        """A record's changes, newest first."""
        fh = t.field_history
        stmt = (
            select(fh)
            .where(fh.c.object_type == object_type, fh.c.record_id == record_id)
            .order_by(fh.c.changed_at.desc(), fh.c.id.desc())
            .limit(limit)
        )
        return [FieldChange(**row) for row in self.conn.execute(stmt).mappings()]
