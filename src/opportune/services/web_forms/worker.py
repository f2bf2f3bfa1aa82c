"""The server's background thread that works through queued web-to-lead submissions."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)


class _QueueProcessor(Protocol):
    def process_queue(self) -> object: ...


class QueueWorker:
    """Calls ``process_queue()`` every ``interval`` seconds until stopped.

    It waits one interval before the first run, so a server that starts and stops at
    once (tests, a quick restart) does no work; a failed run is logged and retried later.
    """

    def __init__(self, service: _QueueProcessor, interval: float) -> None:
        self.service = service
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-to-lead-queue", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Ask the thread to end and wait for it (a run in progress finishes first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.service.process_queue()
            except Exception:  # keep the thread alive: the next run may succeed
                log.exception("Processing the web-to-lead queue failed")
