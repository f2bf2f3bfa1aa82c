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
        _without_jit(conn)
        self.leads = LeadReportQueries(conn)
        self.deals = DealReportQueries(conn)
        self.cycles = CycleReportQueries(conn)


def _without_jit(conn: Connection) -> None:
    """PostgreSQL: no JIT compilation for the rest of this report's (read) transaction.

    Report queries over the whole data set pass ``jit_above_cost``, and compiling them cost
    more than running them (0.44 s of the 0.75 s a sales cycle took over 50,000 won
    opportunities). Only this transaction changes; SQLite has no JIT.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
