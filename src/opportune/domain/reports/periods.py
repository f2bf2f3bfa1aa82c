"""Calendar and fiscal periods that report rows are grouped into.

The database groups by calendar month (year and month); these functions put each month
into its period. A fiscal year starts in the month set by ``fiscal_year_start_month`` and
is named after the calendar year it ends in (a year from April 2026 to March 2027 is
FY2027), as most companies name theirs. With a January start, fiscal and calendar agree.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from opportune.domain.reports.model import Period

# Fixed English abbreviations: calendar.month_abbr follows the process locale, and a
# label must not change with the server's LC_TIME.
MONTH_ABBR = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


@dataclass(frozen=True, slots=True, order=True)
class PeriodSpan:
    """One period: a sortable key, a label people read, and its first and last day."""

    start: date
    end: date
    key: str
    label: str


def fiscal_year(year: int, month: int, start_month: int) -> int:
    """The fiscal year (named by the year it ends in) that a calendar month belongs to."""
    _check(start_month)
    return year if start_month == 1 or month < start_month else year + 1


def period_of(year: int, month: int, period: Period, start_month: int = 1) -> PeriodSpan:
    """The period of length ``period`` that calendar month ``year``-``month`` falls in."""
    if period == "month":
        last = calendar.monthrange(year, month)[1]
        return PeriodSpan(
            date(year, month, 1), date(year, month, last), f"{year:04d}-{month:02d}",
            f"{MONTH_ABBR[month]} {year}",
        )  # fmt: skip
    fy = fiscal_year(year, month, start_month)
    first_year = fy if start_month == 1 else fy - 1
    if period == "year":
        start = date(first_year, start_month, 1)
        return PeriodSpan(start, _months_later(start, 12), f"FY{fy}", f"FY{fy}")
    quarter = (month - start_month) % 12 // 3 + 1
    start = add_months(date(first_year, start_month, 1), 3 * (quarter - 1))
    key = f"FY{fy}-Q{quarter}"
    return PeriodSpan(start, _months_later(start, 3), key, f"FY{fy} Q{quarter}")


def period_of_day(day: date, period: Period, start_month: int = 1) -> PeriodSpan:
    """The period a day falls in."""
    return period_of(day.year, day.month, period, start_month)


def periods_between(
    first: date, last: date, period: Period, start_month: int = 1
) -> list[PeriodSpan]:
    """Every period from the one holding ``first`` to the one holding ``last``, in order."""
    spans: list[PeriodSpan] = []
    span = period_of_day(first, period, start_month)
    while span.start <= last:
        spans.append(span)
        span = period_of_day(add_months(span.end, 1), period, start_month)
    return spans


def report_periods(
    months: Iterable[tuple[int, int]],
    period: Period,
    start_month: int,
    first: date | None = None,
    last: date | None = None,
) -> list[PeriodSpan]:
    """The periods holding any of ``months`` (``(year, month)`` pairs), in order; with both
    ends of a date range, every period of the range too, so empty ones show as zeros."""
    spans = {s.key: s for s in (period_of(y, m, period, start_month) for y, m in months)}
    if first and last:
        spans.update((s.key, s) for s in periods_between(first, last, period, start_month))
    return sorted(spans.values())


def clip(span: PeriodSpan, first: date | None, last: date | None) -> tuple[date, date]:
    """The days of ``span`` that also lie between ``first`` and ``last`` (either open)."""
    start = max(span.start, first) if first else span.start
    end = min(span.end, last) if last else span.end
    return start, end


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or, negative, before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months_later(start: date, months: int) -> date:
    """The last day of the ``months``-month span starting on ``start`` (a first of month)."""
    nxt = add_months(start, months)
    return date.fromordinal(nxt.toordinal() - 1)


def _check(start_month: int) -> None:
    if not 1 <= start_month <= 12:
        raise ValueError("the fiscal year starts in a month from 1 to 12")
