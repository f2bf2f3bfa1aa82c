"""Web forms and their submissions (rate limits and the overflow queue read them).

OWNER: helper "web-to-lead".
"""

from __future__ import annotations

from sqlalchemy import Connection


class WebFormRepository:
    """Web forms and their submissions (rate limits and the overflow queue read them)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
