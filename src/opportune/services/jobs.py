"""The background job queue: queue work, let workers take and finish it, follow and cancel it.

Jobs live in the database, so they survive restarts and any worker process on any machine
sharing the database can take them. A worker takes a job in one short transaction
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), runs it outside any transaction, reports
progress (its heartbeat), and finishes it in another. A worker that dies leaves a running
job without heartbeats; after ``job_stale_seconds`` any worker takes it again.
"""

from __future__ import annotations

import builtins
import dataclasses
import os
import socket
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from opportune.domain.jobs import Job, JobCancelled, JobKind, JobState, retry_delay
from opportune.domain.users import Role, User
from opportune.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from opportune.services.clock import Clock
from opportune.services.permissions import require_scope
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

ERROR_MAX_CHARS = 4000
LIST_MAX = 500
# Finished jobs are kept this long for people to look at, then removed by maintenance.
FINISHED_RETENTION = timedelta(days=30)


def worker_name(label: str = "worker") -> str:
    """``host:pid:label``, naming one worker (a process may run several threads)."""
    return f"{socket.gethostname()}:{os.getpid()}:{label}"


def this_host_prefix() -> str:
    """The start of every worker name on this machine."""
    return f"{socket.gethostname()}:"


class JobService:
    """Queue, take, report on, finish, cancel and retry background jobs."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    # --- queueing ----------------------------------------------------------------------------

    def enqueue(
        self,
        kind: JobKind | str,
        payload: Mapping[str, Any] | None = None,
        *,
        created_by_id: int | None = None,
        unique_key: str | None = None,
        priority: int = 0,
        delay: timedelta = timedelta(0),
    ) -> Job:
        """Queue a job; with ``unique_key``, return the unfinished job holding that key
        instead of queueing a second one."""
        kind = _known_kind(kind)
        now = self.clock()
        values = {
            "kind": kind, "payload": dict(payload or {}), "state": JobState.QUEUED.value,
            "priority": priority, "attempts": 0, "max_attempts": self.settings.job_max_attempts,
            "run_after": now + delay, "unique_key": unique_key, "created_by_id": created_by_id,
            "created_at": now,
        }  # fmt: skip
        with UnitOfWork(self.engine, write=True) as uow:
            job_id = uow.jobs.add_unique(values) if unique_key else uow.jobs.add(values)
            uow.commit()
            if job_id is None:
                assert unique_key is not None
                existing = uow.jobs.open_with_key(unique_key)
                if existing is not None:
                    return existing
                raise ConflictError(f"A job with key {unique_key} was queued and ended at once")
            found = uow.jobs.get(job_id)
        assert found is not None
        return found

    def ensure_scheduled(
        self,
        kind: JobKind,
        every: timedelta,
        *,
        first_after: timedelta = timedelta(0),
        priority: int = 0,
    ) -> Job | None:
        """Keep one queued run of a periodic job: when none is queued or running, queue the
        next one ``every`` after the last ended (``first_after`` from now if it never ran).
        Several workers may call this at once; the unique key lets one of them win."""
        key = f"schedule:{kind.value}"
        with UnitOfWork(self.engine) as uow:
            if uow.jobs.open_with_key(key) is not None:
                return None
            last = uow.jobs.last_finished_with_key(key)
        due = (last + every) if last else self.clock() + first_after
        delay = max(due - self.clock(), timedelta(0))
        return self.enqueue(kind, unique_key=key, delay=delay, priority=priority)

    def queue_conversions(
        self, actor: User, items: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> Job:
        """Queue a bulk conversion run as ``actor`` (each item: ``lead_id`` and options)."""
        require_scope("write")
        if not items:
            raise ValidationError.single("items", "REQUIRED_FIELD_MISSING",
                                         "name at least one lead to convert")  # fmt: skip
        payload = {"user_id": actor.id, "items": [dict(i) for i in items],
                   "all_or_none": all_or_none}  # fmt: skip
        return self.enqueue(JobKind.BULK_CONVERSION, payload, created_by_id=actor.id)

    def queue_reassignment(
        self, actor: User, filters: Mapping[str, Any], *, rule_id: int | None = None
    ) -> Job:
        """Queue re-running assignment over the leads ``filters`` match (administrators and
        managers), as ``actor``."""
        require_scope("write")
        if actor.role is Role.REP:
            raise PermissionDeniedError("Only an administrator or a manager can re-run assignment")
        payload = {"user_id": actor.id, "filters": dict(filters), "rule_id": rule_id}
        return self.enqueue(JobKind.ASSIGNMENT_RERUN, payload, created_by_id=actor.id)

    # --- workers -----------------------------------------------------------------------------

    def claim(self, worker: str, kinds: list[str] | None = None) -> Job | None:
        """Take the next due job for ``worker`` (it becomes running), or None."""
        now = self.clock()
        # An idle worker polls every second: looking first, in a read transaction, spares
        # SQLite's one write lock (and PostgreSQL a row lock) when nothing is due.
        with UnitOfWork(self.engine) as uow:
            if not uow.jobs.any_due(now, kinds):
                return None
        with UnitOfWork(self.engine, write=True) as uow:
            job = uow.jobs.next_due(now, kinds)
            if job is None:
                return None
            uow.jobs.change(job.id, state=JobState.RUNNING.value, worker=worker,
                            attempts=job.attempts + 1, started_at=now, heartbeat_at=now,
                            error=None)  # fmt: skip
            uow.commit()
            taken = uow.jobs.get(job.id)
        assert taken is not None
        return taken

    def heartbeat(self, job_id: int, worker: str, progress: Mapping[str, Any] | None) -> None:
        """Record that ``worker`` still runs the job, with its progress. Raises
        :class:`JobCancelled` when someone asked the job to stop, or when the job was given
        to another worker because this one went quiet for too long."""
        with UnitOfWork(self.engine, write=True) as uow:
            cancel = uow.jobs.beat(job_id, worker, self.clock(), _json(progress))
            uow.commit()
        if cancel is None:
            raise JobCancelled(f"job {job_id} is no longer held by {worker}")
        if cancel:
            raise JobCancelled(f"job {job_id} was cancelled")

    def succeed(self, job_id: int, worker: str, result: Mapping[str, Any] | None) -> None:
        """Finish a job its worker completed."""
        self._finish(job_id, worker, JobState.SUCCEEDED, result=_json(result))

    def cancelled(self, job_id: int, worker: str) -> None:
        """Finish a running job that stopped because it was asked to."""
        self._finish(job_id, worker, JobState.CANCELLED, error="Cancelled while running")

    def fail(self, job_id: int, worker: str, error: str, *, retry: bool = True) -> Job | None:
        """Record a failed attempt: the job is queued again after a back-off, or fails for
        good once its attempts are used up (at once without ``retry``). Returns the job
        as it now stands."""
        with UnitOfWork(self.engine, write=True) as uow:
            job = uow.jobs.get(job_id, lock=True)
            if job is None or job.worker != worker or job.state is not JobState.RUNNING:
                return job
            if not retry:
                job = dataclasses.replace(job, max_attempts=job.attempts)
            self._record_failure(uow, job, error[-ERROR_MAX_CHARS:])
            uow.commit()
            return uow.jobs.get(job_id)

    def recover_abandoned(self) -> builtins.list[int]:
        """Take back the running jobs whose worker stopped reporting (it died): each goes
        back to the queue, or fails when it has used all its attempts. Returns their ids."""
        now, stale_after = self.clock(), timedelta(seconds=self.settings.job_stale_seconds)
        with UnitOfWork(self.engine, write=True) as uow:
            found = uow.jobs.running_seen_before(now - stale_after)
            stale = [job for job in found if job.is_stale(now, stale_after)]
            for job in stale:
                self._record_failure(uow, job, f"Worker {job.worker} stopped reporting")
            uow.commit()
        return [job.id for job in stale]

    def recover_dead_local(self, alive: set[int] | None = None) -> builtins.list[int]:
        """At worker start: jobs held by processes of this machine that no longer exist go
        back to the queue at once, instead of after ``job_stale_seconds``."""
        with UnitOfWork(self.engine, write=True) as uow:
            dead = [j for j in uow.jobs.running_on(this_host_prefix())
                    if not _process_alive(j.worker, alive)]  # fmt: skip
            for job in dead:
                self._record_failure(uow, job, f"Worker {job.worker} ended", backoff=False)
            uow.commit()
        return [job.id for job in dead]

    # --- people ------------------------------------------------------------------------------

    def get(self, actor: User | None, job_id: int) -> Job:
        """One job: administrators see every job, others the jobs they queued."""
        with UnitOfWork(self.engine) as uow:
            job = uow.jobs.get(job_id)
        if job is None or not _may_see(actor, job):
            raise NotFoundError.for_record("Job", job_id)
        return job

    def list(
        self,
        actor: User | None,
        *,
        states: builtins.list[str] | None = None,
        kind: str | None = None,
        limit: int = 50,
    ) -> builtins.list[Job]:
        """Jobs newest first; administrators see everyone's, others their own."""
        for state in states or []:
            if state not in {s.value for s in JobState}:
                raise ValidationError.single("state", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                             f"unknown job state {state!r}")  # fmt: skip
        if not 1 <= limit <= LIST_MAX:
            raise ValidationError.single("limit", "NUMBER_OUTSIDE_VALID_RANGE",
                                         f"must be between 1 and {LIST_MAX}")  # fmt: skip
        mine = None if actor is None or actor.role is Role.ADMIN else actor.id
        with UnitOfWork(self.engine) as uow:
            return uow.jobs.page(states=states, kind=kind, created_by_id=mine, limit=limit)

    def find_open(self, unique_key: str) -> Job | None:
        """The queued or running job holding ``unique_key``, if any."""
        with UnitOfWork(self.engine) as uow:
            return uow.jobs.open_with_key(unique_key)

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state (queue depth for metrics)."""
        with UnitOfWork(self.engine) as uow:
            return uow.jobs.counts()

    def cancel(self, actor: User | None, job_id: int) -> Job:
        """Cancel a job: a queued one ends at once, a running one is asked to stop and
        stops at its next progress report (work it committed stays)."""
        with UnitOfWork(self.engine, write=True) as uow:
            job = self._editable(uow, actor, job_id)
            if job.is_finished:
                raise ConflictError(f"Job {job_id} is {job.state}: nothing to cancel",
                                    code="JOB_FINISHED")  # fmt: skip
            if job.state is JobState.QUEUED:
                uow.jobs.change(job_id, state=JobState.CANCELLED.value,
                                finished_at=self.clock(), error="Cancelled")  # fmt: skip
            else:
                uow.jobs.change(job_id, cancel_requested=True)
            uow.commit()
            found = uow.jobs.get(job_id)
        assert found is not None
        return found

    def retry(self, actor: User | None, job_id: int) -> Job:
        """Queue a failed or cancelled job again, with a fresh set of attempts."""
        with UnitOfWork(self.engine, write=True) as uow:
            job = self._editable(uow, actor, job_id)
            if job.state not in (JobState.FAILED, JobState.CANCELLED):
                raise ConflictError(f"Job {job_id} is {job.state}: only failed or cancelled "
                                    "jobs can be retried", code="JOB_NOT_RETRYABLE")  # fmt: skip
            if job.unique_key and uow.jobs.open_with_key(job.unique_key) is not None:
                raise ConflictError(f"Another job for {job.unique_key} is already queued",
                                    code="JOB_RUNNING")  # fmt: skip
            uow.jobs.change(job_id, state=JobState.QUEUED.value, attempts=0,
                            run_after=self.clock(), cancel_requested=False, worker=None,
                            finished_at=None)  # fmt: skip
            uow.commit()
            found = uow.jobs.get(job_id)
        assert found is not None
        return found

    def purge_finished(self) -> int:
        """Remove jobs that finished more than 30 days ago; returns how many."""
        with UnitOfWork(self.engine, write=True) as uow:
            removed = uow.jobs.remove_finished_before(self.clock() - FINISHED_RETENTION)
            uow.commit()
        return removed

    # --- inside ------------------------------------------------------------------------------

    def _finish(self, job_id: int, worker: str, state: JobState, **values: Any) -> None:
        with UnitOfWork(self.engine, write=True) as uow:
            job = uow.jobs.get(job_id, lock=True)
            if job is None or job.worker != worker or job.state is not JobState.RUNNING:
                return  # taken back from this worker meanwhile: the new holder finishes it
            uow.jobs.change(job_id, state=state.value, finished_at=self.clock(), **values)
            uow.commit()

    def _record_failure(
        self, uow: UnitOfWork, job: Job, error: str, *, backoff: bool = True
    ) -> None:
        now = self.clock()
        if job.cancel_requested:
            uow.jobs.change(job.id, state=JobState.CANCELLED.value, finished_at=now, error=error)
        elif job.can_retry:
            wait = retry_delay(job.attempts) if backoff else timedelta(0)
            uow.jobs.change(job.id, state=JobState.QUEUED.value, run_after=now + wait,
                            worker=None, error=error)  # fmt: skip
        else:
            uow.jobs.change(job.id, state=JobState.FAILED.value, finished_at=now, error=error)

    def _editable(self, uow: UnitOfWork, actor: User | None, job_id: int) -> Job:
        job = uow.jobs.get(job_id, lock=True)
        if job is None or not _may_see(actor, job):
            raise NotFoundError.for_record("Job", job_id)
        if actor is not None and actor.role is not Role.ADMIN and actor.id != job.created_by_id:
            raise PermissionDeniedError("Only an administrator or whoever queued it can change it")
        return job


def _known_kind(kind: JobKind | str) -> str:
    try:
        return JobKind(kind).value
    except ValueError:
        known = ", ".join(k.value for k in JobKind)
        raise ValidationError.single(
            "kind",
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"unknown job kind {kind!r} (known: {known})",
        ) from None


def _may_see(actor: User | None, job: Job) -> bool:
    return actor is None or actor.role is Role.ADMIN or actor.id == job.created_by_id


def _json(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Values as a JSON-safe dict (numbers, strings, lists; anything else as text)."""
    if values is None:
        return None
    return {str(k): v if isinstance(v, int | float | str | bool | None | list) else str(v)
            for k, v in values.items()}  # fmt: skip


def _process_alive(worker: str | None, alive: set[int] | None) -> bool:
    """Whether the process named in a worker name (``host:pid:label``) still runs here."""
    try:
        pid = int((worker or "").split(":")[1])
    except (IndexError, ValueError):
        return False
    if alive is not None:
        return pid in alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
