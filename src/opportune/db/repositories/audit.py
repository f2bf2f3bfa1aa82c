"""The audit log: entries are only ever added here (the product has no way to change one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from opportune.db import tables as t


class AuditRepository:
    """Append-only access to ``audit_log``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        action: str,
        *,
        at: datetime,
        actor_id: int | None,
        object_type: str | None = None,
        object_id: int | None = None,
        ip: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry."""
        values = {"action": action, "at": at, "actor_id": actor_id, "object_type": object_type,
                  "object_id": object_id, "ip": ip, "details": details}  # fmt: skip
        self.conn.execute(insert(t.audit_log).values(values))
