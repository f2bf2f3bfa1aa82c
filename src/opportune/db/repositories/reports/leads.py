"""Lead funnel, conversion, aging and source-to-revenue queries."""

from __future__ import annotations

from sqlalchemy import Connection


class LeadReportQueries:
    """Lead funnel, conversion, aging and source-to-revenue queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
