"""Fiscal periods: the default close date of an opportunity made by conversion."""

from __future__ import annotations

import calendar
from datetime import date

__all__ = ["fiscal_quarter_end"]


def fiscal_quarter_end(today: date, start_month: int = 1) -> date:
    """The last day of the fiscal quarter that contains ``today``.

    ``start_month`` is the month the fiscal year starts (1 = January); quarters are the
    three-month blocks counted from it, so with April they end in June, September,
    December and March.
    """
    if not 1 <= start_month <= 12:
        raise ValueError("the fiscal year starts in a month from 1 to 12")
    months_in = (today.month - start_month) % 12  # months since the fiscal year began
    months_left = 2 - months_in % 3  # months after this one until the quarter ends
    month_index = today.month - 1 + months_left
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])
