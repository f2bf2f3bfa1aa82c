"""The sales-cycle and time-in-stage reports: query, then shape the rows."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult

CYCLE_RUNNERS: dict[str, Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]] = {}
