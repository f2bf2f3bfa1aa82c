"""The pipeline, forecast, win-rate and lost-reasons reports: query, then shape the rows."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.deals import lost_reasons_report, pipeline_report
from opportune.domain.reports.forecast import forecast_report
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult
from opportune.domain.reports.win_rate import win_rate_report


def pipeline(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Open opportunities per stage: count, amount and expected revenue."""
    return pipeline_report(queries.deals.pipeline(filters), filters, lookups)


def forecast(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Amounts by forecast category per close period."""
    return forecast_report(queries.deals.forecast(filters), filters, lookups)


def win_rate(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Won ÷ closed by owner, lead source or close period, and average deal size."""
    return win_rate_report(queries.deals.win_tallies(filters), filters, lookups)


def lost_reasons(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Closed lost opportunities by lost reason."""
    return lost_reasons_report(queries.deals.lost_tallies(filters), filters, lookups)


DEAL_RUNNERS: dict[str, Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]] = {
    "pipeline": pipeline,
    "forecast": forecast,
    "win-rate": win_rate,
    "lost-reasons": lost_reasons,
}
