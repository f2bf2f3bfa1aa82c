"""The background job queue's table: add, take, report on and finish jobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.jobs import Job, JobState

_jobs = t.jobs
_OPEN = (JobState.QUEUED.value, JobState.RUNNING.value)


def _job(row: Any) -> Job:
    values = dict(row._mapping)
    values["state"] = JobState(values["state"])
    return Job(**values)


class JobRepository:
    """Rows of the ``jobs`` table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: Mapping[str, Any]) -> int:
        """Queue a job and return its id."""
        return new_id(self.conn.execute(insert(_jobs).values(dict(values))))

    def add_unique(self, values: Mapping[str, Any]) -> int | None:
        """Queue a job unless an unfinished one has its ``unique_key``; None then.

        A savepoint keeps the surrounding transaction usable when another worker queued
        the same key a moment earlier (PostgreSQL aborts a transaction on any error).
        """
        try:
            with self.conn.begin_nested():
                return self.add(values)
        except IntegrityError:
            return None

    def open_with_key(self, unique_key: str) -> Job | None:
        """The unfinished job holding ``unique_key``, if any."""
        stmt = select(_jobs).where(_jobs.c.unique_key == unique_key, _jobs.c.state.in_(_OPEN))
        row = self.conn.execute(stmt).first()
        return _job(row) if row else None

    def last_finished_with_key(self, unique_key: str) -> datetime | None:
        """When the last finished job holding ``unique_key`` ended."""
        stmt = select(func.max(_jobs.c.finished_at)).where(_jobs.c.unique_key == unique_key)
        return self.conn.execute(stmt).scalar()

    def get(self, job_id: int, *, lock: bool = False) -> Job | None:
        """The job; with ``lock``, held against other writers until commit."""
        stmt = select(_jobs).where(_jobs.c.id == job_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return _job(row) if row else None

    def any_due(self, now: datetime, kinds: list[str] | None) -> bool:
        """Whether a queued job is due, without locking anything."""
        stmt = select(_jobs.c.id).where(
            _jobs.c.state == JobState.QUEUED.value, _jobs.c.run_after <= now
        )
        if kinds is not None:
            stmt = stmt.where(_jobs.c.kind.in_(kinds))
        return self.conn.execute(stmt.limit(1)).first() is not None

    def next_due(self, now: datetime, kinds: list[str] | None) -> Job | None:
        """The queued job to run next, locked for this transaction.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets workers on several machines look at
        once without two taking the same job or waiting on each other; SQLite renders no
        lock clause and needs none, its writers being serialised by ``BEGIN IMMEDIATE``.
        """
        stmt = (
            select(_jobs)
            .where(_jobs.c.state == JobState.QUEUED.value, _jobs.c.run_after <= now)
            .order_by(_jobs.c.priority.desc(), _jobs.c.run_after, _jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if kinds is not None:
            stmt = stmt.where(_jobs.c.kind.in_(kinds))
        row = self.conn.execute(stmt).first()
        return _job(row) if row else None

    def running_seen_before(self, cutoff: datetime) -> list[Job]:
        """Running jobs whose worker has not reported since ``cutoff``, locked."""
        seen = func.coalesce(_jobs.c.heartbeat_at, _jobs.c.started_at)
        stmt = (
            select(_jobs)
            .where(_jobs.c.state == JobState.RUNNING.value, seen < cutoff)
            .with_for_update(skip_locked=True)
        )
        return [_job(row) for row in self.conn.execute(stmt)]

    def running_on(self, worker_prefix: str) -> list[Job]:
        """Running jobs held by workers whose name starts with ``worker_prefix``."""
        stmt = select(_jobs).where(
            _jobs.c.state == JobState.RUNNING.value, _jobs.c.worker.startswith(worker_prefix)
        )
        return [_job(row) for row in self.conn.execute(stmt)]

    def change(self, job_id: int, **values: Any) -> None:
        """Change columns of a job."""
        self.conn.execute(update(_jobs).where(_jobs.c.id == job_id).values(values))

    def beat(self, job_id: int, worker: str, now: datetime, progress: Any) -> bool | None:
        """Record a running job's heartbeat and progress if ``worker`` still holds it;
        returns whether a cancel was asked, or None when the worker lost the job."""
        held = (_jobs.c.id == job_id, _jobs.c.worker == worker,
                _jobs.c.state == JobState.RUNNING.value)  # fmt: skip
        values: dict[str, Any] = {"heartbeat_at": now}
        if progress is not None:
            values["progress"] = progress
        done = self.conn.execute(update(_jobs).where(*held).values(values))
        if not done.rowcount:
            return None
        return bool(self.conn.execute(select(_jobs.c.cancel_requested).where(*held)).scalar())

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state (every state named, zeros included)."""
        stmt = select(_jobs.c.state, func.count()).group_by(_jobs.c.state)
        found = {state: int(n) for state, n in self.conn.execute(stmt)}
        return {state.value: found.get(state.value, 0) for state in JobState}

    def page(
        self, *, states: list[str] | None, kind: str | None, created_by_id: int | None, limit: int
    ) -> list[Job]:
        """Jobs newest first, filtered by state, kind and who queued them."""
        stmt = select(_jobs).order_by(_jobs.c.id.desc()).limit(limit)
        if states:
            stmt = stmt.where(_jobs.c.state.in_(states))
        if kind:
            stmt = stmt.where(_jobs.c.kind == kind)
        if created_by_id is not None:
            stmt = stmt.where(_jobs.c.created_by_id == created_by_id)
        return [_job(row) for row in self.conn.execute(stmt)]

    def remove_finished_before(self, cutoff: datetime) -> int:
        """Delete jobs that finished before ``cutoff``; returns how many."""
        stmt = delete(_jobs).where(_jobs.c.state.not_in(_OPEN), _jobs.c.finished_at < cutoff)
        return int(self.conn.execute(stmt).rowcount)
