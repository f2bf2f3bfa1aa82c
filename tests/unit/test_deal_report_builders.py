"""The pipeline, forecast, win-rate and lost-reasons builders shape grouped rows by hand-built
numbers: order, labels, zero rows, totals, charts and the list behind each number."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from opportune.domain.picklists import PicklistValue
from opportune.domain.reports.deals import (
    CategoryMonth,
    LostTally,
    StageTotals,
    WinTally,
    lost_reasons_report,
    pipeline_report,
)
from opportune.domain.reports.forecast import forecast_report
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult
from opportune.domain.reports.win_rate import win_rate_report
from opportune.domain.stages import default_stages
from opportune.domain.users import Role, User

# Default stages: 1 Prospecting .. 8 Negotiation/Review open, 9 Closed Won, 10 Closed Lost.
# Perception Analysis (6) is inactive here.
STAGES = tuple(
    dataclasses.replace(s, is_active=False) if s.id == 6 else s for s in default_stages()
)
SOURCES = (PicklistValue(1, "Web", 10), PicklistValue(2, "Partner", 20),
           PicklistValue(3, "Trade Show", 30, is_active=False))  # fmt: skip
REASONS = (PicklistValue(1, "Price", 10), PicklistValue(2, "Competitor", 20),
           PicklistValue(3, "Timing", 30, is_active=False))  # fmt: skip
USERS = (User("Zoe Zed", "zoe@example.com", Role.REP, id=1),
         User("Adam Ant", "adam@example.com", Role.REP, id=2))  # fmt: skip
LOOKUPS = ReportLookups(statuses=(), sources=SOURCES, stages=STAGES, lost_reasons=REASONS,
                        users=USERS)  # fmt: skip
TODAY = date(2026, 11, 28)


def filters(**values: object) -> ReportFilters:
    return ReportFilters(**{"today": TODAY, "fiscal_year_start_month": 1, **values})  # type: ignore[arg-type]


def column(report: ReportResult, key: str) -> list[object]:
    return [row.values[key] for row in report.rows]


def money(value: str) -> Decimal:
    return Decimal(value)


# --- pipeline --------------------------------------------------------------------------------


def test_the_pipeline_lists_every_active_open_stage_in_order_with_zero_rows_for_empty_ones() -> (
    None
):
    totals = [
        StageTotals(4, 2, money("3000.00"), money("1500.00")),  # Value Proposition, 50 %
        StageTotals(1, 3, money("600.00"), money("60.00")),  # Prospecting, 10 %
    ]
    report = pipeline_report(totals, filters(), LOOKUPS)
    # The seven active open stages (Perception Analysis is inactive and empty: left out).
    assert column(report, "stage") == [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
        "Id. Decision Makers", "Proposal/Price Quote", "Negotiation/Review",
    ]  # fmt: skip
    assert column(report, "count") == [3, 0, 0, 2, 0, 0, 0]
    assert column(report, "amount")[:4] == [money("600.00"), money("0.00"), money("0.00"),
                                            money("3000.00")]  # fmt: skip
    assert report.totals is not None
    # 3 + 2 opportunities; 600 + 3000 amount; 60 + 1500 expected revenue.
    values = report.totals.values
    assert (values["count"], values["amount"], values["expected_revenue"]) == (
        5, money("3600.00"), money("1560.00"),
    )  # fmt: skip
    assert (report.chart.kind, report.chart.category, report.chart.series) == (
        "bar", "stage", ("amount", "expected_revenue"),
    )  # fmt: skip


def test_an_inactive_stage_still_shows_while_it_holds_open_opportunities() -> None:
    report = pipeline_report([StageTotals(6, 1, money("10.00"), money("7.00"))], filters(), LOOKUPS)
    row = report.rows[5]
    assert (row.values["stage"], row.values["count"]) == ("Perception Analysis (inactive)", 1)
    # The drill names the stage by its label, which the list knows it by.
    assert row.drills["count"].filters["stage"] == ["Perception Analysis"]


def test_pipeline_drills_repeat_the_reports_filters_and_list_open_opportunities() -> None:
    report = pipeline_report(
        [],
        filters(owner_ids=(2,), source_ids=(1,), date_from=date(2026, 1, 1),
                date_to=date(2026, 12, 31)),
        LOOKUPS,
    )  # fmt: skip
    drill = report.rows[0].drills["amount"]
    assert drill.records == "opportunities"
    assert dict(drill.filters) == {
        "owner": ["2"], "lead_source": ["Web"], "stage": ["Prospecting"], "state": "open",
        "close_from": "2026-01-01", "close_to": "2026-12-31",
    }  # fmt: skip
    assert report.totals is not None
    assert "stage" not in report.totals.drills["count"].filters


def test_a_stage_filter_keeps_only_the_stages_asked_for() -> None:
    report = pipeline_report([], filters(stage_ids=(8, 2)), LOOKUPS)
    assert column(report, "stage") == ["Qualification", "Negotiation/Review"]  # stage order
    assert report.totals is not None
    assert report.totals.drills["count"].filters["stage"] == ["Negotiation/Review", "Qualification"]


def test_an_empty_pipeline_is_zero_rows_and_zero_totals() -> None:
    report = pipeline_report([], filters(), LOOKUPS)
    assert column(report, "count") == [0] * 7
    assert report.totals is not None
    assert report.totals.values["amount"] == money("0.00")


# --- forecast --------------------------------------------------------------------------------


def test_the_forecast_sums_months_into_fiscal_quarters_per_category() -> None:
    cells = [
        CategoryMonth(2026, 4, "Pipeline", money("100.00")),
        CategoryMonth(2026, 6, "Pipeline", money("50.00")),
        CategoryMonth(2026, 5, "Commit", money("200.00")),
        CategoryMonth(2027, 1, "Closed", money("400.00")),
        CategoryMonth(2026, 3, "Best Case", money("7.00")),
    ]
    report = forecast_report(cells, filters(period="quarter", fiscal_year_start_month=4), LOOKUPS)
    # March 2026 is FY2026 Q4; April-June 2026 FY2027 Q1; January 2027 FY2027 Q4.
    assert column(report, "period") == ["FY2026 Q4", "FY2027 Q1", "FY2027 Q4"]
    q1 = report.rows[1].values
    # Pipeline 100 + 50 = 150; Commit 200; total 350.
    assert (q1["pipeline"], q1["best_case"], q1["commit"], q1["closed"], q1["total"]) == (
        money("150.00"), money("0.00"), money("200.00"), money("0.00"), money("350.00"),
    )  # fmt: skip
    assert report.totals is not None
    # 7 + 150 + 200 + 400 = 757.
    assert report.totals.values["total"] == money("757.00")
    assert (report.chart.kind, report.chart.series) == (
        "stacked_bar", ("pipeline", "best_case", "commit", "closed"),
    )  # fmt: skip


def test_a_forecast_cell_drills_to_its_category_in_its_period_within_the_range() -> None:
    cells = [CategoryMonth(2026, 5, "Best Case", money("10.00"))]
    report = forecast_report(
        cells,
        filters(period="quarter", fiscal_year_start_month=4, date_from=date(2026, 5, 10),
                date_to=date(2026, 12, 31), owner_ids=(1,)),
        LOOKUPS,
    )  # fmt: skip
    # The range covers FY2027 Q1 (from 10 May), Q2 and Q3: three rows, two of them empty.
    assert column(report, "period") == ["FY2027 Q1", "FY2027 Q2", "FY2027 Q3"]
    assert column(report, "total") == [money("10.00"), money("0.00"), money("0.00")]
    assert dict(report.rows[0].drills["best_case"].filters) == {
        "owner": ["1"], "forecast_category": ["Best Case"],
        "close_from": "2026-05-10", "close_to": "2026-06-30",
    }  # fmt: skip
    assert report.rows[2].drills["total"].filters["forecast_category"] == [
        "Pipeline", "Best Case", "Commit", "Closed",
    ]  # fmt: skip


def test_a_forecast_without_data_has_no_rows_and_zero_totals() -> None:
    report = forecast_report([], filters(), LOOKUPS)
    assert report.rows == ()
    assert report.totals is not None and report.totals.values["total"] == money("0.00")


# --- win rate --------------------------------------------------------------------------------


def test_win_rate_by_owner_is_won_over_closed_with_the_average_of_won_deals_with_an_amount() -> (
    None
):
    tallies = [
        # Zoe: 4 closed, 1 won for 900 (that one has an amount).
        WinTally(1, closed=4, won=1, won_amount=money("900.00"), won_with_amount=1),
        # Adam: 3 closed, 2 won for 1000 in all, but one won deal has no amount.
        WinTally(2, closed=3, won=2, won_amount=money("1000.00"), won_with_amount=1),
    ]
    report = win_rate_report(tallies, filters(by="owner"), LOOKUPS)
    assert column(report, "owner") == ["Adam Ant", "Zoe Zed"]  # by name
    adam, zoe = (row.values for row in report.rows)
    # Adam: 2/3 = 66.7 %, lost 1, average 1000 / 1 = 1000 (the deal without amount left out).
    assert (adam["closed"], adam["won"], adam["lost"], adam["win_rate"]) == (
        3, 2, 1, Decimal("66.7"),
    )  # fmt: skip
    assert adam["average_deal_size"] == money("1000.00")
    # Zoe: 1/4 = 25.0 %.
    assert (zoe["win_rate"], zoe["lost"]) == (Decimal("25.0"), 3)
    assert report.totals is not None
    # All: 3 won of 7 closed = 42.857 -> 42.9 %; average (900 + 1000) / 2 = 950.
    assert report.totals.values["win_rate"] == Decimal("42.9")
    assert report.totals.values["average_deal_size"] == money("950.00")
    drills = report.rows[0].drills
    assert dict(drills["won"].filters) == {"owner": ["2"], "state": "won"}
    assert drills["lost"].filters["state"] == "lost"
    assert drills["closed"].filters["state"] == "closed"
    assert "win_rate" not in drills
    assert (report.chart.kind, report.chart.category, report.chart.series) == (
        "bar", "owner", ("win_rate",),
    )  # fmt: skip


def test_win_rate_by_source_follows_the_source_order_with_no_source_last() -> None:
    tallies = [
        WinTally(None, 2, 0, money("0.00"), 0),
        WinTally(3, 1, 1, money("5.00"), 1),
        WinTally(1, 5, 5, money("10.00"), 5),
    ]
    report = win_rate_report(tallies, filters(by="source"), LOOKUPS)
    assert column(report, "lead_source") == ["Web", "Trade Show (inactive)", "(none)"]
    assert report.rows[0].drills["won_amount"].filters == {"lead_source": ["Web"], "state": "won"}
    # The list cannot filter "no lead source": that row has numbers but no drills.
    assert report.rows[2].drills == {}
    assert report.rows[2].values["win_rate"] == Decimal("0.0")  # 0 won of 2 closed


def test_win_rate_by_period_is_a_line_of_periods_and_an_empty_period_has_no_rate() -> None:
    tallies = [
        WinTally((2026, 1), 2, 1, money("100.00"), 1),
        WinTally((2026, 3), 2, 2, money("300.00"), 2),
    ]
    report = win_rate_report(
        tallies,
        filters(by="period", period="quarter", date_from=date(2026, 1, 1),
                date_to=date(2026, 6, 30)),
        LOOKUPS,
    )  # fmt: skip
    assert column(report, "period") == ["FY2026 Q1", "FY2026 Q2"]
    q1, q2 = (row.values for row in report.rows)
    # Q1: 3 won of 4 closed = 75.0 %; average (100 + 300) / 3 = 133.33.
    assert (q1["closed"], q1["won"], q1["win_rate"]) == (4, 3, Decimal("75.0"))
    assert q1["average_deal_size"] == money("133.33")
    assert (q2["closed"], q2["win_rate"], q2["average_deal_size"]) == (0, None, None)
    assert report.rows[1].drills["closed"].filters == {
        "close_from": "2026-04-01", "close_to": "2026-06-30", "state": "closed",
    }  # fmt: skip
    assert report.chart.kind == "line"


# --- lost reasons ----------------------------------------------------------------------------


def test_lost_reasons_show_every_active_reason_and_others_only_when_used() -> None:
    tallies = [
        LostTally(2, 3, money("300.00")),
        LostTally(None, 1, money("0.00")),
    ]
    report = lost_reasons_report(tallies, filters(owner_ids=(1,)), LOOKUPS)
    # Price (active, none lost), Competitor 3, Timing is inactive and unused; "(none)" last.
    assert column(report, "lost_reason") == ["Price", "Competitor", "(none)"]
    assert column(report, "count") == [0, 3, 1]
    # Shares of the 4 lost: 0 %, 3/4 = 75 %, 1/4 = 25 %.
    assert column(report, "share") == [Decimal("0.0"), Decimal("75.0"), Decimal("25.0")]
    assert dict(report.rows[1].drills["count"].filters) == {
        "owner": ["1"], "state": "lost", "lost_reason": ["Competitor"],
    }  # fmt: skip
    assert report.rows[2].drills == {}
    assert report.totals is not None
    assert (report.totals.values["count"], report.totals.values["amount"]) == (
        4, money("300.00"),
    )  # fmt: skip


def test_an_inactive_lost_reason_is_shown_marked_while_it_holds_lost_opportunities() -> None:
    report = lost_reasons_report([LostTally(3, 2, money("20.00"))], filters(), LOOKUPS)
    assert column(report, "lost_reason") == ["Price", "Competitor", "Timing (inactive)"]
    assert report.rows[2].drills["amount"].filters["lost_reason"] == ["Timing"]


def test_no_lost_opportunities_is_zero_rows_with_no_share() -> None:
    report = lost_reasons_report([], filters(), LOOKUPS)
    assert column(report, "count") == [0, 0]
    assert column(report, "share") == [None, None]
