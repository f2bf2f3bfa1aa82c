"""The sales-cycle and time-in-stage reports: query, then shape the rows."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.cycles import sales_cycle_report, time_in_stage_report
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult


def sales_cycle(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Days from opportunity (and lead) creation to closed won, by period, owner or source."""
    tallies, total = queries.cycles.sales_cycle(filters)
    return sales_cycle_report(tallies, total, filters, lookups)


def time_in_stage(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    """Days spent per open stage, and opportunities stuck in one too long."""
    return time_in_stage_report(queries.cycles.time_in_stage(filters), filters, lookups)


CYCLE_RUNNERS: dict[str, Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]] = {
    "sales-cycle": sales_cycle,
    "time-in-stage": time_in_stage,
}
