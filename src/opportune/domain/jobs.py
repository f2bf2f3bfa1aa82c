"""Background jobs: their states, what a worker may do with them, and retry back-off.

A job is long work done outside a web request (a large import, a bulk conversion, the
web-to-lead overflow queue, purging the recycle bin, re-running assignment). Workers take
queued jobs whose time has come, report progress while they run, and finish them as
succeeded or failed; a failed attempt is tried again later, each time waiting longer,
until the job's attempts are used up. Cancelling a queued job ends it at once; a running
one is asked to stop and stops at its next progress report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

__all__ = [
    "FINISHED_STATES",
    "Job",
    "JobCancelled",
    "JobKind",
    "JobState",
    "retry_delay",
]


class JobState(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})


class JobKind(StrEnum):
    """The kinds of work workers know how to do."""

    IMPORT = "import"
    BULK_CONVERSION = "bulk_conversion"
    ASSIGNMENT_RERUN = "assignment_rerun"
    SALESFORCE_BULK = "salesforce_bulk"
    WEB_TO_LEAD_QUEUE = "web_to_lead_queue"
    RECYCLE_BIN_PURGE = "recycle_bin_purge"
    MAINTENANCE = "maintenance"


class JobCancelled(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised inside a running job when someone asked it to stop."""


# The first retry waits this long; each further one waits twice as long, up to the cap.
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before trying a job again after its ``attempts``-th failure
    (10 s, 20 s, 40 s, ... at most an hour): failures caused by a busy or restarting
    database get room to clear instead of being hammered."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    delay: timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, MAX_RETRY)


@dataclass(frozen=True, slots=True)
class Job:
    """One background job as stored."""

    id: int
    kind: str
    payload: dict[str, Any]
    state: JobState
    priority: int
    attempts: int
    max_attempts: int
    run_after: datetime
    created_at: datetime
    unique_key: str | None = None
    worker: str | None = None
    heartbeat_at: datetime | None = None
    cancel_requested: bool = False
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    created_by_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def is_finished(self) -> bool:
        """True once the job succeeded, failed for good or was cancelled."""
        return self.state in FINISHED_STATES

    @property
    def can_retry(self) -> bool:
        """True when a failed attempt leaves attempts to try again."""
        return self.attempts < self.max_attempts

    @property
    def progress_text(self) -> str:
        """The latest progress in words: "1,200 of 5,000", "1,200", a message, or nothing
        (imports report ``rows_done``/``rows_total``, other jobs ``done``/``total``)."""
        progress = self.progress or {}
        done = progress.get("rows_done", progress.get("done"))
        total = progress.get("rows_total", progress.get("total"))
        if not isinstance(done, int):
            return str(progress.get("message", ""))
        return f"{done:,} of {total:,}" if isinstance(total, int) else f"{done:,}"

    def is_stale(self, now: datetime, stale_after: timedelta) -> bool:
        """True when the job runs but its worker has not reported for ``stale_after``:
        the worker died (killed, machine lost) and the job must be taken again."""
        if self.state is not JobState.RUNNING:
            return False
        seen = self.heartbeat_at or self.started_at or self.created_at
        return now - seen > stale_after
