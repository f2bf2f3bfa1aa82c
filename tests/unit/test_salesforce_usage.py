"""The daily API request count behind ``DailyApiRequests`` and ``Sforce-Limit-Info``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opportune.services.salesforce.usage import ApiUsage


class MovableClock:
    """A clock that stands still until moved."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_each_request_counts_and_the_header_reports_the_use() -> None:
    usage = ApiUsage(100)
    assert usage.record().header == "api-usage=1/100"
    snapshot = usage.record()
    assert (snapshot.used, snapshot.remaining, snapshot.allowed) == (2, 98, True)
    assert usage.current().used == 2


def test_requests_over_the_daily_maximum_are_refused_and_not_counted() -> None:
    usage = ApiUsage(2)
    assert [usage.record().allowed for _ in range(4)] == [True, True, False, False]
    refused = usage.record()
    assert (refused.used, refused.remaining, refused.header) == (2, 0, "api-usage=2/2")


def test_the_count_starts_again_at_midnight_utc() -> None:
    clock = MovableClock(datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC))
    usage = ApiUsage(1, clock)
    assert usage.record().allowed and not usage.record().allowed
    assert usage.seconds_to_reset() == 30
    clock.now += timedelta(seconds=31)
    assert usage.current().used == 0
    assert usage.record().allowed


class MemoryStore:
    """A shared count, as the database keeps it, for processes in one test."""

    def __init__(self) -> None:
        self.days: dict[object, int] = {}

    def add(self, day: object, requests: int) -> int:
        self.days[day] = self.days.get(day, 0) + requests
        return self.days[day]


def test_processes_sharing_a_store_hold_one_limit_between_them() -> None:
    store = MemoryStore()
    first, second = (ApiUsage(10, store=store, flush_every=1) for _ in range(2))
    allowed = 0
    for _ in range(10):
        for usage in (first, second):
            allowed += usage.record().allowed
            if usage.flush_due():
                usage.flush()
    # Not 10 each: together at most the limit plus what the other had not yet shared (1).
    assert 10 <= allowed <= 11
    assert sum(store.days.values()) == allowed


def test_a_process_adds_its_count_in_batches_and_keeps_counting_when_the_store_fails() -> None:
    store = MemoryStore()
    usage = ApiUsage(100, store=store, flush_every=5, flush_seconds=3600)
    usage.record()
    assert usage.flush_due()  # the first request reads the day's total at once
    usage.flush()
    for _ in range(4):
        usage.record()
        assert not usage.flush_due()
    usage.record()
    assert usage.flush_due()

    def broken(day: object, requests: int) -> int:
        raise OSError("database away")

    store.add = broken  # type: ignore[method-assign]
    usage.flush()
    assert usage.current().used == 6  # nothing lost while the store is away
