"""The day ranges that SOQL date literals stand for, relative to a given day.

Every range is inclusive of both ends. Weeks start on ``week_start`` (``date.weekday()``
numbering, Sunday by default as in a US locale). ``THIS_QUARTER`` and ``THIS_YEAR`` are
calendar periods; ``THIS_FISCAL_QUARTER`` and ``THIS_FISCAL_YEAR`` count from
``fiscal_year_start_month`` (Salesforce's standard fiscal year). ``LAST_N_DAYS:n`` runs
from n days ago up to and including today; ``NEXT_N_DAYS:n`` from tomorrow for n days.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from opportune.domain.soql.model import DateLiteral

__all__ = ["DATE_LITERALS", "N_DATE_LITERALS", "resolve_date_literal"]

DATE_LITERALS = (
    "TODAY",
    "YESTERDAY",
    "TOMORROW",
    "THIS_WEEK",
    "LAST_WEEK",
    "THIS_MONTH",
    "LAST_MONTH",
    "THIS_QUARTER",
    "THIS_YEAR",
    "THIS_FISCAL_QUARTER",
    "THIS_FISCAL_YEAR",
)
N_DATE_LITERALS = ("LAST_N_DAYS", "NEXT_N_DAYS")


def resolve_date_literal(
    literal: DateLiteral,
    today: date,
    fiscal_year_start_month: int = 1,
    week_start: int = calendar.SUNDAY,
) -> tuple[date, date]:
    """The first and last day (inclusive) that ``literal`` covers when it is ``today``."""
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1-12, not {fiscal_year_start_month}")
    if not 0 <= week_start <= 6:
        raise ValueError(f"week_start must be 0 (Monday) to 6 (Sunday), not {week_start}")
    name, n = literal.name, literal.n
    day = timedelta(days=1)
    if name in N_DATE_LITERALS:
        if n is None or n < 0:
            raise ValueError(f"{name} needs a non-negative day count")
        if name == "LAST_N_DAYS":
            return today - timedelta(days=n), today
        return today + day, today + timedelta(days=n)
    if name == "TODAY":
        return today, today
    if name == "YESTERDAY":
        return today - day, today - day
    if name == "TOMORROW":
        return today + day, today + day
    if name in ("THIS_WEEK", "LAST_WEEK"):
        start = today - timedelta(days=(today.weekday() - week_start) % 7)
        if name == "LAST_WEEK":
            start -= timedelta(days=7)
        return start, start + timedelta(days=6)
    if name == "THIS_MONTH":
        return _months(today.year, today.month, 1)
    if name == "LAST_MONTH":
        return _months(today.year, today.month - 1, 1)
    if name in ("THIS_QUARTER", "THIS_FISCAL_QUARTER"):
        start_month = fiscal_year_start_month if name == "THIS_FISCAL_QUARTER" else 1
        into_quarter = (today.month - start_month) % 3
        return _months(today.year, today.month - into_quarter, 3)
    if name == "THIS_FISCAL_YEAR":
        into_year = (today.month - fiscal_year_start_month) % 12
        return _months(today.year, today.month - into_year, 12)
    if name == "THIS_YEAR":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    raise ValueError(f"unknown date literal {name}")


def _months(year: int, month: int, count: int) -> tuple[date, date]:
    """From the first day of ``month`` (which may be out of 1-12) for ``count`` months."""
    first = year * 12 + month - 1
    last = first + count - 1
    last_year, last_month = divmod(last, 12)
    end_day = calendar.monthrange(last_year, last_month + 1)[1]
    return date(first // 12, first % 12 + 1, 1), date(last_year, last_month + 1, end_day)
