"""Which records were deleted, and when: integrations catch up on deletions from here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from opportune.db import tables as t


class DeletedRecordRepository:
    """The log of deleted records (``object_type`` is the record kind: ``lead``, ``task``...)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, object_type: str, record_id: int, deleted_at: datetime, deleted_by_id: int | None
    ) -> None:
        """Log that a record was deleted."""
        values = {"object_type": object_type, "record_id": record_id,
                  "deleted_at": deleted_at, "deleted_by_id": deleted_by_id}  # fmt: skip
        self.conn.execute(insert(t.deleted_records).values(values))

    def between(
        self, object_type: str, start: datetime, end: datetime
    ) -> list[tuple[int, datetime]]:
        """``(record_id, deleted_at)`` of the deletions in ``[start, end]``, oldest first."""
        table = t.deleted_records
        stmt = (
            select(table.c.record_id, table.c.deleted_at)
            .where(table.c.object_type == object_type, table.c.deleted_at.between(start, end))
            .order_by(table.c.deleted_at, table.c.id)
        )
        return [(row.record_id, row.deleted_at) for row in self.conn.execute(stmt)]

    def earliest(self, object_type: str) -> datetime | None:
        """When the oldest deletion of this kind that is still logged happened."""
        table = t.deleted_records
        stmt = select(func.min(table.c.deleted_at)).where(table.c.object_type == object_type)
        found: datetime | None = self.conn.execute(stmt).scalar_one()
        return found
