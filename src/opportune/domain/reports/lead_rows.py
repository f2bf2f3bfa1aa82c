"""What the lead report queries return (a few grouped counts), and the moments they need.

Ages and "untouched" are measured in whole UTC days from today: the database compares
``created_at`` (or the last touch) with the start of a day computed here, so no query
needs date arithmetic of its own dialect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from opportune.domain.picklists import LeadStatus


@dataclass(frozen=True, slots=True)
class LeadCount:
    """Leads of one group (a status, source or owner id; ``None`` for no source)."""

    key: int | None
    leads: int
    converted: int = 0


@dataclass(frozen=True, slots=True)
class AgingCount:
    """One owner's open leads per age bucket (in :data:`AGE_BUCKETS` order), and how many
    of them nobody has touched for the report's number of days."""

    owner_id: int
    buckets: tuple[int, ...]
    untouched: int


@dataclass(frozen=True, slots=True)
class DealCount:
    """Opportunities of one lead source (``None``: no source) and the amount of the won."""

    source_id: int | None
    opportunities: int
    won_amount: Decimal


@dataclass(frozen=True, slots=True)
class AgeBucket:
    """Leads from ``min_days`` to ``max_days`` old (``None``: no upper limit), both included."""

    key: str
    label: str
    min_days: int
    max_days: int | None

    def created_range(self, today: date) -> tuple[date | None, date | None]:
        """The creation days of the bucket's leads; the youngest bucket has no last day,
        so a lead stamped a little ahead of the server's clock is still counted."""
        first = None if self.max_days is None else today - timedelta(days=self.max_days)
        last = None if self.min_days == 0 else today - timedelta(days=self.min_days)
        return first, last


# The labels use an en dash, as ranges are written.
AGE_BUCKETS = (
    AgeBucket("age_0_7", "0–7 days", 0, 7),  # noqa: RUF001
    AgeBucket("age_8_30", "8–30 days", 8, 30),  # noqa: RUF001
    AgeBucket("age_31_90", "31–90 days", 31, 90),  # noqa: RUF001
    AgeBucket("age_over_90", "Over 90 days", 91, None),
)


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def created_bounds(
    date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """``created_at`` from (included) and to (excluded) for a range of whole days."""
    lower = start_of(date_from) if date_from else None
    upper = start_of(date_to + timedelta(days=1)) if date_to and date_to < date.max else None
    return lower, upper


def age_cutoffs(today: date) -> tuple[datetime, ...]:
    """The earliest creation moment of each bucket but the last, youngest bucket first: a
    lead belongs to the first bucket whose cutoff it was created at or after."""
    return tuple(
        start_of(today - timedelta(days=b.max_days)) for b in AGE_BUCKETS if b.max_days is not None
    )


def untouched_before(today: date, days: int) -> datetime:
    """Leads last touched before this moment (the start of ``today - days``, UTC) are
    untouched for ``days`` days."""
    return start_of(today - timedelta(days=days))


def open_statuses(statuses: tuple[LeadStatus, ...]) -> tuple[LeadStatus, ...]:
    """Statuses of open leads: neither closed nor converted, in configured order."""
    return tuple(s for s in statuses if not s.is_closed and not s.is_converted)
