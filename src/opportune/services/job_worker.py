"""A job worker: takes jobs from the queue one at a time and runs them to their end.

``opportune worker`` runs one in its own process; ``opportune serve`` on SQLite runs one
in a thread of the web process. Besides running jobs, a worker keeps the periodic jobs
queued (the web-to-lead overflow queue, recycle-bin purge, maintenance) and takes back
jobs whose worker died.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opportune.domain.jobs import Job, JobCancelled, JobKind
from opportune.errors import OpportuneError
from opportune.logging_setup import set_request_id
from opportune.services.job_handlers import HANDLERS
from opportune.services.jobs import worker_name

if TYPE_CHECKING:
    from opportune.services import Opportune

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 30.0
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A periodic job: its kind, how often it runs, and how long after a first start."""

    kind: JobKind
    every: timedelta
    first_after: timedelta = timedelta(0)
    priority: int = 0


def schedules(core: Opportune) -> list[Schedule]:
    """The periodic jobs of this installation's settings."""
    # Maintenance goes first: it queues the work a stopped server left unfinished.
    found = [
        Schedule(JobKind.MAINTENANCE, HOUR, priority=10),
        Schedule(JobKind.RECYCLE_BIN_PURGE, HOUR),
    ]
    interval = core.settings.web_to_lead_queue_interval_seconds
    if interval > 0:  # 0 turns the overflow queue's processing off
        every = timedelta(seconds=interval)
        found.append(Schedule(JobKind.WEB_TO_LEAD_QUEUE, every, first_after=every))
    return found


class _Heartbeat:
    """While a job runs: writes its latest progress and heartbeat every few seconds from a
    thread of its own (so a handler that reports rarely is not taken for dead) and turns
    a cancel request into :class:`JobCancelled` at the handler's next report."""

    def __init__(self, core: Opportune, job: Job, worker: str, interval: float) -> None:
        self.core, self.job, self.worker, self.interval = core, job, worker, interval
        self.latest: Mapping[str, Any] | None = None
        self.cancelled = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job.id}-beat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def report(self, progress: Mapping[str, Any]) -> None:
        """The handler's progress callback."""
        self.latest = progress
        if self.cancelled.is_set():
            raise JobCancelled(f"job {self.job.id} was cancelled")

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self.core.jobs.heartbeat(self.job.id, self.worker, self.latest)
            except JobCancelled:
                self.cancelled.set()
            except Exception:  # a missed beat is retried; the job goes on
                log.exception("Heartbeat of job %s failed", self.job.id)


class JobWorker:
    """Runs queued jobs (of ``kinds``, or every kind) until stopped."""

    def __init__(
        self,
        core: Opportune,
        *,
        label: str = "worker",
        kinds: list[str] | None = None,
        periodic: bool = True,
    ) -> None:
        self.core = core
        self.name = worker_name(label)
        self.kinds = kinds
        self.periodic = periodic
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self.idle_event = threading.Event()  # set whenever the queue has nothing due
        self.beat_interval = min(5.0, core.settings.job_stale_seconds / 4)
        self._last_housekeeping = float("-inf")

    def wake(self) -> None:
        """Look for work now instead of at the next poll (a job was just queued)."""
        self.idle_event.clear()
        self.wake_event.set()

    def stop(self) -> None:
        """Ask the loop to end after the job it is running."""
        self.stop_event.set()
        self.wake_event.set()

    def run(self) -> None:
        """Run jobs until :meth:`stop`; sleeps ``job_poll_seconds`` when there is none.

        The first round always runs, so a server stopped right after it started still
        does its start-up maintenance (old uploads removed, interrupted work queued)."""
        self._safely(self.core.jobs.recover_dead_local)
        first = True
        while first or not self.stop_event.is_set():
            first = False
            self._housekeeping()
            if self.run_once() is None:
                self.idle_event.set()
                self.wake_event.wait(self.core.settings.job_poll_seconds)
                self.wake_event.clear()

    def run_until_idle(self, max_jobs: int = 10_000) -> int:
        """Run due jobs until none is left (or ``max_jobs``); return how many ran."""
        ran = 0
        while ran < max_jobs and self.run_once() is not None:
            ran += 1
        return ran

    def run_once(self) -> Job | None:
        """Take one due job and run it to its end; None when nothing was due."""
        job = self.core.jobs.claim(self.name, self.kinds)
        if job is None:
            return None
        set_request_id(f"job-{job.id}")  # every log line of the job names it
        try:
            log.info("Job %s (%s) started, attempt %s", job.id, job.kind, job.attempts)
            self._execute(job)
        finally:
            set_request_id(None)
        return job

    def _execute(self, job: Job) -> None:
        handler = HANDLERS.get(job.kind)
        jobs = self.core.jobs
        if handler is None:
            jobs.fail(job.id, self.name, f"No worker knows jobs of kind {job.kind}", retry=False)
            return
        started = time.monotonic()
        try:
            with _Heartbeat(self.core, job, self.name, self.beat_interval) as beat:
                result = handler(self.core, job, beat.report)
        except JobCancelled:
            log.info("Job %s cancelled", job.id)
            jobs.cancelled(job.id, self.name)
        except OpportuneError as exc:  # the input is wrong: trying again cannot help
            log.warning("Job %s failed: %s", job.id, exc.message)
            jobs.fail(job.id, self.name, f"{exc.code}: {exc.message}", retry=False)
        except Exception as exc:  # maybe passing (database restart): tried again later
            log.exception("Job %s failed", job.id)
            jobs.fail(job.id, self.name, _describe(exc))
        else:
            log.info("Job %s done in %.1f s", job.id, time.monotonic() - started)
            jobs.succeed(job.id, self.name, result)

    def _housekeeping(self) -> None:
        """Every 30 s: take back abandoned jobs, keep the periodic jobs queued."""
        now = time.monotonic()
        if now - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = now
        self._safely(self.core.jobs.recover_abandoned)
        if self.periodic:
            for schedule in schedules(self.core):
                self._safely(lambda s=schedule: self.core.jobs.ensure_scheduled(
                    s.kind, s.every, first_after=s.first_after, priority=s.priority))  # fmt: skip

    def _safely(self, action: Any) -> None:
        try:
            action()
        except Exception:  # the database may be restarting: the loop tries again later
            log.exception("Job worker housekeeping failed")


def _describe(exc: BaseException) -> str:
    """The exception's type, message and where it was raised (the last frames)."""
    frames = "".join(traceback.format_exception(exc)[-3:])
    return f"{type(exc).__name__}: {exc}\n{frames}"
