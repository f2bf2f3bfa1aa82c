"""Calendar and fiscal periods report rows are grouped into, and the shared report arithmetic."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

import pytest

from opportune.domain.reports.numbers import average, days, median, money, percent
from opportune.domain.reports.periods import (
    clip,
    fiscal_year,
    period_of,
    period_of_day,
    periods_between,
    report_periods,
)

# --- fiscal years --------------------------------------------------------------------------


def test_a_fiscal_year_starting_in_april_is_named_by_the_year_it_ends_in() -> None:
    # April 2026 .. March 2027 is FY2027; March 2026 still belongs to FY2026.
    assert fiscal_year(2026, 4, 4) == 2027
    assert fiscal_year(2027, 3, 4) == 2027
    assert fiscal_year(2026, 3, 4) == 2026
    span = period_of(2026, 11, "year", 4)
    assert (span.key, span.label) == ("FY2027", "FY2027")
    assert (span.start, span.end) == (date(2026, 4, 1), date(2027, 3, 31))


def test_with_a_january_start_the_fiscal_year_is_the_calendar_year() -> None:
    span = period_of(2026, 12, "year", 1)
    assert (span.key, span.start, span.end) == ("FY2026", date(2026, 1, 1), date(2026, 12, 31))
    assert fiscal_year(2026, 1, 1) == 2026


def test_fiscal_quarters_with_an_april_start_run_april_july_october_january() -> None:
    # Q1 = Apr-Jun 2026, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar 2027, all of FY2027.
    expected = {
        (2026, 4): ("FY2027-Q1", "FY2027 Q1", date(2026, 4, 1), date(2026, 6, 30)),
        (2026, 6): ("FY2027-Q1", "FY2027 Q1", date(2026, 4, 1), date(2026, 6, 30)),
        (2026, 8): ("FY2027-Q2", "FY2027 Q2", date(2026, 7, 1), date(2026, 9, 30)),
        (2026, 12): ("FY2027-Q3", "FY2027 Q3", date(2026, 10, 1), date(2026, 12, 31)),
        (2027, 2): ("FY2027-Q4", "FY2027 Q4", date(2027, 1, 1), date(2027, 3, 31)),
        (2027, 4): ("FY2028-Q1", "FY2028 Q1", date(2027, 4, 1), date(2027, 6, 30)),
    }
    for (year, month), want in expected.items():
        span = period_of(year, month, "quarter", 4)
        assert (span.key, span.label, span.start, span.end) == want


def test_calendar_quarters_and_a_december_start_that_spans_new_year() -> None:
    assert period_of(2026, 11, "quarter", 1).key == "FY2026-Q4"
    # Starting in December: Q1 is Dec 2026 - Feb 2027 of FY2027 (it ends in 2027).
    dec, feb = period_of(2026, 12, "quarter", 12), period_of(2027, 2, "quarter", 12)
    assert dec == feb
    assert (dec.key, dec.start, dec.end) == ("FY2027-Q1", date(2026, 12, 1), date(2027, 2, 28))
    assert period_of(2027, 11, "year", 12).end == date(2027, 11, 30)


def test_months_are_calendar_months_whatever_the_fiscal_start() -> None:
    span = period_of(2028, 2, "month", 4)
    assert (span.key, span.label) == ("2028-02", "Feb 2028")
    assert (span.start, span.end) == (date(2028, 2, 1), date(2028, 2, 29))  # a leap year
    assert period_of_day(date(2026, 4, 30), "month") == period_of(2026, 4, "month")


def test_month_labels_do_not_follow_the_process_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    # calendar.month_abbr is what a German LC_TIME would make it; labels stay English.
    german = [
        "",
        "Jan",
        "Feb",
        "Mär",
        "Apr",
        "Mai",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Okt",
        "Nov",
        "Dez",
    ]
    monkeypatch.setattr(calendar, "month_abbr", german)
    assert period_of(2026, 3, "month").label == "Mar 2026"
    assert period_of(2026, 10, "month").label == "Oct 2026"


def test_a_bad_fiscal_start_month_is_refused() -> None:
    with pytest.raises(ValueError, match="month from 1 to 12"):
        fiscal_year(2026, 1, 13)


# --- ranges of periods ----------------------------------------------------------------------


def test_the_periods_between_two_days_include_both_ends_periods() -> None:
    # 15 Feb 2026 .. 10 Jul 2026 with an April start: FY2026 Q4 (Jan-Mar), FY2027 Q1, Q2.
    keys = [s.key for s in periods_between(date(2026, 2, 15), date(2026, 7, 10), "quarter", 4)]
    assert keys == ["FY2026-Q4", "FY2027-Q1", "FY2027-Q2"]
    months = periods_between(date(2026, 11, 30), date(2027, 1, 1), "month")
    assert [s.key for s in months] == ["2026-11", "2026-12", "2027-01"]


def test_report_periods_are_those_with_data_and_every_period_of_a_closed_range() -> None:
    months = [(2026, 9), (2026, 1), (2026, 2)]
    assert [s.key for s in report_periods(months, "quarter", 1)] == ["FY2026-Q1", "FY2026-Q3"]
    # With both ends of a range, the empty Q2 and Q4 appear too (one row per quarter).
    ranged = report_periods(months, "quarter", 1, date(2026, 1, 1), date(2026, 12, 31))
    assert [s.key for s in ranged] == ["FY2026-Q1", "FY2026-Q2", "FY2026-Q3", "FY2026-Q4"]
    assert report_periods([], "month", 1) == []


def test_a_period_clipped_to_a_date_range_keeps_only_the_shared_days() -> None:
    q1 = period_of(2026, 1, "quarter", 1)  # 1 Jan .. 31 Mar 2026
    assert clip(q1, date(2026, 2, 10), None) == (date(2026, 2, 10), date(2026, 3, 31))
    assert clip(q1, None, date(2026, 3, 5)) == (date(2026, 1, 1), date(2026, 3, 5))
    assert clip(q1, date(2025, 1, 1), date(2027, 1, 1)) == (date(2026, 1, 1), date(2026, 3, 31))


# --- numbers ---------------------------------------------------------------------------------


def test_percent_is_rounded_half_up_to_one_place_and_unknown_for_nothing() -> None:
    assert percent(1, 3) == Decimal("33.3")  # 33.33...
    assert percent(2, 3) == Decimal("66.7")  # 66.66...
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 rounds half up
    assert percent(0, 0) is None


def test_money_and_averages_are_to_the_cent() -> None:
    assert money(None) == Decimal("0.00")
    assert money(0.1 + 0.2) == Decimal("0.30")  # a float sum from SQLite
    assert money(Decimal("2.005")) == Decimal("2.01")
    assert average(Decimal("100"), 3) == Decimal("33.33")
    assert average(Decimal("0.05"), 2) == Decimal("0.03")  # 0.025 rounds half up
    assert average(None, 2) is None and average(Decimal(5), 0) is None


def test_days_and_medians() -> None:
    assert days(2.25) == Decimal("2.3")
    assert days(None) is None
    assert median([5, 1, 3]) == Decimal(3)
    assert median([4, 1, 3, 2]) == Decimal("2.5")  # (2 + 3) / 2
    assert median([]) is None
