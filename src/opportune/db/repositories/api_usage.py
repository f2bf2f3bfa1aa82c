"""The shared daily count of Salesforce-compatible API requests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from opportune.db import tables as t

_days = t.api_usage_days


class ApiUsageRepository:
    """Rows of ``api_usage_days``: one per UTC day."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, day: date, requests: int) -> int:
        """Add ``requests`` to the day's count (atomically) and return the new total."""
        stmt = update(_days).where(_days.c.day == day).values(requests=_days.c.requests + requests)
        if not self.conn.execute(stmt).rowcount:
            try:
                with self.conn.begin_nested():  # another process may insert the day first
                    self.conn.execute(insert(_days).values(day=day, requests=requests))
            except IntegrityError:
                self.conn.execute(stmt)
        return self.total(day)

    def total(self, day: date) -> int:
        """The day's count (0 when nothing was counted)."""
        found = self.conn.execute(select(_days.c.requests).where(_days.c.day == day)).scalar()
        return int(found or 0)

    def remove_before(self, day: date) -> None:
        """Forget the counts of days before ``day``."""
        self.conn.execute(delete(_days).where(_days.c.day < day))
