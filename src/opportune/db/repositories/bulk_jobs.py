"""Bulk API 2.0 ingest jobs (the Salesforce-compatible API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from opportune.db import tables as t
from opportune.db.repositories._common import new_id

_jobs = t.bulk_jobs


class BulkJobRepository:
    """Ingest jobs: add, read, change, list and delete them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: Mapping[str, Any]) -> int:
        """Record a new job and return its id."""
        return new_id(self.conn.execute(insert(_jobs).values(dict(values))))

    def get(self, job_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """The job's row; with ``lock``, held against other writers until commit."""
        stmt = select(_jobs).where(_jobs.c.id == job_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return dict(row._mapping) if row else None

    def change(self, job_id: int, **values: Any) -> None:
        """Change columns of a job."""
        self.conn.execute(update(_jobs).where(_jobs.c.id == job_id).values(values))

    def page(self, created_by_id: int | None, limit: int) -> list[dict[str, Any]]:
        """Jobs newest first (only one user's when ``created_by_id`` is given)."""
        stmt = select(_jobs).order_by(_jobs.c.id.desc()).limit(limit)
        if created_by_id is not None:
            stmt = stmt.where(_jobs.c.created_by_id == created_by_id)
        return [dict(row._mapping) for row in self.conn.execute(stmt)]

    def with_states(self, *states: str) -> list[dict[str, Any]]:
        """Jobs in one of these states, oldest first."""
        stmt = select(_jobs).where(_jobs.c.state.in_(states)).order_by(_jobs.c.id)
        return [dict(row._mapping) for row in self.conn.execute(stmt)]

    def idle_since(self, states: Iterable[str], cutoff: datetime) -> list[int]:
        """The ids of the jobs in one of ``states`` that ended (or last changed) before
        ``cutoff``."""
        ended = func.coalesce(_jobs.c.finished_at, _jobs.c.updated_at)
        stmt = select(_jobs.c.id).where(_jobs.c.state.in_(list(states)), ended < cutoff)
        return list(self.conn.execute(stmt.order_by(_jobs.c.id)).scalars())

    def remove(self, job_id: int) -> None:
        """Delete the job's row."""
        self.conn.execute(delete(_jobs).where(_jobs.c.id == job_id))
