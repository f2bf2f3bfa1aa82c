"""The lead-funnel, lead-conversion, lead-aging and source-to-revenue reports."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.lead_rows import age_cutoffs, open_statuses, untouched_before
from opportune.domain.reports.leads import (
    lead_aging,
    lead_conversion,
    lead_funnel,
    source_to_revenue,
)
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult


def _funnel(queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups) -> ReportResult:
    return lead_funnel(queries.leads.by_status(filters), filters, lookups)


def _conversion(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    return lead_conversion(queries.leads.conversion(filters, filters.by), filters, lookups)


def _aging(queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups) -> ReportResult:
    counts = queries.leads.aging(
        filters,
        open_status_ids=[s.id for s in open_statuses(lookups.statuses)],
        cutoffs=age_cutoffs(filters.today),
        untouched_before=untouched_before(filters.today, filters.days),
    )
    return lead_aging(counts, filters, lookups)


def _source_to_revenue(
    queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
) -> ReportResult:
    leads = queries.leads.conversion(filters, "source")
    return source_to_revenue(leads, queries.leads.deals_by_source(filters), filters, lookups)


LEAD_RUNNERS: dict[str, Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]] = {
    "lead-funnel": _funnel,
    "lead-conversion": _conversion,
    "lead-aging": _aging,
    "source-to-revenue": _source_to_revenue,
}
