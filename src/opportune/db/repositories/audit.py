"""The audit log: entries are only ever added here (the product has no way to change one)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, insert, select

from opportune.db import tables as t
from opportune.db.repositories._keyset import Keyset, KeysetRequest
from opportune.domain.audit import AuditEntry, AuditQuery
from opportune.domain.listing import Page


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

    def page(self, query: AuditQuery, request: KeysetRequest) -> Page[AuditEntry]:
        """One page of entries matching ``query`` in ``request``'s order."""
        return AUDIT_PAGES.page(self.conn, _conditions(query), request)

    def get(self, entry_id: int) -> AuditEntry | None:
        """One entry by id."""
        row = self.conn.execute(select(t.audit_log).where(t.audit_log.c.id == entry_id))
        found = row.mappings().first()
        return _entry(found) if found else None


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``query``."""
    c = t.audit_log.c
    conditions: list[ColumnElement[bool]] = []
    if query.actions:
        conditions.append(c.action.in_(query.actions))
    if query.actor_ids:
        conditions.append(c.actor_id.in_(query.actor_ids))
    if query.object_type is not None:
        conditions.append(c.object_type == query.object_type)
    if query.object_id is not None:
        conditions.append(c.object_id == query.object_id)
    if query.since is not None:
        conditions.append(c.at >= query.since)
    if query.until is not None:
        conditions.append(c.at < query.until)
    if query.ip is not None:
        conditions.append(c.ip == query.ip)
    return conditions


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"], at=row["at"], actor_id=row["actor_id"], action=row["action"],
        object_type=row["object_type"], object_id=row["object_id"], ip=row["ip"],
        details=dict(row["details"] or {}),
    )  # fmt: skip


AUDIT_PAGES: Keyset[AuditEntry] = Keyset(t.audit_log, _entry)
