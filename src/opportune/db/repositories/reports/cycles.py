"""Sales cycle and time-in-stage queries."""

from __future__ import annotations

from sqlalchemy import Connection


class CycleReportQueries:
    """Sales cycle and time-in-stage queries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
