"""The daily API request count behind Salesforce's ``DailyApiRequests`` limit.

Salesforce caps the API requests an org makes in a rolling day and reports the use in
the ``Sforce-Limit-Info`` header and the ``limits/`` resource; clients such as
simple-salesforce read both. Opportune counts requests under ``/services/data/`` per UTC
calendar day, in memory, **per server process**: the count starts at zero when the server
starts, and each worker process of a multi-process server keeps its own count, so the
limit holds per process, not per installation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from opportune.services.clock import Clock, utc_now

__all__ = ["ApiUsage", "UsageSnapshot"]


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
    """A thread-safe count of API requests per UTC day, refusing those over ``max_requests``."""

    def __init__(self, max_requests: int, clock: Clock = utc_now) -> None:
        self.max_requests = max_requests
        self._clock = clock
        self._lock = threading.Lock()
        self._day: date | None = None
        self._used = 0

    def record(self) -> UsageSnapshot:
        """Count one request; a request over the day's maximum is refused and not counted."""
        with self._lock:
            self._roll_over()
            if self._used >= self.max_requests:
                return UsageSnapshot(self._used, self.max_requests, allowed=False)
            self._used += 1
            return UsageSnapshot(self._used, self.max_requests)

    def current(self) -> UsageSnapshot:
        """Today's use, without counting anything."""
        with self._lock:
            self._roll_over()
            return UsageSnapshot(self._used, self.max_requests)

    def seconds_to_reset(self) -> int:
        """Seconds until the count starts again at the next UTC midnight (at least 1)."""
        now = self._clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
        return max(int((midnight - now).total_seconds()), 1)

    def _roll_over(self) -> None:
        today = self._clock().date()
        if today != self._day:
            self._day, self._used = today, 0
