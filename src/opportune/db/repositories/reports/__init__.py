"""Report queries: each aggregates in the database (GROUP BY over the right index) and
returns a few grouped rows, never the records themselves."""

from __future__ import annotations

from sqlalchemy import Connection

from opportune.db.repositories.reports.cycles import CycleReportQueries
from opportune.db.repositories.reports.deals import DealReportQueries
from opportune.db.repositories.reports.leads import LeadReportQueries

__all__ = ["CycleReportQueries", "DealReportQueries", "LeadReportQueries", "ReportQueries"]


class ReportQueries:
    """Every report query, over one connection: lead, deal (opportunity) and cycle queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.leads = LeadReportQueries(conn)
        self.deals = DealReportQueries(conn)
        self.cycles = CycleReportQueries(conn)
