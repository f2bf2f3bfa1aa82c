"""The sales-cycle and time-in-stage builders shape grouped rows by hand-built numbers:
averages and medians to one place, order, labels, empty periods and stages, totals, charts
and the list behind each number."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from opportune.domain.picklists import PicklistValue
from opportune.domain.reports.cycles import (
    CycleTally,
    DayStats,
    StageTime,
    sales_cycle_report,
    time_in_stage_report,
)
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult
from opportune.domain.stages import default_stages
from opportune.domain.users import Role, User

# Default stages: 1 Prospecting .. 8 Negotiation/Review open, 9 Closed Won, 10 Closed Lost.
# Perception Analysis (6) is inactive here.
STAGES = tuple(
    dataclasses.replace(s, is_active=False) if s.id == 6 else s for s in default_stages()
)
SOURCES = (PicklistValue(1, "Web", 10), PicklistValue(2, "Partner", 20),
           PicklistValue(3, "Trade Show", 30, is_active=False))  # fmt: skip
USERS = (User("Zoe Zed", "zoe@example.com", Role.REP, id=1),
         User("Adam Ant", "adam@example.com", Role.REP, id=2))  # fmt: skip
LOOKUPS = ReportLookups(statuses=(), sources=SOURCES, stages=STAGES, lost_reasons=(),
                        users=USERS)  # fmt: skip
TODAY = date(2026, 11, 28)
NOTHING = CycleTally(None, DayStats(), DayStats())


def filters(**values: object) -> ReportFilters:
    return ReportFilters(**{"today": TODAY, "fiscal_year_start_month": 1, **values})  # type: ignore[arg-type]


def column(report: ReportResult, key: str) -> list[object]:
    return [row.values[key] for row in report.rows]


def d(value: str) -> Decimal:
    return Decimal(value)


def tally(
    group: object, won: tuple[int, float, float], lead: tuple[int, float, float] | None = None
) -> CycleTally:
    return CycleTally(group, DayStats(*won), DayStats(*lead) if lead else DayStats())  # type: ignore[arg-type]


# --- day statistics --------------------------------------------------------------------------


def test_averages_and_medians_are_rounded_half_up_to_one_place() -> None:
    # 10 days over 3 records = 3.333.. -> 3.3; 7 over 2 = 3.5; a median of 2.25 -> 2.3.
    assert DayStats(3, 10, 2.25).average == d("3.3")
    assert DayStats(2, 7, 3.5).average == d("3.5")
    assert DayStats(3, 10, 2.25).middle == d("2.3")


def test_no_records_have_no_average_and_no_median() -> None:
    assert (DayStats().average, DayStats().middle) == (None, None)


# --- sales cycle ------------------------------------------------------------------------------


def test_the_sales_cycle_by_month_shows_every_month_of_the_range_with_its_won_list() -> None:
    tallies = [tally((2026, 3), (2, 30, 15), (1, 40, 40)), tally((2026, 1), (1, 9, 9))]
    report = sales_cycle_report(
        tallies, NOTHING, filters(by="period", date_from=date(2026, 1, 15),
                                  date_to=date(2026, 3, 31)), LOOKUPS,
    )  # fmt: skip
    assert column(report, "period") == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert column(report, "won") == [1, 0, 2]
    # March: 30 days over 2 wins = 15.0 average; median 15; one from a lead: 40 days.
    assert column(report, "average_days") == [d("9.0"), None, d("15.0")]
    assert column(report, "lead_average_days") == [None, None, d("40.0")]
    assert column(report, "from_lead") == [0, 0, 1]
    january = report.rows[0].drills["won"]
    # The first month is cut at the range's first day, so the list shows the same wins.
    assert (january.records, dict(january.filters)) == (
        "opportunities", {"state": "won", "close_from": "2026-01-15", "close_to": "2026-01-31"},
    )  # fmt: skip
    assert "from_lead" not in report.rows[2].drills  # the list cannot single those out
    assert (report.chart.kind, report.chart.category) == ("line", "period")


def test_fiscal_quarters_are_named_by_the_year_they_end_in() -> None:
    # A fiscal year starting in April: the query groups by each quarter's first month.
    tallies = [tally((2026, 4), (1, 5, 5)), tally((2027, 1), (1, 7, 7))]
    fiscal = {"by": "period", "period": "quarter", "fiscal_year_start_month": 4}
    report = sales_cycle_report(tallies, NOTHING, filters(**fiscal), LOOKUPS)
    # Apr-Jun 2026 is FY2027 Q1 and Jan-Mar 2027 its Q4; without a range, only those.
    assert column(report, "period") == ["FY2027 Q1", "FY2027 Q4"]
    assert report.rows[1].drills["won"].filters["close_to"] == "2027-03-31"
    ranged = filters(**fiscal, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31))
    report = sales_cycle_report(tallies, NOTHING, ranged, LOOKUPS)
    assert column(report, "period") == ["FY2027 Q1", "FY2027 Q2", "FY2027 Q3", "FY2027 Q4"]
    assert column(report, "won") == [1, 0, 0, 1]


def test_the_sales_cycle_by_owner_is_sorted_by_name_and_drills_to_the_owners_wins() -> None:
    tallies = [tally(1, (2, 20, 10)), tally(2, (1, 4, 4))]
    total = tally(None, (3, 24, 4), (0, 0, 0))
    report = sales_cycle_report(tallies, total, filters(by="owner"), LOOKUPS)
    assert column(report, "owner") == ["Adam Ant", "Zoe Zed"]
    assert report.rows[1].drills["median_days"].filters == {"state": "won", "owner": ["1"]}
    assert report.totals is not None
    # 24 days over 3 wins = 8.0; the median of all three comes from the query: 4.
    assert (report.totals.values["average_days"], report.totals.values["median_days"]) == (
        d("8.0"), d("4.0"),
    )  # fmt: skip
    assert report.totals.values["lead_average_days"] is None
    assert (report.chart.kind, report.chart.category) == ("bar", "owner")


def test_the_sales_cycle_by_source_follows_the_source_order_with_none_last_and_undrilled() -> None:
    tallies = [tally(None, (1, 3, 3)), tally(3, (1, 8, 8)), tally(1, (2, 10, 5))]
    report = sales_cycle_report(
        tallies, NOTHING, filters(by="source", owner_ids=(2,), date_to=date(2026, 6, 30)),
        LOOKUPS,
    )  # fmt: skip
    assert column(report, "lead_source") == ["Web", "Trade Show (inactive)", "(none)"]
    assert report.rows[0].drills["won"].filters == {
        "state": "won", "owner": ["2"], "close_to": "2026-06-30", "lead_source": ["Web"],
    }  # fmt: skip
    assert report.rows[2].drills == {}


def test_a_sales_cycle_without_wins_has_no_rows_and_an_empty_total() -> None:
    report = sales_cycle_report([], NOTHING, filters(by="owner"), LOOKUPS)
    assert report.rows == ()
    assert report.totals is not None
    assert (report.totals.values["won"], report.totals.values["average_days"]) == (0, None)


# --- time in stage ----------------------------------------------------------------------------


def test_time_in_stage_lists_the_open_stages_in_order_and_any_other_with_numbers() -> None:
    times = [
        StageTime(2, DayStats(2, 5.0, 2.5), current=3, stuck=1),
        StageTime(6, DayStats(1, 4.0, 4.0)),  # inactive Perception Analysis, with a stay
    ]
    report = time_in_stage_report(times, filters(), LOOKUPS)
    assert column(report, "stage") == [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
        "Id. Decision Makers", "Perception Analysis (inactive)", "Proposal/Price Quote",
        "Negotiation/Review",
    ]  # fmt: skip
    assert column(report, "stays")[:2] == [0, 2]
    # Qualification: 5 days over 2 stays = 2.5 on average, median 2.5.
    assert report.rows[1].values["average_days"] == d("2.5")
    assert report.rows[1].values["median_days"] == d("2.5")
    assert report.rows[0].values["average_days"] is None
    assert report.totals is not None
    # All stays: 5 + 4 = 9 days over 3 stays = 3.0; no median of all stays is kept.
    assert (report.totals.values["stays"], report.totals.values["average_days"]) == (3, d("3.0"))
    assert report.totals.values["median_days"] is None
    assert (report.totals.values["current"], report.totals.values["stuck"]) == (3, 1)
    assert (report.chart.kind, report.chart.series) == ("bar", ("average_days", "median_days"))


def test_stuck_drills_to_open_opportunities_that_entered_the_stage_by_the_day_before_cutoff() -> (
    None
):
    times = [StageTime(2, DayStats(), current=3, stuck=1)]
    report = time_in_stage_report(times, filters(days=10, owner_ids=(1,)), LOOKUPS)
    assert report.columns[-1].label == "Stuck over 10 days"
    qualification = report.rows[1]
    # Today 2026-11-28 - 10 days = 2026-11-18: stuck means entered before that day began,
    # so on or before 2026-11-17.
    assert qualification.drills["stuck"].filters == {
        "owner": ["1"], "state": "open", "stage": ["Qualification"],
        "stage_entered_to": "2026-11-17",
    }  # fmt: skip
    assert qualification.drills["current"].filters == {
        "owner": ["1"], "state": "open", "stage": ["Qualification"],
    }  # fmt: skip


def test_a_stage_filter_keeps_only_those_stages() -> None:
    report = time_in_stage_report([], filters(stage_ids=(3, 1)), LOOKUPS)
    assert column(report, "stage") == ["Prospecting", "Needs Analysis"]
    assert report.rows[0].drills["current"].filters["stage"] == ["Prospecting"]


def test_time_in_stage_without_data_shows_each_open_stage_at_zero() -> None:
    report = time_in_stage_report([], filters(), LOOKUPS)
    assert len(report.rows) == 7  # eight open stages, Perception Analysis inactive and empty
    assert set(column(report, "stays")) == {0}
    assert set(column(report, "median_days")) == {None}
