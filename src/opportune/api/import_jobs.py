"""Imports run in background threads, so an upload returns at once and pages follow the job.

One :class:`ImportRunner` per application (``app.state.import_runner``): it starts
``core.imports.run`` in a thread per import (never two threads for the same import),
keeps each running import's latest progress report for the pages to show, and at
start-up removes old uploads nothing needs and resumes the imports an earlier process left
unfinished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from opportune.services import Opportune

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_SECONDS = 2.0


class ImportRunner:
    """Starts imports in background threads and remembers how far each has got."""

    def __init__(self, core: Opportune) -> None:
        self.core = core
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._progress: dict[int, Any] = {}
        self._resumer: threading.Thread | None = None

    def launch(self, import_id: int) -> bool:
        """Run the import in a background thread; False when one already runs it."""
        with self._lock:
            running = self._threads.get(import_id)
            if running is not None and running.is_alive():
                return False
            thread = threading.Thread(
                target=self._run, args=(import_id,), name=f"import-{import_id}", daemon=True
            )
            self._threads[import_id] = thread
        thread.start()
        return True

    def is_running(self, import_id: int) -> bool:
        """True while this process runs the import."""
        thread = self._threads.get(import_id)
        return thread is not None and thread.is_alive()

    def progress(self, import_id: int) -> Any | None:
        """The latest progress report of an import this process runs (rate and ETA)."""
        return self._progress.get(import_id)

    def resume_interrupted(self) -> None:
        """Resume, in the background, the imports an earlier process left unfinished, after
        removing the old uploads no unfinished import reads."""
        self._resumer = threading.Thread(target=self._resume, name="import-resume", daemon=True)
        self._resumer.start()

    def wait(self, timeout: float) -> None:
        """Give the start-up resume a moment to finish (it is quick when nothing waits)."""
        if self._resumer is not None:
            self._resumer.join(timeout)

    def _run(self, import_id: int) -> None:
        try:
            self.core.imports.run(
                import_id, progress=lambda report: self._progress.__setitem__(import_id, report)
            )
        except Exception:  # the import records its failure; the thread must not die loudly
            log.exception("Import %s failed", import_id)
        finally:
            self._progress.pop(import_id, None)

    def _resume(self) -> None:
        try:
            self.core.imports.cleanup_uploads()
        except Exception:  # a file that cannot be removed must not stop the resume
            log.exception("Removing old import uploads failed")
        try:
            self.core.imports.resume_interrupted()
        except Exception:
            log.exception("Resuming interrupted imports failed")
        try:
            self.core.bulk.resume_interrupted()
            self.core.bulk.purge_expired()
        except Exception:
            log.exception("Resuming or purging bulk jobs failed")


def runner_of(request: Request) -> ImportRunner:
    """The application's import runner."""
    runner: ImportRunner = request.app.state.import_runner
    return runner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Clean old uploads and resume interrupted imports when the server starts."""
    runner: ImportRunner = app.state.import_runner
    runner.resume_interrupted()
    yield
    runner.wait(SHUTDOWN_WAIT_SECONDS)
