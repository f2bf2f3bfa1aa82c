"""Pipeline, forecast, win rate and lost-reason queries."""

from __future__ import annotations

from sqlalchemy import Connection


class DealReportQueries:
    """Pipeline, forecast, win rate and lost-reason queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
