"""The daily API request count behind Salesforce's ``DailyApiRequests`` limit.

Salesforce caps the API requests an org makes in a rolling day and reports the use in
the ``Sforce-Limit-Info`` header and the ``limits/`` resource; clients such as
simple-salesforce read both. Opportune counts requests under ``/services/data/`` per UTC
calendar day for the whole installation: each server process counts in memory and adds its
count to the day's row in the database (:class:`DatabaseUsageStore`) every
``FLUSH_EVERY`` requests or ``FLUSH_SECONDS``, reading back the total of every process. A
request is refused once that total (plus this process's requests not yet added) reaches
the maximum, so several processes together may overshoot it by at most what each has not
yet added. Without a store (tests, scripts) the count is the process's own.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import Engine

from opportune.services.clock import Clock, utc_now
from opportune.services.uow import UnitOfWork

__all__ = ["ApiUsage", "DatabaseUsageStore", "UsageSnapshot", "UsageStore"]

log = logging.getLogger(__name__)
FLUSH_EVERY = 50
FLUSH_SECONDS = 1.0


class UsageStore(Protocol):
    """Where the day's count is shared between processes."""

    def add(self, day: date, requests: int) -> int:
        """Add ``requests`` to the day's count; return the day's new total."""
        ...


class DatabaseUsageStore:
    """The day's count in the ``api_usage_days`` table, shared by every process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, day: date, requests: int) -> int:
        """Add ``requests`` to the day's count; return the day's new total."""
        with UnitOfWork(self.engine, write=requests > 0) as uow:
            if not requests:
                return uow.api_usage.total(day)
            total = uow.api_usage.add(day, requests)
            uow.api_usage.remove_before(day - timedelta(days=7))
            uow.commit()
        return total


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """Today's use: requests counted, the daily maximum, and whether this one was allowed."""

    used: int
    max: int
    allowed: bool = True

    @property
    def remaining(self) -> int:
        """Requests left today."""
        return max(self.max - self.used, 0)

    @property
    def header(self) -> str:
        """The value of the ``Sforce-Limit-Info`` header."""
        return f"api-usage={self.used}/{self.max}"


class ApiUsage:
    """A thread-safe count of API requests per UTC day, refusing those over ``max_requests``;
    shared through ``store`` with the installation's other processes when given."""

    def __init__(
        self,
        max_requests: int,
        clock: Clock = utc_now,
        *,
        store: UsageStore | None = None,
        flush_every: int = FLUSH_EVERY,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.max_requests = max_requests
        self.store = store
        self.flush_every, self.flush_seconds = flush_every, flush_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._day: date | None = None
        self._shared = 0  # the day's total in the store, as last read
        self._pending = 0  # this process's requests not yet added to the store
        self._last_flush = float("-inf")

    @property
    def _used(self) -> int:
        return self._shared + self._pending

    def record(self) -> UsageSnapshot:
        """Count one request; a request over the day's maximum is refused and not counted."""
        with self._lock:
            self._roll_over()
            if self._used >= self.max_requests:
                return UsageSnapshot(self._used, self.max_requests, allowed=False)
            self._pending += 1
            return UsageSnapshot(self._used, self.max_requests)

    def current(self) -> UsageSnapshot:
        """Today's use, without counting anything."""
        with self._lock:
            self._roll_over()
            return UsageSnapshot(self._used, self.max_requests)

    def flush_due(self) -> bool:
        """True when this process's count should be shared now (a blocking database call:
        the web app makes it in a worker thread)."""
        if self.store is None:
            return False
        waited = monotonic_time.monotonic() - self._last_flush
        return self._pending >= self.flush_every or waited >= self.flush_seconds

    def flush(self) -> None:
        """Add this process's pending requests to the shared count and read the total."""
        if self.store is None:
            return
        with self._lock:
            self._roll_over()
            day, pending = self._day, self._pending
            self._pending, self._last_flush = 0, monotonic_time.monotonic()
        assert day is not None
        try:
            total = self.store.add(day, pending)
        except Exception:  # the database is away: keep counting here, share later
            log.exception("Sharing the Salesforce API request count failed")
            with self._lock:
                self._pending += pending if day == self._day else 0
            return
        with self._lock:
            if day == self._day:
                self._shared = total

    def seconds_to_reset(self) -> int:
        """Seconds until the count starts again at the next UTC midnight (at least 1)."""
        now = self._clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
        return max(int((midnight - now).total_seconds()), 1)

    def _roll_over(self) -> None:
        today = self._clock().date()
        if today != self._day:
            self._day, self._shared, self._pending = today, 0, 0
            self._last_flush = float("-inf")  # read the new day's total at once
