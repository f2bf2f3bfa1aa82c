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
