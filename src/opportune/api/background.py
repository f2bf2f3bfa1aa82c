"""Background work of the web process: queueing jobs, and the embedded job worker.

Long work (imports, Salesforce bulk jobs, bulk conversions) is queued as a job in the
database and the request returns at once; pages follow the job through its stored
progress, so any web worker process can answer for any job. Who runs the jobs:

- ``opportune worker`` processes, on any machine sharing the database (PostgreSQL);
- with ``embedded_worker`` (the default on SQLite), one worker thread in this process,
  started with the server (or at the first job queued, for apps run without a lifespan).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from opportune.domain.jobs import Job, JobKind
from opportune.services import Opportune
from opportune.services.imports.model import ImportProgress
from opportune.services.job_worker import JobWorker

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_SECONDS = 5.0


def embedded_worker_enabled(core: Opportune) -> bool:
    """Whether the web process runs a job worker: the ``embedded_worker`` setting, or when
    unset, on SQLite (one process serves everything) and not on PostgreSQL (where
    ``opportune worker`` processes run the jobs)."""
    setting = core.settings.embedded_worker
    return core.settings.is_sqlite if setting is None else setting


class EmbeddedWorker:
    """One :class:`JobWorker` in a daemon thread of the web process."""

    def __init__(self, core: Opportune) -> None:
        self.enabled = embedded_worker_enabled(core)
        self.worker = JobWorker(core, label="embedded")
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread (once; no-op when embedded workers are off)."""
        with self._lock:
            if not self.enabled or self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="job-worker", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """A job was queued: start the worker if needed and have it look now."""
        self.start()
        self.worker.wake()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the worker found nothing more to do (True) or ``timeout`` passed."""
        if self._thread is None:
            return True
        return self.worker.idle_event.wait(timeout)

    def stop(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> None:
        """Stop after the running job (an unfinished import stays resumable)."""
        self.worker.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception:  # the thread must not die silently
            log.exception("The embedded job worker stopped")


class ImportRunner:
    """Queues imports as jobs and reads their progress back from the job queue."""

    def __init__(self, core: Opportune, embedded: EmbeddedWorker) -> None:
        self.core = core
        self.embedded = embedded

    def launch(self, import_id: int) -> bool:
        """Queue the import to run (or resume); False when it is already queued or running."""
        key = _import_key(import_id)
        existing = self._open_job(import_id)
        job = self.core.jobs.enqueue(JobKind.IMPORT, {"import_id": import_id}, unique_key=key)
        self.embedded.wake()
        return existing is None or existing.id != job.id

    def progress(self, import_id: int) -> ImportProgress | None:
        """The latest progress a worker reported for the import (rate and ETA)."""
        job = self._open_job(import_id)
        if job is None or not job.progress:
            return None
        try:
            return ImportProgress(**job.progress)
        except TypeError:  # a report from another version of Opportune
            return None

    def wait(self, timeout: float) -> None:
        """Give the start-up work (maintenance, resumes) a moment to finish."""
        self.embedded.wait_idle(timeout)

    def _open_job(self, import_id: int) -> Job | None:
        return self.core.jobs.find_open(_import_key(import_id))


def _import_key(import_id: int) -> str:
    return f"import:{import_id}"


def runner_of(request: Request) -> ImportRunner:
    """The application's import runner."""
    runner: ImportRunner = request.app.state.import_runner
    return runner


def queue_job(request: Request, job: Job) -> None:
    """Tell this process's embedded worker (if any) that ``job`` was just queued."""
    embedded: EmbeddedWorker = request.app.state.embedded_worker
    if not job.is_finished:
        embedded.wake()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the embedded job worker while the server runs."""
    embedded: EmbeddedWorker = app.state.embedded_worker
    embedded.start()
    try:
        yield
    finally:
        embedded.stop()
