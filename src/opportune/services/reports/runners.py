"""Which function computes each report (each group of reports registers its own)."""

from __future__ import annotations

from collections.abc import Callable

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult
from opportune.services.reports.cycles import CYCLE_RUNNERS
from opportune.services.reports.deals import DEAL_RUNNERS
from opportune.services.reports.leads import LEAD_RUNNERS

Runner = Callable[[ReportQueries, ReportFilters, ReportLookups], ReportResult]

RUNNERS: dict[str, Runner] = {**LEAD_RUNNERS, **DEAL_RUNNERS, **CYCLE_RUNNERS}
