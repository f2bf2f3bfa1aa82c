"""The lead-funnel, lead-conversion, lead-aging and source-to-revenue reports."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult

LEAD_RUNNERS: dict[str, Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]] = {}
